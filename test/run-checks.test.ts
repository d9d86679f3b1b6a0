import { afterAll, describe, expect, it } from 'vitest';
import { runScenario } from '../run/run-scenario.js';
import { parseScenario } from '../agent/scenario/load.js';
import { tempDir, tinyScenario } from './scenario-files.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('a run checks itself', () => {
  it('measures counters, a timeline, ack latency and lifecycle figures', async () => {
    const scenario = parseScenario(tinyScenario(), 'tiny.yaml');
    const r = await runScenario(scenario, { scenarioFile: 'tiny.yaml', transport: 'memory' });
    expect(r.exitCode).toBe(0);
    expect(r.events.sent).toBeGreaterThan(40);
    expect(r.events.acked).toBe(r.events.sent);
    expect(r.timeline.points.reduce((n, p) => n + p.acked, 0)).toBe(r.events.acked);
    expect(r.latency.ack.count).toBe(r.events.acked);
    // the embedded endpoint's end-to-end histogram, read from GET /v1/stats
    expect(r.latency.endToEnd?.count).toBe(r.events.acked);
    expect(r.reconciliation.devices).toEqual({
      checked: true,
      pairs: r.devices.installations,
      differing: 0,
      differences: [],
    });
    expect(r.latency.endToEndSource).toMatch(/\/v1\/stats latency.endToEnd$/);
    expect(r.lifecycle.durations.reduce((n, d) => n + d.duration.count, 0)).toBe(r.devices.installations);
    // every installation enters the flow once from (start)
    const starts = r.lifecycle.flows.filter((f) => f.from === '(start)').reduce((n, f) => n + f.count, 0);
    expect(starts).toBe(r.devices.installations);
    expect(r.lifecycle.flows.reduce((n, f) => n + f.count, 0)).toBe(r.events.sent);
    // steps are named by their catalogue status/state, as the reports label them
    for (const f of r.lifecycle.flows) expect(f.to, f.to).toMatch(/^[a-z_]+\/[a-z_0-9]+$/);
  });

  it('a planted tally difference is a reconciliation mismatch (exit 2)', async () => {
    const scenario = parseScenario(tinyScenario(), 'tiny.yaml');
    const r = await runScenario(scenario, {
      scenarioFile: 'tiny.yaml',
      transport: 'memory',
      onEndpoint: (ep) => ep.store.tallies.add('com.acme.mail', 'android', 'installing', 'downloading', 1),
    });
    expect(r.verdict).toBe('reconciliation mismatch');
    expect(r.exitCode).toBe(2);
    expect(r.reconciliation.differences).toContainEqual(
      expect.objectContaining({
        appId: 'com.acme.mail',
        platform: 'android',
        status: 'installing',
        state: 'downloading',
        counted: 1,
      }),
    );
  });

  it('a failed threshold fails the run (exit 1) and says what it saw', async () => {
    const scenario = parseScenario(
      tinyScenario(['thresholds:', '  - throughput.eventsPerSec > 100000000', '  - latency.ack.p99 < 60s']),
      'tiny.yaml',
    );
    const r = await runScenario(scenario, { scenarioFile: 'tiny.yaml', transport: 'memory' });
    expect(r.exitCode).toBe(1);
    const [tput, p99, implicit] = r.thresholds;
    expect(tput).toMatchObject({ passed: false, unit: 'perSec' });
    expect(tput!.observed).toBe(r.throughput.eventsPerSec);
    expect(p99).toMatchObject({ passed: true });
    expect(implicit).toMatchObject({ check: 'errors.count == 0', implicit: true, passed: true });
  });

  it('an abortOnFail threshold stops the run early and reconciliation still holds for what was sent', async () => {
    // 40 devices arriving over 10 simulated minutes at 10x: about 60 s of wall time unaborted,
    // against an abort at the first or second tick. At 100x (6 s) a process starved for a few
    // seconds on a loaded machine sends everything before its tick fires, and the run is not short.
    const scenario = parseScenario(
      tinyScenario(['thresholds:', '  - { check: "latency.ack.max < 1us", abortOnFail: true }'], {
        arrival: '{ uniform: ["0s", "10m"] }',
        timeScale: '10',
      }),
      'tiny.yaml',
    );
    const r = await runScenario(scenario, { scenarioFile: 'tiny.yaml', transport: 'memory' });
    expect(r.aborted?.reason).toMatch(/latency.ack.max < 1us/);
    expect(r.exitCode).toBe(1);
    expect(r.reconciliation.match).toBe(true);
    const full = await runScenario(
      parseScenario(tinyScenario([], { arrival: '{ uniform: ["0s", "10m"] }' }), 'tiny.yaml'),
      { scenarioFile: 'tiny.yaml', transport: 'memory' },
    );
    expect(r.events.sent).toBeLessThan(full.events.sent);
  });
});
