/**
 * A calendar bucket's run comes out in (time, id) order, whichever sort its size and times pick:
 * insertion (short), one key per entry (middling), radix (long, whole ms), a comparator (fractions
 * of a ms); and the two words of each entry move with it.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng.js';
import { SortedRun } from '../core/sorted-run.js';

function check(k: number, seed: string, frac: boolean, spread: number): void {
  const r = new Rng(seed);
  const run = new SortedRun();
  run.grow(k);
  const ids = Array.from({ length: 4 * k }, (_, j) => j).sort(() => r.next() - 0.5);
  const want: [number, number, number, number][] = [];
  const origin = Date.parse('2026-01-01T00:00:00Z');
  for (let j = 0; j < k; j++) {
    const t = origin + Math.floor(r.next() * spread) + (frac ? r.next() : 0);
    const id = ids[j]!;
    run.t[j] = t;
    run.i[j] = id;
    run.a[j] = id * 3;
    run.b[j] = 1_000_000 - id;
    want.push([t, id, id * 3, 1_000_000 - id]);
  }
  want.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  run.sort(k, 2 ** Math.ceil(Math.log2(4 * k)));
  const got = Array.from({ length: k }, (_, j) => [run.t[j], run.i[j], run.a[j], run.b[j]]);
  expect(got, `${k} entries, seed ${seed}${frac ? ', fractional' : ''}`).toEqual(want);
}

describe('SortedRun', () => {
  it('sorts short, middling and long runs of whole-ms times by (time, id), words with them', () => {
    for (const k of [2, 20, 24, 25, 64, 65, 255, 256, 3_000, 20_000]) check(k, `w${k}`, false, 250);
  });

  it('sorts long runs whose times spread too far for a 32-bit key, and fractional times', () => {
    check(5_000, 'wide', false, 5e6);
    check(3_000, 'frac', true, 250);
  });
});
