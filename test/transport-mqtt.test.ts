/**
 * The MQTT transport against a real aedes broker on port 0: one connection per device with its
 * clientId, connections spread over loopback source addresses, shared connections, QoS 0/1/2,
 * the PUBACK deadline, reconnect with backoff, and the last will.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { MqttTransport, presenceTopic } from '../transport/mqtt/mqtt.js';
import { parseLocalAddresses } from '../transport/kinds/local-address.js';
import { SendError } from '../transport/types.js';
import { ManualClock } from '../core/clock.js';

interface TestBroker {
  url: string;
  broker: Aedes;
  clientIds: Set<string>;
  remoteAddresses: Set<string>;
  sockets: Set<Socket>;
  published: string[];
  close(): Promise<void>;
}

let running: TestBroker | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function startBroker(hold = false): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const clientIds = new Set<string>();
  const remoteAddresses = new Set<string>();
  const sockets = new Set<Socket>();
  const published: string[] = [];
  broker.on('client', (c) => clientIds.add(c.id));
  broker.authorizePublish = (_c, packet, cb) => {
    published.push(packet.topic);
    if (!hold) cb(null);
  };
  const server: Server = createServer((s) => {
    sockets.add(s);
    remoteAddresses.add(s.remoteAddress!);
    s.on('close', () => sockets.delete(s));
    broker.handle(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  running = {
    url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
    broker,
    clientIds,
    remoteAddresses,
    sockets,
    published,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return running;
}

const send = (t: MqttTransport, device: string) =>
  new Promise<Error | undefined>((r) => t.send(device, 'app', '{}', r));

describe('the MQTT transport', () => {
  it('opens one connection per device, with the device id as clientId, spread over source addresses', async () => {
    const b = await startBroker();
    const t = new MqttTransport({ url: b.url, localAddresses: parseLocalAddresses('127.0.0.2-127.0.0.4') });
    const devices = ['dev-1', 'dev-2', 'dev-3', 'dev-4', 'dev-5', 'dev-6'];
    const errs = await Promise.all(devices.map((d) => send(t, d)));
    expect(errs.every((e) => e === undefined)).toBe(true);
    expect(t.connections()).toBe(6);
    expect([...b.clientIds].sort()).toEqual(devices);
    expect([...b.remoteAddresses].sort()).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);
    for (const d of devices) t.deviceDone(d);
    await t.close();
    expect(t.connections()).toBe(0);
  });

  it('in shared mode carries every device over a fixed number of connections', async () => {
    const b = await startBroker();
    const t = new MqttTransport({ url: b.url, sharedConnections: 2 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => send(t, `dev-${i}`)));
    await t.close();
    expect(b.clientIds.size).toBe(2);
    expect(b.published.filter((p) => p.endsWith('/status'))).toHaveLength(40);
  });

  it.each([0, 1, 2] as const)('acknowledges every publish at QoS %i', async (qos) => {
    const b = await startBroker();
    const t = new MqttTransport({ url: b.url, qos });
    const errs = await Promise.all(Array.from({ length: 20 }, (_, i) => send(t, `dev-${i % 4}`)));
    await t.close();
    expect(errs.filter(Boolean)).toEqual([]);
    expect(b.published.filter((p) => p.endsWith('/status'))).toHaveLength(20);
  });

  it('fails an event whose PUBACK never comes, at its deadline', async () => {
    const b = await startBroker(true);
    const clock = new ManualClock();
    const t = new MqttTransport({ url: b.url, ackTimeoutMs: 1_000, clock });
    const result = send(t, 'dev-1');
    await new Promise<void>((r) => {
      const poll = () => (b.published.length > 0 ? r() : setTimeout(poll, 5));
      poll();
    });
    let settled = false;
    void result.then(() => (settled = true));
    clock.advance(999);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(2);
    const err = await result;
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError).kind).toBe('timeout');
    expect(t.stats().timeouts).toBe(1);
    await t.close();
  });

  it('reconnects with backoff when the broker drops the connection, and the event still arrives', async () => {
    const b = await startBroker();
    const t = new MqttTransport({ url: b.url, reconnect: { baseMs: 10, maxMs: 40 } });
    expect(await send(t, 'dev-1')).toBeUndefined();
    for (const s of b.sockets) s.destroy();
    expect(await send(t, 'dev-1')).toBeUndefined();
    expect(t.stats().reconnects).toBeGreaterThanOrEqual(1);
    await t.close();
  });

  it('registers a last will that the broker publishes when the device vanishes', async () => {
    const b = await startBroker();
    const wills: string[] = [];
    b.broker.on('publish', (p) => {
      if (p.topic === presenceTopic('dev-9')) wills.push(p.payload.toString());
    });
    const t = new MqttTransport({ url: b.url, reconnect: { baseMs: 5_000, maxMs: 5_000 } });
    expect(await send(t, 'dev-9')).toBeUndefined();
    for (const s of b.sockets) s.destroy();
    await new Promise<void>((r) => {
      const poll = () => (wills.length > 0 ? r() : setTimeout(poll, 5));
      poll();
    });
    expect(JSON.parse(wills[0]!)).toEqual({ deviceId: 'dev-9', online: false });
    await t.close();
  });

  it('asks for a persistent session when clean is false, and a clean one by default', async () => {
    const b = await startBroker();
    const seen = new Map<string, boolean>();
    b.broker.on('client', (c) => seen.set(c.id, c.clean));
    const persistent = new MqttTransport({ url: b.url, clean: false });
    const clean = new MqttTransport({ url: b.url });
    expect(await send(persistent, 'keeps-session')).toBeUndefined();
    expect(await send(clean, 'clean-session')).toBeUndefined();
    await persistent.close();
    await clean.close();
    expect(seen.get('keeps-session')).toBe(false);
    expect(seen.get('clean-session')).toBe(true);
  });

  it('rejects a malformed --local-address with a usage error', () => {
    expect(() => parseLocalAddresses('127.0.0.9-127.0.0.1')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(() => parseLocalAddresses('localhost')).toThrow(expect.objectContaining({ code: 'USAGE' }));
    expect(parseLocalAddresses('127.0.0.1,127.0.0.5')).toEqual(['127.0.0.1', '127.0.0.5']);
  });
});
