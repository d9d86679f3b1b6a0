/**
 * Acknowledgement deadlines for every event in flight, with one timer for all of them (as
 * undici's low-precision timers do): entries are kept in send order, and since every entry has
 * the same timeout, the oldest is always the first to expire. A sweep every quarter timeout
 * fails what is overdue, so nothing stalls silently. No object per event: an entry is a ticket
 * (its number in send order) into a ring of parallel arrays that grows when the span of
 * unsettled entries outgrows it.
 */
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import type { SendDone } from './types.js';

/** An entry: its number in send order. */
export type Deadline = number;

export class Deadlines {
  private at = new Float64Array(64);
  /** The ticket each slot holds, so a late answer for a slot since reused is told apart. */
  private ticket = new Float64Array(64);
  private done: (SendDone | undefined)[] = new Array(64);
  /** Tickets head..tail-1 are in the ring (settled ones as holes until they reach the head). */
  private head = 0;
  private tail = 0;
  private timer: TimerHandle | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpire: (d: Deadline) => void,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Starts tracking an event; settle it with `settle` when its acknowledgement comes. */
  add(done: SendDone): Deadline {
    if (this.tail - this.head === this.at.length) this.grow();
    const d = this.tail++;
    const k = d & (this.at.length - 1);
    this.at[k] = this.clock.now() + this.timeoutMs;
    this.ticket[k] = d;
    this.done[k] = done;
    if (this.timer === undefined)
      // unref: a sweep alone must not keep the process alive
      this.timer = this.clock.setInterval(() => this.sweep(), Math.max(10, this.timeoutMs / 4)).unref();
    return d;
  }

  /** Runs the event's callback once; false when it had already expired (the late ack is dropped). */
  settle(d: Deadline, err: Error | undefined, queuedMs?: number): boolean {
    const k = d & (this.at.length - 1);
    const done = this.done[k];
    if (!done || this.ticket[k] !== d) return false;
    this.done[k] = undefined;
    if (queuedMs === undefined) done(err);
    else done(err, queuedMs);
    return true;
  }

  get pending(): number {
    let n = 0;
    for (let d = this.head; d < this.tail; d++) if (this.done[d & (this.at.length - 1)]) n++;
    return n;
  }

  sweep(): void {
    const now = this.clock.now();
    const mask = this.at.length - 1;
    while (this.head < this.tail) {
      const k = this.head & mask;
      if (this.done[k] && this.at[k]! > now) break;
      const d = this.head++;
      if (this.done[k]) {
        this.onExpire(d);
        this.done[k] = undefined;
      }
    }
    if (this.head === this.tail && this.timer !== undefined) {
      this.clock.clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearInterval(this.timer);
    this.timer = undefined;
  }

  private grow(): void {
    const n = this.at.length * 2;
    const at = new Float64Array(n);
    const ticket = new Float64Array(n);
    const done: (SendDone | undefined)[] = new Array(n);
    const oldMask = this.at.length - 1;
    for (let d = this.head; d < this.tail; d++) {
      at[d & (n - 1)] = this.at[d & oldMask]!;
      ticket[d & (n - 1)] = d;
      done[d & (n - 1)] = this.done[d & oldMask];
    }
    this.at = at;
    this.ticket = ticket;
    this.done = done;
  }
}
