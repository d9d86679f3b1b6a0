/**
 * The event and device faults over real sockets, one run per kind and transport against the
 * embedded endpoint: the fault happens (counted at the endpoint as events arrive, and over MQTT
 * also on aedes' own publish events), the tallies stay exact, and the report's per-fault figures
 * equal what the test counted.
 */
import { describe, expect, it } from 'vitest';
import { planFaults, takesEvent } from '../agent/faults/plan.js';
import { loadScenario } from '../agent/scenario/load.js';
import type { Scenario } from '../agent/scenario/schema.js';
import type { Endpoint } from '../broker/endpoint.js';
import type { StatusEvent } from '../protocol/event.js';
import type { RunResult } from '../result/result.js';
import { runScenario } from '../run/run-scenario.js';
import { ROOT } from './helpers.js';

interface Arrival {
  e: StatusEvent;
  receivedAt: number;
}

interface Watched {
  result: RunResult;
  /** Every event the endpoint's store was handed, in arrival order. */
  arrivals: Arrival[];
  /** MQTT only: status publishes aedes saw, per "device/app#seq". */
  publishes: Map<string, number>;
  /** What the drive handed over, per "device/app#seq", with the true simulated time. */
  sent: Map<string, { simTs: number; deviceId: string; appId: string; seq: number }>;
  endpoint: Endpoint;
}

const key = (e: { deviceId: string; appId: string; seq: number; enrolment?: number }) =>
  `${e.deviceId}/${e.appId}#${e.enrolment ?? 0}.${e.seq}`;

function scenarioFile(kind: string, transport: 'mqtt' | 'http'): Scenario {
  return { ...loadScenario(`${ROOT}/scenarios/faults/${kind}.yaml`), transport };
}

async function watchRun(s: Scenario, transport: 'mqtt' | 'http'): Promise<Watched> {
  const arrivals: Arrival[] = [];
  const publishes = new Map<string, number>();
  const sent = new Map<string, { simTs: number; deviceId: string; appId: string; seq: number }>();
  let endpoint: Endpoint | undefined;
  const result = await runScenario(s, {
    scenarioFile: `${s.name}.yaml`,
    transport,
    onEndpoint: (ep) => {
      endpoint = ep;
      const ingest = ep.store.ingest.bind(ep.store);
      ep.store.ingest = (e, at) => {
        arrivals.push({ e: { ...e }, receivedAt: at ?? Date.now() });
        return ingest(e, at);
      };
      ep.broker.on('publish', (packet, client) => {
        if (!client || !packet.topic.includes('/status')) return;
        const e = JSON.parse(packet.payload.toString()) as StatusEvent;
        publishes.set(key(e), (publishes.get(key(e)) ?? 0) + 1);
      });
    },
    onSend: (e) => {
      const k = key({ deviceId: e.inst.device.id, appId: e.inst.app.id, seq: e.seq, enrolment: e.enrolment ?? 0 });
      sent.set(k, { simTs: e.step.at, deviceId: e.inst.device.id, appId: e.inst.app.id, seq: e.seq });
    },
  });
  return { result, arrivals, publishes, sent, endpoint: endpoint! };
}

function exact(r: RunResult): void {
  expect(r.reconciliation.checked).toBe(true);
  expect(r.reconciliation.differences).toEqual([]);
  expect(r.reconciliation.devices?.differing).toBe(0);
  expect(r.reconciliation.match).toBe(true);
  expect(r.events.failed).toBe(0);
  for (const f of r.faults ?? []) expect(f.exact).toBe(true);
}

describe.each(['mqtt', 'http'] as const)('event faults over %s against the embedded endpoint', (transport) => {
  it('duplicates: each chosen event arrives twice, counted once; the report says how many copies', async () => {
    const s = scenarioFile('duplicates', transport);
    const w = await watchRun(s, transport);
    exact(w.result);
    const plan = planFaults(s, { seed: s.seed });
    const arrived = new Map<string, number>();
    for (const a of w.arrivals) arrived.set(key(a.e), (arrived.get(key(a.e)) ?? 0) + 1);
    const twice = [...arrived.values()].filter((n) => n === 2).length;
    expect([...arrived.values()].every((n) => n <= 2)).toBe(true);
    // the plan's choice, counted from what the drive sent: every 2nd seq of an iOS device, a drawn tenth of Android's
    const chosen = [...w.sent.values()].filter((e) =>
      plan.faults.some((f) => takesEvent(f, e.deviceId, e.appId, e.seq, e.simTs)),
    ).length;
    const [ios, android] = w.result.faults!;
    expect(ios!.injected.duplicated! + android!.injected.duplicated!).toBe(twice);
    expect(twice).toBe(chosen);
    expect(w.endpoint.store.counters.duplicates + w.endpoint.store.counters.stale).toBe(twice);
    if (transport === 'mqtt') expect([...w.publishes.values()].filter((n) => n === 2).length).toBe(twice);
  });

  it('reordering: held events arrive after a later seq of their installation, stale, and the tallies stay exact', async () => {
    const s = scenarioFile('reordering', transport);
    const w = await watchRun(s, transport);
    exact(w.result);
    const highest = new Map<string, number>();
    let late = 0;
    for (const a of w.arrivals) {
      const pair = `${a.e.deviceId}/${a.e.appId}`;
      const top = highest.get(pair) ?? 0;
      if (a.e.seq < top) late++;
      else highest.set(pair, a.e.seq);
    }
    const reordered = w.result.faults!.reduce((n, f) => n + (f.injected.reordered ?? 0), 0);
    expect(reordered).toBeGreaterThan(20);
    expect(late).toBe(reordered);
    expect(w.endpoint.store.counters.stale).toBe(reordered);
  });

  it('delay: every delayed event reaches the endpoint at least its delay after it was made', async () => {
    const s = scenarioFile('delay', transport);
    const w = await watchRun(s, transport);
    exact(w.result);
    const plan = planFaults(s, { seed: s.seed });
    const ios = plan.faults[0]!;
    let delayed = 0;
    for (const a of w.arrivals) {
      if (!takesEvent(ios, a.e.deviceId, a.e.appId, a.e.seq, a.e.simTs)) continue;
      delayed++;
      expect(a.receivedAt - a.e.wallTs).toBeGreaterThanOrEqual(150);
    }
    expect(delayed).toBe(w.result.faults![0]!.injected.delayed);
    expect(w.result.faults![0]!.injected.delayMs! / delayed).toBeGreaterThanOrEqual(150);
    expect(w.result.faults![1]!.injected.delayed).toBeGreaterThan(0);
  });

  it('clock-skew: the struck devices report simTs shifted by the offset, the others the truth', async () => {
    const s = scenarioFile('clock-skew', transport);
    const w = await watchRun(s, transport);
    exact(w.result);
    const plan = planFaults(s, { seed: s.seed });
    const shift = new Map<string, number>();
    for (const id of plan.faults[0]!.devices) shift.set(id, -90 * 60_000);
    for (const id of plan.faults[1]!.devices) shift.set(id, 2 * 3_600_000);
    let skewed = 0;
    for (const a of w.arrivals) {
      const truth = w.sent.get(key(a.e))!.simTs;
      expect(a.e.simTs - truth).toBe(shift.get(a.e.deviceId) ?? 0);
      if (shift.has(a.e.deviceId)) skewed++;
    }
    expect(skewed).toBe(w.result.faults![0]!.injected.skewed! + w.result.faults![1]!.injected.skewed!);
  });
});

describe.each(['mqtt', 'http'] as const)('device faults over %s against the embedded endpoint', (transport) => {
  it('stuck: a struck device sends nothing after its moment; reconciliation expects its last report and lists it', async () => {
    const s = scenarioFile('stuck', transport);
    const w = await watchRun(s, transport);
    exact(w.result);
    const f = w.result.faults![0]!;
    const start = Date.parse(s.startTime);
    expect(f.stuck!.length).toBe(f.injected.stuck);
    expect(f.injected.stuck).toBeGreaterThan(0);
    for (const d of f.stuck!) {
      const mine = w.arrivals.filter((a) => a.e.deviceId === d.deviceId);
      for (const a of mine) expect(a.e.simTs - start).toBeLessThanOrEqual(d.atMs);
      for (const app of d.apps) {
        const row = w.endpoint.store.pair(app.appId, d.deviceId);
        expect(row ? { status: row.status, state: row.state, seq: row.seq } : null).toEqual(app.last);
      }
    }
  });

  it('factory-reset: a wiped device re-enrols, its seq starts again at 1, and the new enrolment wins', async () => {
    const s = scenarioFile('factory-reset', transport);
    const w = await watchRun(s, transport);
    exact(w.result);
    const f = w.result.faults![0]!;
    const reenrolled = new Set(w.arrivals.filter((a) => a.e.enrolment === 1).map((a) => a.e.deviceId));
    expect(reenrolled.size).toBe(f.injected.reset);
    const firsts = w.arrivals.filter((a) => a.e.enrolment === 1 && a.e.seq === 1);
    expect(firsts.length).toBeGreaterThan(0);
    // one re-enrolment per (device, app) pair that had reported before the wipe
    expect(w.endpoint.store.counters.reenrolments).toBe(firsts.length);
    for (const id of reenrolled) {
      const row = w.endpoint.store.pair('com.acme.mail', id)!;
      expect(row.enrolment).toBe(1);
    }
  });
});
