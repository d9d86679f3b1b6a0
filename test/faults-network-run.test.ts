/**
 * The network faults in a whole run (runScenario, the embedded endpoint, lean MQTT), each from
 * its ready scenario in scenarios/faults/: the fault happens on the wire (the fault proxy's own
 * counters), the endpoint's tallies stay exact, and the run's per-fault figures are those counts.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario, parseScenario } from '../agent/scenario/load.js';
import type { NetworkRun } from '../run/network-step.js';
import { startEndpoint } from '../broker/endpoint.js';
import { runScenario } from '../run/run-scenario.js';
import { ROOT } from './helpers.js';

async function run(file: string) {
  const path = join(ROOT, 'scenarios', 'faults', file);
  let net: NetworkRun | undefined;
  const result = await runScenario(loadScenario(path), { scenarioFile: path, onNetwork: (n) => (net = n) });
  const figures = await net!.faults.stop();
  return { result, net: net!, figures };
}

describe('network faults in a run', () => {
  it('connection-drop: the cohort is cut on the wire, devices resend with DUP, the tallies are exact', async () => {
    const { result, net, figures } = await run('connection-drop.yaml');
    const wire = net.proxy!.counters();
    const drop = figures[0]!;
    expect(drop).toMatchObject({ name: 'field-drop', kind: 'connection-drop', devices: 150 });
    expect(drop.connectionsCut).toBeGreaterThan(0);
    expect(drop.connectionsCut).toBe(wire.connectionsCut);
    // each device struck once, at its moment (a drive that ends first leaves the rest unstruck)
    expect(drop.struck).toBeLessThanOrEqual(150);
    expect(drop.struck).toBe(drop.connectionsCut + drop.notConnected);
    // the report's line for the fault: the wire's counts, and the tallies exact with it
    const line = result.faults!.find((f) => f.name === 'field-drop')!;
    expect(line).toMatchObject({ kind: 'connection-drop', devices: 150, exact: true });
    expect(line.injected.connectionsCut).toBe(wire.connectionsCut);
    expect(line.injected.resentWithDup ?? 0).toBe(wire.dupPublishes);
    // every reconnect the proxy saw was of a device this fault cut
    expect(line.injected.reconnects).toBeGreaterThan(0);
    expect(line.injected.reconnects).toBe(net.proxy!.byCause().get(0)!.reconnects);
    expect(result.reconciliation.differences).toEqual([]);
    expect(result.events.acked).toBe(result.events.sent);
    expect(result.verdict).toBe('passed');
  });

  it('partition: the share cannot connect for the window, its reports wait on the devices and the tallies are exact', async () => {
    const { result, net, figures } = await run('partition.yaml');
    const wire = net.proxy!.counters();
    const part = figures[0]!;
    expect(part).toMatchObject({ name: 'field-offline', kind: 'partition', struck: 1 });
    expect(part.devices).toBeGreaterThan(40);
    expect(part.devices).toBeLessThan(100);
    // connects refused on the wire during the window, the figure is the proxy's count
    expect(part.refusedConnects).toBeGreaterThan(0);
    expect(part.refusedConnects).toBe(wire.refusedConnects);
    expect(part.connectionsCut).toBe(wire.connectionsCut);
    const line = result.faults!.find((f) => f.name === 'field-offline')!;
    expect(line).toMatchObject({ kind: 'partition', exact: true });
    expect(line.injected.refusedConnects).toBe(wire.refusedConnects);
    expect(line.injected.queued).toBeGreaterThan(0);
    expect(line.injected.overflowed).toBeUndefined();
    expect(result.reconciliation.differences).toEqual([]);
    expect(result.events.acked).toBe(result.events.sent);
  });

  it('endpoint-restart: serve --data-dir killed with SIGKILL mid-run and restarted; devices resend, nothing acknowledged lost', async () => {
    const { result, figures } = await run('endpoint-restart.yaml');
    const restart = figures[0]!;
    expect(restart).toMatchObject({ name: 'kill-endpoint', kind: 'endpoint-restart', struck: 1, error: undefined });
    expect(restart.restarts).toHaveLength(1);
    const r = restart.restarts[0]!;
    expect(r.downMs).toBeGreaterThanOrEqual(300);
    // mid-run: the journal gave back events, and devices sent more after the restart
    expect(r.replayed).toBeGreaterThan(0);
    expect(r.replayed).toBeLessThan(result.events.sent);
    expect(result.faults![0]!).toMatchObject({
      name: 'kill-endpoint',
      exact: true,
      injected: { restarts: 1, replayed: r.replayed, downMs: Math.round(r.downMs) },
    });
    // the devices came back once each at most: an attempt the endpoint never answered while it
    // was down is not a reconnect
    expect(result.faults![0]!.injected.reconnects).toBeGreaterThan(0);
    expect(result.faults![0]!.injected.reconnects).toBeLessThanOrEqual(200);
    // nothing acknowledged is lost, event by event: every event sent is in the endpoint's history
    expect(result.lostEvents).toMatchObject({ lost: 0, events: [], pairsNotChecked: 0 });
    expect(result.lostEvents!.pairsChecked).toBeGreaterThan(0);
    expect(result.reconciliation.differences).toEqual([]);
    expect(result.events.acked).toBe(result.events.sent);
    expect(result.verdict).toBe('passed');
  });

  it.each([
    ['bandwidth.yaml', 'rural-slow', 'bandwidth'],
    ['delay-per-connection.yaml', 'satellite-latency', 'delay'],
  ])(
    "%s: the cohort's bytes are held back on the wire for the window, the tallies are exact",
    async (file, name, kind) => {
      const { result, net, figures } = await run(file);
      const wire = net.proxy!.counters();
      const f = figures[0]!;
      expect(f).toMatchObject({ name, kind, devices: 100, struck: 1 });
      expect(f.delayedBytes).toBeGreaterThan(0);
      expect(f.delayedBytes).toBe(wire.delayedBytes);
      expect(result.faults![0]!).toMatchObject({ name, exact: true, injected: { delayedBytes: wire.delayedBytes } });
      expect(result.reconciliation.differences).toEqual([]);
      expect(result.events.acked).toBe(result.events.sent);
    },
  );

  it('partition over HTTP: the whole fleet cut off, devices keep their reports and retry until it heals; a cohort scope with batches is refused', async () => {
    const yaml = (scope: string) => `
name: http-partition
seed: 5
transport: http
timeScale: asap
maxInFlight: 32
load: { rate: 300 }
apps:
  - { id: com.acme.mail, name: Acme Mail, version: 4.2.0, platforms: [android] }
cohorts:
  - { name: field, platform: android, count: 60 }
  - { name: office, platform: android, count: 20, idPrefix: office }
faults:
  - { kind: partition, name: all-offline, at: 300ms, for: 1500ms${scope} }
`;
    let net: NetworkRun | undefined;
    const result = await runScenario(parseScenario(yaml(''), 'http.yaml'), {
      scenarioFile: 'http.yaml',
      onNetwork: (n) => (net = n),
    });
    const figures = await net!.faults.stop();
    expect(figures[0]!.refusedConnects).toBeGreaterThan(0);
    expect(figures[0]!.refusedConnects).toBe(net!.proxy!.counters().refusedConnects);
    expect(result.events.retried).toBeGreaterThan(0);
    expect(result.reconciliation.differences).toEqual([]);
    expect(result.events.acked).toBe(result.events.sent);
    // a cohort scope over HTTP needs one request per device (test/faults-scoped-transports.test.ts runs one)
    await expect(
      runScenario(parseScenario(yaml(', cohort: field'), 'http.yaml'), {
        scenarioFile: 'http.yaml',
        transportFlags: { batch: 10 },
      }),
    ).rejects.toThrow(/HTTP batches of 10 carry several devices' reports in one request/);
  });

  it("endpoint-restart of an external target: the user's hook runs; when it fails the report says so and nothing else changes", async () => {
    const ep = await startEndpoint();
    try {
      const yaml = `
name: hook-restart
seed: 6
transport: mqtt
timeScale: asap
maxInFlight: 32
load: { rate: 300 }
apps:
  - { id: com.acme.mail, name: Acme Mail, version: 4.2.0, platforms: [android] }
cohorts:
  - { name: field, platform: android, count: 60 }
faults:
  - { kind: endpoint-restart, name: restart-ingest, at: 300ms, hook: "echo 'unit ingest.service not found' >&2; exit 5", hookTimeout: 10s }
`;
      const lines: { obj: object; msg?: string | undefined }[] = [];
      const logger = {
        info: () => undefined,
        debug: () => undefined,
        warn: (obj: object, msg?: string) => void lines.push({ obj, msg }),
      };
      const result = await runScenario(parseScenario(yaml, 'hook.yaml'), {
        scenarioFile: 'hook.yaml',
        target: ep.mqttUrl,
        talliesUrl: ep.httpUrl,
        logger,
      });
      expect(result.faults![0]!).toMatchObject({ name: 'restart-ingest', injected: { hooksRun: 1, hookFailed: 1 } });
      expect(lines.map((l) => l.msg)).toContain(
        `the restart hook "echo 'unit ingest.service not found' >&2; exit 5" exited with 5: unit ingest.service not found`,
      );
      expect(result.reconciliation.differences).toEqual([]);
    } finally {
      await ep.close();
    }
  });

  it('connection-drop over HTTP: every keep-alive socket reset again and again; requests are retried and the tallies are exact', async () => {
    const yaml = `
name: http-drop
seed: 8
transport: http
timeScale: asap
maxInFlight: 32
load: { rate: 300 }
apps:
  - { id: com.acme.mail, name: Acme Mail, version: 4.2.0, platforms: [android] }
cohorts:
  - { name: field, platform: android, count: 80 }
faults:
  - { kind: connection-drop, name: reset-sockets, at: 200ms, for: 1s, repeat: 250ms }
`;
    let net: NetworkRun | undefined;
    const result = await runScenario(parseScenario(yaml, 'http-drop.yaml'), {
      scenarioFile: 'http-drop.yaml',
      onNetwork: (n) => (net = n),
    });
    const wire = net!.proxy!.counters();
    const line = result.faults![0]!;
    expect(line.injected.struck).toBeGreaterThanOrEqual(2);
    expect(line.injected.connectionsCut).toBe(wire.connectionsCut);
    expect(wire.connectionsCut).toBeGreaterThan(0);
    expect(result.reconciliation.differences).toEqual([]);
    expect(result.events.acked).toBe(result.events.sent);
  });

  it('bad-network-day: every network kind at once, overlapping, and the tallies still reconcile exactly', async () => {
    const { result, net, figures } = await run('bad-network-day.yaml');
    const wire = net.proxy!.counters();
    const by = (name: string) => result.faults!.find((f) => f.name === name)!;
    expect(result.faults!.map((f) => f.kind)).toEqual([
      'connection-drop',
      'partition',
      'delay',
      'bandwidth',
      'endpoint-restart',
    ]);
    expect(by('kill-endpoint').injected).toMatchObject({ restarts: 1 });
    // reconnects and DUP resends go to the fault that closed the connection before them, each
    // counted once: the per-fault figures add up to what the proxy saw follow a fault
    const causes = net.proxy!.byCause();
    const sum = (what: 'reconnects' | 'resentWithDup') =>
      result.faults!.reduce((n, f) => n + (f.injected[what] ?? 0), 0);
    expect(sum('reconnects')).toBe([...causes.values()].reduce((n, c) => n + c.reconnects, 0));
    expect(sum('resentWithDup')).toBe([...causes.values()].reduce((n, c) => n + c.dupPublishes, 0));
    expect(sum('resentWithDup')).toBeLessThanOrEqual(wire.dupPublishes);
    // each goes to the fault that closed the device's connection last: a partitioned device the
    // restart closed again comes back as the restart's
    for (const [i, name] of [
      [0, 'flaky-field'],
      [1, 'offline-fifth'],
      [4, 'kill-endpoint'],
    ] as const)
      expect(by(name).injected.reconnects ?? 0).toBe(causes.get(i)?.reconnects ?? 0);
    expect(by('kill-endpoint').injected.reconnects).toBeGreaterThan(0);
    // latency and a bandwidth cap close nothing: nothing reconnects after them
    expect(by('satellite-latency').injected.reconnects).toBeUndefined();
    expect(by('rural-slow').injected.reconnects).toBeUndefined();
    expect(figures.reduce((n, f) => n + f.connectionsCut, 0)).toBeLessThanOrEqual(wire.connectionsCut);
    expect(wire.connectionsCut).toBeGreaterThan(0);
    expect(by('satellite-latency').injected.delayedBytes).toBeGreaterThan(0);
    for (const f of result.faults!) expect(f.exact).toBe(true);
    expect(result.lostEvents).toMatchObject({ lost: 0, pairsNotChecked: 0 });
    expect(result.reconciliation.differences).toEqual([]);
    expect(result.reconciliation.devices?.differing ?? 0).toBe(0);
    expect(result.events.acked).toBe(result.events.sent);
    expect(result.verdict).toBe('passed');
  });
});
