/**
 * VPP licence pools: a pool of N licences gives exactly N licensed installs, in the order devices
 * check in; the devices after it fail the install; a removed app returns its licence to the next
 * device to check in; a factory reset keeps a device's licence and a wiped device without one asks
 * again; the outcome is the same in every shard and in `trace`. Virtual time, no network.
 */
import { describe, expect, it } from 'vitest';
import { planFaults } from '../agent/faults/plan.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import type { LicenceWalk } from '../agent/sim/licence-pool.js';
import { Simulator, type CheckInRecord, type Installation } from '../agent/sim/simulator.js';
import { traceDevice } from '../agent/sim/trace.js';
import { ScenarioError } from '../protocol/errors.js';

interface Run {
  installs: Installation[];
  /** When each pooled installation asked for its licence in this run (its check-in), by "deviceId|appId[|enrolment]". */
  asked: Map<string, number>;
  checkIns: CheckInRecord[];
}

function run(yaml: string, opts: { shard?: { index: number; count: number } } = {}): Run {
  const s = parseScenario(yaml, 'pool.yaml');
  const fleet = buildFleet(s, opts);
  const watch: LicenceWalk = { asked: new Map(), removed: new Map() };
  const faults = planFaults(s, { seed: s.seed });
  const sim = new Simulator(fleet, {
    startMs: fleet.startMs,
    seed: s.seed,
    recordPaths: true,
    licenceWatch: watch,
    faults,
  });
  sim.runToEnd();
  return { installs: sim.installs, asked: watch.asked, checkIns: sim.checkIns };
}

const simulate = (yaml: string, opts: { shard?: { index: number; count: number } } = {}) => run(yaml, opts).installs;
const askOf = (r: Run, i: Installation) => r.asked.get(`${i.device.id}|${i.app.id}`)!;

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
  it('a 1,000-licence pool gives exactly 1,000 licensed installs, to the first devices to check in; the rest fail', () => {
    const r = run(POOL);
    const installs = r.installs;
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
    // each asked at one of its device's check-ins that carried the app (a check-in serves its apps 1 s apart)
    for (const i of maps) {
      const at = askOf(r, i);
      const carried = r.checkIns.filter((c) => c.deviceId === i.device.id && c.apps.includes('com.acme.maps'));
      expect(
        carried.some((c) => at >= c.at && at - c.at < 10_000),
        `${i.device.id} asked at a check-in`,
      ).toBe(true);
    }
    // in check-in order: every refused device checked in after every licensed one
    const lastLicensed = Math.max(...maps.filter(licensed).map((i) => askOf(r, i)));
    for (const i of without) expect(askOf(r, i)).toBeGreaterThanOrEqual(lastLicensed);
    // and not in the order they came online: some device online later got a licence that an earlier one did not
    const firstRefusedOnline = Math.min(...without.map((i) => i.device.arrivalMs));
    expect(maps.filter(licensed).some((i) => i.device.arrivalMs > firstRefusedOnline)).toBe(true);
    // the other app on the same devices has no pool
    expect(installs.filter((i) => i.app.id === 'com.acme.mail' && refused(i))).toEqual([]);
  });

  it('a removed app returns its licence: the pool never has more holders than licences, and later devices reuse them', () => {
    const yaml = POOL.replace('licences: 1000', 'licences: 10')
      .replace('probability: 0 }', 'probability: 1, delay: { uniform: ["1h", "2h"] } }')
      .replace('count: 1200', 'count: 60')
      .replace('["0s", "2h"]', '["0s", "6h"]');
    const r = run(yaml);
    const maps = r.installs.filter((i) => i.app.id === 'com.acme.maps');
    const holders = maps.filter(licensed);
    expect(holders.length).toBeGreaterThan(10);
    expect(maps.filter(refused).length).toBeGreaterThan(0);
    expect(holders.length + maps.filter(refused).length).toBe(60);
    // a licence is held from the device's check-in until its removal
    const events: [number, number][] = [];
    for (const i of holders) {
      events.push([askOf(r, i), 1]);
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
    expect(steps[0]!.why).toContain(
      "pool 'vpp-pool' (150 licences of com.acme.maps) had none free when the device checked in",
    );
    expect(steps.at(-1)!.why).toContain("pool 'vpp-pool' (150 licences of com.acme.maps)");
    const holder = maps0(yaml, whole);
    expect(holder.why).toContain(
      "VPP licence assigned at the check-in, from pool 'vpp-pool' (150 licences of com.acme.maps)",
    );
  });

  it('with two pools on the same devices, the run replays exactly: each licence went to the first device to check in after a holder removed its app', () => {
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
    const r = run(yaml);
    const installs = r.installs;
    const pools: [string, number][] = [
      ['com.acme.maps', 12],
      ['com.acme.docs', 9],
    ];
    for (const [app, licences] of pools) {
      const mine = installs
        .filter((i) => i.app.id === app)
        .sort((a, b) => askOf(r, a) - askOf(r, b) || a.device.index - b.device.index);
      const returns: number[] = [];
      let free = licences;
      let refusedCount = 0;
      for (const i of mine) {
        const at = askOf(r, i);
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

  it('a factory reset keeps the device its licence; a wiped device without one asks again when it checks in', () => {
    const yaml = POOL.replace('licences: 1000', 'licences: 20')
      .replace('probability: 0 }', 'probability: 0.5, delay: { uniform: ["2h", "4h"] } }')
      .replace('count: 1200', 'count: 80')
      .replace('["0s", "2h"]', '["0s", "1h"]')
      .replace('cohorts:', 'faults:\n  - { kind: factory-reset, name: wiped, count: 30, at: 30m, for: 8h }\ncohorts:');
    const r = run(yaml);
    const maps = r.installs.filter((i) => i.app.id === 'com.acme.maps');
    const wiped = maps.filter((i) => i.path!.some((s) => s.why.includes('wiped and re-enrolled')));
    expect(wiped.length).toBeGreaterThan(5);
    // an ask per enrolment; a device that held its licence at the wipe holds it after
    let kept = 0;
    let askedAgain = 0;
    for (const i of wiped) {
      const before = i.path!.slice(
        0,
        i.path!.findIndex((s) => s.why.includes('wiped and re-enrolled')),
      );
      const after = i.path!.slice(before.length);
      const heldAtWipe =
        before.some((s) => s.state === 'licensed_installation_scheduled') &&
        !before.some((s) => s.status === 'removed');
      if (heldAtWipe && r.asked.has(`${i.device.id}|com.acme.maps|1`)) {
        expect(
          after.some((s) => s.state === 'licensed_installation_scheduled'),
          i.device.id,
        ).toBe(true);
        kept++;
      }
      if (
        before.some((s) => s.via.includes('licence_check->no_licence')) &&
        r.asked.has(`${i.device.id}|com.acme.maps|1`)
      )
        askedAgain++;
    }
    expect(kept).toBeGreaterThan(0);
    // the pool never has more holders than licences, counting the wiped devices' holds
    const events: [number, number][] = [];
    const holding = new Map<string, boolean>();
    const asks = [...r.asked].sort((a, b) => a[1] - b[1]);
    const removals = maps.flatMap((i) =>
      i.path!.filter((s) => s.status === 'removed').map((s) => [s.at, i.device.id] as const),
    );
    for (const [key, at] of asks) {
      const [device] = key.split('|');
      const got = maps.find((i) => i.device.id === device)!;
      const licensedThen = got.path!.some(
        (s) => s.state === 'licensed_installation_scheduled' && s.at >= at && s.at - at <= 5_000,
      );
      if (licensedThen && !holding.get(device!)) {
        holding.set(device!, true);
        events.push([at, 1]);
      }
    }
    for (const [at, device] of removals)
      if (holding.get(device)) {
        holding.set(device, false);
        events.push([at, -1]);
      }
    events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let held = 0;
    for (const [, d] of events) {
      held += d;
      expect(held).toBeLessThanOrEqual(20);
    }
    expect(askedAgain + kept).toBeGreaterThan(0);
    // the run's outcome is the plan's: the same in a shard
    const refusedIds = (rs: Installation[]) =>
      rs
        .filter(
          (i) => i.app.id === 'com.acme.maps' && i.path!.some((s) => s.via.includes('no_licence->install_failed')),
        )
        .map((i) => i.device.id)
        .sort();
    const sharded = [0, 1].flatMap((index) => refusedIds(simulate(yaml, { shard: { index, count: 2 } }))).sort();
    expect(sharded).toEqual(refusedIds(r.installs));
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
