/**
 * The run's histograms: HDR histograms for latencies (µs) and simulated durations (ms), their
 * compressed base64 form (so results from workers and shards merge exactly, result/merge.ts) and
 * their summary in milliseconds.
 */
import * as hdr from 'hdr-histogram-js';

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
