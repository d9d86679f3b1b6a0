/**
 * The lean CONNECT (broker/mqtt-fast-connect.ts): a clean session is connected without aedes'
 * connect pipeline and behaves as aedes' own: a PUBLISH written right behind CONNECT is taken by
 * the fast ingest path (aedes marked a client connected only after CONNACK, so such a PUBLISH went
 * its slow way), wills go out when a client drops, a second connection with the same id takes the
 * first one's place, a persistent session is aedes' and a clean one after it starts empty,
 * $SYS subscribers hear of new clients, refusals carry their CONNACK codes, keepalive holds.
 */
import mqtt from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint, type EndpointOptions } from '../broker/endpoint.js';
import { statusTopic } from '../protocol/topics.js';
import { event } from './helpers/endpoint-events.js';
import { closedByServer, openSocket } from './helpers/raw-socket.js';

const endpoints: Endpoint[] = [];
const clients: mqtt.MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

async function endpoint(o: EndpointOptions = {}): Promise<Endpoint> {
  const ep = await startEndpoint(o);
  endpoints.push(ep);
  return ep;
}

async function client(url: string, o: mqtt.IClientOptions): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...o });
  clients.push(c);
  return c;
}

const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet);

/** Packets the endpoint sends back on a raw socket, parsed. */
function answers(s: import('node:net').Socket) {
  const got: mqttPacket.Packet[] = [];
  const waiters: (() => void)[] = [];
  const parser = mqttPacket.parser();
  parser.on('packet', (p) => {
    got.push(p);
    for (const w of waiters.splice(0)) w();
  });
  s.on('data', (b) => parser.parse(b));
  const until = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (got.length >= n ? resolve() : waiters.push(check));
      check();
    });
  return { got, until };
}

describe('the lean CONNECT', () => {
  it('a status PUBLISH written in the same segment as CONNECT is fast-ingested and acknowledged', async () => {
    const ep = await endpoint();
    const devices = 24;
    await Promise.all(
      Array.from({ length: devices }, async (_, i) => {
        const deviceId = `ios-${String(i + 1).padStart(6, '0')}`;
        const s = await openSocket(ep.mqttUrl);
        const { got, until } = answers(s);
        const e = event({ deviceId, seq: 1, status: 'pending_install', state: 'command_scheduled' });
        const bytes = Buffer.concat([
          gen({
            cmd: 'connect',
            protocolId: 'MQTT',
            protocolVersion: 4,
            clean: true,
            clientId: deviceId,
            keepalive: 30,
          }),
          gen({
            cmd: 'publish',
            topic: statusTopic(deviceId, e.appId),
            payload: JSON.stringify(e),
            qos: 1,
            messageId: 7,
          }),
        ]);
        s.write(bytes);
        await until(2);
        expect(got[0]).toMatchObject({ cmd: 'connack', returnCode: 0, sessionPresent: false });
        expect(got[1]).toMatchObject({ cmd: 'puback', messageId: 7 });
        s.destroy();
      }),
    );
    expect(ep.metrics.mqttPublishes).toBe(devices);
    expect(ep.metrics.mqttFastIngested).toBe(devices);
  });

  it('publishes the will of a client that drops, and not of one that disconnects', async () => {
    const ep = await endpoint();
    const watcher = await client(ep.mqttUrl, { clientId: 'watcher' });
    const wills: string[] = [];
    watcher.on('message', (_t, p) => wills.push(p.toString()));
    await watcher.subscribeAsync('devices/+/presence', { qos: 1 });
    const will = (id: string) => ({
      topic: `devices/${id}/presence`,
      payload: Buffer.from(`${id} gone`),
      qos: 1 as const,
      retain: false,
    });
    const polite = await client(ep.mqttUrl, { clientId: 'polite', will: will('polite') });
    await polite.endAsync();
    const s = await openSocket(ep.mqttUrl);
    const { until } = answers(s);
    s.write(
      gen({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clean: true,
        clientId: 'rude',
        keepalive: 30,
        will: will('rude'),
      }),
    );
    await until(1);
    s.destroy();
    await new Promise<void>((r) => watcher.once('message', () => r()));
    expect(wills).toEqual(['rude gone']);
  });

  it('a second connection with the same client id closes the first', async () => {
    const ep = await endpoint();
    const first = await client(ep.mqttUrl, { clientId: 'twice' });
    const closed = new Promise<void>((r) => first.once('close', () => r()));
    await client(ep.mqttUrl, { clientId: 'twice' });
    await closed;
    expect(ep.broker.connectedClients).toBe(1);
  });

  it('leaves persistent sessions to aedes; a clean session after one starts empty', async () => {
    const ep = await endpoint();
    const held = await client(ep.mqttUrl, { clientId: 'sess', clean: false });
    await held.subscribeAsync('news/today', { qos: 1 });
    await held.endAsync();
    const again = await client(ep.mqttUrl, { clientId: 'sess', clean: false });
    // the subscription was kept: the session is present
    expect((again as unknown as { connackPacket?: { sessionPresent: boolean } }).connackPacket?.sessionPresent).toBe(
      true,
    );
    await again.endAsync();
    const publisher = await client(ep.mqttUrl, { clientId: 'pub' });
    await publisher.publishAsync('news/today', 'queued while away', { qos: 1 });
    const fresh = await client(ep.mqttUrl, { clientId: 'sess', clean: true });
    const got: string[] = [];
    fresh.on('message', (_t, p) => got.push(p.toString()));
    expect((fresh as unknown as { connackPacket?: { sessionPresent: boolean } }).connackPacket?.sessionPresent).toBe(
      false,
    );
    await fresh.endAsync();
    const later = await client(ep.mqttUrl, { clientId: 'sess', clean: false });
    expect((later as unknown as { connackPacket?: { sessionPresent: boolean } }).connackPacket?.sessionPresent).toBe(
      false,
    );
    expect(got).toEqual([]);
  });

  it('tells $SYS subscribers of every new client', async () => {
    const ep = await endpoint();
    const sys = await client(ep.mqttUrl, { clientId: 'sys-watcher' });
    const seen: string[] = [];
    sys.on('message', (t, p) => t.endsWith('/new/clients') && seen.push(p.toString()));
    await sys.subscribeAsync('$SYS/+/new/clients');
    await client(ep.mqttUrl, { clientId: 'newcomer' });
    while (!seen.includes('newcomer')) await new Promise((r) => sys.once('message', r));
    expect(seen).toContain('newcomer');
  });

  it('refuses as aedes does: CONNACK 2 for a bad client id, 4 for bad credentials, and the socket closed', async () => {
    const open = await endpoint();
    await expect(mqtt.connectAsync(open.mqttUrl, { clientId: 'a/b', reconnectPeriod: 0 })).rejects.toMatchObject({
      code: 2,
    });
    expect(open.metrics.authFailures).toBe(1);
    const locked = await endpoint({ auth: { devices: { dev: 'right' } } });
    await expect(
      mqtt.connectAsync(locked.mqttUrl, { clientId: 'dev', username: 'dev', password: 'wrong', reconnectPeriod: 0 }),
    ).rejects.toMatchObject({ code: 4 });
    const s = await openSocket(locked.mqttUrl);
    const { got, until } = answers(s);
    s.write(
      gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'dev', keepalive: 30 }),
    );
    await until(1);
    expect(got[0]).toMatchObject({ cmd: 'connack', returnCode: 5 });
    await closedByServer(s);
    expect(locked.broker.connectedClients).toBe(0);
  });

  it('closes a client silent past 1.5 keepalives', async () => {
    const ep = await endpoint();
    const s = await openSocket(ep.mqttUrl);
    const { got, until } = answers(s);
    s.write(
      gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: 'quiet', keepalive: 1 }),
    );
    await until(1);
    expect(got[0]).toMatchObject({ cmd: 'connack', returnCode: 0 });
    expect(ep.broker.connectedClients).toBe(1);
    await closedByServer(s);
    expect(ep.broker.connectedClients).toBe(0);
  });
});
