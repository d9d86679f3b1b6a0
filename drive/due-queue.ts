/**
 * Events the simulator had due that flow control (the in-flight window, the rate cap) has not let
 * out yet, oldest first. The drive loop takes events from the simulator when they fall due, not
 * when they can go, so `offered` counts the load the scenario asked for and `sent` what went out;
 * the queue holds at most `cap` events (beyond that, due events wait in the simulator uncounted).
 */
import type { Emitted } from '../agent/sim/simulator.js';

export class DueQueue {
  private items: (Emitted | undefined)[] = [];
  private head = 0;

  constructor(readonly cap: number) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get full(): boolean {
    return this.length >= this.cap;
  }

  push(e: Emitted): void {
    this.items.push(e);
  }

  peek(): Emitted | undefined {
    return this.items[this.head];
  }

  shift(): Emitted | undefined {
    const e = this.items[this.head];
    if (e === undefined) return undefined;
    this.items[this.head++] = undefined;
    // compact once the taken half dominates, so the array does not grow without end
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return e;
  }

  /** Empties the queue, handing back what it held oldest first. */
  drain(): Emitted[] {
    const out = this.items.slice(this.head) as Emitted[];
    this.items = [];
    this.head = 0;
    return out;
  }
}
