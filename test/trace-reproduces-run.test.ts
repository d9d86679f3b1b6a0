/**
 * `fleetsim trace` prints exactly what a device did in a full run: real runs against the embedded
 * endpoint (MQTT via aedes, and in memory) capture every event sent (runScenario's onSend), and the trace
 * of randomly picked devices, computed alone with no network, must be the same events. The
 * rare-paths run also proves its promise: every catalogue state on every platform, reconciled.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildFleet } from '../agent/fleet/fleet.js';
import { runScenario } from '../run/run-scenario.js';
import { Rng } from '../core/rng.js';
import { loadScenario } from '../agent/scenario/load.js';
import type { Scenario } from '../agent/scenario/schema.js';
import type { Emitted } from '../agent/sim/simulator.js';
import { traceDevice } from '../agent/sim/trace.js';
import { PLATFORMS, allStates } from '../protocol/catalogue/catalogue.js';
import { cli, ROOT } from './helpers.js';

const line = (o: {
  appId: string;
  seq: number;
  simTs: number;
  status: string;
  state: string;
  native?: string;
  appVersion: string;
}) => `${o.appId}#${o.seq}@${o.simTs} ${o.status}/${o.state} ${o.native ?? '-'} v${o.appVersion}`;

function capture() {
  const byDevice = new Map<string, string[]>();
  const onSend = (e: Emitted) => {
    const lines = byDevice.get(e.inst.device.id) ?? [];
    lines.push(
      line({
        appId: e.inst.app.id,
        seq: e.seq,
        simTs: e.step.at,
        status: e.step.status,
        state: e.step.state,
        ...(e.step.native ? { native: e.step.native } : {}),
        appVersion: e.step.version,
      }),
    );
    byDevice.set(e.inst.device.id, lines);
  };
  return { byDevice, onSend };
}

/** Events in the order a device's own apps emitted them (sim time, then app): what trace lists. */
const sortLines = (lines: string[]) => [...lines].sort();

function compareRandomDevices(
  scenario: Scenario,
  sent: Map<string, string[]>,
  picks: number,
  devices?: number,
): string[] {
  const ids = [...sent.keys()].sort();
  const rng = new Rng('pick-devices');
  const picked: string[] = [];
  for (let i = 0; i < picks; i++) picked.push(ids[rng.int(ids.length)]!);
  for (const id of picked) {
    const t = traceDevice(scenario, id, devices !== undefined ? { devices } : {})!;
    expect(t, id).toBeDefined();
    expect(sortLines(t.steps.map(line)), id).toEqual(sortLines(sent.get(id)!));
  }
  return picked;
}

describe('trace reproduces a full run', () => {
  it('quickstart scaled to 3,000 devices over MQTT: random devices traced alone send the same events', async () => {
    const scenario = loadScenario(join(ROOT, 'scenarios', 'quickstart.yaml'));
    const { byDevice, onSend } = capture();
    const r = await runScenario(scenario, {
      scenarioFile: 'quickstart.yaml',
      transport: 'mqtt',
      devices: 3_000,
      onSend,
    });
    expect(r.reconciliation.match).toBe(true);
    expect(byDevice.size).toBe(3_000);
    const picked = compareRandomDevices(scenario, byDevice, 25, 3_000);
    // and the command itself prints the same events (JSON lines), for one of them
    const out = cli(['trace', 'scenarios/quickstart.yaml', '--device', picked[0]!, '--devices', '3000', '--json']);
    expect(out.code).toBe(0);
    const traced = out.stdout
      .trim()
      .split('\n')
      .map((l) => line(JSON.parse(l)));
    expect(sortLines(traced)).toEqual(sortLines(byDevice.get(picked[0]!)!));
  });

  it('rare-paths in memory: every catalogue state and model transition on every platform is visited, tallies reconcile, quota devices trace exactly', async () => {
    const scenario = loadScenario(join(ROOT, 'scenarios', 'rare-paths.yaml'));
    const { byDevice, onSend } = capture();
    const r = await runScenario(scenario, { scenarioFile: 'rare-paths.yaml', transport: 'memory', onSend });
    expect(r.reconciliation.match).toBe(true);
    expect(r.reconciliation.differences).toEqual([]);
    for (const p of PLATFORMS) {
      const c = r.coverage![p]!;
      expect(c.statesNever, p).toEqual([]);
      expect(c.transitionsNever, p).toEqual([]);
      expect(c.statesVisited).toBe(allStates().filter((s) => s.platform === p).length);
    }
    // every state was also reported to (and counted at some point by) the endpoint: it was sent
    const sentStates = new Set<string>();
    for (const [id, lines] of byDevice) {
      const platform = id.split('-')[0];
      for (const l of lines) sentStates.add(`${platform}/${l.split(' ')[1]}`);
    }
    for (const s of allStates())
      expect(
        sentStates.has(`${s.platform}/${s.status.id}/${s.state.id}`),
        `${s.platform}/${s.status.id}/${s.state.id}`,
      ).toBe(true);
    compareRandomDevices(scenario, byDevice, 25);
    // the devices a quota chose, traced alone, take their forced path too
    const fleet = buildFleet(scenario);
    const quotaDevices = fleet.devices
      .filter((d) => d.quotaRoles && Object.values(d.quotaRoles).some((q) => q >= 0))
      .map((d) => d.id)
      .filter((_, i) => i % 7 === 0);
    expect(quotaDevices.length).toBeGreaterThan(0);
    for (const id of quotaDevices)
      expect(sortLines(traceDevice(scenario, id)!.steps.map(line))).toEqual(sortLines(byDevice.get(id)!));
  });
});
