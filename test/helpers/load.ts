/**
 * Load for durability tests: events over HTTP batches and MQTT QoS 1 at once, each pair's events
 * in seq order on one channel, recording what was acknowledged; and the check every restart must
 * pass: each acknowledged event is counted, and nothing counted was never sent.
 */
import type { MqttClient } from 'mqtt';
import { expect } from 'vitest';
import { TallyStore } from '../../broker/store.js';
import type { StatusEvent } from '../../protocol/event.js';
import { statusTopic } from '../../protocol/topics.js';
import { connectMqtt, getJson, postJson, tallies } from './endpoint-client.js';

export interface Target {
  httpUrl: string;
  mqttUrl: string;
}

/** Sends events over HTTP batches and MQTT QoS 1 at once, each pair's events in seq order on one channel. */
export function load(
  target: Target,
  events: StatusEvent[],
  acked: StatusEvent[],
  onAcked: (n: number) => void = () => undefined,
) {
  let stop = false;
  const sent: StatusEvent[] = [];
  const byPair = new Map<string, StatusEvent[]>();
  for (const e of events) {
    const k = `${e.deviceId}/${e.appId}`;
    byPair.set(k, [...(byPair.get(k) ?? []), e]);
  }
  const lanes: StatusEvent[][] = Array.from({ length: 8 }, () => []);
  [...byPair.values()].forEach((list, i) => {
    lanes[i % lanes.length]!.push(...list);
  });
  const clients: MqttClient[] = [];
  const markAcked = (list: StatusEvent[]) => {
    acked.push(...list);
    onAcked(acked.length);
  };
  const http = lanes.slice(0, 4).map(async (lane) => {
    for (let i = 0; i < lane.length && !stop; i += 20) {
      const batch = lane.slice(i, i + 20);
      sent.push(...batch);
      const res = await postJson(target.httpUrl, '/v1/events', batch).catch(() => undefined);
      if (res?.status !== 200) return;
      markAcked(batch);
    }
  });
  const mqtt = lanes.slice(4).map(async (lane, i) => {
    const c = await connectMqtt(target.mqttUrl, { clientId: `gateway-${i}` }).catch(() => undefined);
    if (!c) return;
    clients.push(c);
    c.on('error', () => undefined);
    // Up to 16 in flight per connection, so a kill catches some unacknowledged.
    let next = 0;
    await new Promise<void>((done) => {
      let inFlight = 0;
      const pump = () => {
        while (!stop && inFlight < 16 && next < lane.length) {
          const e = lane[next++]!;
          sent.push(e);
          inFlight++;
          c.publish(statusTopic(e.deviceId, e.appId), JSON.stringify(e), { qos: 1 }, (err) => {
            inFlight--;
            if (!err) markAcked([e]);
            pump();
          });
        }
        if (inFlight === 0 && (stop || next >= lane.length)) done();
      };
      c.on('close', () => done());
      pump();
    });
  });
  return {
    sent,
    stop: () => (stop = true),
    done: Promise.all([...http, ...mqtt]).then(() => undefined),
    close: () => Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined))),
  };
}

/** Every (device, app) pair's row as the endpoint lists it. */
export async function devicesOf(base: string, apps: string[]): Promise<Map<string, { seq: number; state: string }>> {
  const out = new Map<string, { seq: number; state: string }>();
  for (const app of apps) {
    let after: string | null = '';
    while (after !== null) {
      const page: { devices: { deviceId: string; seq: number; state: string }[]; next: string | null } = (
        await getJson(base, `/v1/apps/${app}/devices?limit=1000&includeExpired=1${after ? `&after=${after}` : ''}`)
      ).body;
      for (const d of page.devices) out.set(`${d.deviceId}/${app}`, d);
      after = page.next;
    }
  }
  return out;
}

/**
 * The invariant after a restart: every acknowledged event is counted (its pair's seq is at least
 * its seq), every counted state was sent with that seq, and the tallies are exactly those pairs'.
 */
export async function expectAcknowledgedKept(base: string, apps: string[], sent: StatusEvent[], acked: StatusEvent[]) {
  const rows = await devicesOf(base, apps);
  const maxAcked = new Map<string, number>();
  for (const e of acked) {
    const k = `${e.deviceId}/${e.appId}`;
    maxAcked.set(k, Math.max(maxAcked.get(k) ?? 0, e.seq));
  }
  const lost: string[] = [];
  for (const [k, seq] of maxAcked) if ((rows.get(k)?.seq ?? 0) < seq) lost.push(`${k} seq ${seq}`);
  expect(lost, 'acknowledged events missing after the restart').toEqual([]);
  const sentByKey = new Map(sent.map((e) => [`${e.deviceId}/${e.appId}/${e.seq}`, e]));
  const after = new TallyStore();
  for (const [k, d] of rows) {
    const e = sentByKey.get(`${k}/${d.seq}`);
    expect(e, `${k} seq ${d.seq} was never sent`).toBeDefined();
    expect(d.state).toBe(e!.state);
    after.ingest(e!, 0);
  }
  for (const app of apps) expect(await tallies(base, app)).toEqual(after.appTallies(app));
  return { pairs: rows.size, acked: acked.length };
}
