import { describe, expect, it } from 'vitest';
import { eventEffects } from '../agent/faults/effects.js';
import { faultsOf, momentOf, planFaults, takesEvent } from '../agent/faults/plan.js';
import { parseScenario } from '../agent/scenario/load.js';
import { traceDevice } from '../agent/sim/trace.js';
import { renderTrace } from '../cli/trace-command.js';
import { ScenarioError } from '../protocol/errors.js';
import { formatDuration } from '../core/delay.js';

const BASE = `
name: faults-plan
seed: 7
apps:
  - { id: com.acme.mail, platforms: [ios, android] }
  - { id: com.acme.vpn, platforms: [android] }
cohorts:
  - { name: phones, platform: ios, count: 40 }
  - { name: droids, platform: android, count: 60 }
`;

function scenario(faults: string) {
  return parseScenario(`${BASE}faults:\n${faults}`, 'plan.yaml');
}

describe('the fault plan', () => {
  it('strikes exactly count devices of the scope, the same ones for the same seed, others for another', () => {
    const s = scenario('  - { kind: stuck, cohort: droids, count: 7, at: 1h }\n');
    const a = planFaults(s, { seed: 7 }).faults[0]!;
    expect(a.devices.size).toBe(7);
    for (const id of a.devices) expect(id).toMatch(/^android-0000\d\d$/);
    expect([...planFaults(s, { seed: 7 }).faults[0]!.devices]).toEqual([...a.devices]);
    expect([...planFaults(s, { seed: 8 }).faults[0]!.devices]).not.toEqual([...a.devices]);
    expect(a.name).toBe('stuck-0');
  });

  it('draws a share by device id, independent of fleet order, and scales with --devices', () => {
    const s = scenario('  - { kind: duplicates, platform: ios, share: 0.5, every: 2 }\n');
    const f = planFaults(s, { seed: 7 }).faults[0]!;
    expect(f.devices.size).toBeGreaterThan(5);
    expect(f.devices.size).toBeLessThan(35);
    for (const id of f.devices) expect(id.startsWith('ios-')).toBe(true);
    const big = planFaults(s, { seed: 7, devices: 1000 }).faults[0]!;
    // a device struck in the small fleet is struck in the big one: the draw is by id
    for (const id of f.devices) expect(big.devices.has(id)).toBe(true);
  });

  it('takes every k-th seq of a struck device inside the simulated window only', () => {
    const s = scenario('  - { kind: duplicates, cohort: phones, every: 3, at: 1h, for: 1h }\n');
    const f = planFaults(s, { seed: 7 }).faults[0]!;
    const start = Date.parse(s.startTime);
    const inside = start + 90 * 60_000;
    expect(takesEvent(f, 'ios-000001', 'com.acme.mail', 3, inside)).toBe(true);
    expect(takesEvent(f, 'ios-000001', 'com.acme.mail', 4, inside)).toBe(false);
    expect(takesEvent(f, 'ios-000001', 'com.acme.mail', 3, start)).toBe(false);
    expect(takesEvent(f, 'android-000001', 'com.acme.mail', 3, inside)).toBe(false);
  });

  it('draws each device its own moment inside a moment kind window', () => {
    const s = scenario('  - { kind: factory-reset, count: 20, at: 1h, for: 2h }\n');
    const f = planFaults(s, { seed: 7 }).faults[0]!;
    const moments = new Set([...f.devices].map((id) => momentOf(f, id)));
    for (const m of moments) {
      expect(m).toBeGreaterThanOrEqual(f.from);
      expect(m).toBeLessThan(f.to);
    }
    expect(moments.size).toBeGreaterThan(10);
  });

  it('adds up overlapping delays and keeps the first skew, the same every time it is asked', () => {
    const s = scenario(
      [
        '  - { kind: delay, cohort: phones, latency: 100ms }',
        '  - { kind: delay, cohort: phones, latency: { uniform: [10ms, 20ms] }, jitter: 5ms }',
        '  - { kind: clock-skew, cohort: phones, offset: "-90m" }',
      ].join('\n'),
    );
    const plan = planFaults(s, { seed: 7 });
    const t0 = Date.parse(s.startTime);
    const e = eventEffects(faultsOf(plan, 'ios-000003'), 'ios-000003', 'com.acme.mail', 2, t0, undefined)!;
    expect(e.delayedBy.length).toBe(2);
    expect(e.delayMs).toBeGreaterThanOrEqual(110);
    expect(e.delayMs).toBeLessThanOrEqual(125);
    expect(e.skewMs).toBe(-90 * 60_000);
    expect(eventEffects(faultsOf(plan, 'ios-000003'), 'ios-000003', 'com.acme.mail', 2, t0, undefined)).toEqual(e);
    expect(eventEffects(faultsOf(plan, 'android-000003'), 'android-000003', 'com.acme.mail', 2, t0, undefined)).toBe(
      undefined,
    );
  });

  it('refuses a scope the scenario lacks, share with count, and a wall clock on a device kind, with the line', () => {
    const bad = (f: string) => {
      try {
        scenario(f);
      } catch (e) {
        expect(e).toBeInstanceOf(ScenarioError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('  - { kind: stuck, cohort: tablets }\n')).toMatch(/plan\.yaml:\d+.*no cohort "tablets"/s);
    expect(bad('  - { kind: stuck, share: 0.5, count: 3 }\n')).toMatch(/share or count, not both/);
    expect(bad('  - { kind: stuck, clock: wall }\n')).toMatch(/simulated time/);
    expect(bad('  - { kind: stuck, cohort: phones, count: 41 }\n')).toMatch(/larger than the fault's scope \(40/);
    expect(bad('  - { kind: teleport }\n')).toMatch(/kind/);
  });
});

describe('trace of a struck device', () => {
  it('shows the moment fault at the moment it struck and the event faults under their events', () => {
    const s = scenario(
      [
        '  - { kind: stuck, name: wedged, cohort: droids, count: 1, at: 10m }',
        '  - { kind: duplicates, name: twice, cohort: droids, every: 1 }',
      ].join('\n'),
    );
    const id = [...planFaults(s, { seed: 7 }).faults[0]!.devices][0]!;
    const t = traceDevice(s, id)!;
    expect(t.faults.map((f) => f.name)).toEqual(['wedged', 'twice']);
    expect(t.faults[0]!.at).toBe(Date.parse(s.startTime) + 10 * 60_000);
    const text = renderTrace(t, s, 7);
    expect(text).toMatch(/\+\s*00:10:00\.000 {2}FAULT stuck 'wedged' strikes/);
    expect(text).toMatch(/FAULT sent twice.*'twice'/);
    expect(t.steps[0]!.faults?.[0]).toMatch(/sent twice/);
  });

  it("shows a network fault's wall moment for the device: the drive cuts its connection then", () => {
    const s = scenario('  - { kind: connection-drop, name: cut, cohort: droids, count: 1, at: 500ms, for: 2s }');
    const f = planFaults(s, { seed: 7 }).faults[0]!;
    const id = [...f.devices][0]!;
    const t = traceDevice(s, id)!;
    const at = momentOf(f, id);
    expect(at).toBeGreaterThanOrEqual(500);
    expect(t.faults[0]!.at).toBe(at);
    expect(renderTrace(t, s, 7)).toContain(
      `at ${formatDuration(at)} from the drive's start the device's connection is cut`,
    );
  });
});

describe('the fault report', () => {
  it('says so when every difference lies on devices the fault struck, and not when one lies elsewhere', async () => {
    const { faultReports } = await import('../result/fault-report.js');
    const s = scenario('  - { kind: duplicates, name: twice, cohort: droids, count: 2 }\n');
    const f = planFaults(s, { seed: 7 }).faults[0]!;
    const [a, b] = [...f.devices];
    const diff = (deviceId: string) => ({
      deviceId,
      appId: 'com.acme.mail',
      platform: 'android' as const,
      expected: { status: 'installed', state: 'installed', seq: 3 },
      counted: null,
    });
    const rec = (ids: string[]) => ({
      checked: true,
      match: false,
      apps: [],
      differences: [],
      devices: { checked: true, pairs: 100, differing: ids.length, differences: ids.map(diff) },
    });
    const report = (ids: string[]) =>
      faultReports({
        faults: [f],
        counts: [{ duplicated: 4 }],
        strikes: [],
        installs: [],
        reconciliation: rec(ids),
        simStartMs: 0,
      })[0]!;
    expect(report([a!, b!]).note).toMatch(/every difference \(2 devices\) is on a device this fault struck/);
    expect(report([a!, 'ios-000001']).note).toBeUndefined();
    expect(report([a!]).exact).toBe(false);
    expect(report([a!]).injected).toEqual({ duplicated: 4 });
  });

  it('says a difference appeared in the window only when it began with an event sent while the window was open', async () => {
    const { faultReports } = await import('../result/fault-report.js');
    const s = scenario(
      '  - { kind: duplicates, name: late, clock: wall, at: 2s, for: 1s, cohort: droids, count: 2 }\n',
    );
    const f = planFaults(s, { seed: 7 }).faults[0]!;
    const [a, b] = [...f.devices];
    const diff = (deviceId: string) => ({
      deviceId,
      appId: 'com.acme.mail',
      platform: 'android' as const,
      expected: { status: 'installed', state: 'installed', seq: 3 },
      counted: { status: 'downloading', state: 'not_installed', seq: 2 },
    });
    const report = (wallMs: number[]) =>
      faultReports({
        faults: [f],
        counts: [{}],
        strikes: [],
        installs: [],
        reconciliation: {
          checked: true,
          match: false,
          apps: [],
          differences: [],
          devices: { checked: true, pairs: 100, differing: 2, differences: [diff(a!), diff(b!)] },
        },
        simStartMs: 0,
        differenceAt: new Map([a!, b!].map((id, i) => [`${id}\u0000com.acme.mail`, { simAt: 0, wallMs: wallMs[i]! }])),
      })[0]!;
    expect(report([2100, 2900]).note).toMatch(
      /every difference \(2 devices\) is on a device this fault struck and began with an event sent in its window/,
    );
    // on struck devices, but one began before the window opened: not the window's doing
    expect(report([1500, 2900]).note).toBeUndefined();
    expect(report([2100, 3500]).note).toBeUndefined();
  });
});

describe('trace of a factory reset', () => {
  it('shows the wipe at its moment and the events after it from seq 1 of enrolment 1', () => {
    const s = scenario('  - { kind: factory-reset, name: wiped, cohort: phones, count: 1, at: 30s }\n');
    const id = [...planFaults(s, { seed: 7 }).faults[0]!.devices][0]!;
    const t = traceDevice(s, id)!;
    const text = renderTrace(t, s, 7);
    expect(text).toMatch(/\+\s*00:00:30\.000 {2}FAULT factory-reset 'wiped' strikes/);
    const after = t.steps.filter((x) => x.enrolment === 1);
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((x) => x.simTs >= Date.parse(s.startTime) + 30_000)).toBe(true);
    expect(after[0]!.seq).toBe(1);
    expect(text).toMatch(/#1 \(enrolment 1\)/);
  });
});
