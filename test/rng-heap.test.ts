/**
 * The simulator's two hot primitives keep their contracts after being made cheaper: a generator
 * seeded into a slot (one pass over its key) draws exactly what `new Rng(key)` draws, and
 * replaceTop leaves the heap popping in the same (time, id) order as pop followed by push.
 */
import { describe, expect, it } from 'vitest';
import { TimeHeap } from '../core/heap.js';
import { hash32, Rng, RngSlots } from '../core/rng.js';

describe('core primitives', () => {
  it('a slot seeded from a key in three parts draws as one seeded from the joined key, and gives its hash32', () => {
    const slots = new RngSlots(4);
    for (const [a, b, c] of [
      ['5|', 'ios-000001', '|device'],
      ['seed|', 'dme-0042', '|com.acme.mail'],
      ['', '', ''],
      ['x', 'é✓', '|app'],
    ] as const) {
      const h = slots.seed3(2, a, b, c);
      expect(h).toBe(hash32(a + b + c));
      const want = new Rng(a + b + c);
      for (let k = 0; k < 20; k++) expect(slots.at(2).next()).toBe(want.next());
    }
  });

  it('an RngSlots slot draws the same sequence as an Rng of the same key', () => {
    const slots = new RngSlots(8);
    const keys = ['7|ios-000001|com.acme.mail', 'abc|dme-123456|x', '', 'ü|∑|😀'];
    for (const [i, k] of keys.entries()) slots.seed(i, k);
    keys.forEach((k, i) => {
      const r = new Rng(k);
      for (let n = 0; n < 50; n++) expect(slots.at(i).next(), `${k} draw ${n}`).toBe(r.next());
    });
  });

  it('slots inside records of storage owned elsewhere draw the same, and go on after the storage moves', () => {
    const stride = 16;
    let store = new Int32Array(3 * stride).fill(7);
    const slots = new RngSlots(3, stride, 6, store);
    const keys = ['1|ios-000001|a', '1|ios-000002|a', '1|ios-000003|a'];
    for (const [i, k] of keys.entries()) slots.seed(i, k);
    const refs = keys.map((k) => new Rng(k));
    for (let n = 0; n < 20; n++)
      for (const [i, k] of keys.entries()) expect(slots.at(i).next(), k).toBe(refs[i]!.next());
    // the words around each generator are untouched
    for (let i = 0; i < 3; i++) expect([store[i * stride + 5], store[i * stride + 10]]).toEqual([7, 7]);
    const moved = new Int32Array(6 * stride);
    moved.set(store);
    store = moved;
    slots.rebind(store);
    for (let n = 0; n < 20; n++)
      for (const [i, k] of keys.entries()) expect(slots.at(i).next(), k).toBe(refs[i]!.next());
  });

  it('replaceTop pops in the same order as pop then push, ties broken by id', () => {
    const a = new TimeHeap();
    const b = new TimeHeap();
    const r = new Rng('heap');
    for (let id = 0; id < 500; id++) {
      const t = Math.floor(r.next() * 50);
      a.push(t, id);
      b.push(t, id);
    }
    const order = (h: TimeHeap, replace: boolean) => {
      const out: string[] = [];
      const rr = new Rng('moves');
      for (let k = 0; k < 3000; k++) {
        const t = h.peekTime()!;
        const id = h.peekId()!;
        out.push(`${t}:${id}`);
        const next = t + Math.floor(rr.next() * 20);
        if (replace) h.replaceTop(next, id);
        else {
          h.pop();
          h.push(next, id);
        }
      }
      return out;
    };
    expect(order(a, true)).toEqual(order(b, false));
  });
});
