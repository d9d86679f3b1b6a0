/**
 * The lean MQTT connection's own parts: its PUBLISH frames are byte for byte what mqtt-packet
 * generates, its in-flight ring keeps send order through holes and growth, and an event with no
 * acknowledgement fails at its deadline on the transport's one sweep (time driven by hand).
 */
import { createServer, type AddressInfo } from 'node:net';
import { Aedes } from 'aedes';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { publishFrame, topicBytes } from '../transport/mqtt-lean/frames.js';
import { InFlight, WAIT_ACK } from '../transport/mqtt-lean/inflight.js';
import { LeanMqttTransport } from '../transport/mqtt-lean/lean.js';
import { ManualClock } from '../core/clock.js';
import { SendError } from '../transport/types.js';

describe('lean MQTT frames', () => {
  it.each([
    [0, 10],
    [1, 100],
    [2, 16_000],
    [1, 200_000],
  ] as const)('a QoS %i PUBLISH with a %i-byte payload is what mqtt-packet generates', (qos, size) => {
    const topic = 'devices/ios-000001/apps/com.acme.mail/status';
    const payload = 'x'.repeat(size);
    const ours = publishFrame(topicBytes(topic), payload, qos, 513);
    const theirs = mqttPacket.generate({
      cmd: 'publish',
      topic,
      payload,
      qos,
      retain: false,
      dup: false,
      ...(qos ? { messageId: 513 } : {}),
    });
    expect(ours.equals(theirs)).toBe(true);
  });
});

describe('the in-flight ring', () => {
  it('keeps send order through out-of-order acknowledgements and growth', () => {
    const q = new InFlight(2);
    const settled: number[] = [];
    for (let id = 1; id <= 9; id++) q.push(id, id, () => settled.push(id), undefined, WAIT_ACK);
    expect(q.live).toBe(9);
    q.take(q.find(3))?.(undefined);
    q.take(q.find(1))?.(undefined);
    expect(q.ids[q.head]).toBe(2);
    q.take(q.find(2))?.(undefined);
    // 3 left a hole; with 1 and 2 gone the head moves past it to 4.
    expect(q.ids[q.head]).toBe(4);
    expect(q.length).toBe(6);
    expect(q.find(3)).toBe(-1);
    expect(settled).toEqual([3, 1, 2]);
  });

  it("holds nothing while a device's connection has nothing in flight, and keeps a ring that grew", () => {
    const q = new InFlight();
    expect(q.ids.length).toBe(0);
    const settled: number[] = [];
    for (let round = 0; round < 3; round++) {
      q.push(10 + round, round, () => settled.push(10 + round), undefined, WAIT_ACK);
      expect(q.ids[q.head]).toBe(10 + round);
      q.take(q.find(10 + round))?.(undefined);
      expect(q.ids.length).toBe(0);
      expect(q.live).toBe(0);
    }
    expect(settled).toEqual([10, 11, 12]);
    for (let id = 1; id <= 5; id++) q.push(id, id, () => settled.push(id), undefined, WAIT_ACK);
    for (let id = 1; id <= 5; id++) q.take(q.find(id))?.(undefined);
    expect(q.ids.length).toBe(8);
    expect(settled).toEqual([10, 11, 12, 1, 2, 3, 4, 5]);
  });
});

let closeBroker: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeBroker?.();
  closeBroker = undefined;
});

describe('the lean MQTT transport', () => {
  it('fails an event with no PUBACK at its deadline and signals congestion', async () => {
    const broker = await Aedes.createBroker();
    broker.authorizePublish = () => undefined; // never answers: no PUBACK
    const server = createServer((s) => broker.handle(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closeBroker = async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      server.close();
    };
    const clock = new ManualClock();
    const t = new LeanMqttTransport({
      url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`,
      ackTimeoutMs: 1_000,
      clock,
    });
    let congested = 0;
    t.onCongestion = () => congested++;
    const result = new Promise<Error | undefined>((r) => t.send('dev-1', 'app', '{}', r));
    await new Promise((r) => setTimeout(r, 200));
    clock.advance(500);
    expect(t.stats().timeouts).toBe(0);
    clock.advance(600);
    const err = await result;
    expect(err).toBeInstanceOf(SendError);
    expect((err as SendError).kind).toBe('timeout');
    expect(t.stats().timeouts).toBe(1);
    expect(congested).toBe(1);
    await t.close();
  });
});

describe('reading', () => {
  it('acknowledges events whose CONNACK and PUBACK arrive a byte at a time, devices reading in turn', async () => {
    // Every plain TCP connection reads into one shared buffer: the bytes of a frame split across
    // reads must be kept apart from the next read of another connection into the same buffer.
    const trickle = (s: import('node:net').Socket, bytes: number[]) => {
      for (const [i, b] of bytes.entries()) setTimeout(() => s.destroyed || s.write(Buffer.from([b])), 3 * (i + 1));
    };
    const server = createServer((s) => {
      s.setNoDelay(true);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      parser.on('packet', (p: mqttPacket.Packet) => {
        if (p.cmd === 'connect') trickle(s, [0x20, 2, 0, 0]);
        if (p.cmd === 'publish' && p.messageId !== undefined)
          trickle(s, [0x40, 2, p.messageId >> 8, p.messageId & 255]);
      });
      s.on('data', (b) => parser.parse(b));
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closeBroker = async () => {
      await new Promise<void>((r) => server.close(() => r()));
    };
    const t = new LeanMqttTransport({ url: `mqtt://127.0.0.1:${(server.address() as AddressInfo).port}` });
    const devices = ['d1', 'd2', 'd3'];
    const first = await Promise.all(
      devices.map((d) => new Promise<Error | undefined>((r) => t.send(d, 'app', '{}', r))),
    );
    const second = await Promise.all(
      devices.map((d) => new Promise<Error | undefined>((r) => t.send(d, 'app', '{"n":2}', r))),
    );
    expect([...first, ...second]).toEqual(new Array(6).fill(undefined));
    expect(t.stats()).toMatchObject({ timeouts: 0, reconnects: 0 });
    await t.close();
  });
});

describe('destination spread', () => {
  it('spreads device connections over the target addresses on the target port', async () => {
    const broker = await Aedes.createBroker();
    const seen = new Set<string>();
    const handler = (s: import('node:net').Socket) => {
      seen.add(s.localAddress!);
      broker.handle(s);
    };
    const a = createServer(handler);
    await new Promise<void>((r) => a.listen(0, '127.0.0.1', () => r()));
    const port = (a.address() as AddressInfo).port;
    const b = createServer(handler);
    await new Promise<void>((r) => b.listen(port, '127.0.0.2', () => r()));
    closeBroker = async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      a.close();
      b.close();
    };
    const t = new LeanMqttTransport({ url: `mqtt://127.0.0.1:${port}`, targetAddresses: ['127.0.0.1', '127.0.0.2'] });
    const errs = await Promise.all(
      ['d1', 'd2', 'd3', 'd4'].map((d) => new Promise<Error | undefined>((r) => t.send(d, 'app', '{}', r))),
    );
    expect(errs).toEqual([undefined, undefined, undefined, undefined]);
    expect([...seen].sort()).toEqual(['127.0.0.1', '127.0.0.2']);
    await t.close();
  });
});
