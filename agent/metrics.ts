/**
 * Run metrics: plain-number counters on the hot path, latencies in an HDR histogram recorded in
 * microseconds. Histograms are exported compressed (base64) so results from workers and shards
 * merge exactly.
 */
import * as hdr from 'hdr-histogram-js';

export type Histogram = hdr.Histogram;

/** 1 µs to 1 hour, 3 significant digits. */
export function newLatencyHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, bitBucketSize: 'packed' });
}

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  /** The histogram itself (HdrHistogram compressed base64), for exact merging. */
  hdr: string;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/** Percentiles in milliseconds from a histogram recorded in microseconds. */
export function summarise(h: Histogram): LatencySummary {
  const ms = (us: number) => round3(us / 1000);
  return {
    count: h.totalCount,
    min: h.totalCount ? ms(h.minNonZeroValue) : 0,
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    hdr: hdr.encodeIntoCompressedBase64(h),
  };
}

export function decodeHistogram(encoded: string): Histogram {
  return hdr.decodeFromCompressedBase64(encoded, 'packed');
}

export class RunMetrics {
  offered = 0;
  sent = 0;
  acked = 0;
  failed = 0;
  readonly ack = newLatencyHistogram();
  firstSendAt = 0;
  lastAckAt = 0;
  lastError: string | undefined;

  recordAck(latencyUs: number, now: number): void {
    this.acked++;
    this.lastAckAt = now;
    this.ack.recordValue(latencyUs < 1 ? 1 : latencyUs);
  }
}
