/**
 * Acknowledgement deadlines for every event in flight, with one timer for all of them (as
 * undici's low-precision timers do): entries are kept in send order, and since every entry has
 * the same timeout, the oldest is always the first to expire. A sweep every quarter timeout
 * fails what is overdue, so nothing stalls silently.
 */
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import type { SendDone } from './types.js';

export interface Deadline {
  at: number;
  done: SendDone | undefined;
}

export class Deadlines {
  private queue: Deadline[] = [];
  private head = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (d: Deadline) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Starts tracking an event; settle it with `settle` when its acknowledgement comes. */
  add(done: SendDone): Deadline {
    const d: Deadline = { at: this.clock.now() + this.timeoutMs, done };
    this.queue.push(d);
    if (this.timer === undefined)
      // unref: a sweep alone must not keep the process alive
      this.timer = this.clock.setInterval(() => this.sweep(), Math.max(10, this.timeoutMs / 4)).unref();
    return d;
  }

  /** Runs the event's callback once; false when it had already expired (the late ack is dropped). */
  settle(d: Deadline, err: Error | undefined): boolean {
    const done = d.done;
    if (!done) return false;
    d.done = undefined;
    done(err);
    return true;
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  sweep(): void {
    const now = this.clock.now();
    const q = this.queue;
    while (this.head < q.length) {
      const d = q[this.head]!;
      if (d.done && d.at > now) break;
      this.head++;
      if (d.done) this.onExpire(d);
    }
    if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.queue.length && this.timer !== undefined) {
      this.clock.clearInterval(this.timer);
      this.timer = undefined;
      this.queue = [];
      this.head = 0;
    }
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }
}
