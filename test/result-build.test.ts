/**
 * A run's result is built by a pure function from what the run gathered: here the simulator runs
 * to its end in memory, the "drive" is a hand-fed RunMetrics on made-up wall times, and the
 * endpoint's answers are plain values. No socket, no clock.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { thresholdsOf } from '../agent/scenario/thresholds.js';
import { Simulator } from '../agent/sim/simulator.js';
import { FlowCounter } from '../drive/lifecycle-metrics.js';
import { RunMetrics } from '../drive/metrics.js';
import { type DeviceReconciliation, reconcileDevices } from '../reconcile/devices.js';
import { NO_TALLIES_REASON } from '../reconcile/reading.js';
import { expectedTallies } from '../reconcile/reconcile.js';
import { buildResult, type ResultInput } from '../result/build.js';
import { tinyScenario } from './scenario-files.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const ENV = { node: 'v20', platform: 'linux', arch: 'x64', cpus: 2, hostname: 'h', fleetsim: '0.0.0' };

/** Everything a run would have gathered, with each event sent 1 ms after the last and acked 2 ms later. */
function gathered(extra: string[] = [], over: Partial<ResultInput> = {}): ResultInput {
  const scenario = parseScenario(tinyScenario(extra), 'tiny.yaml');
  const fleet = buildFleet(scenario);
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: scenario.seed });
  const metrics = new RunMetrics();
  const flows = new FlowCounter(sim.installCount);
  metrics.start(T0);
  let t = T0;
  sim.runToEnd((e) => {
    flows.record(e);
    metrics.recordOffer(++t);
    metrics.recordSend(t);
    metrics.recordAck(2_000, t + 2);
  });
  metrics.sample(t + 2, true);
  const appIds = ['com.acme.mail'];
  const expected = expectedTallies(sim.installs);
  return {
    scenario,
    scenarioFile: 'tiny.yaml',
    seed: scenario.seed,
    transport: 'http',
    target: { kind: 'embedded', url: 'http://127.0.0.1:1' },
    environment: ENV,
    startedAt: T0 - 50,
    finishedAt: t + 10,
    endWall: t + 5,
    fleet,
    sim,
    simStartMs: fleet.startMs,
    appIds,
    thresholds: thresholdsOf(scenario.thresholds),
    metrics,
    flows,
    aborted: undefined,
    tallies: { kind: 'counted', tallies: appIds.map((id) => expected.get(id)) },
    devices: undefined,
    endToEnd: 'no tallies/stats API to read it from',
    shard: undefined,
    ...over,
  };
}

describe('building a result', () => {
  it('passes when the counted tallies are what the devices did, with the figures the drive measured', () => {
    const input = gathered();
    const r = buildResult(input);
    expect(r).toMatchObject({ passed: true, verdict: 'passed', exitCode: 0, parts: 1, environment: ENV });
    expect(r.reconciliation).toMatchObject({ checked: true, match: true, differences: [] });
    const n = input.metrics.sent;
    expect(n).toBeGreaterThan(40);
    expect(r.events).toEqual({ offered: n, sent: n, acked: n, failed: 0, gaveUp: 0, retried: 0 });
    // first send at T0+1, last ack at T0+n+2
    expect(r.durationMs).toBe(n + 1);
    expect(r.window).toEqual({ firstSendAt: T0 + 1, lastSettledAt: T0 + n + 2 });
    expect(r.latency.ack.count).toBe(n);
    expect(r.latency.endToEnd).toBeNull();
    expect(r.latency.endToEndSource).toBe('no tallies/stats API to read it from');
    expect(r.devices).toEqual({ total: 40, byPlatform: { android: 30, ios: 10 }, installations: 40 });
    expect(r.lifecycle.flows.reduce((k, f) => k + f.count, 0)).toBe(n);
    expect(r.startedAt).toBe(new Date(T0 - 50).toISOString());
    expect(r.thresholds.map((t) => [t.check, t.passed])).toEqual([['errors.count == 0', true]]);
  });

  it('a counted tally off by one is a reconciliation mismatch (exit 2)', () => {
    const input = gathered();
    const book = expectedTallies(input.sim.installs);
    book.add('com.acme.mail', 'android', 'installing', 'downloading', 1);
    const counted = [book.get('com.acme.mail')];
    const r = buildResult({ ...input, tallies: { kind: 'counted', tallies: counted } });
    expect(r).toMatchObject({ verdict: 'reconciliation mismatch', exitCode: 2 });
    expect(r.reconciliation.differences).toEqual([
      expect.objectContaining({ platform: 'android', status: 'installing', state: 'downloading', counted: 1 }),
    ]);
  });

  it('with no tallies API the run is not reconciled, says why, and keeps the expected tallies per app', () => {
    const input = gathered([], { tallies: { kind: 'unavailable', reason: NO_TALLIES_REASON } });
    const r = buildResult(input);
    expect(r.reconciliation).toMatchObject({ checked: false, match: false, reason: NO_TALLIES_REASON });
    expect(r.reconciliation.differences).toEqual([]);
    // to compare by hand, or to reconcile later (fleetsim reconcile)
    const book = expectedTallies(input.sim.installs);
    expect(r.reconciliation.apps.map((a) => a.expected)).toEqual(input.appIds.map((id) => book.get(id)));
    expect(r.reconciliation.apps.every((a) => a.counted.total === 0)).toBe(true);
    expect(r.verdict).toBe('passed');
  });

  it('a shard leaves reconciliation to the merge but carries its expected tallies', () => {
    const shard = { index: 1, count: 3 };
    const r = buildResult(gathered([], { tallies: { kind: 'deferred', shard }, shard }));
    expect(r.shard).toEqual(shard);
    expect(r.reconciliation.reason).toBe(
      'shard 2/3 ran part of the fleet; fleetsim merge reconciles the whole fleet once',
    );
    expect(r.reconciliation.apps[0]!.expected.total).toBe(40);
  });

  it('a device the endpoint holds wrong fails a reconciliation whose tallies matched', () => {
    const input = gathered();
    const rows = input.sim.installs.map((i) => ({
      deviceId: i.device.id,
      platform: i.device.platform,
      status: i.last!.status,
      state: i.last!.state,
      seq: i.seq,
    }));
    rows[3]!.seq -= 1;
    const devices: DeviceReconciliation = reconcileDevices(
      input.appIds,
      input.sim.installs,
      new Map([['com.acme.mail', rows]]),
    );
    const r = buildResult({ ...input, devices });
    expect(r.reconciliation.devices).toMatchObject({ checked: true, differing: 1 });
    expect(r).toMatchObject({ verdict: 'reconciliation mismatch', exitCode: 2 });
  });

  it('a threshold that aborted the run stays failed, and the result says when and why', () => {
    const input = gathered(['thresholds:', '  - { check: "latency.ack.p99 < 1s", abortOnFail: true }']);
    const failure = { ...input.thresholds[0]!, observed: 5000, passed: false, detail: 'live' };
    const r = buildResult({
      ...input,
      aborted: {
        at: '2030-01-01T00:00:01.000Z',
        reason: 'threshold "latency.ack.p99 < 1s" failed',
        failures: [failure],
      },
    });
    expect(r.aborted).toEqual({ at: '2030-01-01T00:00:01.000Z', reason: 'threshold "latency.ack.p99 < 1s" failed' });
    expect(r.thresholds.find((t) => t.check === 'latency.ack.p99 < 1s')).toMatchObject({
      passed: false,
      observed: 5000,
    });
    expect(r).toMatchObject({ verdict: 'thresholds failed', exitCode: 1 });
  });
});
