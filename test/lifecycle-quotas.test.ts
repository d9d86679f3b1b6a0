/**
 * Quotas are exact and deterministic: exactly N devices of the cohort meet each one and the
 * others meet none, the same N devices whatever the shard; the endpoint's own tallies count them.
 * Impossible or invalid lifecycle controls are refused with a ScenarioError naming file:line and
 * the field.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { coverageOf } from '../result/coverage.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { runScenario } from '../run/run-scenario.js';
import { loadScenario, parseScenario } from '../agent/scenario/load.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { Simulator, type Installation } from '../agent/sim/simulator.js';
import { ScenarioError } from '../protocol/errors.js';
import { ROOT } from './helpers.js';

function simulate(s: Scenario, devices?: number): Installation[] {
  const fleet = buildFleet(s, devices !== undefined ? { devices } : {});
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: s.seed, recordPaths: true });
  sim.runToEnd();
  return sim.installs;
}

/** Does this installation meet quota q (its end state, and its path as a subsequence of nodes)? */
function meets(s: Scenario, inst: Installation, qi: number): boolean {
  const q = s.quotas[qi]!;
  if (inst.device.cohort !== q.cohort) return false;
  if (q.app && inst.app.id !== q.app) return false;
  // the walk as (transition taken, node reached) pairs; a path item names either. A retried
  // transition (an MSI download that failed with retries left) reaches its retry node, which is
  // where the next transition starts.
  const edges = inst.path!.flatMap((st) => st.via);
  const walk = [
    { edge: '', node: inst.model.nodes[inst.model.start]!.name },
    ...edges.map((v, i) => ({
      edge: v,
      node: (edges[i + 1]?.split('->')[0] ?? v.split('->')[1]!).replace(' (update)', ''),
    })),
  ];
  const takes = (w: { edge: string; node: string }, item: string) =>
    item.includes('->') ? w.edge === item && w.node === item.split('->')[1] : w.node === item;
  let k = 0;
  for (const w of walk) if (q.path && k < q.path.length && takes(w, q.path[k]!)) k++;
  if (q.path && k < q.path.length) return false;
  if (q.end) {
    const last = inst.last!;
    if (last.status !== q.end.status || (q.end.state !== undefined && last.state !== q.end.state)) return false;
  }
  return true;
}

const QUOTA_37 = `
name: quota-37
seed: 11
transport: http
apps:
  - { id: com.acme.mail, platforms: [android, ios] }
cohorts:
  - { name: phones, platform: android, count: 300 }
  - { name: iphones, platform: ios, count: 100, supervised: false }
quotas:
  - { cohort: phones, count: 37, end: { status: failed, state: "Request to OEM server failed" } }
  - { cohort: iphones, count: 5, end: { status: Failed, state: user_rejected } }
`;

describe('quotas', () => {
  it('rare-paths: every quota is met by exactly its count of devices, and by no other device', () => {
    const s = loadScenario(join(ROOT, 'scenarios', 'rare-paths.yaml'));
    const installs = simulate(s);
    s.quotas.forEach((q, qi) => {
      const chosen = installs.filter((i) => i.quotaRole === qi);
      expect(chosen, `quota ${qi}`).toHaveLength(q.count);
      const meeting = installs.filter((i) => meets(s, i, qi));
      expect(meeting.map((i) => i.device.id).sort(), `quota ${qi}`).toEqual(chosen.map((i) => i.device.id).sort());
    });
  });

  it.each([
    [1, undefined],
    [99, 2_000],
    ['abc', 5_000],
  ] as const)(
    'rare-paths with seed %s and %s devices still meets every quota and visits every state',
    (seed, devices) => {
      const s = loadScenario(join(ROOT, 'scenarios', 'rare-paths.yaml'));
      const fleet = buildFleet(s, { seed, ...(devices !== undefined ? { devices } : {}) });
      const sim = new Simulator(fleet, { startMs: fleet.startMs, seed });
      sim.runToEnd();
      s.quotas.forEach((q, qi) => {
        expect(
          sim.installs.filter((i) => i.quotaRole === qi),
          `quota ${qi}`,
        ).toHaveLength(q.count);
      });
      for (const c of Object.values(coverageOf(sim))) {
        expect(c.statesNever).toEqual([]);
        expect(c.transitionsNever).toEqual([]);
      }
    },
  );

  it('chooses the same devices in every shard, and scales with --devices (the count stays exact)', () => {
    const s = parseScenario(QUOTA_37, 'q.yaml');
    const whole = simulate(s)
      .filter((i) => i.quotaRole === 0)
      .map((i) => i.device.id)
      .sort();
    expect(whole).toHaveLength(37);
    const sharded: string[] = [];
    for (let k = 0; k < 4; k++) {
      const fleet = buildFleet(s, { shard: { index: k, count: 4 } });
      for (const d of fleet.devices) if (d.quotaRoles?.['com.acme.mail'] === 0) sharded.push(d.id);
    }
    expect(sharded.sort()).toEqual(whole);
    const bigger = simulate(s, 1_000);
    expect(
      bigger.filter(
        (i) => i.device.cohort === 'phones' && i.last?.state === 'oem_server_failed' && i.last.status === 'failed',
      ),
    ).toHaveLength(37);
  });

  it('atLeast: the chosen devices are forced, the rest of the cohort follows the model (no skew from avoiding it)', () => {
    const yaml = (q: string) => `name: at-least
seed: 5
transport: http
apps:
  - { id: com.acme.agent, platforms: [dme], dme: { software: other } }
cohorts:
  - { name: handsets, platform: dme, count: 400, method: oma-dm }
quotas:
  - { cohort: handsets, ${q}, path: ["waiting_bootstrap->link_sent"] }
`;
    const fellBack = (installs: Installation[]) =>
      installs.filter((i) => i.path!.some((st) => st.via.includes('waiting_bootstrap->link_sent')));
    const atLeast = simulate(parseScenario(yaml('atLeast: 100'), 'at-least.yaml'));
    const chosen = atLeast.filter((i) => i.quotaRole === 0);
    expect(chosen).toHaveLength(100);
    const back = fellBack(atLeast);
    // every chosen device fell back, and some of the other 300 did too, near the model's 10 %
    expect(back.filter((i) => i.quotaRole === 0)).toHaveLength(100);
    const others = back.length - 100;
    expect(others).toBeGreaterThan(10);
    expect(others).toBeLessThan(60);
    // exact: the same 100 devices, and none of the others
    const exact = simulate(parseScenario(yaml('count: 100'), 'exact.yaml'));
    expect(fellBack(exact).map((i) => i.device.id)).toEqual(chosen.map((i) => i.device.id));
  });

  it('atLeast with another exact quota: the exact one stays exact, the atLeast one is met at least', () => {
    const s = parseScenario(
      QUOTA_37.replace(
        '  - { cohort: iphones, count: 5',
        '  - { cohort: phones, atLeast: 20, end: { status: success, state: installed } }\n  - { cohort: iphones, count: 5',
      ),
      'q.yaml',
    );
    const installs = simulate(s);
    const phones = installs.filter((i) => i.device.cohort === 'phones');
    const at = (state: string) => phones.filter((i) => i.last!.state === state);
    expect(at('oem_server_failed')).toHaveLength(37);
    expect(at('installed').length).toBeGreaterThan(20);
    for (const i of phones.filter((x) => x.quotaRole === 1)) expect(i.last!.state).toBe('installed');
  });

  it("atLeast in the embedded endpoint's tallies: the run counts what the simulation ends with, at least N", async () => {
    const s = parseScenario(
      QUOTA_37.replace('  - { cohort: iphones, count: 5', '  - { cohort: iphones, atLeast: 60'),
      'at-least-60.yaml',
    );
    const expected = simulate(s).filter((i) => i.device.cohort === 'iphones' && i.last!.state === 'user_rejected');
    expect(expected.length).toBeGreaterThanOrEqual(60);
    const r = await runScenario(s, { scenarioFile: 'at-least-60.yaml', transport: 'http' });
    expect(r.reconciliation.match).toBe(true);
    const counted = r.reconciliation.apps.find((a) => a.appId === 'com.acme.mail')!.counted;
    expect(counted.platforms.ios?.failed?.user_rejected).toBe(expected.length);
    expect(counted.platforms.android?.failed?.oem_server_failed).toBe(37);
  });

  it("a quota of 37 ends with exactly 37 at that state in the embedded endpoint's tallies", async () => {
    const s = parseScenario(QUOTA_37, 'quota-37.yaml');
    const r = await runScenario(s, { scenarioFile: 'quota-37.yaml', transport: 'memory' });
    expect(r.reconciliation.match).toBe(true);
    const counted = r.reconciliation.apps.find((a) => a.appId === 'com.acme.mail')!.counted;
    expect(counted.platforms.android?.failed?.oem_server_failed).toBe(37);
    expect(counted.platforms.ios?.failed?.user_rejected).toBe(5);
  });
});

describe('invalid lifecycle controls', () => {
  const BASE = `name: bad
apps: [{ id: a, platforms: [ios, android] }, { id: b, platforms: [android] }]
cohorts:
  - { name: ios, platform: ios, count: 10 }
  - { name: droid, platform: android, count: 20, apps: [a] }
  - { name: tabs, platform: android, count: 5 }
`;
  const fails = (extra: string): ScenarioError => {
    try {
      const s = parseScenario(BASE + extra, 'bad.yaml');
      buildFleet(s);
    } catch (err) {
      expect(err).toBeInstanceOf(ScenarioError);
      return err as ScenarioError;
    }
    throw new Error('expected a ScenarioError');
  };

  it('an unknown state in a quota names the line, the field and the states that exist', () => {
    const e = fails('quotas:\n  - cohort: ios\n    count: 2\n    end: { status: failed, state: user_rejectd }\n');
    expect(e.code).toBe('SCENARIO_INVALID');
    expect(e.line).toBe(10);
    expect(e.field).toBe('quotas[0].end.state');
    expect(e.message).toMatch(/user_rejected/);
  });

  it('a probability above 1', () => {
    const e = fails('overrides:\n  - { platform: ios, transition: "prompted->user_rejected", probability: 1.5 }\n');
    expect(e.code).toBe('SCENARIO_INVALID');
    expect(e.field).toBe('overrides[0].probability');
    expect(e.line).toBe(8);
  });

  it('probabilities out of one node that add up to more than 1', () => {
    const e = fails(
      'overrides:\n  - { platform: ios, transition: "prompted->user_rejected", probability: 0.6 }\n  - { platform: ios, transition: "prompted->installing", probability: 0.6 }\n',
    );
    expect(e.field).toBe('overrides[1].probability');
  });

  it('an unknown transition, with a suggestion', () => {
    const e = fails('overrides:\n  - { platform: ios, transition: "prompted->user_rejeted", probability: 0.5 }\n');
    expect(e.field).toBe('overrides[0].transition');
    expect(e.message).toMatch(/did you mean "prompted->user_rejected"/);
  });

  it('a probability on a choice that traits decide', () => {
    const e = fails('overrides:\n  - { platform: ios, transition: "route_prompt->prompted", probability: 0.5 }\n');
    expect(e.field).toBe('overrides[0].probability');
  });

  it('a quota with both count and atLeast, or neither', () => {
    const both = fails('quotas:\n  - { cohort: droid, count: 2, atLeast: 2, end: { status: failed } }\n');
    expect(both.field).toBe('quotas[0].atLeast');
    expect(both.line).toBe(8);
    expect(both.message).toMatch(/either count .* or atLeast/);
    expect(fails('quotas:\n  - { cohort: droid, end: { status: failed } }\n').field).toBe('quotas[0]');
    expect(fails('quotas:\n  - { cohort: droid, atLeast: 21, end: { status: failed } }\n').field).toBe(
      'quotas[0].atLeast',
    );
  });

  it('a quota larger than its cohort', () => {
    const e = fails('quotas:\n  - { cohort: droid, count: 21, end: { status: failed } }\n');
    expect(e.field).toBe('quotas[0].count');
    expect(e.line).toBe(8);
  });

  it('a quota larger than its cohort once --devices scales the fleet down', () => {
    const s = parseScenario(`${BASE}quotas:\n  - { cohort: droid, count: 15, end: { status: failed } }\n`, 'bad.yaml');
    expect(() => buildFleet(s, { devices: 12 })).toThrow(ScenarioError);
    try {
      buildFleet(s, { devices: 12 });
    } catch (err) {
      expect((err as ScenarioError).field).toBe('quotas[0].count');
      expect((err as ScenarioError).line).toBe(8);
    }
  });

  it("a quota the cohort's traits cannot reach (Not Relevant on devices that all meet the OS minimum)", () => {
    const e = fails(
      'quotas:\n  - { cohort: ios, app: a, count: 1, end: { status: not_relevant, state: os_criteria } }\n',
    );
    expect(e.field).toBe('quotas[0].count');
    expect(e.message).toMatch(/only 0 of cohort "ios"/);
  });

  it('a quota on a cohort with several apps and no app named, an unknown node in a path', () => {
    expect(fails('quotas:\n  - { cohort: tabs, count: 1, end: { status: failed } }\n').field).toBe('quotas[0]');
    expect(fails('quotas:\n  - { cohort: droid, count: 1, path: [i_downlading] }\n').message).toMatch(
      /did you mean "i_downloading"/,
    );
    expect(fails('quotas:\n  - { cohort: droid, count: 1, path: ["i_downloading->i_ofline"] }\n').message).toMatch(
      /did you mean "i_downloading->i_offline"/,
    );
  });
});
