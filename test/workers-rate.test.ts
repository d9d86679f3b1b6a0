/**
 * `load.rate` is the whole run's, as in k6: a run split over --workers (or --shard) sends at the
 * scenario's rate in total, each part at its share of the devices, not every part at the full
 * rate. Counted at the endpoint, from the times its store was handed the events: a pacer lets
 * through at most `rate` events a second plus one small burst per part, so the total over the
 * span of arrivals can be bounded from above whatever the machine's load (a slow machine only
 * sends slower).
 */
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../agent/scenario/load.js';
import type { Endpoint } from '../broker/endpoint.js';
import { runScenario } from '../run/run-scenario.js';
import { runWithWorkers } from '../run/workers.js';
import { writeTemp } from './helpers.js';

const RATE = 100;

const scenario = () =>
  loadScenario(
    writeTemp(
      'paced.yaml',
      `name: paced
seed: 5
transport: mqtt
qos: 1
timeScale: asap
load: { rate: ${RATE} }
apps:
  - { id: com.acme.mail, name: Acme Mail, version: 4.2.0, platforms: [android, ios] }
cohorts:
  - { name: droids, platform: android, count: 60 }
  - { name: phones, platform: ios, count: 40 }
`,
    ),
  );

/** Records the endpoint's arrival time of every event it takes in. */
function arrivalsOf(times: number[]) {
  return (ep: Endpoint) => {
    const ingest = ep.store.ingest.bind(ep.store);
    ep.store.ingest = (e, at) => {
      times.push(at ?? performance.now());
      return ingest(e, at);
    };
  };
}

/** Events a second over the span of arrivals, with the parts' bursts taken off. */
function perSecond(times: number[], bursts: number): number {
  const span = Math.max(...times) - Math.min(...times);
  return ((times.length - bursts) / span) * 1000;
}

describe('load.rate is the fleet-wide rate of a split run', () => {
  it('--workers 2: both workers together send at the scenario rate, not twice it', async () => {
    const times: number[] = [];
    const r = await runWithWorkers(scenario(), { scenarioFile: 'paced.yaml', onEndpoint: arrivalsOf(times) }, 2);
    expect(r.verdict).toBe('passed');
    expect(times.length).toBe(r.events.sent);
    // enough events that a burst (ceil(rate/50) per part) is a small share of them
    expect(times.length).toBeGreaterThan(RATE);
    // each worker at the full rate sends at 2 x RATE: well above this bound
    expect(perSecond(times, 2 * Math.ceil(RATE / 50))).toBeLessThanOrEqual(RATE * 1.1);
  });

  it('--shard 1/2 alone paces at its share of the rate', async () => {
    const times: number[] = [];
    const r = await runScenario(scenario(), {
      scenarioFile: 'paced.yaml',
      shard: { index: 0, count: 2 },
      deferReconcile: true,
      onEndpoint: arrivalsOf(times),
    });
    expect(r.events.acked).toBe(r.events.sent);
    expect(times.length).toBeGreaterThan(RATE / 2);
    expect(perSecond(times, Math.ceil(RATE / 2 / 50))).toBeLessThanOrEqual((RATE / 2) * 1.1);
  });
});
