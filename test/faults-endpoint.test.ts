/**
 * The embedded endpoint's faults over real sockets: refusing (HTTP 503/429 with Retry-After,
 * counted on the wire by a TCP proxy that reads the status lines going back) and not reading for
 * a while (nothing is accepted inside the window, everything after it). The devices retry or
 * wait, the tallies stay exact, and the report's figures equal what was counted.
 */
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { planFaults } from '../agent/faults/plan.js';
import { loadScenario } from '../agent/scenario/load.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { type Endpoint, startEndpoint } from '../broker/endpoint.js';
import { systemClock } from '../core/clock.js';
import { endpointWindows } from '../run/endpoint-faults.js';
import { runScenario } from '../run/run-scenario.js';
import { ROOT } from './helpers.js';

const scenario = (kind: string, transport: 'mqtt' | 'http'): Scenario => ({
  ...loadScenario(`${ROOT}/scenarios/faults/${kind}.yaml`),
  transport,
});

/** A TCP proxy that counts the HTTP status codes the endpoint answers. */
async function statusCounter(target: string) {
  const u = new URL(target);
  const statuses = new Map<number, number>();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const up = connect(Number(u.port), u.hostname);
    sockets.add(client).add(up);
    client.pipe(up);
    let tail = '';
    up.on('data', (b: Buffer) => {
      const text = tail + b.toString('latin1');
      for (const m of text.matchAll(/HTTP\/1\.1 (\d{3}) /g))
        statuses.set(Number(m[1]), (statuses.get(Number(m[1])) ?? 0) + 1);
      tail = text.slice(-16);
      client.write(b);
    });
    const end = () => {
      client.destroy();
      up.destroy();
    };
    client.on('close', end).on('error', end);
    up.on('close', end).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    statuses,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('refusing-endpoint', () => {
  it('answers 503 with Retry-After in its window, counted on the wire; every refusal is retried and the tallies stay exact', async () => {
    const s = scenario('refusing-endpoint', 'http');
    const endpoint = await startEndpoint();
    cleanup.push(() => endpoint.close());
    const proxy = await statusCounter(endpoint.httpUrl);
    cleanup.push(proxy.close);
    endpoint.faults.arm(endpointWindows(planFaults(s, { seed: s.seed }), systemClock.now()));
    const r = await runScenario(s, {
      scenarioFile: 'refusing-endpoint.yaml',
      transport: 'http',
      target: proxy.url,
      talliesUrl: endpoint.httpUrl,
      // the test armed the endpoint's refusals itself
      endpointFaultsElsewhere: true,
    });
    const refused = endpoint.faults.counts[0]?.refused ?? 0;
    expect(refused).toBeGreaterThan(0);
    expect(proxy.statuses.get(503)).toBe(refused);
    expect(r.events.retried).toBe(refused);
    expect(r.events.failed).toBe(0);
    expect(r.reconciliation.match).toBe(true);
    expect(r.reconciliation.devices?.differing).toBe(0);
  });

  it("reports the endpoint's refusals as the fault's figure when the run opens the endpoint itself", async () => {
    const s = scenario('refusing-endpoint', 'http');
    let endpoint: Endpoint | undefined;
    const r = await runScenario(s, { scenarioFile: 'refusing-endpoint.yaml', onEndpoint: (e) => (endpoint = e) });
    const f = r.faults![0]!;
    expect(f.injected.refused).toBe(endpoint!.faults.counts[0]?.refused);
    expect(f.injected.refused).toBe(r.events.retried);
    expect(f.injected.refused).toBeGreaterThan(0);
    expect(f.exact).toBe(true);
  });
});

describe.each(['mqtt', 'http'] as const)('slow-endpoint over %s', (transport) => {
  it('accepts nothing while it does not read, everything after, and the tallies stay exact', async () => {
    const s = scenario('slow-endpoint', transport);
    const accepted: number[] = [];
    let armedAt = 0;
    const r = await runScenario(s, {
      scenarioFile: 'slow-endpoint.yaml',
      onEndpoint: (e) => {
        const arm = e.faults.arm.bind(e.faults);
        e.faults.arm = (w) => {
          armedAt = systemClock.now();
          arm(w);
        };
        const ingest = e.store.ingest.bind(e.store);
        e.store.ingest = (ev, at) => {
          accepted.push(systemClock.now());
          return ingest(ev, at);
        };
      },
    });
    const f = r.faults![0]!;
    expect(f.injected.stops).toBe(1);
    expect(transport === 'mqtt' ? f.injected.paused : f.injected.held).toBeGreaterThan(0);
    // a margin either side for the timers' own lateness on a loaded machine
    const inside = accepted.filter((t) => t > armedAt + 1_200 && t < armedAt + 2_800);
    expect(inside).toEqual([]);
    expect(accepted.some((t) => t >= armedAt + 3_000)).toBe(true);
    expect(r.events.failed).toBe(0);
    expect(r.reconciliation.match).toBe(true);
    expect(f.exact).toBe(true);
  });
});
