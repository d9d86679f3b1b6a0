/**
 * Virtual time: a scenario's time scale maps simulated time to wall time, and a lifecycle that spans
 * 7 simulated days finishes at once under an injected clock (no real sleeps). Events go over real
 * HTTP to the embedded endpoint; the clock is virtual and fires its timers in due order.
 */
import { describe, expect, it } from 'vitest';
import { startEndpoint } from '../broker/endpoint.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { drive } from '../drive/drive.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import { HttpTransport } from '../transport/http/http.js';
import { expectedTallies } from '../reconcile/reconcile.js';
import { RunningClock } from './helpers/running-clock.js';

const SEVEN_DAYS = `
name: week
seed: 9
timeScale: 3600
apps: [{ id: dme.client, platforms: [dme], dme: { software: dme-client } }]
cohorts:
  - { name: handsets, platform: dme, count: 40, method: download-link, arrival: { uniform: ["0s", "1d"] } }
overrides:
  # users sync about every two days: verification lands days after the install
  - { platform: dme, checkIn: { uniform: [2d, 6d] } }
`;

describe('virtual time', () => {
  it('a 7-day lifecycle at 3,600x runs at its scaled wall times under an injected clock, and reconciles', async () => {
    const scenario = parseScenario(SEVEN_DAYS, 'week.yaml');
    const endpoint = await startEndpoint();
    const transport = new HttpTransport({ url: endpoint.httpUrl });
    try {
      const fleet = buildFleet(scenario);
      const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: scenario.seed });
      // time moves only when its earliest timer fires
      const clock = new RunningClock();
      const lags: number[] = [];
      let lastSim = 0;
      await drive(sim, transport, {
        timeScale: 3600,
        maxInFlight: 64,
        simStartMs: fleet.startMs,
        clock,
        stallMs: Number.MAX_SAFE_INTEGER,
        observers: [
          {
            sent: (e) => {
              const due = (e.step.at - fleet.startMs) / 3600;
              lags.push(clock.now() - due);
              lastSim = Math.max(lastSim, e.step.at - fleet.startMs);
            },
          },
        ],
      });
      // the lifecycle spans days of simulated time...
      expect(lastSim).toBeGreaterThan(3 * 86_400_000);
      // ...and every event left at its scaled wall time (never early, at most a timer tick late)
      expect(Math.min(...lags)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...lags)).toBeLessThanOrEqual(2);
      expect(clock.now()).toBeGreaterThanOrEqual(lastSim / 3600);
      const expected = expectedTallies(sim.installs).get('dme.client');
      expect(endpoint.store.appTallies('dme.client')).toEqual(expected);
      expect(expected.platforms.dme?.installed?.downloaded_verified).toBeGreaterThan(30);
    } finally {
      await transport.close();
      await endpoint.close();
    }
  });
});
