/**
 * The drive loop under a manual clock: an abort signal stops it (what is in flight settles, held
 * devices go at once), the watchdog gives up on a drive whose target stopped acknowledging, and
 * observers see every event and tick on their marks until the drive ends.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import { ManualClock } from '../core/clock.js';
import { drive } from '../drive/drive.js';
import { SendError } from '../protocol/errors.js';
import { verdictOf } from '../result/result.js';
import { emptyStats, type SendDone, type Transport } from '../transport/types.js';
import { SMALL_SCENARIO } from './helpers.js';

/** Acknowledges every event on the next turn of the event loop (or never, with `silent`). */
function fakeTransport(opts: { silent?: boolean } = {}) {
  const done: string[] = [];
  const t: Transport & { done: string[] } = {
    kind: 'memory',
    done,
    preflight: async () => undefined,
    send(_d, _a, _p, cb: SendDone) {
      if (!opts.silent) setImmediate(() => cb(undefined));
    },
    deviceDone: (id) => void done.push(id),
    close: async () => undefined,
    connections: () => 0,
    stats: emptyStats,
  };
  return t;
}

const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');
const newSim = () => new Simulator(buildFleet(scenario), { startMs: 0, seed: 7 });

describe('the drive loop', () => {
  it('stops when its signal aborts: no new event goes out, and what was sent settles', async () => {
    const sim = newSim();
    const controller = new AbortController();
    let sent = 0;
    const m = await drive(sim, fakeTransport(), {
      timeScale: 'asap',
      maxInFlight: 16,
      simStartMs: 0,
      clock: new ManualClock(),
      signal: controller.signal,
      observers: [{ sent: () => void (++sent === 100 && controller.abort()) }],
    });
    expect(sent).toBe(100);
    expect(m.sent).toBe(100);
    expect(m.acked).toBe(100);
    expect(sim.nextTime()).toBeDefined();
  });

  it('an abort lets held devices go at once instead of waiting out the hold', async () => {
    const sim = newSim();
    const clock = new ManualClock();
    const controller = new AbortController();
    const t = fakeTransport();
    const devices = new Set<string>();
    const run = drive(sim, t, {
      timeScale: 3600,
      maxInFlight: 64,
      simStartMs: 0,
      holdUntilSimMs: 400 * 86_400_000,
      clock,
      signal: controller.signal,
      observers: [{ sent: (e) => void devices.add(e.inst.device.id) }],
    });
    // one simulated day at 3,600x (24 s): the events due by then go out, the hold is 400 days away
    for (let i = 0; i < 48; i++) {
      clock.advance(500);
      await new Promise((r) => setImmediate(r));
    }
    expect(devices.size).toBeGreaterThan(0);
    expect(t.done).toEqual([]);
    controller.abort();
    const m = await run;
    expect(m.acked).toBe(m.sent);
    expect(new Set(t.done).size).toBeGreaterThan(0);
    expect(clock.now()).toBe(24_000);
    expect(clock.pending).toBe(0);
  });

  /** Drives the small fleet with answers out of order; the most events one device had in flight. */
  async function perDevice(ordersDevices: boolean) {
    const sim = newSim();
    const total = sim.installCount;
    const inFlight = new Map<string, number>();
    const sentSeq = new Map<string, number[]>();
    const pending: { id: string; cb: SendDone }[] = [];
    let most = 0;
    let turn = 0;
    // answers come back out of order, a few per turn, so a device with two sends in flight would show it
    const answer = () => {
      turn++;
      for (let k = pending.length - 1; k >= 0; k--) {
        if ((k + turn) % 3 !== 0) continue;
        const [p] = pending.splice(k, 1);
        inFlight.set(p!.id, inFlight.get(p!.id)! - 1);
        p!.cb(undefined);
      }
      if (pending.length) setImmediate(answer);
    };
    const t: Transport = {
      ...fakeTransport(),
      ...(ordersDevices ? { ordersDevices } : {}),
      send(deviceId, _a, payload, cb) {
        const n = (inFlight.get(deviceId) ?? 0) + 1;
        inFlight.set(deviceId, n);
        most = Math.max(most, n);
        const ev = JSON.parse(payload) as { appId: string; seq: number };
        const key = `${deviceId}|${ev.appId}`;
        sentSeq.set(key, [...(sentSeq.get(key) ?? []), ev.seq]);
        if (pending.push({ id: deviceId, cb }) === 1) setImmediate(answer);
      },
    };
    const m = await drive(sim, t, { timeScale: 'asap', maxInFlight: 256, simStartMs: 0, clock: new ManualClock() });
    expect(m.acked).toBe(m.sent);
    expect(sim.remaining).toBe(0);
    expect(sentSeq.size).toBe(total);
    // and each installation's reports went out in seq order
    for (const [key, seqs] of sentSeq) expect(seqs, key).toEqual(seqs.map((_, i) => i + 1));
    return most;
  }

  it('keeps one event in flight per device: its next report waits for the answer to the previous one', async () => {
    expect(await perDevice(false)).toBe(1);
  });

  it('leaves the order to a transport that keeps it itself (HTTP orders and batches per device)', async () => {
    expect(await perDevice(true)).toBeGreaterThan(1);
  });

  it('gives up when events stay unacknowledged for the stall limit: in flight counts as given up, exit 4', async () => {
    const clock = new ManualClock();
    const sim = newSim();
    const run = drive(sim, fakeTransport({ silent: true }), {
      timeScale: 'asap',
      maxInFlight: 8,
      simStartMs: 0,
      clock,
      stallMs: 5_000,
    });
    let settled = false;
    void run.then(() => (settled = true));
    clock.advance(4_999);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(1_001);
    const m = await run;
    expect(m.gaveUpReason).toMatch(/^no acknowledgement for 5 s with 8 events in flight/);
    expect(m).toMatchObject({ sent: 8, failed: 8, gaveUp: 8, acked: 0 });
    // no new event left after the give-up, and the verdict is the give-up's, exit 4
    expect(sim.nextTime()).toBeDefined();
    expect(verdictOf({ checked: true, match: false }, [], m.gaveUp)).toEqual({
      passed: false,
      verdict: 'gave up',
      exitCode: 4,
    });
  });

  it('429s past their retries do not hold off the stall limit; refusals do', async () => {
    const answering = (kind: 'overload' | 'refused') => {
      const t = fakeTransport();
      t.send = (_d, _a, _p, cb) => setImmediate(() => cb(new SendError('HTTP 429 from the target', kind)));
      return t;
    };
    const clock = new ManualClock();
    const overloaded = drive(newSim(), answering('overload'), {
      timeScale: 'asap',
      maxInFlight: 4,
      simStartMs: 0,
      clock,
      stallMs: 5_000,
    });
    // every event fails at once, as after spent retries: without an acknowledgement the stall limit holds
    for (let i = 0; i < 12; i++) {
      clock.advance(500);
      await new Promise((r) => setImmediate(r));
    }
    const m = await overloaded;
    expect(m.gaveUpReason).toMatch(/^no acknowledgement for 5 s/);
    expect(m.acked).toBe(0);
    expect(m.gaveUp).toBe(m.failed);

    const refused = await drive(newSim(), answering('refused'), {
      timeScale: 'asap',
      maxInFlight: 4,
      simStartMs: 0,
      clock: new ManualClock(),
      stallMs: 5_000,
    });
    expect(refused.gaveUpReason).toBeUndefined();
    expect(refused.gaveUp).toBe(0);
    expect(refused.failed).toBe(refused.sent);
  });

  it('calls every observer for every event, ticks them on their marks, and stops their timers at the end', async () => {
    const sim = newSim();
    const total = sim.remaining;
    const clock = new ManualClock(10_250);
    const a: number[] = [];
    const b: number[] = [];
    const ticks: number[] = [];
    const t = fakeTransport();
    // acknowledgements wait until the test moves time on, so the drive spans several seconds
    const queued: SendDone[] = [];
    t.send = (_d, _a, _p, cb) => void queued.push(cb);
    const run = drive(sim, t, {
      timeScale: 'asap',
      maxInFlight: 500,
      simStartMs: 0,
      clock,
      observers: [
        { sent: (e) => void a.push(e.seq) },
        { sent: (e) => void b.push(e.seq), tick: (now) => void ticks.push(now) },
      ],
    });
    while (queued.length) {
      clock.advance(400);
      for (const cb of queued.splice(0)) cb(undefined);
      await new Promise((r) => setImmediate(r));
    }
    const m = await run;
    expect(a).toHaveLength(m.sent);
    expect(b).toEqual(a);
    expect(m.sent).toBeGreaterThanOrEqual(total);
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.every((x) => x % 1000 === 0)).toBe(true);
    expect(ticks[0]).toBe(11_000);
    expect(clock.pending).toBe(0);
  });
});
