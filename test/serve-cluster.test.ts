/**
 * `serve --workers N`: MQTT brokers in worker processes sharing one port, one owner of the
 * tallies. A fleet spread over the workers reconciles exactly against the owner's tallies, and a
 * refused event is counted by the owner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { startCluster, type ClusterEndpoint } from '../broker/cluster.js';
import { runScenario } from '../run/run-scenario.js';
import { parseScenario } from '../agent/scenario/load.js';
import { SMALL_SCENARIO } from './helpers.js';

let c: ClusterEndpoint;
beforeAll(async () => {
  c = await startCluster({ workers: 2, httpPort: 0 });
});
afterAll(async () => {
  await c?.close();
});

describe('fleetsim serve --workers 2', () => {
  it("spreads devices over both MQTT workers and the owner's tallies reconcile exactly", async () => {
    const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');
    const r = await runScenario(scenario, {
      scenarioFile: 'small.yaml',
      transport: 'mqtt',
      target: c.mqttUrl,
      talliesUrl: c.httpUrl,
      transportFlags: { localAddress: '127.0.0.1-127.0.0.3' },
    });
    expect(r.events.failed).toBe(0);
    expect(r.reconciliation.checked).toBe(true);
    expect(r.reconciliation.differences).toEqual([]);
    expect(r.passed).toBe(true);
    const perWorker = c.eventsPerWorker();
    expect(perWorker).toHaveLength(2);
    expect(perWorker.every((n) => n > 0)).toBe(true);
    expect(perWorker[0]! + perWorker[1]!).toBe(r.events.acked);
    expect(c.owner.store.counters.accepted).toBe(r.events.acked);
  });

  it("counts an event a worker refused in the owner's rejections", async () => {
    const before = c.owner.store.counters.rejected;
    const client = await mqtt.connectAsync(c.mqttUrl, { clientId: 'bad-device' });
    await client.publishAsync('devices/bad-device/apps/x/status', '{not json', { qos: 1 });
    await client.endAsync();
    // the worker tells the owner over IPC, racing the PUBACK over TCP
    await expect.poll(() => c.owner.store.counters.rejected).toBe(before + 1);
  });
});
