/**
 * Status events taken before aedes' publish pipeline (broker/mqtt-fast-ingest.ts): the same bytes
 * sent to an endpoint with the fast path and to one without it get the same answers in the same
 * order and leave the same tallies; with --data-dir a PUBACK leaves only once its event is on
 * disk; and the seam itself acknowledges only when the ingest says so.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint, type EndpointOptions } from '../broker/endpoint.js';
import { installFastIngest } from '../broker/mqtt-fast-ingest.js';
import { statusTopic } from '../protocol/topics.js';
import { tempDir } from './helpers.js';
import { tallies } from './helpers/endpoint-client.js';
import { event, fleetEvents } from './helpers/endpoint-events.js';
import { openSocket } from './helpers/raw-socket.js';

const endpoints: Endpoint[] = [];
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

async function endpoint(o: EndpointOptions): Promise<Endpoint> {
  const ep = await startEndpoint(o);
  endpoints.push(ep);
  return ep;
}

const gen = (p: object) => mqttPacket.generate(p as mqttPacket.Packet);
const connect = (clientId: string) =>
  gen({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId, keepalive: 30 });
const pub = (topic: string, payload: string, qos: 0 | 1 | 2, messageId: number, retain = false) =>
  gen({ cmd: 'publish', topic, payload, qos, messageId, retain, dup: false });

/** A raw MQTT session: what the endpoint sends back, parsed, in order. */
async function session(url: string, clientId: string) {
  const s = await openSocket(url);
  sockets.push(s);
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
  s.write(connect(clientId));
  await until(1);
  expect(got[0]).toMatchObject({ cmd: 'connack', returnCode: 0 });
  return { s, got, until };
}

const ios = (seq: number, status = 'pending_install', state = 'command_scheduled') =>
  event({ deviceId: 'ios-000001', seq, status, state });

/** One read's worth of everything: events taken on the fast path, and all that goes aedes' way. */
function mixedBurst(): { bytes: Buffer; acks: number[] } {
  const e = (seq: number) => JSON.stringify(ios(seq));
  const topic = statusTopic('ios-000001', 'com.acme.mail');
  const parts = [
    pub(topic, e(1), 1, 1),
    pub(topic, e(2), 0, 0), // QoS 0: no answer
    pub(topic, e(2), 1, 2), // a duplicate
    pub(topic, '{"not":"an event"}', 1, 3), // refused: the contract
    pub(statusTopic('ios-000002', 'com.acme.mail'), e(4), 1, 4), // refused: topic and payload disagree
    pub(topic, e(5), 1, 5, true), // retained: aedes' way
    pub(topic, e(1), 1, 6), // stale
    pub(topic, e(7), 1, 7),
    gen({ cmd: 'pingreq' }),
    pub(topic, e(8), 1, 8),
  ];
  return { bytes: Buffer.concat(parts), acks: [1, 2, 3, 4, 5, 6, 7, 8] };
}

describe('status events past aedes pipeline', () => {
  it('answers a mixed read as aedes does, PUBACKs in PUBLISH order, with the same tallies', async () => {
    const results = [];
    for (const mqttFastIngest of [true, false]) {
      const ep = await endpoint({ mqttFastIngest });
      // The embedded endpoint's broker is in its API: its 'publish' event still tells what it took.
      const published: string[] = [];
      ep.broker.on('publish', (packet, client) => {
        if (client) published.push(`${packet.topic} ${JSON.parse(String(packet.payload)).seq ?? '-'}`);
      });
      const { s, got, until } = await session(ep.mqttUrl, `fast-${mqttFastIngest}`);
      const burst = mixedBurst();
      s.write(burst.bytes);
      await until(1 + burst.acks.length + 1);
      const answers = got.slice(1).map((p) => (p.cmd === 'puback' ? `puback ${p.messageId}` : p.cmd));
      results.push({
        answers,
        published: published.sort(),
        counters: ep.store.counters,
        tallies: await tallies(ep.httpUrl, 'com.acme.mail'),
      });
    }
    const [fast, aedes] = results;
    // The ping is answered in the read, and each PUBACK after every earlier one.
    expect(fast!.answers.filter((a) => a !== 'pingresp')).toEqual(mixedBurst().acks.map((id) => `puback ${id}`));
    expect(fast!.answers).toContain('pingresp');
    expect(fast!.counters).toEqual(aedes!.counters);
    expect(fast!.tallies).toEqual(aedes!.tallies);
    expect(fast!.published).toEqual(aedes!.published);
    expect(fast!.counters).toMatchObject({ accepted: 5, duplicates: 1, stale: 1, rejected: 2 });
    expect(fast!.counters.rejectedByReason).toMatchObject({ deviceId: 1 });
  });

  it('keeps the tallies exact over many reads from several connections', async () => {
    const events = fleetEvents(200, 3);
    const expected = await endpoint({});
    for (const e of events) expected.store.ingest(e, 0);
    const ep = await endpoint({});
    const conns = await Promise.all([0, 1, 2, 3].map((c) => session(ep.mqttUrl, `many-${c}`)));
    // One device's events stay on one connection, in seq order, as a device sends them.
    const per = conns.map(() => [] as Buffer[]);
    events.forEach((e, i) => {
      const c = Number(e.deviceId.slice(-6)) % conns.length;
      per[c]!.push(pub(statusTopic(e.deviceId, e.appId), JSON.stringify(e), 1, (i % 65_000) + 1));
    });
    await Promise.all(
      conns.map(async (c, i) => {
        for (const b of per[i]!) c.s.write(b);
        await c.until(1 + per[i]!.length);
      }),
    );
    expect(ep.store.counters.accepted).toBe(events.length);
    for (const app of ['com.acme.mail', 'com.acme.vpn'])
      expect(await tallies(ep.httpUrl, app)).toEqual(await tallies(expected.httpUrl, app));
  });

  it('with --data-dir, a PUBACK leaves only once its event is on disk', async () => {
    const ep = await endpoint({ dataDir: tempDir('fleetsim-fast-ingest-') });
    const { s, got } = await session(ep.mqttUrl, 'durable');
    const topic = statusTopic('ios-000001', 'com.acme.mail');
    for (let seq = 1; seq <= 20; seq++) {
      s.write(pub(topic, JSON.stringify(ios(seq)), 1, seq));
      const n = seq + 1;
      await new Promise<void>((resolve) => {
        const check = () => (got.length >= n ? resolve() : setImmediate(check));
        check();
      });
      // Everything acknowledged so far was counted by the journal after its fdatasync.
      expect(ep.metrics.journal!.events).toBeGreaterThanOrEqual(seq);
    }
    expect(ep.store.counters.accepted).toBe(20);
  });
});

describe('the seam on aedes client internals', () => {
  it('acknowledges when the ingest is done, not before, in order', async () => {
    const broker = await Aedes.createBroker();
    try {
      const written: Buffer[] = [];
      const stream = new Duplex({
        read() {},
        write(c: Buffer, _e, cb) {
          written.push(c);
          cb();
        },
      });
      const push = (b: Buffer) => stream.push(b);
      const client = broker.handle(stream, undefined as never);
      const pending: (() => void)[] = [];
      const taken: string[] = [];
      expect(
        installFastIngest(client, (_c, p, done) => {
          taken.push(`${p.topic} ${p.payload.toString()}`);
          pending.push(done);
          return true;
        }),
      ).toBe(true);
      push(connect('seam'));
      await new Promise<void>((r) => client.once('connected' as never, r));
      const acked = () => Buffer.concat(written).toString('hex');
      const connackHex = acked();
      push(Buffer.concat([pub('devices/d/apps/a/status', 'one', 1, 11), pub('devices/d/apps/a/status', 'two', 1, 12)]));
      await new Promise((r) => setImmediate(r));
      expect(taken).toEqual(['devices/d/apps/a/status one', 'devices/d/apps/a/status two']);
      expect(acked()).toBe(connackHex);
      pending.shift()!();
      await new Promise((r) => setImmediate(r));
      expect(acked()).toBe(`${connackHex}4002000b`);
      pending.shift()!();
      await new Promise((r) => setImmediate(r));
      expect(acked()).toBe(`${connackHex}4002000b4002000c`);
      push(pub('devices/d/apps/a/status', 'three', 1, 13));
      await new Promise((r) => setImmediate(r));
      expect(taken).toHaveLength(3);
      pending.shift()!();
      await new Promise((r) => setImmediate(r));
      expect(acked().endsWith('4002000d')).toBe(true);
    } finally {
      await new Promise<void>((r) => broker.close(() => r()));
    }
  });
});
