/**
 * One conformance suite over each kind of MQTT device connection (mqtt.js, and fleetsim's lean
 * connection) against three brokers: aedes (our endpoint), mosquitto and RabbitMQ's MQTT plugin,
 * each started here on free ports. The same cases for every pair: QoS 0/1/2 delivered and
 * acknowledged, keepalive holding an idle connection, the last will on a lost connection, clean
 * and persistent sessions across a reconnect, a resend with DUP after a lost acknowledgement,
 * TLS, and WebSocket. A subscriber (mqtt.js) on the broker sees what arrived.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttTransport, type MqttTransportOptions } from '../transport/mqtt/mqtt.js';
import { LeanMqttTransport } from '../transport/mqtt-lean/lean.js';
import type { Transport } from '../transport/types.js';
import { startAedes, startMosquitto, startRabbit, type BrokerUnderTest } from './helpers/brokers.js';
import { startCutProxy, type CutProxy } from './helpers/cut-proxy.js';

type Options = Omit<MqttTransportOptions, 'clock'>;
type Make = (o: Options) => Transport;
/** Each kind, and whether it sets DUP on a resent PUBLISH [MQTT-3.3.1-1]: both do (mqtt.js 5 alone
 * resends without it; transport/mqtt/connect.ts marks its stored copy). */
const KINDS: [string, Make, boolean][] = [
  ['mqttjs', (o) => new MqttTransport(o), true],
  ['lean', (o) => new LeanMqttTransport(o), true],
];
const BROKERS: [string, () => Promise<BrokerUnderTest>][] = [
  ['aedes', startAedes],
  ['mosquitto', startMosquitto],
  ['rabbitmq', startRabbit],
];

// RabbitMQ's MQTT plugin swaps '.' and '/' between topics and AMQP routing keys, and a dot does
// not survive the way back to a subscriber: no dots in this suite's topics.
const APP = 'mail';
const seqs = new Map<string, number>();

/** A valid status event of the device (our endpoint validates what it acknowledges). */
function eventOf(device: string): string {
  const seq = (seqs.get(device) ?? 0) + 1;
  seqs.set(device, seq);
  return JSON.stringify({
    v: 1,
    deviceId: device,
    platform: 'android',
    appId: APP,
    appVersion: '1.0.0',
    jobId: `${APP}@1.0.0`,
    seq,
    status: 'success',
    state: 'installed',
    simTs: 1_767_600_000_000 + seq,
    wallTs: 1_767_600_000_000 + seq,
  });
}

const send = (t: Transport, device: string, payload = eventOf(device)) =>
  new Promise<Error | undefined>((r) => t.send(device, APP, payload, r));
const statusOf = (device: string) => `devices/${device}/apps/${APP}/status`;

async function until(what: string, ok: () => boolean, tries = 200): Promise<void> {
  for (let i = 0; i < tries && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!ok()) throw new Error(`never happened: ${what}`);
}

let serial = 0;

describe.each(BROKERS)('MQTT device connections against %s', (brokerName, start) => {
  let broker: BrokerUnderTest | undefined;
  let unavailable: string | undefined;
  const seen: { topic: string; payload: string }[] = [];

  beforeAll(async () => {
    try {
      broker = await start();
    } catch (err) {
      // in CI (.ci/run installs every broker) a broker that does not start is a failure
      if (process.env.CI) throw err;
      unavailable = `${brokerName} could not start here: ${(err as Error).message}`;
      process.stderr.write(`SKIPPED: ${unavailable}\n`);
      return;
    }
    await broker.watch((topic, payload) => seen.push({ topic, payload }));
  }, 120_000);

  afterAll(async () => {
    await broker?.close();
  }, 60_000);

  describe.each(KINDS)('over %s', (kind, make, setsDup) => {
    const device = () => `${kind}-${brokerName}-${process.pid}-${++serial}`;
    const proxies: CutProxy[] = [];
    const transports: Transport[] = [];
    const open = (o: Partial<Options> & { url: string }) => {
      const t = make({ reconnect: { baseMs: 50, maxMs: 200 }, ackTimeoutMs: 20_000, ...o });
      transports.push(t);
      return t;
    };
    const proxy = async () => {
      const p = await startCutProxy(broker!.mqtt);
      proxies.push(p);
      return p;
    };
    afterAll(async () => {
      await Promise.all(transports.map((t) => t.close()));
      await Promise.all(proxies.map((p) => p.close()));
    });

    it.for([0, 1, 2] as const)('delivers and acknowledges QoS %i publishes', async (qos, ctx) => {
      if (unavailable) return ctx.skip(unavailable);
      const t = open({ url: broker!.mqtt, qos });
      const id = device();
      const payloads = [eventOf(id), eventOf(id), eventOf(id)];
      const errs = await Promise.all(payloads.map((p) => send(t, id, p)));
      expect(errs).toEqual([undefined, undefined, undefined]);
      await until('the broker took every publish', () =>
        payloads.every((p) => seen.some((s) => s.topic === statusOf(id) && s.payload === p)),
      );
      t.deviceDone(id);
    });

    it.for([1, 2] as const)(
      'delivers reports of many devices over shared connections, payloads written in place, at QoS %i',
      async (qos, ctx) => {
        if (unavailable) return ctx.skip(unavailable);
        const t = open({ url: broker!.mqtt, qos, sharedConnections: 2 });
        const ids = Array.from({ length: 6 }, () => device());
        const payloads = ids.map((id) => eventOf(id));
        const errs = await Promise.all(
          ids.map(
            (id, k) =>
              new Promise<Error | undefined>((r) => {
                const bytes = Buffer.from(payloads[k]!);
                const writer = { byteLength: bytes.length, writeTo: (b: Buffer, o: number) => void bytes.copy(b, o) };
                if (t.sendBytes) t.sendBytes(id, APP, writer, r);
                else t.send(id, APP, payloads[k]!, r);
              }),
          ),
        );
        expect(errs).toEqual(ids.map(() => undefined));
        await until('the broker took every publish on its device topic', () =>
          ids.every((id, k) => seen.some((s) => s.topic === statusOf(id) && s.payload === payloads[k])),
        );
      },
    );

    it('keeps an idle connection open with keepalive pings', async (ctx) => {
      if (unavailable) return ctx.skip(unavailable);
      const t = open({ url: broker!.mqtt, keepaliveSec: 1 });
      const id = device();
      expect(await send(t, id)).toBeUndefined();
      // Brokers drop a client silent for 1.5 keepalive periods [MQTT-3.1.2-24].
      await new Promise((r) => setTimeout(r, 3_500));
      expect(await send(t, id)).toBeUndefined();
      expect(t.stats().reconnects).toBe(0);
      t.deviceDone(id);
    });

    it('has its last will published when its connection is lost', async (ctx) => {
      if (unavailable) return ctx.skip(unavailable);
      const p = await proxy();
      const t = open({ url: p.url, reconnect: { baseMs: 60_000, maxMs: 60_000 } });
      const id = device();
      expect(await send(t, id)).toBeUndefined();
      p.cut();
      await until('the will arrived', () => seen.some((s) => s.topic === `devices/${id}/presence`));
      const will = seen.find((s) => s.topic === `devices/${id}/presence`)!;
      expect(JSON.parse(will.payload)).toEqual({ deviceId: id, online: false });
    });

    it.for([
      [false, 1],
      [true, 0],
    ] as const)('reconnects after a drop; clean session %s resumes %i session', async ([clean, resumes], ctx) => {
      if (unavailable) return ctx.skip(unavailable);
      // aedes and RabbitMQ report a session present only when it holds subscriptions, which a
      // publishing device has none of; mosquitto keeps every persistent session [MQTT-3.2.2-2].
      const resumed = broker!.name === 'mosquitto' ? resumes : 0;
      const p = await proxy();
      const t = open({ url: p.url, clean });
      const id = device();
      expect(await send(t, id)).toBeUndefined();
      p.cut();
      await until('it reconnected', () => t.stats().reconnects >= 1);
      expect(t.stats().sessionsResumed ?? 0).toBe(resumed);
      expect(await send(t, id)).toBeUndefined();
      t.deviceDone(id);
    });

    it('sends an unacknowledged publish again after reconnecting, with DUP where it promises it', async (ctx) => {
      if (unavailable) return ctx.skip(unavailable);
      const p = await proxy();
      const t = open({ url: p.url, qos: 1 });
      const id = device();
      expect(await send(t, id)).toBeUndefined();
      p.hold();
      const publishes = () => p.clientFrames.filter((f) => f >> 4 === 3).length;
      const before = publishes();
      const pending = send(t, id);
      await until('the publish reached the broker', () => publishes() > before);
      p.cut();
      p.release();
      expect(await pending).toBeUndefined();
      const publish = p.clientFrames.filter((f) => f >> 4 === 3);
      expect(publish.length).toBeGreaterThan(before + 1);
      expect(publish.some((f) => (f & 0x08) !== 0)).toBe(setsDup);
      // the run's `retried` is the transport's count of what it sent again
      expect(t.stats().retries).toBeGreaterThanOrEqual(1);
      t.deviceDone(id);
    });

    it('publishes over TLS', async (ctx) => {
      if (unavailable) return ctx.skip(unavailable);
      const t = open({ url: broker!.mqtts, insecureTls: true });
      const id = device();
      expect(await send(t, id)).toBeUndefined();
      await until('the broker took it', () => seen.some((s) => s.topic === statusOf(id)));
      t.deviceDone(id);
    });

    it('publishes over WebSocket', async (ctx) => {
      if (unavailable) return ctx.skip(unavailable);
      const t = open({ url: broker!.ws });
      const id = device();
      expect(await send(t, id)).toBeUndefined();
      await until('the broker took it', () => seen.some((s) => s.topic === statusOf(id)));
      t.deviceDone(id);
    });
  });
});
