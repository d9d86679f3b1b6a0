/**
 * One direction of one proxied connection: bytes read from one socket written to the other,
 * straight through unless a shaping (latency, jitter, bandwidth) or a blackhole applies. The
 * semantics are Toxiproxy's: `latency` delays each chunk by latency plus or minus a uniform jitter,
 * `bandwidth` holds the lane to a rate in KB/s, and a blackhole (Toxiproxy's `timeout` toxic with
 * timeout 0) swallows data while the connection stays open. Chunks keep their order: a chunk is
 * written no earlier than the one before it, whatever its own jitter drew.
 */
import type { Socket } from 'node:net';
import type { Clock, TimerHandle } from '../../core/clock.js';

export interface Shaping {
  /** Added to every chunk, ms. @default 0 */
  latencyMs?: number;
  /** Uniform in [-jitter, +jitter] around the latency (never below 0), ms. @default 0 */
  jitterMs?: number;
  /** Most KB (1024 bytes) per second. @default no limit */
  bandwidthKBps?: number;
}

/** What the lanes count, summed over every connection of the proxy. */
export interface LaneCounters {
  bytesUp: number;
  bytesDown: number;
  /** Chunks and their bytes that a shaping held back. */
  delayedChunks: number;
  delayedBytes: number;
  /** Bytes swallowed by a blackhole partition. */
  blackholedBytes: number;
}

export class Lane {
  shaping: Shaping | undefined;
  blackholed = false;
  private readonly queue: { buf: Buffer; due: number }[] = [];
  private lastDue = 0;
  private timer: TimerHandle | undefined;
  private closed = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly up: boolean,
    private readonly counters: LaneCounters,
    private readonly clock: Clock,
    /** Jitter's draws; the proxy gives the lane its own seeded source once it knows whose it is. */
    public random: () => number,
  ) {}

  push(buf: Buffer): void {
    if (this.closed) return;
    if (this.up) this.counters.bytesUp += buf.length;
    else this.counters.bytesDown += buf.length;
    if (this.blackholed) {
      this.counters.blackholedBytes += buf.length;
      return;
    }
    const s = this.shaping;
    if (!s && this.queue.length === 0) return this.write(buf);
    const now = this.clock.now();
    let due = now;
    if (s) {
      const jitter = s.jitterMs ? (this.random() * 2 - 1) * s.jitterMs : 0;
      due = now + Math.max(0, (s.latencyMs ?? 0) + jitter);
      if (s.bandwidthKBps) due = Math.max(due, this.lastDue) + (buf.length / (s.bandwidthKBps * 1024)) * 1000;
      this.counters.delayedChunks++;
      this.counters.delayedBytes += buf.length;
    }
    due = Math.max(due, this.lastDue);
    this.lastDue = due;
    this.queue.push({ buf, due });
    this.arm();
  }

  /** The shaping was lifted: what it held goes now, in order (a cap that is gone holds nothing back). */
  unshaped(): void {
    if (this.shaping || this.queue.length === 0) return;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    for (const q of this.queue.splice(0)) this.write(q.buf);
    this.lastDue = 0;
  }

  /** A blackhole drops what it holds too: a partitioned link delivers nothing. */
  blackhole(on: boolean): void {
    this.blackholed = on;
    if (!on) return;
    for (const q of this.queue.splice(0)) this.counters.blackholedBytes += q.buf.length;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    const head = this.queue[0];
    if (!head) return;
    this.timer = this.clock.setTimeout(() => this.flush(), Math.max(0, head.due - this.clock.now()));
  }

  private flush(): void {
    this.timer = undefined;
    const now = this.clock.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) this.write(this.queue.shift()!.buf);
    this.arm();
  }

  /** Backpressure as pipe() does it: the reading side pauses until the writing side drains. */
  private write(buf: Buffer): void {
    if (this.to.destroyed) return;
    if (!this.to.write(buf)) {
      this.from.pause();
      this.to.once('drain', () => this.from.resume());
    }
  }
}
