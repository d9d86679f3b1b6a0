import { describe, expect, it } from 'vitest';
import { RunMetrics } from '../drive/metrics.js';
import { checkThresholds, liveFailures, type Observed } from '../result/thresholds.js';
import { parseThreshold, percentileOf, thresholdsOf, type Threshold } from '../agent/scenario/thresholds.js';
import { parseScenario } from '../agent/scenario/load.js';
import { ScenarioError } from '../protocol/errors.js';

const parsed = (s: unknown) => parseThreshold(s) as Threshold;

describe('threshold parsing', () => {
  it("reads metric, window, operator and limit in the metric's unit", () => {
    expect(parsed('latency.ack.p99 < 250ms')).toMatchObject({
      metric: 'latency.ack.p99',
      op: '<',
      limit: 250,
      unit: 'ms',
    });
    expect(parsed('latency.ack.p99 over 10s < 0.5s')).toMatchObject({ windowMs: 10_000, limit: 500 });
    expect(parsed('latency.e2e.max <= 800us')).toMatchObject({ limit: 0.8 });
    expect(parsed('throughput.eventsPerSec > 2000/s')).toMatchObject({ limit: 2000, unit: 'perSec' });
    expect(parsed('errors.rate < 0.1%')).toMatchObject({ limit: 0.001, unit: 'ratio' });
    expect(parsed({ check: 'errors.count over 5s < 50', abortOnFail: true })).toMatchObject({
      windowMs: 5000,
      abortOnFail: true,
    });
    expect(parsed({ reconciliation: 'exact' })).toMatchObject({ metric: 'reconciliation', unit: 'exact' });
    expect(parsed('reconciliation: exact')).toMatchObject({ metric: 'reconciliation' });
    expect([percentileOf('p999'), percentileOf('p99.9'), percentileOf('p50'), percentileOf('p100')]).toEqual([
      99.9, 99.9, 50, 100,
    ]);
  });

  it('explains what is wrong with a bad check', () => {
    expect(parseThreshold('latency.ack.p99 < fast')).toMatch(/duration such as 250ms/);
    expect(parseThreshold('latncy.ack.p99 < 5ms')).toMatch(/unknown metric/);
    expect(parseThreshold('events.sent over 10s > 5')).toMatch(/cannot be checked "over"/);
    expect(parseThreshold('latency.ack.p99 over 0.5s < 5ms')).toMatch(/at least 1s/);
    expect(parseThreshold(42)).toMatch(/expected a check/);
  });

  it('adds errors.count == 0 unless the scenario checks errors itself', () => {
    expect(thresholdsOf([]).map((t) => t.check)).toEqual(['errors.count == 0']);
    expect(thresholdsOf(['errors.rate < 1%']).map((t) => t.check)).toEqual(['errors.rate < 1%']);
  });

  it('makes a bad threshold in a scenario file an invalid scenario naming its line', () => {
    const yaml = [
      'name: t',
      'apps: [{ id: a }]',
      'cohorts: [{ name: c, platform: ios, count: 1 }]',
      'thresholds:',
      '  - latency.ack.p99 < 1ms',
      '  - latency.ack.p99 < soon',
    ].join('\n');
    try {
      parseScenario(yaml, 'bad.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      expect((err as ScenarioError).line).toBe(6);
      expect((err as ScenarioError).field).toBe('thresholds[1]');
    }
  });
});

/** A run of `seconds` seconds: slow acks (50 ms) in the seconds listed, fast (1 ms) elsewhere. */
function observed(seconds: number, slow: number[], failedAt: number[] = []): Observed {
  const m = new RunMetrics();
  const t0 = 1_800_000_000;
  m.start(t0 * 1000);
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < 100; i++) {
      m.sent++;
      m.recordAck(slow.includes(s) ? 50_000 : 1_000, (t0 + s) * 1000);
    }
    if (failedAt.includes(s)) {
      m.sent++;
      m.failed++;
    }
    m.sample((t0 + s + 1) * 1000);
  }
  return { events: m, durationMs: seconds * 1000, ack: m.ack, points: m.timeline };
}

describe('threshold checks', () => {
  it('holds a whole-run check to the whole run', () => {
    const o = observed(20, [3]);
    // 100 slow samples of 2000 (5 %): p90 is fast, p99 is slow
    const [p90, p99] = checkThresholds([parsed('latency.ack.p90 < 10ms'), parsed('latency.ack.p99.9 < 10ms')], o);
    expect(p90!.passed).toBe(true);
    expect(p90!.observed).toBeCloseTo(1, 2);
    expect(p99!.passed).toBe(false);
    expect(p99!.observed).toBeCloseTo(50, 0);
  });

  it('holds a windowed check to every window and reports the worst', () => {
    const o = observed(20, [12, 13]);
    // 2 slow seconds of 200 samples in any window holding both: the window's p99 is slow
    const [w] = checkThresholds([parsed('latency.ack.p99 over 5s < 10ms')], o);
    expect(w!.passed).toBe(false);
    expect(w!.observed).toBeGreaterThan(40);
    // the whole run's p99 is fast: 200 of 2000 is 10 %, so p80 is fast
    expect(checkThresholds([parsed('latency.ack.p80 < 10ms')], o)[0]!.passed).toBe(true);
    const rate = checkThresholds([parsed('throughput.eventsPerSec over 5s > 99')], o)[0]!;
    expect(rate).toMatchObject({ passed: true, observed: 100 });
  });

  it('counts errors per window', () => {
    const o = observed(10, [], [2, 3, 4]);
    expect(checkThresholds([parsed('errors.count over 3s < 3')], o)[0]).toMatchObject({ passed: false, observed: 3 });
    expect(checkThresholds([parsed('errors.count over 2s < 3')], o)[0]).toMatchObject({ passed: true, observed: 2 });
    expect(checkThresholds([parsed('errors.rate < 1%')], o)[0]!.observed).toBeCloseTo(3 / 1003, 6);
  });

  it('fails reconciliation: exact when tallies differ or were not read', () => {
    const o = observed(2, []);
    const t = [parsed({ reconciliation: 'exact' })];
    expect(checkThresholds(t, { ...o, reconciliation: { checked: true, match: true } })[0]!.passed).toBe(true);
    expect(checkThresholds(t, { ...o, reconciliation: { checked: true, match: false } })[0]!.passed).toBe(false);
    expect(checkThresholds(t, { ...o, reconciliation: { checked: false, match: false } })[0]).toMatchObject({
      passed: false,
      observed: null,
    });
  });

  it('holds a time to consistency to reconciliation.settle, and says why it has none', () => {
    const o = observed(2, []);
    const t = [parsed('reconciliation.settle < 5s')];
    expect(t[0]).toMatchObject({ metric: 'reconciliation.settle', unit: 'ms', limit: 5000 });
    const settle = (afterMs: number | null) => ({ consistent: afterMs !== null, afterMs, timeoutMs: 30_000 });
    const rec = (afterMs: number | null) => ({
      ...o,
      reconciliation: { checked: true, match: true, settle: settle(afterMs) },
    });
    expect(checkThresholds(t, rec(1200))[0]).toMatchObject({ passed: true, observed: 1200 });
    expect(checkThresholds(t, rec(7000))[0]).toMatchObject({ passed: false, observed: 7000 });
    expect(checkThresholds(t, rec(null))[0]).toMatchObject({
      passed: false,
      observed: null,
      detail: 'the counts did not match within the settle timeout (30 s)',
    });
    expect(checkThresholds(t, { ...o, reconciliation: { checked: true, match: true } })[0]!.detail).toMatch(
      /not read until consistent.*targets\.md/,
    );
    expect(parseThreshold('reconciliation.settle over 10s < 5s')).toMatch(/cannot be checked "over" a window/);
  });

  it('live, flags only abortOnFail checks, on the latest full window', () => {
    const ts = [
      parsed({ check: 'latency.ack.p99 over 3s < 10ms', abortOnFail: true }),
      parsed('latency.ack.p99 < 10ms'),
    ];
    expect(liveFailures(ts, observed(2, [0, 1]))).toEqual([]); // no full window yet
    expect(liveFailures(ts, observed(6, [1]))).toEqual([]); // the slow second has left the window
    expect(liveFailures(ts, observed(6, [4])).map((f) => f.check)).toEqual(['latency.ack.p99 over 3s < 10ms']);
  });
});
