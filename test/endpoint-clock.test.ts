/**
 * The embedded endpoint takes its time from the clock it is given (core/clock.ts), on every
 * entry: MQTT, POST /v1/events and the in-process ingest sink. A ManualClock's time is what the
 * store records as each event's receipt.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Endpoint, startEndpoint } from '../broker/endpoint.js';
import { ManualClock } from '../core/clock.js';
import { statusTopic } from '../protocol/topics.js';
import { event } from './helpers/endpoint-events.js';
import { ROOT } from './helpers.js';

const T = Date.parse('2030-06-01T12:00:00Z');

describe('endpoint clock', () => {
  const clock = new ManualClock(T);
  let ep: Endpoint;
  beforeAll(async () => {
    ep = await startEndpoint({ clock });
  });
  afterAll(async () => {
    await ep.close();
  });

  const receivedAt = (deviceId: string) => ep.store.pair('com.acme.mail', deviceId)?.history.at(-1)?.receivedAt;

  it('stamps an event posted over HTTP with the clock time', async () => {
    const res = await fetch(`${ep.httpUrl}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event({ deviceId: 'ios-000001' })),
    });
    expect(res.status).toBe(200);
    expect(receivedAt('ios-000001')).toBe(T);
  });

  it('stamps an event published over MQTT with the clock time', async () => {
    clock.advance(1_000);
    const c = await mqtt.connectAsync(ep.mqttUrl, { clientId: 'ios-000002' });
    const e = event({ deviceId: 'ios-000002' });
    await c.publishAsync(statusTopic(e.deviceId, e.appId), JSON.stringify(e), { qos: 1 });
    await c.endAsync();
    expect(receivedAt('ios-000002')).toBe(T + 1_000);
  });

  it('stamps an event handed to the ingest sink with the clock time', async () => {
    clock.advance(2_000);
    const opened = ep.sink.open(undefined);
    if (!opened.ok) throw new Error(opened.reason);
    const outcome = await new Promise((r) =>
      opened.session.submit(JSON.stringify(event({ deviceId: 'ios-000003' })), r),
    );
    expect(outcome).toMatchObject({ outcome: 'accepted' });
    expect(receivedAt('ios-000003')).toBe(T + 3_000);
  });
});

describe('broker/ reads no time of its own', () => {
  it('has no Date.now(), performance.now() or raw timer outside the clock (the live page is browser code)', () => {
    const dir = join(ROOT, 'broker');
    const raw = /\bDate\.now\(|\bperformance\.now\(|(?<![.\w])set(Timeout|Interval)\(/;
    const found = readdirSync(dir)
      .filter((f) => f.endsWith('.ts') && f !== 'live-page.ts')
      .filter((f) => raw.test(readFileSync(join(dir, f), 'utf8')));
    expect(found).toEqual([]);
  });
});
