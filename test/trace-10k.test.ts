/**
 * `trace --device` equals the run at fleet scale: the quickstart at 10,000 devices runs against
 * the embedded endpoint, over MQTT and over HTTP, and for devices picked at random the trace,
 * computed alone with no network, is exactly what the endpoint accepted from them (its history of
 * every (device, app) pair): the same events, seqs, times, states, codes and versions.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadScenario } from '../agent/scenario/load.js';
import { traceDevice } from '../agent/sim/trace.js';
import type { Endpoint } from '../broker/endpoint.js';
import { Rng } from '../core/rng.js';
import { runScenario } from '../run/run-scenario.js';
import { ROOT } from './helpers.js';

const DEVICES = 10_000;
const PICKS = 40;

const line = (
  appId: string,
  e: { seq: number; simTs: number; status: string; state: string; native?: string; appVersion: string },
) => `${appId}#${e.seq}@${e.simTs} ${e.status}/${e.state} ${e.native ?? '-'} v${e.appVersion}`;

describe('trace equals the run at 10,000 devices', () => {
  it.each(['mqtt', 'http'] as const)(
    'over %s: random devices traced alone are what the embedded endpoint accepted from them',
    async (transport) => {
      const scenario = loadScenario(join(ROOT, 'scenarios', 'quickstart.yaml'));
      let endpoint: Endpoint | undefined;
      const r = await runScenario(scenario, {
        scenarioFile: 'quickstart.yaml',
        transport,
        devices: DEVICES,
        onEndpoint: (e) => {
          endpoint = e;
        },
      });
      expect(r.reconciliation.match).toBe(true);
      const store = endpoint!.store;
      const rng = new Rng(`pick-${transport}`);
      const ids = new Set<string>();
      for (const appId of store.appIds()) for (const p of store.devicesOf(appId) ?? []) ids.add(p.deviceId);
      expect(ids.size).toBe(DEVICES);
      const sorted = [...ids].sort();
      for (let k = 0; k < PICKS; k++) {
        const id = sorted[rng.int(sorted.length)]!;
        const t = traceDevice(scenario, id, { devices: DEVICES })!;
        const traced = t.steps.map((s) => line(s.appId, s)).sort();
        const accepted = store
          .appIds()
          .flatMap((appId) => (store.pair(appId, id)?.history ?? []).map((h) => line(appId, h)))
          .sort();
        expect(accepted.length, id).toBeGreaterThan(0);
        expect(traced, id).toEqual(accepted);
      }
    },
    480_000,
  );
});
