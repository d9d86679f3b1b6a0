/**
 * Security: MQTT username/password per device and a fleet token, with an ACL by which a device
 * publishes only for itself; HTTP bearer tokens; one device cannot change another's status; no
 * credentials, no entry. Then the same over MQTT-over-WebSocket, and TLS (mqtts, https, wss) from
 * a self-signed certificate made by openssl.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { devicePassword, deviceBearer, type AuthConfig } from '../broker/auth.js';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { presenceTopic, rejectionTopic, statusTopic } from '../protocol/topics.js';
import { connectMqtt, getJson, postJson, publish, watch } from './helpers/endpoint-client.js';
import { event } from './helpers/endpoint-events.js';
import { selfSignedCert } from './helpers/tls-cert.js';

const APP = 'com.acme.mail';
const AUTH: AuthConfig = {
  fleetToken: 'fleet-token-123',
  deviceSecret: 'per-device-secret',
  devices: { 'ios-000007': 'listed-pw-7' },
  adminToken: 'admin-token-xyz',
};
const ADMIN = { authorization: `Bearer ${AUTH.adminToken}` };
const pw = (id: string) => devicePassword(AUTH.deviceSecret!, id);

let ep: Endpoint;
beforeAll(async () => {
  ep = await startEndpoint({ auth: AUTH });
});
afterAll(async () => ep.close());

const counted = async (deviceId: string) =>
  (await getJson(ep.httpUrl, `/v1/apps/${APP}/devices?platform=ios&limit=1000`, ADMIN)).body.devices.filter(
    (d: { deviceId: string }) => d.deviceId === deviceId,
  );

describe('MQTT with auth on', () => {
  it('refuses a connection without credentials (CONNACK 5) and with a wrong password (CONNACK 4)', async () => {
    await expect(connectMqtt(ep.mqttUrl, { clientId: 'ios-000001' })).rejects.toMatchObject({ code: 5 });
    await expect(
      connectMqtt(ep.mqttUrl, { clientId: 'ios-000001', username: 'ios-000001', password: 'guess' }),
    ).rejects.toMatchObject({ code: 4 });
    await expect(
      connectMqtt(ep.mqttUrl, { clientId: 'ios-000001', username: 'ios-000001', password: pw('ios-000002') }),
    ).rejects.toMatchObject({ code: 4 });
  });

  it("refuses device A logging in under B's clientId (no session takeover)", async () => {
    await expect(
      connectMqtt(ep.mqttUrl, { clientId: 'ios-000002', username: 'ios-000001', password: pw('ios-000001') }),
    ).rejects.toMatchObject({ code: 4 });
  });

  it('device A (its own password) publishing for device B is refused; for itself it is counted', async () => {
    const a = await connectMqtt(ep.mqttUrl, {
      clientId: 'ios-000001',
      username: 'ios-000001',
      password: pw('ios-000001'),
    });
    const next = await watch(a, rejectionTopic('ios-000001'));
    const acl = ep.store.counters.rejectedByReason.acl ?? 0;
    await publish(a, statusTopic('ios-000002', APP), JSON.stringify(event({ deviceId: 'ios-000002' })));
    expect(await next()).toMatchObject({ field: 'topic', topic: statusTopic('ios-000002', APP) });
    expect(ep.store.counters.rejectedByReason.acl).toBe(acl + 1);
    expect(await counted('ios-000002')).toEqual([]);
    await publish(a, statusTopic('ios-000001', APP), JSON.stringify(event({ deviceId: 'ios-000001' })));
    expect(await counted('ios-000001')).toHaveLength(1);
    await a.endAsync();
  });

  it('a password listed in the auth file works the same way', async () => {
    const c = await connectMqtt(ep.mqttUrl, {
      clientId: 'ios-000007',
      username: 'ios-000007',
      password: 'listed-pw-7',
    });
    await publish(c, statusTopic('ios-000007', APP), JSON.stringify(event({ deviceId: 'ios-000007' })));
    expect(await counted('ios-000007')).toHaveLength(1);
    await c.endAsync();
  });

  it('with the fleet token the device is its clientId: it may not publish for another device', async () => {
    const c = await connectMqtt(ep.mqttUrl, { clientId: 'ios-000003', username: 'fleet', password: AUTH.fleetToken! });
    const next = await watch(c, rejectionTopic('ios-000003'));
    await publish(c, statusTopic('ios-000004', APP), JSON.stringify(event({ deviceId: 'ios-000004' })));
    expect((await next()).field).toBe('topic');
    expect(await counted('ios-000004')).toEqual([]);
    await publish(c, statusTopic('ios-000003', APP), JSON.stringify(event({ deviceId: 'ios-000003' })));
    expect(await counted('ios-000003')).toHaveLength(1);
    await c.endAsync();
  });

  it("a device may not subscribe to another device's rejections", async () => {
    const c = await connectMqtt(ep.mqttUrl, {
      clientId: 'ios-000005',
      username: 'ios-000005',
      password: pw('ios-000005'),
    });
    // SUBACK 0x80 (failure), which mqtt.js reports as an error; the connection stays up.
    await expect(c.subscribeAsync(rejectionTopic('ios-000001'))).rejects.toThrow(/Subscribe error/);
    expect((await c.subscribeAsync(rejectionTopic('ios-000005')))[0]!.qos).toBe(0);
    await c.endAsync();
  });
});

describe('what reaches subscribers with auth on', () => {
  it("a refused publish reaches nobody; a device's own presence (its last will) is passed on", async () => {
    const admin = await connectMqtt(ep.mqttUrl, {
      clientId: 'ops-console',
      username: 'admin',
      password: AUTH.adminToken!,
    });
    const seen: string[] = [];
    let sawOwnPresence!: () => void;
    const ownPresence = new Promise<void>((r) => (sawOwnPresence = r));
    admin.on('message', (t) => {
      seen.push(t);
      if (t === presenceTopic('ios-000040')) sawOwnPresence();
    });
    await admin.subscribeAsync('#');
    const dev = await connectMqtt(ep.mqttUrl, {
      clientId: 'ios-000040',
      username: 'ios-000040',
      password: pw('ios-000040'),
    });
    const next = await watch(dev, rejectionTopic('ios-000040'));
    await publish(dev, 'chat/general', 'hello');
    expect(await next()).toMatchObject({ field: 'topic', topic: 'chat/general' });
    await publish(dev, presenceTopic('ios-000041'), '{"online":false}');
    expect(await next()).toMatchObject({ field: 'topic', topic: presenceTopic('ios-000041') });
    await publish(dev, presenceTopic('ios-000040'), '{"online":true}');
    // The admin sees the device's own presence, and (being allowed everything) the rejections.
    // Delivery keeps publish order, so anything refused but forwarded would have arrived before this.
    await ownPresence;
    expect(seen).not.toContain('chat/general');
    expect(seen).not.toContain(presenceTopic('ios-000041'));
    await dev.endAsync();
    await admin.endAsync();
  });
});

describe('HTTP with auth on', () => {
  it('refuses a POST without a token or with a wrong one (401), nothing counted', async () => {
    const e = event({ deviceId: 'ios-000010' });
    const none = await postJson(ep.httpUrl, '/v1/events', e);
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: 'unauthorized', field: 'authorization' });
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect((await postJson(ep.httpUrl, '/v1/events', e, { authorization: 'Bearer nope' })).status).toBe(401);
    expect(await counted('ios-000010')).toEqual([]);
  });

  it('a device token may report only its own device: A for B is 403 naming deviceId and the index', async () => {
    const tokenA = deviceBearer('ios-000011', pw('ios-000011'));
    const res = await postJson(
      ep.httpUrl,
      '/v1/events',
      [event({ deviceId: 'ios-000011' }), event({ deviceId: 'ios-000012' })],
      { authorization: `Bearer ${tokenA}` },
    );
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: 'forbidden', field: 'deviceId', index: 1 });
    expect(await counted('ios-000011')).toEqual([]);
    expect(await counted('ios-000012')).toEqual([]);
    expect(
      (
        await postJson(ep.httpUrl, '/v1/events', event({ deviceId: 'ios-000011' }), {
          authorization: `Bearer ${tokenA}`,
        })
      ).status,
    ).toBe(200);
    expect(await counted('ios-000011')).toHaveLength(1);
  });

  it('the fleet token (a gateway) may report any device', async () => {
    const res = await postJson(
      ep.httpUrl,
      '/v1/events',
      [event({ deviceId: 'ios-000013' }), event({ deviceId: 'ios-000014' })],
      { authorization: `Bearer ${AUTH.fleetToken}` },
    );
    expect(res.body).toEqual({ accepted: 2, duplicates: 0, stale: 0 });
  });

  it('reads need the admin token when one is set; healthz stays open', async () => {
    expect((await getJson(ep.httpUrl, `/v1/apps/${APP}/tallies`)).status).toBe(401);
    expect(
      (await getJson(ep.httpUrl, `/v1/apps/${APP}/tallies`, { authorization: `Bearer ${AUTH.fleetToken}` })).status,
    ).toBe(401);
    expect((await getJson(ep.httpUrl, `/v1/apps/${APP}/tallies`, ADMIN)).status).toBe(200);
    expect((await getJson(ep.httpUrl, `/metrics?token=${AUTH.adminToken}`)).status).toBe(200);
    expect((await getJson(ep.httpUrl, '/healthz')).status).toBe(200);
  });
});

describe('MQTT over WebSocket', () => {
  it('takes events at ws://host:httpPort/mqtt with the same auth and ACL', async () => {
    expect(ep.wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    await expect(connectMqtt(ep.wsUrl!, { clientId: 'ios-000020' })).rejects.toMatchObject({ code: 5 });
    const c = await connectMqtt(ep.wsUrl!, {
      clientId: 'ios-000020',
      username: 'ios-000020',
      password: pw('ios-000020'),
    });
    const next = await watch(c, rejectionTopic('ios-000020'));
    await publish(c, statusTopic('ios-000021', APP), JSON.stringify(event({ deviceId: 'ios-000021' })));
    expect((await next()).field).toBe('topic');
    await publish(c, statusTopic('ios-000020', APP), JSON.stringify(event({ deviceId: 'ios-000020' })));
    expect(await counted('ios-000020')).toHaveLength(1);
    expect(await counted('ios-000021')).toEqual([]);
    await c.endAsync();
  });
});

describe('TLS from certificate files', () => {
  let dir: string;
  let tls: Endpoint;
  let cert: Buffer;
  let agent: Agent;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleetsim-tls-'));
    const made = selfSignedCert(dir);
    cert = made.cert;
    tls = await startEndpoint({ tls: { cert: made.cert, key: made.key }, auth: { fleetToken: AUTH.fleetToken! } });
    agent = new Agent({ connect: { ca: cert } });
  });
  afterAll(async () => {
    await agent.close();
    await tls.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves https: events in with the fleet token, tallies out', async () => {
    expect(tls.httpUrl).toMatch(/^https:/);
    const res = await postJson(
      tls.httpUrl,
      '/v1/events',
      event({ deviceId: 'ios-000030' }),
      { authorization: `Bearer ${AUTH.fleetToken}` },
      agent,
    );
    expect(res.body).toEqual({ accepted: 1, duplicates: 0, stale: 0 });
    expect((await getJson(tls.httpUrl, `/v1/apps/${APP}/tallies`, {}, agent)).body.total).toBe(1);
  });

  it('serves mqtts and wss, and a client that does not trust the certificate cannot connect', async () => {
    expect(tls.mqttUrl).toMatch(/^mqtts:/);
    const m = await connectMqtt(tls.mqttUrl, {
      clientId: 'ios-000031',
      username: 'fleet',
      password: AUTH.fleetToken!,
      ca: cert,
    });
    await publish(m, statusTopic('ios-000031', APP), JSON.stringify(event({ deviceId: 'ios-000031' })));
    await m.endAsync();
    const w = await connectMqtt(tls.wsUrl!, {
      clientId: 'ios-000032',
      username: 'fleet',
      password: AUTH.fleetToken!,
      ca: cert,
    });
    await publish(w, statusTopic('ios-000032', APP), JSON.stringify(event({ deviceId: 'ios-000032' })));
    await w.endAsync();
    expect((await getJson(tls.httpUrl, `/v1/apps/${APP}/tallies`, {}, agent)).body.total).toBe(3);
    await expect(
      connectMqtt(tls.mqttUrl, {
        clientId: 'ios-000033',
        username: 'fleet',
        password: AUTH.fleetToken!,
        connectTimeout: 5000,
      }),
    ).rejects.toThrow(/self-signed|certificate/i);
  });
});
