/**
 * The one source of time. Every timer in the program (drive loop, watchdog, progress, transport
 * deadlines, HTTP retries, workers' progress) takes a `Clock`, so tests move time by hand with a
 * `ManualClock` instead of sleeping. `now()` is epoch milliseconds, fractional: one epoch for
 * every caller, so a wall time measured in one place compares with one measured in another.
 */

/** A pending timer. Node's Timeout is one; `unref()` lets the process exit while it is pending. */
export interface TimerHandle {
  unref(): TimerHandle;
}

export interface Clock {
  /** Epoch milliseconds, fractional. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | undefined): void;
  setInterval(fn: () => void, ms: number): TimerHandle;
  clearInterval(handle: TimerHandle | undefined): void;
}

/** Wall time and Node's timers. `performance` rather than Date: sub-millisecond and monotonic. */
export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout | undefined),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout | undefined),
};

class ManualTimer implements TimerHandle {
  referenced = true;
  active = true;
  constructor(
    readonly id: number,
    public due: number,
    readonly fn: () => void,
    /** 0 for a timeout. */
    readonly every: number,
  ) {}
  unref(): TimerHandle {
    this.referenced = false;
    return this;
  }
}

/**
 * Time that moves only when a test says so. `advance(ms)` fires every timer that falls due on the
 * way, in due order (ties in the order they were set), with `now()` reading each one's due time
 * while it runs; timers set while advancing fire too if they fall within the step.
 */
export class ManualClock implements Clock {
  private t: number;
  private nextId = 0;
  /** Sorted by (due, id). */
  private timers: ManualTimer[] = [];

  constructor(startMs = 0) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, 0);
  }

  setInterval(fn: () => void, ms: number): TimerHandle {
    return this.add(fn, ms, Math.max(1, ms));
  }

  clearTimeout(handle: TimerHandle | undefined): void {
    if (!(handle instanceof ManualTimer) || !handle.active) return;
    handle.active = false;
    this.timers.splice(this.timers.indexOf(handle), 1);
  }

  clearInterval(handle: TimerHandle | undefined): void {
    this.clearTimeout(handle);
  }

  /** Moves time forward by `ms`, firing what falls due. */
  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  /** Moves time forward to `at` (never back), firing what falls due. */
  advanceTo(at: number): void {
    for (let first = this.timers[0]; first && first.due <= at; first = this.timers[0]) this.fire(first);
    if (at > this.t) this.t = at;
  }

  /**
   * Jumps to the earliest referenced timer and fires it (unreferenced ones due before it fire on
   * the way, as they would have). False when no referenced timer is pending: nothing would keep a
   * real process waiting.
   */
  next(): boolean {
    const first = this.timers.find((x) => x.referenced);
    if (!first) return false;
    this.advanceTo(first.due);
    return true;
  }

  /** Timers pending, referenced or not. */
  get pending(): number {
    return this.timers.length;
  }

  private add(fn: () => void, ms: number, every: number): ManualTimer {
    const timer = new ManualTimer(++this.nextId, this.t + Math.max(0, ms), fn, every);
    this.insert(timer);
    return timer;
  }

  private insert(timer: ManualTimer): void {
    const list = this.timers;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = list[mid]!;
      if (m.due < timer.due || (m.due === timer.due && m.id < timer.id)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, timer);
  }

  private fire(timer: ManualTimer): void {
    this.timers.shift();
    if (timer.due > this.t) this.t = timer.due;
    if (timer.every > 0) {
      timer.due += timer.every;
      this.insert(timer);
    } else timer.active = false;
    timer.fn();
  }
}
