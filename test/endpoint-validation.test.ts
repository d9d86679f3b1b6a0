/**
 * Bad input, one case per kind, over HTTP and over MQTT: each refused with its reason (HTTP 400/413
 * JSON naming the field; over MQTT counted and published on the rejection topic), and the tallies
 * exactly as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { rejectionTopic, statusTopic } from '../protocol/topics.js';
import { connectMqtt, getJson, postJson, publish, tallies, watch } from './helpers/endpoint-client.js';
import { event, statesOf } from './helpers/endpoint-events.js';

let ep: Endpoint;
const APP = 'com.acme.mail';

beforeAll(async () => {
  ep = await startEndpoint();
  // Something to protect: two devices counted before any bad input arrives.
  expect(
    (
      await postJson(ep.httpUrl, '/v1/events', [
        event(),
        event({ deviceId: 'ios-000002', seq: 3, status: 'installed', state: 'installed' }),
      ])
    ).status,
  ).toBe(200);
});
afterAll(async () => ep.close());

const good = () => JSON.stringify(event({ deviceId: 'ios-000009', seq: 5 }));
const without = (field: string) => {
  const e: Record<string, unknown> = { ...event({ deviceId: 'ios-000009' }) };
  delete e[field];
  return JSON.stringify(e);
};

/** [kind, payload, field named, HTTP status] */
const BAD: [string, string, string, number][] = [
  ['malformed JSON', good().slice(0, -3), '(payload)', 400],
  ['not an object', '"installed"', '(event)', 400],
  [
    'unknown platform',
    JSON.stringify(event({ deviceId: 'ios-000009', platform: 'blackberry' as never })),
    'platform',
    400,
  ],
  [
    'state not of its status',
    JSON.stringify(event({ deviceId: 'ios-000009', status: 'installed', state: 'command_scheduled' })),
    'state',
    400,
  ],
  [
    'status not of its platform',
    JSON.stringify(event({ deviceId: 'ios-000009', status: 'success', state: 'installed' })),
    'status',
    400,
  ],
  ['missing deviceId', without('deviceId'), 'deviceId', 400],
  ['missing seq', without('seq'), 'seq', 400],
  ['mistyped seq', JSON.stringify({ ...event({ deviceId: 'ios-000009' }), seq: '2' }), 'seq', 400],
  ['mistyped simTs', JSON.stringify({ ...event({ deviceId: 'ios-000009' }), simTs: 'yesterday' }), 'simTs', 400],
  ['wrong schema version', JSON.stringify({ ...event({ deviceId: 'ios-000009' }), v: 99 }), 'v', 400],
  ['unknown field', JSON.stringify({ ...event({ deviceId: 'ios-000009' }), colour: 'red' }), 'colour', 400],
  [
    'oversize payload',
    JSON.stringify({ ...event({ deviceId: 'ios-000009' }), pad: 'x'.repeat(5000) }),
    '(payload)',
    413,
  ],
];

describe('HTTP: bad input is refused with a JSON error naming the field, tallies untouched', () => {
  it.each(BAD)('%s', async (_kind, payload, field, status) => {
    const before = await tallies(ep.httpUrl, APP);
    const rejectedBefore = ep.store.counters.rejected;
    const res = await postJson(ep.httpUrl, '/v1/events', payload);
    expect(res.status).toBe(status);
    expect(res.body.field).toBe(field);
    expect(typeof res.body.reason).toBe('string');
    expect(res.body.error).toMatch(/^(malformed_json|invalid_event|payload_too_large)$/);
    expect(await tallies(ep.httpUrl, APP)).toEqual(before);
    expect(ep.store.counters.rejected).toBe(rejectedBefore + 1);
  });

  it('a batch with one bad event names its index and applies none of the batch', async () => {
    const before = await tallies(ep.httpUrl, APP);
    const batch = [
      event({ deviceId: 'android-000100', platform: 'android', ...statesOf('android')[0]! }),
      event({ deviceId: 'ios-000101', seq: 0 }),
      event({ deviceId: 'ios-000102' }),
    ];
    const res = await postJson(ep.httpUrl, '/v1/events', batch);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_event', field: 'seq', index: 1 });
    expect(await tallies(ep.httpUrl, APP)).toEqual(before);
  });

  it('an empty batch and a request body over the limit are refused too', async () => {
    const before = await tallies(ep.httpUrl, APP);
    expect((await postJson(ep.httpUrl, '/v1/events', [])).body.error).toBe('empty_batch');
    const huge = await postJson(ep.httpUrl, '/v1/events', `[${Array(5000).fill(good()).join(',')}]`);
    expect(huge.status).toBe(413);
    expect(await tallies(ep.httpUrl, APP)).toEqual(before);
  });

  it('the refusals are counted by reason in /metrics', async () => {
    const text = (await getJson(ep.httpUrl, '/metrics')).body as string;
    expect(text).toMatch(/fleetsim_events_rejected_total\{reason="state"\} [1-9]/);
    expect(text).toMatch(/fleetsim_events_rejected_total\{reason="\(payload\)"\} [1-9]/);
  });
});

describe('MQTT: bad input is counted, published on the rejection topic, tallies untouched', () => {
  let c: MqttClient;
  let next: () => Promise<any>;
  beforeAll(async () => {
    c = await connectMqtt(ep.mqttUrl, { clientId: 'ios-000009' });
    next = await watch(c, rejectionTopic('ios-000009'));
  });
  afterAll(async () => c.endAsync());

  const topic = statusTopic('ios-000009', APP);
  const cases: [string, string, string | Buffer, string][] = [
    ...BAD.map(([kind, payload, field]) => [kind, topic, payload, field] as [string, string, string, string]),
    ['topic names another device than the payload', statusTopic('ios-000010', APP), good(), 'deviceId'],
    ['topic names another app than the payload', statusTopic('ios-000009', 'com.acme.vpn'), good(), 'appId'],
    ['not a status topic under devices/', 'devices/ios-000009/apps/com.acme.mail/state', good(), 'topic'],
    ['binary garbage', topic, Buffer.from([0xff, 0xfe, 0x00, 0x7b]), '(payload)'],
  ];

  it.each(cases)('%s', async (_kind, t, payload, field) => {
    const before = await tallies(ep.httpUrl, APP);
    const rejectedBefore = ep.store.counters.rejected;
    await publish(c, t, payload);
    const r = await next();
    expect(r.field).toBe(field);
    expect(r.topic).toBe(t);
    expect(typeof r.reason).toBe('string');
    expect(ep.store.counters.rejected).toBe(rejectedBefore + 1);
    expect(await tallies(ep.httpUrl, APP)).toEqual(before);
  });

  it('a good event after all that is counted (the connection survived)', async () => {
    await publish(c, topic, good());
    expect((await tallies(ep.httpUrl, APP)).total).toBe(3);
  });
});
