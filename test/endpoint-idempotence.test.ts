/**
 * Ingestion semantics over real sockets: the same 10,000 events sent twice and shuffled give the
 * same tallies (and the same per-device latest status) as sent once in order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import type { StatusEvent } from '../protocol/event.js';
import { statusTopic } from '../protocol/topics.js';
import { connectMqtt, getJson, postJson, publish, tallies } from './helpers/endpoint-client.js';
import { fleetEvents, prng, shuffle } from './helpers/endpoint-events.js';

const APPS = ['com.acme.mail', 'com.acme.vpn'];
// 1,000 devices x 2 apps x 5 steps = 10,000 events, every platform, random catalogue states.
const EVENTS = fleetEvents(1000, 5, APPS);

const started: Endpoint[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

async function sendHttp(ep: Endpoint, events: StatusEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 250) {
    const res = await postJson(ep.httpUrl, '/v1/events', events.slice(i, i + 250));
    expect(res.status).toBe(200);
  }
}

async function snapshot(ep: Endpoint) {
  const out: Record<string, unknown> = {};
  for (const app of APPS) {
    out[app] = await tallies(ep.httpUrl, app);
    const devices = (await getJson(ep.httpUrl, `/v1/apps/${app}/devices?limit=1000`)).body;
    out[`${app}/devices`] = devices.devices;
  }
  return out;
}

describe('highest seq wins, whatever the order and however often', () => {
  it('sends 10,000 events once in order, then twice shuffled, over HTTP: identical tallies and devices', async () => {
    expect(EVENTS).toHaveLength(10_000);
    const once = await startEndpoint();
    const twice = await startEndpoint();
    started.push(once, twice);
    await sendHttp(once, EVENTS);
    await sendHttp(twice, shuffle([...EVENTS, ...EVENTS], prng(2024)));

    const a = await snapshot(once);
    const b = await snapshot(twice);
    expect(b).toEqual(a);
    expect((a['com.acme.mail'] as { total: number }).total).toBe(1000);
    expect(once.store.counters).toMatchObject({ accepted: 10_000, duplicates: 0, stale: 0 });
    // Every one of the 20,000 was counted once, and shuffling made some arrive after a newer one.
    const c = twice.store.counters;
    expect(c.accepted + c.duplicates + c.stale).toBe(20_000);
    expect(c.duplicates).toBeGreaterThan(0);
    expect(c.stale).toBeGreaterThan(0);
  });

  it('the same over MQTT (QoS 1, one connection per device group) matches the in-order HTTP run', async () => {
    const ref = await startEndpoint();
    const ep = await startEndpoint();
    started.push(ref, ep);
    await sendHttp(ref, EVENTS);
    const mixed = shuffle([...EVENTS, ...EVENTS], prng(99));
    // Without auth the endpoint does not tie topics to clientIds, so 8 connections can carry every device.
    const clients = await Promise.all(
      Array.from({ length: 8 }, (_, i) => connectMqtt(ep.mqttUrl, { clientId: `gateway-${i}` })),
    );
    await Promise.all(
      clients.map(async (c, i) => {
        for (let k = i; k < mixed.length; k += clients.length) {
          const e = mixed[k]!;
          await publish(c, statusTopic(e.deviceId, e.appId), JSON.stringify(e));
        }
      }),
    );
    await Promise.all(clients.map((c) => c.endAsync()));
    expect(await snapshot(ep)).toEqual(await snapshot(ref));
  });
});
