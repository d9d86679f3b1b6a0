/**
 * The adaptive window across a lost link (an endpoint restart): the acknowledgements of events
 * that straddled it (resent after the reconnect, or waiting out the outage; the transport says so
 * with a NaN queuedMs) are no latency samples, and the lowest latency is learned again from the
 * target as it is after the restart, so the window is not collapsed by the resends and the fleet
 * goes on at the pace it had. Virtual time (a self-running manual clock), no sockets.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import { drive } from '../drive/drive.js';
import { InFlightWindow } from '../drive/flow-control.js';
import { emptyStats, type SendDone, type Transport } from '../transport/types.js';
import { SMALL_SCENARIO } from './helpers.js';
import { RunningClock } from './helpers/running-clock.js';

describe('the adaptive window across a lost link', () => {
  it('keeps its size through the resends, and learns the lowest latency of the restarted target again', () => {
    const w = new InFlightWindow({ max: 256 });
    for (let i = 0; i < 4000; i++) w.onAck(500);
    const before = w.size;
    expect(before).toBe(256);
    for (let i = 0; i < 500; i++) w.onLinkBack();
    expect(w.size).toBe(before);
    // the restarted endpoint is slower while it warms up: 3 ms is its base, not a queue
    for (let i = 0; i < 4000; i++) w.onAck(3_000);
    expect(w.size).toBe(before);
  });

  it('a drive whose link drops and comes back goes on with the window it had', async () => {
    const clock = new RunningClock();
    const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');
    const sim = new Simulator(buildFleet(scenario), { startMs: 0, seed: 7 });
    // an endpoint that answers in 1 ms, whose link is lost at the 600th send for 2 s: what was in
    // flight then and what is sent meanwhile is acknowledged after the reconnect, straddling it
    let sends = 0;
    let downUntil = 0;
    const held: SendDone[] = [];
    let live: () => { inFlight: number; window: number } = () => ({ inFlight: 0, window: 0 });
    const windows: { at: number; size: number; phase: 'before' | 'after' }[] = [];
    const transport: Transport = {
      kind: 'mqtt',
      preflight: async () => undefined,
      send(_d, _a, _p, done) {
        if (++sends === 600) {
          downUntil = clock.now() + 2_000;
          clock.setTimeout(() => {
            for (const d of held.splice(0)) d(undefined, Number.NaN);
          }, 2_000);
        }
        if (clock.now() < downUntil) {
          held.push(done);
          return;
        }
        clock.setTimeout(() => {
          done(undefined, 0);
          windows.push({ at: clock.now(), size: live().window, phase: downUntil ? 'after' : 'before' });
        }, 1);
      },
      deviceDone: () => undefined,
      close: async () => undefined,
      connections: () => 0,
      stats: emptyStats,
    };
    const m = await drive(sim, transport, {
      timeScale: 'asap',
      maxInFlight: 64,
      window: 'adaptive',
      simStartMs: 0,
      clock,
      expose: (f) => (live = f),
    });
    expect(m.failed).toBe(0);
    expect(downUntil).toBeGreaterThan(0);
    const before = windows.filter((w) => w.phase === 'before').at(-1)!.size;
    expect(before).toBeGreaterThan(8);
    // every acknowledgement after the reconnect, the resends' and the first fresh ones'
    const after = windows.filter((w) => w.phase === 'after' && w.at >= downUntil).slice(0, 200);
    expect(after.length).toBeGreaterThan(50);
    expect(Math.min(...after.map((w) => w.size))).toBeGreaterThanOrEqual(before);
  });
});
