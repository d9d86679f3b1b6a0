/**
 * VPP licence pools: a pool of N licences gives exactly N licensed installs, in the order devices
 * come online; the devices after it fail the install; a removed app returns its licence to the
 * next device; the outcome is the same in every shard and in `trace`. Virtual time, no network.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator, type Installation } from '../agent/sim/simulator.js';
import { traceDevice } from '../agent/sim/trace.js';
import { ScenarioError } from '../protocol/errors.js';

function simulate(yaml: string, opts: { shard?: { index: number; count: number } } = {}): Installation[] {
  const s = parseScenario(yaml, 'pool.yaml');
  const fleet = buildFleet(s, opts);
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: s.seed, recordPaths: true });
  sim.runToEnd();
  return sim.installs;
}

const licensed = (i: Installation) => i.path!.some((s) => s.state === 'licensed_installation_scheduled');
const refused = (i: Installation) => i.path!.some((s) => s.via.includes('no_licence->install_failed'));

const POOL = `name: pool
seed: 4
defaultCauses: false
apps:
  - { id: com.acme.maps, platforms: [ios], ios: { kind: vpp, licence: device } }
  - { id: com.acme.mail, platforms: [ios] }
causes:
  - { kind: vpp-pool, app: com.acme.maps, licences: 1000 }
overrides:
  - { platform: ios, transition: "installed->removed", probability: 0 }
cohorts:
  - { name: fleet, platform: ios, count: 1200, supervised: true, arrival: { uniform: ["0s", "2h"] } }
`;

/** The first maps step of a device that got a licence, as trace prints it. */
function maps0(yaml: string, without: readonly string[]) {
  const s = parseScenario(yaml, 'pool.yaml');
  const id = buildFleet(s).devices.find((d) => !without.includes(d.id))!.id;
  return traceDevice(s, id)!.steps.find((x) => x.appId === 'com.acme.maps')!;
}

describe('VPP licence pools', () => {
  it('a 1,000-licence pool gives exactly 1,000 licensed installs, to the first devices online; the rest fail', () => {
    const installs = simulate(POOL);
    const maps = installs.filter((i) => i.app.id === 'com.acme.maps');
    expect(maps).toHaveLength(1200);
    expect(maps.filter(licensed)).toHaveLength(1000);
    const without = maps.filter(refused);
    expect(without).toHaveLength(200);
    for (const i of without) {
      expect(`${i.last!.status}/${i.last!.state}`).toBe('failed/install_failed');
      expect(i.path![0]!.state).toBe('command_scheduled');
      expect(i.path!.map((s) => s.state)).not.toContain('licensed_installation_scheduled');
    }
    // in the order devices came online: every refused device came online after every licensed one
    const lastLicensed = Math.max(...maps.filter(licensed).map((i) => i.device.arrivalMs));
    for (const i of without) expect(i.device.arrivalMs).toBeGreaterThanOrEqual(lastLicensed);
    // the other app on the same devices has no pool
    expect(installs.filter((i) => i.app.id === 'com.acme.mail' && refused(i))).toEqual([]);
  });

  it('a removed app returns its licence: the pool never has more holders than licences, and later devices reuse them', () => {
    const yaml = POOL.replace('licences: 1000', 'licences: 10')
      .replace('probability: 0 }', 'probability: 1, delay: { uniform: ["1h", "2h"] } }')
      .replace('count: 1200', 'count: 60')
      .replace('["0s", "2h"]', '["0s", "6h"]');
    const maps = simulate(yaml).filter((i) => i.app.id === 'com.acme.maps');
    const holders = maps.filter(licensed);
    expect(holders.length).toBeGreaterThan(10);
    expect(maps.filter(refused).length).toBeGreaterThan(0);
    expect(holders.length + maps.filter(refused).length).toBe(60);
    // a licence is held from the device's arrival until its removal
    const events: [number, number][] = [];
    for (const i of holders) {
      events.push([i.path![0]!.at - 5_000, 1]);
      const removed = i.path!.find((s) => s.status === 'removed');
      if (removed) events.push([removed.at, -1]);
    }
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let held = 0;
    for (const [, d] of events) {
      held += d;
      expect(held).toBeLessThanOrEqual(10);
    }
  });

  it('the same devices get no licence in every shard and in trace', () => {
    const yaml = POOL.replace('licences: 1000', 'licences: 150').replace('count: 1200', 'count: 200');
    const key = (i: Installation) => i.device.id;
    const whole = simulate(yaml)
      .filter((i) => i.app.id === 'com.acme.maps' && refused(i))
      .map(key)
      .sort();
    expect(whole).toHaveLength(50);
    const sharded = [0, 1, 2]
      .flatMap((index) => simulate(yaml, { shard: { index, count: 3 } }))
      .filter((i) => i.app.id === 'com.acme.maps' && refused(i))
      .map(key)
      .sort();
    expect(sharded).toEqual(whole);
    const t = traceDevice(parseScenario(yaml, 'pool.yaml'), whole[0]!)!;
    const steps = t.steps.filter((s) => s.appId === 'com.acme.maps');
    expect(steps.at(-1)!.state).toBe('install_failed');
    expect(steps.at(-1)!.why).toContain('no licence left in the pool');
    // trace names the pool that had none free
    expect(steps[0]!.why).toContain("pool 'vpp-pool' (150 licences of com.acme.maps) had none free");
    expect(steps.at(-1)!.why).toContain("pool 'vpp-pool' (150 licences of com.acme.maps)");
    const holder = maps0(yaml, whole);
    expect(holder.why).toContain("VPP licence acquired first, from pool 'vpp-pool' (150 licences of com.acme.maps)");
  });

  it('with two pools on the same devices, the run replays exactly: each licence went to the first device online after a holder removed its app', () => {
    const yaml = `name: pools
seed: 9
defaultCauses: false
apps:
  - { id: com.acme.maps, platforms: [ios], ios: { kind: vpp, licence: device } }
  - { id: com.acme.docs, platforms: [ios], ios: { kind: vpp, licence: device } }
causes:
  - { kind: vpp-pool, name: maps-pool, app: com.acme.maps, licences: 12 }
  - { kind: vpp-pool, name: docs-pool, app: com.acme.docs, licences: 9 }
overrides:
  - { platform: ios, transition: "installed->removed", probability: 1, delay: { uniform: ["20m", "3h"] } }
cohorts:
  - { name: fleet, platform: ios, count: 80, supervised: true, arrival: { uniform: ["0s", "8h"] } }
`;
    const installs = simulate(yaml);
    const startMs = Date.parse(parseScenario(yaml, 'pools.yaml').startTime);
    const pools: [string, number][] = [
      ['com.acme.maps', 12],
      ['com.acme.docs', 9],
    ];
    for (const [app, licences] of pools) {
      const mine = installs
        .filter((i) => i.app.id === app)
        .sort((a, b) => a.device.arrivalMs - b.device.arrivalMs || a.device.index - b.device.index);
      const returns: number[] = [];
      let free = licences;
      let refusedCount = 0;
      for (const i of mine) {
        const at = startMs + i.device.arrivalMs;
        returns.sort((a, b) => a - b);
        while (returns.length > 0 && returns[0]! <= at) {
          returns.shift();
          free++;
        }
        if (free === 0) {
          expect(refused(i), `${i.device.id} ${app}: no licence was free`).toBe(true);
          refusedCount++;
          continue;
        }
        expect(licensed(i), `${i.device.id} ${app}: a licence was free`).toBe(true);
        free--;
        const removed = i.path!.find((s) => s.status === 'removed');
        if (removed) returns.push(removed.at);
      }
      expect(refusedCount).toBeGreaterThan(0);
    }
  });

  it('a pool for an app that is not an iOS VPP app is refused, naming the field', () => {
    const bad = POOL.replace('app: com.acme.maps, licences', 'app: com.acme.mail, licences');
    let err: unknown;
    try {
      parseScenario(bad, 'pool.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    expect((err as ScenarioError).field).toBe('causes[0].app');
    expect((err as ScenarioError).message).toMatch(/not an iOS VPP app/);
  });

  it('a quota on a pooled app contradicts the pool and is refused at its line, naming the pool', () => {
    const bad = `${POOL}quotas:\n  - { cohort: fleet, app: com.acme.maps, atLeast: 1100, end: { status: installed } }\n`;
    let err: unknown;
    try {
      parseScenario(bad, 'pool.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ScenarioError);
    const e = err as ScenarioError;
    expect(e.field).toBe('quotas[0]');
    expect(e.line).toBe(bad.split('\n').indexOf('quotas:') + 2);
    expect(e.message).toContain('pool.yaml:');
    expect(e.message).toMatch(/contradicts the VPP licence pool at causes\[0\] \('vpp-pool', 1000 licences\)/);
    // the same quota on the app without a pool is fine
    expect(() =>
      parseScenario(bad.replace('app: com.acme.maps, atLeast', 'app: com.acme.mail, atLeast'), 'pool.yaml'),
    ).not.toThrow();
  });
});
