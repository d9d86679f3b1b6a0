/**
 * offered, sent and retried are three figures, not one: offered is what the scenario had due
 * (taken from the simulator when its time came), sent what flow control let out, retried what a
 * transport sent again. Under a rate cap or a full window offered runs ahead of sent, a stop
 * leaves due events offered and never sent, and a transport's resends are counted.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import { ManualClock } from '../core/clock.js';
import { drive, type DriveOptions } from '../drive/drive.js';
import { RunMetrics } from '../drive/metrics.js';
import { emptyStats, type SendDone, type Transport } from '../transport/types.js';
import { SMALL_SCENARIO } from './helpers.js';

const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');
const newSim = () => new Simulator(buildFleet(scenario), { startMs: 0, seed: 7 });

/** Acknowledges each event `ackMs` of clock time after it was sent. */
function clockedTransport(clock: ManualClock, ackMs: number): Transport {
  return {
    kind: 'memory',
    preflight: async () => undefined,
    send: (_d, _a, _p, done: SendDone) => void clock.setTimeout(() => done(undefined), ackMs),
    deviceDone: () => undefined,
    close: async () => undefined,
    connections: () => 0,
    stats: emptyStats,
  };
}

async function steps(clock: ManualClock, n: number, ms: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    clock.advance(ms);
    await new Promise((r) => setImmediate(r));
  }
}

function start(opts: Partial<DriveOptions>, ackMs = 1, sim = newSim(), transport?: Transport) {
  const clock = new ManualClock();
  const controller = new AbortController();
  const metrics = new RunMetrics();
  metrics.start(clock.now());
  const run = drive(
    sim,
    transport ?? clockedTransport(clock, ackMs),
    { timeScale: 36_000, maxInFlight: 64, simStartMs: 0, clock, signal: controller.signal, ...opts },
    metrics,
  );
  return { clock, controller, metrics, run };
}

/** Each installation's last event that left, by installation id. */
function lastSent() {
  const last = new Map<number, { seq: number; status: string; state: string; at: number }>();
  return {
    last,
    observer: {
      sent: (e: import('../agent/sim/simulator.js').Emitted) =>
        void last.set(e.inst.id, { seq: e.seq, status: e.step.status, state: e.step.state, at: e.step.at }),
    },
  };
}

describe('a stop and ground truth', () => {
  for (const [name, opts, ackMs] of [
    ['due events held back by a rate cap', { rate: 20 }, 1],
    ["reports waiting on their device's previous answer", { maxInFlight: 64 }, 400],
  ] as const) {
    it(`takes back what never left (${name}): every installation's ground truth is its last event sent`, async () => {
      const clock = new ManualClock();
      const controller = new AbortController();
      const sim = newSim();
      const sent = lastSent();
      const run = drive(sim, clockedTransport(clock, ackMs), {
        timeScale: 36_000,
        maxInFlight: 64,
        simStartMs: 0,
        clock,
        signal: controller.signal,
        observers: [sent.observer],
        ...opts,
      });
      await steps(clock, 60, 50);
      controller.abort();
      await steps(clock, 40, 50);
      const m = await run;
      expect(m.offered).toBeGreaterThan(m.sent); // something was due and never left
      let checked = 0;
      for (const inst of sim.installs) {
        const s = sent.last.get(inst.id);
        expect(inst.seq).toBe(s?.seq ?? 0);
        expect(inst.last && { status: inst.last.status, state: inst.last.state, at: inst.last.at }).toEqual(
          s && { status: s.status, state: s.state, at: s.at },
        );
        checked++;
      }
      expect(checked).toBeGreaterThan(0);
    });
  }
});

describe('offered and sent', () => {
  it('a rate cap holds due events back: offered runs ahead of sent, per second and in total', async () => {
    const { clock, controller, metrics, run } = start({ rate: 20 });
    await steps(clock, 100, 50); // 5 s of wall time
    expect(metrics.sent).toBeLessThanOrEqual(20 * 5 + 20);
    expect(metrics.offered).toBeGreaterThan(metrics.sent * 2);
    metrics.sample(clock.now());
    const seconds = metrics.timeline.filter((p) => p.ms === 1000);
    expect(seconds.some((p) => p.offered > p.sent)).toBe(true);
    controller.abort();
    await steps(clock, 50, 50);
    const m = await run;
    // what was due and never went out stays offered, not sent
    expect(m.offered).toBeGreaterThan(m.sent);
    expect(m.acked + m.failed).toBe(m.sent);
  });

  it('a full in-flight window holds due events back the same way', async () => {
    const { clock, controller, metrics, run } = start({ maxInFlight: 1 }, 200);
    await steps(clock, 40, 50); // 2 s: one event per 200 ms goes out
    expect(metrics.sent).toBeLessThanOrEqual(11);
    expect(metrics.offered).toBeGreaterThan(metrics.sent);
    controller.abort();
    await steps(clock, 20, 50);
    await run;
  });

  it('with nothing holding events back, every offered event is sent, at the time it was due', async () => {
    const { clock, metrics, run } = start({ timeScale: 360_000 });
    let settled = false;
    void run.then(() => (settled = true));
    while (!settled) await steps(clock, 1, 100);
    expect(metrics.sent).toBeGreaterThan(0);
    expect(metrics.offered).toBe(metrics.sent);
    metrics.sample(clock.now(), true);
    for (const p of metrics.timeline) expect(p.offered).toBe(p.sent);
  });

  it('a stop takes back what was due and never sent: the expected tallies are the last report each installation sent', async () => {
    const sim = newSim();
    const clock = new ManualClock();
    // the last report each (device, app) put on the wire, as the endpoint would count it
    const sent = new Map<string, string>();
    const transport: Transport = {
      ...clockedTransport(clock, 200),
      send: (d, a, p, done: SendDone) => {
        const ev = JSON.parse(p.toString()) as { status: string; state: string; seq: number };
        sent.set(`${d}\u0000${a}`, `${ev.status}/${ev.state}#${ev.seq}`);
        clock.setTimeout(() => done(undefined), 200);
      },
    };
    const controller = new AbortController();
    const metrics = new RunMetrics();
    metrics.start(clock.now());
    const run = drive(
      sim,
      transport,
      { timeScale: 36_000, maxInFlight: 2, simStartMs: 0, clock, signal: controller.signal },
      metrics,
    );
    await steps(clock, 40, 50);
    // the window of 2 holds due events back, and a device's next report waits behind its unanswered one
    expect(metrics.offered).toBeGreaterThan(metrics.sent);
    controller.abort();
    await steps(clock, 20, 50);
    const m = await run;
    expect(m.acked).toBe(m.sent);
    const truth = new Map<string, string>();
    for (const inst of sim.installs) {
      const last = inst.last;
      if (last) truth.set(`${inst.device.id}\u0000${inst.app.id}`, `${last.status}/${last.state}#${inst.seq}`);
    }
    expect(truth.size).toBeGreaterThan(0);
    expect(truth).toEqual(sent);
  });
});
