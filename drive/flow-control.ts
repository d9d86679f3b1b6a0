/**
 * Flow control for the run loop, pure (time comes in as arguments):
 * - `InFlightWindow` caps events sent but not yet acknowledged and, when adaptive, finds the
 *   endpoint's capacity the way TCP Vegas does: it grows while acknowledgement latency stays near
 *   the lowest seen (slow start doubles, then it adds about sqrt(limit) per round) and shrinks in
 *   proportion when latency inflates, halving on overload (a timeout, 429/503). aedes collapses
 *   rather than slows when pushed past its capacity (measured on this machine), so the window must back
 *   off on queueing latency, before anything fails.
 * - `Pacer` is a token bucket that caps events per second.
 */

export interface WindowOptions {
  /** Largest window: the scenario's maxInFlight. */
  max: number;
  /** @default 1 */
  min?: number;
  /** First window. @default min(max, 16) */
  initial?: number;
  /** false holds the window at `max`. @default true */
  adaptive?: boolean;
  /** Latency up to tolerance x the lowest seen counts as "no queue". @default 2 */
  tolerance?: number;
  /** Latency below this (µs) never counts as queueing, whatever the minimum: loopback jitter. @default 2000 */
  floorUs?: number;
}

export class InFlightWindow {
  private limit: number;
  private readonly min: number;
  private readonly max: number;
  private readonly adaptive: boolean;
  private readonly tolerance: number;
  private readonly floorUs: number;
  private slowStart = true;
  private minRtt = Infinity;
  private epochMin = Infinity;
  private epochSum = 0;
  private epochCount = 0;
  private epochs = 0;

  constructor(opts: WindowOptions) {
    this.max = Math.max(1, opts.max);
    this.min = Math.min(this.max, Math.max(1, opts.min ?? 1));
    this.adaptive = opts.adaptive ?? true;
    this.limit = this.adaptive ? Math.min(this.max, Math.max(this.min, opts.initial ?? 16)) : this.max;
    this.tolerance = opts.tolerance ?? 2;
    this.floorUs = opts.floorUs ?? 2_000;
  }

  /** Events that may be in flight now. */
  get size(): number {
    return Math.floor(this.limit);
  }

  /** One acknowledgement and its latency in µs. */
  onAck(latencyUs: number): void {
    if (!this.adaptive) return;
    if (latencyUs < this.epochMin) this.epochMin = latencyUs;
    this.epochSum += latencyUs;
    if (++this.epochCount < Math.max(8, this.size)) return;
    this.endEpoch();
  }

  /** The target signalled overload: halve at once and leave slow start. */
  onCongestion(): void {
    if (!this.adaptive) return;
    this.slowStart = false;
    this.limit = Math.max(this.min, this.limit / 2);
    this.resetEpoch();
  }

  /**
   * A device's link was lost and is back (an acknowledgement of an event that straddled it): its
   * latency is the outage's and is no sample (Karn's rule), and the lowest latency seen may be of
   * a target that is gone (a restarted endpoint is a new process, cold and replaying its journal),
   * so it is learned again; the window keeps its size, and the fleet goes on at the pace it had.
   */
  onLinkBack(): void {
    if (!this.adaptive) return;
    this.minRtt = Infinity;
  }

  private endEpoch(): void {
    const avg = this.epochSum / this.epochCount;
    // The lowest latency drifts with the machine's load; re-learn it every 32 rounds.
    this.minRtt = ++this.epochs % 32 === 0 ? this.epochMin : Math.min(this.minRtt, this.epochMin);
    const threshold = Math.max(this.floorUs, this.minRtt * this.tolerance);
    if (avg <= threshold) {
      this.limit = this.slowStart ? this.limit * 2 : this.limit + Math.max(1, Math.sqrt(this.limit));
    } else {
      this.slowStart = false;
      this.limit = this.limit * Math.max(0.5, threshold / avg);
    }
    this.limit = Math.min(this.max, Math.max(this.min, this.limit));
    this.resetEpoch();
  }

  private resetEpoch(): void {
    this.epochMin = Infinity;
    this.epochSum = 0;
    this.epochCount = 0;
  }
}

/** Token bucket: at most `ratePerSec` events a second, bursts of up to `burst`. */
export class Pacer {
  private tokens: number;
  private last: number | undefined;
  private readonly burst: number;

  constructor(
    private readonly ratePerSec: number,
    burst?: number,
  ) {
    this.burst = burst ?? Math.max(1, Math.ceil(ratePerSec / 50));
    this.tokens = this.burst;
  }

  private refill(nowMs: number): void {
    if (this.last !== undefined)
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.last) * this.ratePerSec) / 1000);
    this.last = nowMs;
  }

  /** Takes one token if there is one. */
  take(nowMs: number): boolean {
    this.refill(nowMs);
    // 1e-9: sums of fractional refills land a hair under 1 and would lose a token each second.
    if (this.tokens < 1 - 1e-9) return false;
    this.tokens -= 1;
    return true;
  }

  /** Ms until the next token. */
  waitMs(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens >= 1 - 1e-9 ? 0 : ((1 - this.tokens) * 1000) / this.ratePerSec;
  }
}
