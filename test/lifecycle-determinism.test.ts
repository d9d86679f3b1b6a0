/**
 * A device's path depends only on (seed, deviceId, appId, traits, model + overrides): never on the
 * fleet's order or shard, nor on its size (but for a VPP pool's outcome, which does by design). Pure simulation in virtual time: no sockets, no clock.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { buildFleet, type FleetOptions } from '../agent/fleet/fleet.js';
import { loadScenario, parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import { ROOT } from './helpers.js';

const quickstart = loadScenario(join(ROOT, 'scenarios', 'quickstart.yaml'));

/** deviceId -> its cohort and every step it reported, per app. */
function paths(scenario = quickstart, opts: FleetOptions = {}): Map<string, string> {
  const fleet = buildFleet(scenario, opts);
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: scenario.seed, recordPaths: true });
  sim.runToEnd();
  const out = new Map<string, string[]>();
  for (const inst of sim.installs) {
    const lines = out.get(inst.device.id) ?? [inst.device.cohort];
    for (const s of inst.path!)
      lines.push(`${inst.app.id}|${s.at}|${s.status}|${s.state}|${s.native ?? ''}|${s.version}|${s.via.join(',')}`);
    out.set(inst.device.id, lines);
  }
  return new Map([...out].map(([id, lines]) => [id, lines.join('\n')]));
}

describe("determinism of a device's path", () => {
  it('is the same in a 100-device and a 10,000-device fleet', () => {
    // a VPP pool is the documented exception: its fixed number of licences goes in check-in order,
    // so who gets one depends on who else checks in (docs/lifecycles.md); without it, nothing does
    const noPool = { ...quickstart, causes: quickstart.causes.filter((c) => c.kind !== 'vpp-pool') };
    const small = paths(noPool, { devices: 100 });
    const big = paths(noPool, { devices: 10_000 });
    expect(small.size).toBe(100);
    expect(big.size).toBe(10_000);
    let compared = 0;
    for (const [id, path] of small) {
      const other = big.get(id)!;
      // ids are numbered per prefix across cohorts: compare the devices in the same cohort in both
      if (other.split('\n')[0] !== path.split('\n')[0]) continue;
      expect(other).toBe(path);
      compared++;
    }
    expect(compared).toBeGreaterThan(50);
  });

  it('is the same whatever the shard the device runs in', () => {
    const whole = paths(quickstart, { devices: 600 });
    for (let i = 0; i < 3; i++) {
      const shard = paths(quickstart, { devices: 600, shard: { index: i, count: 3 } });
      expect(shard.size).toBe(200);
      for (const [id, path] of shard) expect(path).toBe(whole.get(id));
    }
  });

  it('is the same when traced alone (onlyDevice)', () => {
    const whole = paths(quickstart, { devices: 500 });
    for (const id of ['ios-000042', 'android-000007', 'windows-000100', 'dme-000077']) {
      expect(paths(quickstart, { devices: 500, onlyDevice: id }).get(id)).toBe(whole.get(id));
    }
  });

  it('keeps every choice when only a delay is overridden (every hop draws the same numbers)', () => {
    const text = (extra: string) => `
name: d
seed: 3
apps: [{ id: a, update: { version: 2.0.0, at: 1d } }]
cohorts: [{ name: ios, platform: ios, count: 300, supervised: 0.5 }, { name: win, platform: windows, count: 300 }]
${extra}`;
    const base = paths(parseScenario(text(''), 'a.yaml'));
    const changed = paths(
      parseScenario(
        text(
          'overrides: [{ platform: ios, transition: "prompted->installing", delay: { uniform: [1s, 2s] } }, { platform: windows, transition: "enforcing->installed", delay: 10s }]',
        ),
        'b.yaml',
      ),
    );
    const route = (p: string) =>
      p
        .split('\n')
        .map((l) =>
          l
            .split('|')
            .filter((_, i) => i !== 1)
            .join('|'),
        )
        .join('\n');
    let differentTimes = 0;
    for (const [id, p] of base) {
      expect(route(changed.get(id)!)).toBe(route(p));
      if (changed.get(id) !== p) differentTimes++;
    }
    expect(differentTimes).toBeGreaterThan(100);
  });

  it('changes with the seed', () => {
    const a = paths(quickstart, { devices: 200 });
    const b = paths({ ...quickstart, seed: 43 }, { devices: 200 });
    expect([...a.values()].join()).not.toBe([...b.values()].join());
  });
});
