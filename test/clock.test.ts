import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, sourceFiles } from './helpers.js';
import { ManualClock, systemClock } from '../core/clock.js';

describe('the manual clock', () => {
  it('fires timers in due order as time advances, each seeing its own due time', () => {
    const clock = new ManualClock(1_000);
    const seen: string[] = [];
    clock.setTimeout(() => seen.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => seen.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => seen.push(`c@${clock.now()}`), 20);
    clock.advance(15);
    expect(seen).toEqual(['a@1010']);
    expect(clock.now()).toBe(1_015);
    clock.advance(5);
    expect(seen).toEqual(['a@1010', 'b@1020', 'c@1020']);
    expect(clock.pending).toBe(0);
  });

  it('repeats an interval until cleared, and fires a timer set while advancing when it falls in the step', () => {
    const clock = new ManualClock();
    const ticks: number[] = [];
    const h = clock.setInterval(() => {
      ticks.push(clock.now());
      if (ticks.length === 2) clock.setTimeout(() => ticks.push(-clock.now()), 5);
    }, 10);
    clock.advance(35);
    expect(ticks).toEqual([10, 20, -25, 30]);
    clock.clearInterval(h);
    clock.advance(100);
    expect(ticks).toHaveLength(4);
  });

  it('a cleared timeout never fires; clearing twice or clearing undefined is harmless', () => {
    const clock = new ManualClock();
    let fired = false;
    const h = clock.setTimeout(() => (fired = true), 1);
    clock.clearTimeout(h);
    clock.clearTimeout(h);
    clock.clearTimeout(undefined);
    clock.advance(10);
    expect(fired).toBe(false);
  });

  it('next() jumps to the earliest referenced timer; unreferenced ones fire on the way but never pull time', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    clock.setInterval(() => seen.push(clock.now()), 100).unref();
    clock.setTimeout(() => seen.push(-clock.now()), 250);
    expect(clock.next()).toBe(true);
    expect(seen).toEqual([100, 200, -250]);
    expect(clock.next()).toBe(false);
    expect(clock.now()).toBe(250);
  });
});

describe('the system clock', () => {
  it('reads epoch milliseconds and its timers run', async () => {
    const before = Date.now();
    expect(Math.abs(systemClock.now() - before)).toBeLessThan(1_000);
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, 1));
    let n = 0;
    await new Promise<void>((resolve) => {
      const h = systemClock.setInterval(() => {
        if (++n === 2) {
          systemClock.clearInterval(h);
          resolve();
        }
      }, 1);
    });
    expect(n).toBe(2);
  });

  it('is the only time source: no Date.now, setTimeout, setInterval or performance.now outside core/clock.ts', () => {
    const raw = /(^|[^.\w])(Date\.now|setTimeout\(|setInterval\(|performance\.now)/;
    // the live page's script runs in the browser, not in the program
    const exempt = new Set(['core/clock.ts', 'broker/live-page.ts']);
    const offenders = sourceFiles(ROOT)
      .filter((f) => !exempt.has(f))
      .flatMap((f) =>
        readFileSync(join(ROOT, f), 'utf8')
          .split('\n')
          .flatMap((line, i) =>
            raw.test(line) && !/^\s*(\*|\/\/)/.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [],
          ),
      );
    expect(offenders).toEqual([]);
  });
});
