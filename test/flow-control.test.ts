/**
 * Flow control without sockets: the adaptive window, the pacer, the load models' arrival times,
 * and the run loop against a simulated endpoint that queues (virtual time, no sleeps).
 */
import { describe, expect, it } from 'vitest';
import { InFlightWindow, Pacer } from '../drive/flow-control.js';
import { arrivalFunction, openArrival } from '../agent/fleet/arrivals.js';
import { drive } from '../drive/drive.js';
import { RunningClock } from './helpers/running-clock.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { Simulator } from '../agent/sim/simulator.js';
import { parseScenario } from '../agent/scenario/load.js';
import { emptyStats, SendError, type SendDone, type Transport } from '../transport/types.js';
import { SMALL_SCENARIO } from './helpers.js';

describe('the adaptive in-flight window', () => {
  it('grows to its ceiling while latency stays flat', () => {
    const w = new InFlightWindow({ max: 1000 });
    for (let i = 0; i < 20_000; i++) w.onAck(500);
    expect(w.size).toBe(1000);
  });

  it('shrinks when latency inflates with the window, and halves on overload', () => {
    const w = new InFlightWindow({ max: 5000, initial: 64 });
    for (let i = 0; i < 2000; i++) w.onAck(500);
    const grown = w.size;
    // latency now proportional to the window: a queue at the endpoint
    for (let i = 0; i < 5000; i++) w.onAck(w.size * 400);
    expect(w.size).toBeLessThan(grown);
    const before = w.size;
    w.onCongestion();
    expect(w.size).toBe(Math.max(1, Math.floor(before / 2)));
  });

  it('stays at max when fixed', () => {
    const w = new InFlightWindow({ max: 77, adaptive: false });
    w.onCongestion();
    w.onAck(1e9);
    expect(w.size).toBe(77);
  });
});

describe('the pacer', () => {
  it('hands out rate tokens per second after its burst', () => {
    const p = new Pacer(100, 1);
    let got = 0;
    for (let t = 0; t <= 1000; t += 1) if (p.take(t)) got++;
    expect(got).toBeGreaterThanOrEqual(100);
    expect(got).toBeLessThanOrEqual(102);
    expect(p.waitMs(1000)).toBeGreaterThan(0);
  });
});

describe('load models', () => {
  it('open: a constant rate puts device k at k / rate', () => {
    const stages = [{ ms: 60_000, target: 10 }];
    expect(openArrival(10, stages, 0)).toBe(0);
    expect(openArrival(10, stages, 25)).toBe(2_500);
    expect(openArrival(10, stages, 599)).toBe(59_900);
    // past the stages the last rate goes on
    expect(openArrival(10, stages, 700)).toBe(70_000);
  });

  it('open: a linear ramp from 0 to r over T holds r*T/2 devices, the early ones sparser', () => {
    const stages = [
      { ms: 10_000, target: 100 },
      { ms: 10_000, target: 100 },
    ];
    // 500 devices arrive in the ramp; device 500 starts the steady state
    expect(openArrival(0, stages, 500)).toBe(10_000);
    expect(openArrival(0, stages, 125)).toBe(5_000);
    expect(openArrival(0, stages, 600)).toBe(11_000);
  });

  it('closed: rampUp spreads arrivals evenly by fleet index, 0 is a storm', () => {
    const f = arrivalFunction({ model: 'closed', rampUp: '100s', window: 'adaptive' }, 100)!;
    expect([f(0), f(50), f(99)]).toEqual([0, 50_000, 99_000]);
    const storm = arrivalFunction({ model: 'closed', rampUp: 0, window: 'adaptive' }, 100)!;
    expect(storm(99)).toBe(0);
  });
});

/** Virtual time: the endpoint serves one event per `serviceMs`, in order, like a busy broker. */
function queueingEndpoint(clock: RunningClock, serviceMs: number) {
  let inFlight = 0;
  let peak = 0;
  let busyUntil = 0;
  const acks: { at: number; done: SendDone }[] = [];
  const transport: Transport = {
    kind: 'mqtt',
    preflight: async () => undefined,
    send(_d, _a, _p, done) {
      inFlight++;
      peak = Math.max(peak, inFlight);
      busyUntil = Math.max(busyUntil, clock.now()) + serviceMs;
      acks.push({ at: busyUntil, done });
      setImmediate(() => {
        const a = acks.shift()!;
        clock.advanceTo(a.at);
        inFlight--;
        a.done(undefined);
      });
    },
    deviceDone: () => undefined,
    close: async () => undefined,
    connections: () => 0,
    stats: emptyStats,
  };
  return { transport, peak: () => peak };
}

describe('the run loop', () => {
  const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');

  it("finds a queueing endpoint's capacity instead of filling the whole window", async () => {
    const clock = new RunningClock();
    const ep = queueingEndpoint(clock, 0.5);
    const sim = new Simulator(buildFleet(scenario), { startMs: 0, seed: 7 });
    const total = sim.remaining;
    const m = await drive(sim, ep.transport, {
      timeScale: 'asap',
      maxInFlight: 10_000,
      window: 'adaptive',
      simStartMs: 0,
      clock,
    });
    expect(m.acked).toBeGreaterThan(total);
    expect(m.failed).toBe(0);
    expect(ep.peak()).toBeLessThan(500);
  });

  it('with a fixed window keeps exactly maxInFlight in flight', async () => {
    const clock = new RunningClock();
    const ep = queueingEndpoint(clock, 0.5);
    const sim = new Simulator(buildFleet(scenario), { startMs: 0, seed: 7 });
    await drive(sim, ep.transport, { timeScale: 'asap', maxInFlight: 200, window: 'fixed', simStartMs: 0, clock });
    expect(ep.peak()).toBe(200);
  });

  it('backs off on overload errors and still settles every event', async () => {
    const clock = new RunningClock();
    let n = 0;
    const failing: Transport = {
      ...queueingEndpoint(clock, 0).transport,
      send(_d, _a, _p, done) {
        const fail = ++n % 50 === 0;
        setImmediate(() => done(fail ? new SendError('HTTP 503', 'overload') : undefined));
      },
    };
    const sim = new Simulator(buildFleet(scenario), { startMs: 0, seed: 7 });
    const events = sim.remaining;
    const m = await drive(sim, failing, {
      timeScale: 'asap',
      maxInFlight: 256,
      window: 'adaptive',
      simStartMs: 0,
      clock,
    });
    expect(m.acked + m.failed).toBe(m.sent);
    expect(m.failed).toBe(Math.floor(m.sent / 50));
    expect(m.sent).toBeGreaterThan(events);
  });
});

describe('the event encoder', () => {
  it('writes exactly what JSON.stringify(toEvent(...)) writes, for every event of a fleet', async () => {
    const { encodeEvent } = await import('../drive/encode.js');
    const { toEvent } = await import('../drive/drive.js');
    const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');
    const sim = new Simulator(buildFleet(scenario), { startMs: 0, seed: 7 });
    let n = 0;
    sim.runToEnd((e) => {
      expect(encodeEvent(e, 1234.6)).toBe(JSON.stringify(toEvent(e, 1234.6)));
      n++;
    });
    expect(n).toBeGreaterThan(500);
  });
});

describe("the closed model's hold", () => {
  it('keeps every device connected until the hold ends, then lets them all go', async () => {
    const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');
    const clock = new RunningClock();
    const log: string[] = [];
    const t: Transport = {
      ...queueingEndpoint(clock, 0).transport,
      send(_d, _a, _p, done) {
        log.push('send');
        setImmediate(() => done(undefined));
      },
      deviceDone: (id) => void log.push(`done ${id}`),
    };
    const sim = new Simulator(buildFleet(scenario), { startMs: 0, seed: 7 });
    await drive(sim, t, { timeScale: 'asap', maxInFlight: 64, simStartMs: 0, holdUntilSimMs: 400 * 86_400_000, clock });
    const lastSend = log.lastIndexOf('send');
    const firstDone = log.findIndex((l) => l.startsWith('done'));
    expect(firstDone).toBeGreaterThan(lastSend);
    expect(log.filter((l) => l.startsWith('done'))).toHaveLength(200);
  });
});
