/**
 * The live page's latency over time: each poll's p50/p99 come from the change of /metrics'
 * histogram buckets since the previous poll (what happened in that second), read as Prometheus'
 * histogram_quantile reads buckets. The browser code is evaluated here as it is in the page.
 */
import { describe, expect, it } from 'vitest';
import { LIVE_CHARTS_SCRIPT } from '../broker/live-page-charts.js';

const { parseBuckets, quantile } = new Function(`${LIVE_CHARTS_SCRIPT}; return { parseBuckets, quantile };`)() as {
  parseBuckets(text: string, name: string): [number, number][];
  quantile(prev: [number, number][] | null, cur: [number, number][], q: number): number | null;
};

const body = (counts: number[]) =>
  [
    '# TYPE fleetsim_end_to_end_latency_seconds histogram',
    ...[0.001, 0.01, 0.1].map((le, i) => `fleetsim_end_to_end_latency_seconds_bucket{le="${le}"} ${counts[i]}`),
    `fleetsim_end_to_end_latency_seconds_bucket{le="+Inf"} ${counts[3]}`,
    'fleetsim_ingest_latency_seconds_bucket{le="0.001"} 5',
  ].join('\n');

describe('live page latency from /metrics buckets', () => {
  it('parses one histogram by name, +Inf included', () => {
    expect(parseBuckets(body([1, 2, 3, 4]), 'fleetsim_end_to_end_latency_seconds')).toEqual([
      [0.001, 1],
      [0.01, 2],
      [0.1, 3],
      [Number.POSITIVE_INFINITY, 4],
    ]);
  });

  it("reads the interval's quantiles from the buckets' change, not the whole run's", () => {
    const prev = parseBuckets(body([1000, 1000, 1000, 1000]), 'fleetsim_end_to_end_latency_seconds');
    // this second: 100 events, all between 10 ms and 100 ms (the run so far was all under 1 ms)
    const cur = parseBuckets(body([1000, 1000, 1100, 1100]), 'fleetsim_end_to_end_latency_seconds');
    const p50 = quantile(prev, cur, 0.5)!;
    expect(p50).toBeGreaterThan(0.01);
    expect(p50).toBeCloseTo(0.055, 3);
    expect(quantile(prev, cur, 0.99)!).toBeCloseTo(0.0991, 3);
    expect(quantile(prev, prev, 0.99)).toBeNull(); // nothing happened: no figure, not zero
    expect(quantile(null, cur, 0.5)).toBeNull();
  });
});
