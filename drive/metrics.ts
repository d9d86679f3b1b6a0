/**
 * Run metrics, paid for in bulk (autocannon's way): counters are plain numbers bumped on the hot
 * path, each in the wall second it happened in (a record that finds its second over closes it
 * first, so a late or blocked timer cannot move counts between seconds); ack latencies go into a
 * flat buffer and reach the HDR histogram in batches; a closed second becomes a timeline point
 * and folds its histogram into the whole run's. Histograms are exported HdrHistogram-compressed (base64) so results from
 * workers and shards merge exactly (agent/merge.ts).
 */
import * as hdr from 'hdr-histogram-js';
import { FailureReasons } from './failure-reasons.js';

export type Histogram = hdr.Histogram;

/** Latencies are recorded in microseconds: 1 µs to 1 hour, 3 significant digits. */
export function newLatencyHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
  });
}

/** Simulated lifecycle durations are recorded in milliseconds: 1 ms to 400 days. */
export function newDurationHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 400 * 86_400_000,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 32,
  });
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 32);
}

/** A histogram's figures in milliseconds, with the histogram itself for exact merging. */
export interface HistogramSummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  /** The unit of the figures above: always milliseconds. */
  unit: 'ms';
  /** The histogram (HdrHistogram compressed base64) in `hdrUnit`s. */
  hdr: string;
  /** What one value of `hdr` is: microseconds (latencies) or milliseconds (simulated durations). */
  hdrUnit: 'us' | 'ms';
}

/**
 * The unit of a summary's `hdr`. Results written before `hdrUnit` existed put it in `unit`
 * (where it read as if p99 were in µs), so those are read by that field.
 */
export function hdrUnitOf(h: { hdrUnit?: 'us' | 'ms'; unit: string }): 'us' | 'ms' {
  return h.hdrUnit ?? (h.unit === 'us' ? 'us' : 'ms');
}
/** @deprecated the old name; same shape. */
export type LatencySummary = HistogramSummary;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Figures in milliseconds from a histogram recorded in `unit`s. */
export function summarise(h: Histogram, unit: 'us' | 'ms' = 'us'): HistogramSummary {
  const div = unit === 'us' ? 1000 : 1;
  const ms = (v: number) => round3(v / div);
  const any = h.totalCount > 0;
  return {
    count: h.totalCount,
    min: any ? ms(h.minNonZeroValue) : 0,
    mean: any ? ms(h.mean) : 0,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    // the bucket value, not the raw maximum, so a merged histogram reports the same max
    max: any ? ms(h.getValueAtPercentile(100)) : 0,
    unit: 'ms',
    hdr: encodeHistogram(h),
    hdrUnit: unit,
  };
}

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
  /** The current second's ack latencies (µs). */
  private readonly second = newLatencyHistogram();
  private readonly pending = new Float64Array(BUFFER);
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

  /** An event handed to the transport at wall time `now`. */
  recordSend(now: number): void {
    if (now >= this.secEndMs) this.roll(now);
    if (this.sent === 0) this.firstSendAt = now;
    this.offered++;
    this.sent++;
  }

  /** An event that failed (`message` says why) at wall time `now`; `gaveUp`: with no answer. */
  recordFailure(message: string, now: number, gaveUp = false): void {
    if (now >= this.secEndMs) this.roll(now);
    this.failed++;
    if (gaveUp) this.gaveUp++;
    this.lastError = message;
    this.failures.add(message);
  }

  recordAck(latencyUs: number, now: number): void {
    if (now >= this.secEndMs) this.roll(now);
    this.acked++;
    this.lastAckAt = now;
    this.pending[this.npending++] = latencyUs;
    if (this.npending === BUFFER) this.flush();
  }

  /** Moves buffered latencies into the current second's histogram. */
  flush(): void {
    const h = this.second;
    const buf = this.pending;
    for (let i = 0; i < this.npending; i++) {
      const v = buf[i]!;
      h.recordValue(Math.max(v, 1));
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
  override recordSend(now: number): void {
    if (this.sent === 0) this.firstSendAt = now;
    this.offered++;
    this.sent++;
  }
  override recordFailure(message: string, _now: number, gaveUp = false): void {
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
