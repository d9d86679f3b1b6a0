/**
 * The parent of --workers arms its own faults (endpoint windows, restarts) once every worker is
 * driving, timed from the first worker's drive start: armed at the first worker's progress, a
 * restart at 1.5 s struck before a slower worker's preflight, whose connect check failed the run.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import type { LiveState } from '../run/run-options.js';
import { ArmWhenAllDriving } from '../run/worker-arming.js';

const progress = (elapsedMs: number) => ({ elapsedMs }) as LiveState;

describe('arming the parent of --workers', () => {
  it('waits for every worker, then arms once from the first drive start', () => {
    const clock = new ManualClock(10_000);
    const armed: number[] = [];
    const a = new ArmWhenAllDriving(3, clock, (t) => armed.push(t), true);
    a.seen(0, progress(500)); // driving since 9,500
    clock.advance(3_000);
    a.seen(0, progress(3_500));
    a.seen(2, progress(200));
    expect(armed).toEqual([]);
    // the last one still starting: nothing yet, then it drives
    a.seen(1, progress(100));
    expect(armed).toEqual([9_500]);
    expect(a.driveStart).toBe(9_500);
    a.seen(1, progress(600));
    expect(armed).toEqual([9_500]);
  });

  it('counts a worker that ended before its first progress, and arms nothing when none drove', () => {
    const clock = new ManualClock(0);
    const armed: number[] = [];
    const a = new ArmWhenAllDriving(2, clock, (t) => armed.push(t), true);
    a.seen(1, undefined);
    a.seen(0, progress(0));
    expect(armed).toEqual([0]);
    const none = new ArmWhenAllDriving(2, clock, (t) => armed.push(t), true);
    none.seen(0, undefined);
    none.seen(1, undefined);
    expect(none.driveStart).toBeUndefined();
    const unneeded = new ArmWhenAllDriving(1, clock, (t) => armed.push(t), false);
    unneeded.seen(0, progress(0));
    expect(armed).toEqual([0]);
  });
});
