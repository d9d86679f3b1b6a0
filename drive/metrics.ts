/**
 * Run metrics, paid for in bulk (autocannon's way): counters are plain numbers bumped on the hot
 * path, each in the wall second it happened in (a record that finds its second over closes it
 * first, so a late or blocked timer cannot move counts between seconds); ack latencies go into a
 * flat buffer and reach the HDR histograms in batches; a closed second becomes a timeline point
 * and folds its histogram into the whole run's. The same records count per tag row (cohort, app:
 * tag-metrics.ts) when the caller passes the event's row.
 *
 * offered: events the simulator had due (their simulated time reached, in wall time) and handed
 * to the drive loop; sent: events handed to the transport. They differ while flow control (the
 * in-flight window, the rate cap) holds due events back, and by what was due but never sent when
 * a run stops. retried: the transport's own count of events it sent again.
 */
import { FailureReasons } from './failure-reasons.js';
import { encodeHistogram, newLatencyHistogram } from './histograms.js';
import { TagCounters } from './tag-metrics.js';

export * from './histograms.js';

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * One wall second of the run: `t` is the epoch second it covers, so workers' timelines line up.
 * Every event is counted in the second whose wall clock it happened in; only the first and the
 * last second of a run are partial, and `ms` says how much of them the run covered.
 */
export interface TimelinePoint {
  t: number;
  /** Wall ms of second `t` the point covers: 1000, less for the run's first and last seconds. */
  ms: number;
  offered: number;
  sent: number;
  acked: number;
  failed: number;
  retried: number;
  /** Ack latency of the events acknowledged in this second, ms (derived from `ack`). */
  p50?: number;
  p99?: number;
  /** The second's ack-latency histogram (µs, compressed base64), absent when nothing was acked. */
  ack?: string;
}

export interface Counters {
  offered: number;
  sent: number;
  acked: number;
  failed: number;
  retried: number;
}

const BUFFER = 8192;

export class RunMetrics implements Counters {
  offered = 0;
  sent = 0;
  acked = 0;
  failed = 0;
  /**
   * Of the failed, those given up without a definitive answer: the transport's retries ran out
   * (429/503, timeouts, dropped connections), or the run gave up on them (giveUp below).
   */
  gaveUp = 0;
  /** Why the run gave up as a whole (no acknowledgement for the stall limit), when it did. */
  gaveUpReason: string | undefined;
  /** Events sent again after a failure (transports that retry bump it). */
  retried = 0;
  /** The whole run's ack latencies (µs), complete after the last `sample()`. */
  readonly ack = newLatencyHistogram();
  /** The same figures per tag row (cohort, app), when records name their row. */
  readonly tags = new TagCounters();
  /** The current second's ack latencies (µs). */
  private readonly second = newLatencyHistogram();
  private readonly pending = new Float64Array(BUFFER);
  /** The tag row of each pending latency, -1 for none. */
  private readonly pendingRow = new Int32Array(BUFFER);
  private npending = 0;
  firstSendAt = 0;
  lastAckAt = 0;
  lastError: string | undefined;
  /** Why events failed, by kind (failure-reasons.ts): a failure is rare, so counting it is cheap. */
  readonly failures = new FailureReasons();
  readonly timeline: TimelinePoint[] = [];
  private prev: Counters = { offered: 0, sent: 0, acked: 0, failed: 0, retried: 0 };
  /** The epoch second being filled, the first wall ms of it the run covers, and its end. */
  private sec = 0;
  private secFromMs = 0;
  /** 0 until the first second starts: then the first record starts it. */
  private secEndMs = 0;
  /** Timeline points already handed out by `sample()`. */
  private reported = 0;
  /** p99 (ms) of the last full second, for live progress. */
  lastP99 = 0;

  /** Marks where the first second starts (the run's start, wall ms). */
  start(now: number): void {
    this.sec = Math.floor(now / 1000);
    this.secFromMs = now;
    this.secEndMs = (this.sec + 1) * 1000;
  }

  /** An event the simulator had due, taken by the drive loop at wall time `now` (`row`: its tag row). */
  recordOffer(now: number, row = -1): void {
    if (now >= this.secEndMs) this.roll(now);
    this.offered++;
    if (row >= 0) this.tags.offered[row]!++;
  }

  /** An event handed to the transport at wall time `now`. */
  recordSend(now: number, row = -1): void {
    if (now >= this.secEndMs) this.roll(now);
    if (this.sent === 0) this.firstSendAt = now;
    this.sent++;
    if (row >= 0) {
      this.tags.sent[row]!++;
      this.tags.live[row]!++;
    }
  }

  /** An event that failed (`message` says why) at wall time `now` in tag row `row`; `gaveUp`: with no answer. */
  recordFailure(message: string, now: number, row = -1, gaveUp = false): void {
    if (now >= this.secEndMs) this.roll(now);
    this.failed++;
    if (gaveUp) this.gaveUp++;
    this.lastError = message;
    this.failures.add(message);
    if (row >= 0) {
      this.tags.failed[row]!++;
      this.tags.live[row]!--;
    }
  }

  recordAck(latencyUs: number, now: number, row = -1): void {
    if (now >= this.secEndMs) this.roll(now);
    this.acked++;
    this.lastAckAt = now;
    if (row >= 0) {
      this.tags.acked[row]!++;
      this.tags.live[row]!--;
    }
    this.pendingRow[this.npending] = row;
    this.pending[this.npending++] = latencyUs;
    if (this.npending === BUFFER) this.flush();
  }

  /** `n` events still in flight when a run gives up on them: each fails in its own tag row. */
  failInFlight(n: number, message: string, now: number, gaveUp = false): void {
    const live = this.tags.live;
    let left = n;
    for (let r = 0; r < live.length && left > 0; r++)
      while (live[r]! > 0 && left > 0) {
        this.recordFailure(message, now, r, gaveUp);
        left--;
      }
    for (; left > 0; left--) this.recordFailure(message, now, -1, gaveUp);
  }

  /** Moves buffered latencies into the current second's histogram (and their rows'). */
  flush(): void {
    const h = this.second;
    const buf = this.pending;
    const rows = this.pendingRow;
    const byRow = this.tags.ack;
    for (let i = 0; i < this.npending; i++) {
      const v = Math.max(buf[i]!, 1);
      h.recordValue(v);
      const r = rows[i]!;
      if (r >= 0) byRow[r]!.recordValue(v);
    }
    this.npending = 0;
  }

  /** Closes every second that ended by `now`; the counters so far belong to the open one. */
  private roll(now: number): void {
    if (this.secEndMs === 0) return this.start(now);
    this.flush();
    const upTo = Math.floor(now / 1000);
    while (this.sec < upTo) {
      this.close(this.secEndMs - this.secFromMs);
      this.sec++;
      this.secFromMs = this.sec * 1000;
      this.secEndMs = this.secFromMs + 1000;
    }
  }

  /** Appends the open second as a point covering `covered` ms of it. */
  private close(covered: number): TimelinePoint {
    const p = this.prev;
    const point: TimelinePoint = {
      t: this.sec,
      ms: Math.max(1, Math.round(covered)),
      offered: this.offered - p.offered,
      sent: this.sent - p.sent,
      acked: this.acked - p.acked,
      failed: this.failed - p.failed,
      retried: this.retried - p.retried,
    };
    const h = this.second;
    if (h.totalCount > 0) {
      point.p50 = round3(h.getValueAtPercentile(50) / 1000);
      point.p99 = round3(h.getValueAtPercentile(99) / 1000);
      point.ack = encodeHistogram(h);
      this.lastP99 = point.p99;
      this.ack.add(h);
      h.reset();
    }
    this.prev = {
      offered: this.offered,
      sent: this.sent,
      acked: this.acked,
      failed: this.failed,
      retried: this.retried,
    };
    this.timeline.push(point);
    return point;
  }

  /**
   * Closes the seconds that ended by `now` (wall ms), however late it is called; `final` also
   * closes the partial second the run ends in, unless nothing happened in it. Returns the newest
   * point not returned before (for a log line a second).
   */
  sample(now: number, final = false): TimelinePoint | undefined {
    this.flush();
    if (this.secEndMs === 0) this.start(now);
    this.roll(now);
    if (final) {
      const p = this.prev;
      const changed =
        this.offered !== p.offered ||
        this.sent !== p.sent ||
        this.acked !== p.acked ||
        this.failed !== p.failed ||
        this.retried !== p.retried;
      if (changed && now > this.secFromMs) {
        this.close(now - this.secFromMs);
        this.secFromMs = now;
      }
    }
    const fresh = this.timeline.length > this.reported ? this.timeline[this.timeline.length - 1] : undefined;
    this.reported = this.timeline.length;
    return fresh;
  }
}

/** Counters only: what a run costs with no measurement beyond counting (the benchmark's baseline). */
export class BareMetrics extends RunMetrics {
  override recordOffer(): void {
    this.offered++;
  }
  override recordSend(now: number): void {
    if (this.sent === 0) this.firstSendAt = now;
    this.sent++;
  }
  override recordFailure(message: string, _now: number, _row = -1, gaveUp = false): void {
    this.failed++;
    if (gaveUp) this.gaveUp++;
    this.lastError = message;
    this.failures.add(message);
  }
  override recordAck(_latencyUs: number, now: number): void {
    this.acked++;
    this.lastAckAt = now;
  }
  override sample(): undefined {
    return undefined;
  }
}
