/**
 * The calendar queue pops in exactly TimeHeap's order (time, ties by id) under what the simulator
 * does to it: a fleet pushed at once (many equal times), the earliest entry moved to a later time,
 * entries dropped and pushed again later, times before the current bucket, in it, in the next
 * ones, past the wheel's horizon, and the queue running empty and filling again; and the two
 * words each entry carries come out with it.
 */
import { describe, expect, it } from 'vitest';
import { CalendarQueue } from '../core/calendar.js';
import { TimeHeap } from '../core/heap.js';
import { Rng } from '../core/rng.js';

interface Queue {
  readonly size: number;
  peekTime(): number | undefined;
  peekId(): number | undefined;
  push(t: number, id: number): void;
  pop(): number | undefined;
  replaceTop(t: number, id: number): void;
}

/** The same moves on `q`, from one seed: the (time, id) sequence it popped. */
function drive(q: Queue, seed: string, ids: number, moves: number, origin: number, frac = false): string[] {
  const r = new Rng(seed);
  const out: string[] = [];
  const off: number[] = [];
  // a fleet online at once: equal times, and a spread
  for (let id = 0; id < ids; id++) q.push(id % 3 === 0 ? origin : origin + Math.floor(r.next() * 5_000), id);
  for (let k = 0; k < moves; k++) {
    if (q.size === 0) {
      const id = off.pop();
      if (id === undefined) break;
      q.push(origin + k * 997 + Math.floor(r.next() * 1e6), id);
      continue;
    }
    const t = q.peekTime()!;
    const id = q.peekId()!;
    out.push(`${t}:${id}`);
    const u = r.next();
    let gap =
      u < 0.2
        ? 0 // same moment (a tie with what is due now)
        : u < 0.3
          ? Math.floor(r.next() * 3) // within the bucket
          : u < 0.8
            ? Math.floor(r.next() * 2_000) // the next buckets
            : u < 0.95
              ? Math.floor(r.next() * 200_000) // past the horizon
              : Math.floor(r.next() * 5e7); // far past it
    // fractions of a ms, as sampled delays have (near 0 they have bits a sort key cannot hold)
    if (frac) gap += r.next();
    if (u > 0.97) {
      q.pop();
      off.push(id);
    } else q.replaceTop(t + gap, id);
    // now and then an entry dropped earlier comes back, sometimes before the current time
    if (off.length > 0 && r.next() < 0.05) q.push(t + Math.floor(r.next() * 400) - 100, off.shift()!);
  }
  while (q.size > 0) out.push(`${q.peekTime()}:${q.pop()}`);
  return out;
}

describe('CalendarQueue', () => {
  it('pops in the same (time, id) order as the binary heap', () => {
    const origin = Date.parse('2026-01-01T00:00:00Z');
    for (const [seed, ids, width, buckets] of [
      ['a', 50, 10, 16],
      ['b', 500, 1, 64],
      ['c', 2_000, 250, 1 << 10],
      ['d', 300, 1_000, 4],
    ] as const) {
      const want = drive(new TimeHeap(), seed, ids, 20_000, origin);
      const got = drive(new CalendarQueue(ids, origin, width, buckets), seed, ids, 20_000, origin);
      expect(got.length, `seed ${seed}`).toBe(want.length);
      expect(got, `seed ${seed}`).toEqual(want);
    }
    for (const [seed, o] of [
      ['f', origin],
      ['g', 0],
    ] as const) {
      const want = drive(new TimeHeap(), seed, 3_000, 20_000, o, true);
      expect(drive(new CalendarQueue(3_000, o, 100, 1 << 8), seed, 3_000, 20_000, o, true), `seed ${seed}`).toEqual(
        want,
      );
    }
  });

  it("carries each entry's two words with it, wherever the entry waits", () => {
    const origin = Date.parse('2026-01-01T00:00:00Z');
    for (const [seed, ids, width, buckets] of [
      ['h', 2_000, 250, 1 << 10],
      ['i', 300, 1_000, 4],
    ] as const) {
      const q = new CalendarQueue(ids, origin, width, buckets);
      const r = new Rng(seed);
      const words = (id: number, gen: number) => [id * 7 + gen, 1_000_000 - id - gen] as const;
      const gen = new Array<number>(ids).fill(0);
      for (let id = 0; id < ids; id++)
        q.push(origin + (id % 2 ? 0 : Math.floor(r.next() * 3_000)), id, ...words(id, 0));
      for (let k = 0; k < 20_000 && q.size > 0; k++) {
        const id = q.peekId()!;
        expect([q.peekA(), q.peekB()], `seed ${seed} move ${k}`).toEqual(words(id, gen[id]!));
        gen[id]!++;
        const u = r.next();
        const gap = u < 0.3 ? 0 : u < 0.6 ? Math.floor(r.next() * 300) : Math.floor(r.next() * 5e6);
        q.replaceTop(q.peekTime()! + gap, id, ...words(id, gen[id]!));
      }
    }
  });

  it('a fleet online in one bucket, each device due again a moment later: the same order as the heap', () => {
    // the moments later fall after the bucket's whole run; they wait apart and are sorted next
    const origin = Date.parse('2026-01-01T00:00:00Z');
    const drain = (q: Queue) => {
      const r = new Rng('later');
      for (let id = 0; id < 5_000; id++) q.push(origin, id);
      const out: string[] = [];
      while (q.size > 0) {
        const t = q.peekTime()!;
        const id = q.peekId()!;
        out.push(`${t}:${id}`);
        const u = r.next();
        if (t - origin > 2_000 || u < 0.1) q.pop();
        else q.replaceTop(t + (u < 0.3 ? 0 : Math.floor(r.next() * 120)), id);
      }
      return out;
    };
    const want = drain(new TimeHeap());
    expect(drain(new CalendarQueue(5_000, origin, 250, 1 << 8))).toEqual(want);
  });

  it('a fleet coming online at one moment, device by device: the same order, and no deep side heap', () => {
    // as the simulator does: a device comes online (its first event pushed) when it comes before
    // the queue's earliest entry. The first device empties the queue; the wheel must not turn to
    // its next event, before which the events of every device after it lie
    const origin = Date.parse('2026-01-01T00:00:00Z');
    const online = (q: Queue, before: (t: number, id: number) => boolean, side = () => 0) => {
      const r = new Rng('online');
      const out: string[] = [];
      let deepest = 0;
      let id = 0;
      while (id < 3_000 || q.size > 0) {
        if (id < 3_000 && before(origin, id)) {
          q.push(origin + (id % 3 ? 0 : 40 + Math.floor(r.next() * 5_000)), id++);
          continue;
        }
        const t = q.peekTime()!;
        const top = q.peekId()!;
        out.push(`${t}:${top}`);
        if (t - origin > 3_600_000) q.pop();
        else q.replaceTop(t + 1 + Math.floor(r.next() * 600_000), top);
        deepest = Math.max(deepest, side());
      }
      return { out, deepest };
    };
    const heap = new TimeHeap();
    const want = online(heap, (t, id) => {
      const top = heap.peekTime();
      return top === undefined || t < top || (t === top && id < heap.peekId()!);
    });
    const q = new CalendarQueue(3_000, origin, 250, 1 << 12);
    const got = online(
      q,
      (t, id) => q.before(t, id),
      () => (q as unknown as { side: { size: number } }).side.size,
    );
    expect(got.out).toEqual(want.out);
    expect(got.deepest).toBeLessThan(50);
  });

  it('empty, it answers undefined and fills again', () => {
    const q = new CalendarQueue(4, 0, 10, 8);
    expect(q.peekTime()).toBeUndefined();
    expect(q.pop()).toBeUndefined();
    q.push(1e9, 2);
    q.push(5, 1);
    expect([q.peekTime(), q.peekId()]).toEqual([5, 1]);
    expect(q.pop()).toBe(1);
    expect(q.pop()).toBe(2);
    expect(q.size).toBe(0);
    q.push(3, 0);
    expect([q.peekTime(), q.pop(), q.size]).toEqual([3, 0, 0]);
  });
});
