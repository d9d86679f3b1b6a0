/**
 * A device's offline queue (the lean MQTT connection, and fleetsim over mqtt.js) behind a refuse
 * partition of the fault proxy:
 * reports made while the device cannot reach the broker wait on it, bounded, their acknowledgement
 * deadline not running, and go out in seq order once the partition is lifted; a full queue drops
 * by its rule (the oldest, or the newest), each drop failed with kind 'dropped' and counted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEndpoint } from '../broker/endpoint.js';
import type { SendError } from '../protocol/errors.js';
import { FaultProxy } from '../transport/fault-proxy/proxy.js';
import type { OfflineQueue } from '../transport/mqtt-lean/connection.js';
import { LeanMqttTransport } from '../transport/mqtt-lean/lean.js';
import { MqttTransport } from '../transport/mqtt/mqtt.js';
import { APP, send, until } from './helpers/fault-events.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

type Client = 'lean' | 'mqtt.js';

async function partitioned(client: Client, offlineQueue: OfflineQueue, device: string) {
  const ep = await startEndpoint();
  opened.push(ep);
  const u = new URL(ep.mqttUrl);
  const proxy = await FaultProxy.start({ target: { host: u.hostname, port: Number(u.port) }, protocol: 'mqtt' });
  opened.push(proxy);
  const options = {
    url: proxy.urlFor(ep.mqttUrl),
    qos: 1 as const,
    ackTimeoutMs: 200,
    reconnect: { baseMs: 20, maxMs: 60 },
    offlineQueue,
  };
  const t = client === 'lean' ? new LeanMqttTransport(options) : new MqttTransport(options);
  opened.push(t);
  expect(await send(t, device)).toBeUndefined();
  const partition = proxy.partition({ ids: new Set([device]) }, 'refuse');
  return { ep, proxy, t, partition };
}

describe("a device's offline queue", () => {
  it.each([
    // a dropped oldest report had entered the queue; a dropped newest one never did
    ['lean', 'drop-oldest', [2, 3], 6, 5],
    ['lean', 'drop-newest', [5, 6], 4, 3],
    ['mqtt.js', 'drop-oldest', [2, 3], 6, 5],
    ['mqtt.js', 'drop-newest', [5, 6], 4, 3],
  ] as const)(
    '%s: holds three reports over a partition and %s of five; the rest go in seq order after',
    async (client, overflow, lost, last, queued) => {
      const device = `oq-${client}-${overflow}`;
      const { ep, proxy, t, partition } = await partitioned(client, { max: 3, overflow }, device);
      await until('the device is offline', () => proxy.counters().refusedConnects >= 1);
      const results = [send(t, device), send(t, device), send(t, device), send(t, device), send(t, device)];
      // longer than the acknowledgement deadline: queued reports do not expire while offline
      await until('several refused reconnects', () => proxy.counters().refusedConnects >= 4);
      await new Promise((r) => setTimeout(r, 400));
      expect(ep.store.pair(APP, device)?.seq).toBe(1);
      partition.lift();
      const errs = await Promise.all(results);
      const dropped = errs.flatMap((e, i) => (e ? [i + 2] : []));
      expect(dropped).toEqual(lost);
      for (const e of errs.filter(Boolean)) expect((e as SendError).kind).toBe('dropped');
      expect(t.stats()).toMatchObject({ offlineQueued: queued, offlineDropped: 2, timeouts: 0 });
      // in order: nothing arrived stale, the last report the queue kept is the pair's state
      expect(ep.store.counters).toMatchObject({ accepted: 4, stale: 0, duplicates: 0 });
      expect(ep.store.pair(APP, device)?.seq).toBe(last);
      t.deviceDone(device);
    },
  );
});
