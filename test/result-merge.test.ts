import { describe, expect, it } from 'vitest';
import { type FaultReport, mergeFaultReports } from '../result/fault-report.js';
import { mergeResults, mergeTimelines } from '../result/merge.js';
import { decodeHistogram, newLatencyHistogram, summarise } from '../drive/metrics.js';
import { UsageError } from '../protocol/errors.js';
import { fixtureResult, latencies } from './result-fixture.js';

const cellA = { appId: 'mail', platform: 'ios' as const, status: 'installed', state: 'installed', n: 3 };
const cellB = { appId: 'mail', platform: 'android' as const, status: 'installed', state: 'installed', n: 5 };

describe('merging results', () => {
  const a = latencies(20_000, 7, 4_000);
  const b = latencies(13_000, 99, 40_000);
  const ra = fixtureResult({ samplesUs: a, t0: 1_800_000_000, seconds: 5, expected: [cellA] });
  const rb = fixtureResult({ samplesUs: b, t0: 1_800_000_003, seconds: 4, failed: 2, expected: [cellB] });

  it('gives the same percentiles as one histogram of all the samples', () => {
    const merged = mergeResults([ra, rb]);
    const all = newLatencyHistogram();
    for (const v of [...a, ...b]) all.recordValue(v);
    const direct = summarise(all);
    for (const k of ['count', 'min', 'p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const) {
      expect(merged.latency.ack[k], k).toBe(direct[k]);
    }
    // and the two inputs really differ, so the merge did something
    expect(ra.latency.ack.p50).not.toBe(rb.latency.ack.p50);
  });

  it('adds timelines second by second, histograms included', () => {
    const points = mergeTimelines([ra.timeline.points, rb.timeline.points]);
    expect(points.map((p) => p.t)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => 1_800_000_000 + i));
    const overlap = points.find((p) => p.t === 1_800_000_003)!;
    const pa = ra.timeline.points.find((p) => p.t === overlap.t)!;
    const pb = rb.timeline.points.find((p) => p.t === overlap.t)!;
    expect(overlap.acked).toBe(pa.acked + pb.acked);
    expect(overlap.failed).toBe(pa.failed + pb.failed);
    const both = decodeHistogram(pa.ack!);
    both.add(decodeHistogram(pb.ack!));
    expect(overlap.p99).toBe(summarise(both).p99);
    expect(points.reduce((n, p) => n + p.acked, 0)).toBe(a.length + b.length);
  });

  it('adds counters and expected tallies and reconciles again', () => {
    const merged = mergeResults([ra, rb]);
    expect(merged.parts).toBe(2);
    expect(merged.events.sent).toBe(a.length + b.length + 2);
    expect(merged.events.failed).toBe(2);
    expect(merged.devices.total).toBe(8);
    expect(merged.durationMs).toBe(7000);
    expect(merged.reconciliation.match).toBe(true);
    expect(merged.reconciliation.apps[0]!.expected.total).toBe(8);
    // the implicit errors.count == 0 is evaluated on the merged counters
    expect(merged.thresholds.find((t) => t.implicit)!.observed).toBe(2);
    expect(merged.exitCode).toBe(1);
  });

  it('finds a difference that only shows once parts are added', () => {
    const tampered = fixtureResult({
      samplesUs: b,
      t0: 1_800_000_003,
      seconds: 4,
      expected: [cellB],
      counted: [{ ...cellB, n: 4 }],
    });
    const merged = mergeResults([ra, tampered]);
    expect(merged.reconciliation.differences).toEqual([
      { appId: 'mail', platform: 'android', status: 'installed', state: 'installed', expected: 5, counted: 4 },
    ]);
    expect(merged.exitCode).toBe(2);
  });

  it('takes counted tallies from the last part when the parts shared one endpoint', () => {
    const shared = [cellA, cellB];
    const p1 = fixtureResult({ samplesUs: a, t0: 1_800_000_000, seconds: 2, expected: [cellA], counted: [cellA] });
    const p2 = fixtureResult({ samplesUs: b, t0: 1_800_000_001, seconds: 2, expected: [cellB], counted: shared });
    expect(mergeResults([p1, p2], { sharedTarget: true }).reconciliation.match).toBe(true);
    expect(mergeResults([p1, p2]).reconciliation.match).toBe(false);
  });

  it('merges lifecycle durations and flows', () => {
    const merged = mergeResults([ra, rb]);
    expect(merged.lifecycle.durations[0]!.duration.count).toBe(8);
    expect(merged.lifecycle.flows).toEqual([{ platform: 'ios', from: '(start)', to: 'installed/installed', count: 6 }]);
  });

  it('refuses what is not a result', () => {
    expect(() => mergeResults([ra, { schema: 'other' } as never])).toThrow(UsageError);
    expect(() => mergeResults([])).toThrow(UsageError);
  });
});

describe('merging the parts of a run: per-fault figures', () => {
  const line = (kind: string, injected: Record<string, number>, notInjected?: string): FaultReport => ({
    name: 'f',
    kind,
    window: { clock: 'wall', atMs: 500, forMs: 2000 },
    devices: 66,
    injected,
    exact: true,
    ...(notInjected ? { notInjected } : {}),
  });

  it("a partition's window opens once per part: struck is the fleet's windows, the wire counts add", () => {
    const [m] = mergeFaultReports(
      [[line('partition', { struck: 1, connectionsCut: 20 })], [line('partition', { struck: 1, connectionsCut: 13 })]],
      true,
    );
    expect(m!.injected).toEqual({ struck: 1, connectionsCut: 33 });
  });

  it("a drop's struck devices are each part's own: they add", () => {
    const [m] = mergeFaultReports(
      [[line('connection-drop', { struck: 40 })], [line('connection-drop', { struck: 35 })]],
      true,
    );
    expect(m!.injected.struck).toBe(75);
  });

  it('a drop over every connection cuts in passes each part makes: struck is the passes, not their sum', () => {
    const all = { ...line('connection-drop', { struck: 2, connectionsCut: 40 }), devices: 80 };
    const [m] = mergeFaultReports([[all], [{ ...all, injected: { struck: 2, connectionsCut: 38 } }]], true, 80);
    expect(m!.injected).toEqual({ struck: 2, connectionsCut: 78 });
  });

  it('a fault no part injected keeps the reason; one that some part injected does not', () => {
    const why = 'not injected: the run ended at 1.90 s';
    const [none] = mergeFaultReports([[line('partition', {}, why)], [line('partition', {}, why)]], true);
    expect(none!.notInjected).toBe(why);
    const [some] = mergeFaultReports([[line('partition', {}, why)], [line('partition', { struck: 1 })]], true);
    expect(some!.notInjected).toBeUndefined();
  });
});
