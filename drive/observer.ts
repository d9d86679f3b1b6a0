/**
 * What watches a drive: metrics sampling, thresholds, progress, logs, ground-truth hooks. They
 * attach through this one interface, and the drive loop pays for them once: the `sent` hooks are
 * composed into one function before the first event (none, one called directly, or a loop), and
 * the ticks of each period share one timer.
 */
import type { Emitted } from '../agent/sim/simulator.js';
import type { Clock, TimerHandle } from '../core/clock.js';

export interface DriveObserver {
  /** Each event as it is handed to the transport. On the hot path: it must not allocate. */
  sent?(e: Emitted): void;
  /** Every `everyMs` of wall time while the drive runs, at multiples of it (second marks for 1000). */
  tick?(nowMs: number): void;
  /** The period of `tick`, ms. @default 1000 */
  everyMs?: number;
}

/** One function for every `sent` hook; undefined when there is none. */
export function composeSent(observers: readonly DriveObserver[]): ((e: Emitted) => void) | undefined {
  const hooks = observers.filter((o) => o.sent);
  if (hooks.length === 0) return undefined;
  if (hooks.length === 1) {
    const only = hooks[0]!;
    return (e) => only.sent!(e);
  }
  return (e) => {
    for (let i = 0; i < hooks.length; i++) hooks[i]!.sent!(e);
  };
}

/**
 * Starts the observers' ticks: one timer per period, re-armed at the next multiple of it so the
 * ticks stay on their marks however late one ran; observers of one period tick in list order.
 * Returns the function that stops them.
 */
export function startTicks(clock: Clock, observers: readonly DriveObserver[]): () => void {
  const byPeriod = new Map<number, DriveObserver[]>();
  for (const o of observers) {
    if (!o.tick) continue;
    const every = Math.max(1, o.everyMs ?? 1000);
    byPeriod.set(every, [...(byPeriod.get(every) ?? []), o]);
  }
  const timers = new Map<number, TimerHandle>();
  let stopped = false;
  const arm = (every: number, group: readonly DriveObserver[]) => {
    const fire = () => {
      if (stopped) return;
      const now = clock.now();
      for (const o of group) o.tick!(now);
      if (!stopped) timers.set(every, clock.setTimeout(fire, every - (clock.now() % every)));
    };
    timers.set(every, clock.setTimeout(fire, every - (clock.now() % every)));
  };
  for (const [every, group] of byPeriod) arm(every, group);
  return () => {
    stopped = true;
    for (const t of timers.values()) clock.clearTimeout(t);
    timers.clear();
  };
}
