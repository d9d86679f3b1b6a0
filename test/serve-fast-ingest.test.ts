/**
 * The endpoint's fast ingest path (broker/mqtt-fast-ingest.ts) is what `fleetsim serve` runs, in
 * one process and in its MQTT workers: every status PUBLISH a real client sends is taken before
 * aedes' publish pipeline, as /metrics counts it. Without the fast path installed the counter stays
 * at 0 while the publishes are counted, so this fails if `serve` ever wires it out.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { rejectionTopic, statusTopic } from '../protocol/topics.js';
import { fleetEvents } from './helpers/endpoint-events.js';
import { type ServeProcess, startServe } from './helpers/serve-process.js';

const serves: ServeProcess[] = [];
afterEach(async () => {
  for (const s of serves.splice(0)) {
    s.child.kill('SIGTERM');
    await s.exited;
  }
});

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`/metrics has no ${name}`);
  return Number(line.slice(name.length + 1));
}

async function metrics(httpUrl: string): Promise<string> {
  const res = await fetch(`${httpUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** Sends each device's events over its own connection, QoS 1, and waits for every PUBACK. */
async function publishAll(mqttUrl: string, devices: number, steps: number): Promise<number> {
  const events = fleetEvents(devices, steps);
  const byDevice = new Map<string, typeof events>();
  for (const e of events) byDevice.set(e.deviceId, [...(byDevice.get(e.deviceId) ?? []), e]);
  await Promise.all(
    [...byDevice].map(async ([deviceId, list]) => {
      const c = await mqtt.connectAsync(mqttUrl, { clientId: deviceId, reconnectPeriod: 0 });
      // A SUBACK comes only once connected. (A PUBLISH right behind CONNACK is fast-ingested too
      // since the lean CONNECT: endpoint-mqtt-fast-connect.test.ts.)
      await c.subscribeAsync(rejectionTopic(deviceId), { qos: 1 });
      for (const e of list) await c.publishAsync(statusTopic(e.deviceId, e.appId), JSON.stringify(e), { qos: 1 });
      await c.endAsync();
    }),
  );
  return events.length;
}

describe('fleetsim serve ingests status events on the fast path', () => {
  it.each([
    ['one process', []],
    ['--workers 2', ['--workers', '2']],
  ])('%s: every status PUBLISH is counted as fast-ingested', async (_name, args) => {
    const serve = await startServe(args);
    serves.push(serve);
    const sent = await publishAll(serve.mqttUrl, 8, 3);
    expect(sent).toBe(48);
    // Workers report their counts to the owner once a second: wait for the last report.
    let text = await metrics(serve.httpUrl);
    while (metric(text, 'fleetsim_mqtt_status_publishes_total') < sent) {
      await new Promise((r) => setTimeout(r, 200));
      text = await metrics(serve.httpUrl);
    }
    expect(metric(text, 'fleetsim_mqtt_status_publishes_total')).toBe(sent);
    expect(metric(text, 'fleetsim_mqtt_status_fast_ingest_total')).toBe(sent);
  });
});
