/**
 * The fault proxy over real sockets, in front of our endpoint (aedes) with the lean MQTT device
 * connections: a cut of a cohort (told apart by the CONNECT's client id) resets exactly its
 * connections, the devices reconnect and send again with DUP what was not acknowledged, the proxy
 * counts those resends on the wire and the endpoint counts them as duplicates, so the tallies stay
 * exact. A refuse partition resets every connect of its scope until lifted; a blackhole swallows
 * bytes; latency holds acknowledgements back; the source port scopes a fault without a client id.
 */
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { FaultProxy } from '../transport/fault-proxy/proxy.js';
import { LeanMqttTransport } from '../transport/mqtt-lean/lean.js';
import { APP, send, until } from './helpers/fault-events.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
});

async function setUp(): Promise<{ ep: Endpoint; proxy: FaultProxy; t: LeanMqttTransport }> {
  const ep = await startEndpoint();
  opened.push(ep);
  const u = new URL(ep.mqttUrl);
  const proxy = await FaultProxy.start({ target: { host: u.hostname, port: Number(u.port) }, protocol: 'mqtt' });
  opened.push(proxy);
  const t = new LeanMqttTransport({ url: proxy.urlFor(ep.mqttUrl), qos: 1, reconnect: { baseMs: 20, maxMs: 100 } });
  opened.push(t);
  return { ep, proxy, t };
}

describe('the fault proxy', () => {
  it("cuts a cohort's connections by client id; its devices resend with DUP what was unacknowledged, and the endpoint counts each event once", async () => {
    const { ep, proxy, t } = await setUp();
    const cohort = new Set(['fp-a', 'fp-b']);
    const devices = ['fp-a', 'fp-b', 'fp-c', 'fp-d'];
    // connected first: a held-back CONNACK would keep the publishes on the device
    expect(await Promise.all(devices.map((d) => send(t, d)))).toEqual(new Array(4).fill(undefined));
    // The cohort's PUBACKs are held back in the proxy: its publishes reach the endpoint, their
    // acknowledgements are still on the way when the cut drops them.
    const slow = proxy.shape({ ids: cohort }, { latencyMs: 60_000 }, 'down');
    const sends = devices.flatMap((d) => [send(t, d), send(t, d), send(t, d)]);
    await until('every publish reached the endpoint', () => ep.store.counters.accepted === 16);
    expect(proxy.counters().publishes).toBe(16);
    expect(proxy.cut({ ids: cohort }, 7).sort()).toEqual(['fp-a', 'fp-b']);
    slow.lift();
    expect(await Promise.all(sends)).toEqual(new Array(12).fill(undefined));
    const c = proxy.counters();
    expect(c.connectionsCut).toBe(2);
    // exactly the cohort's six unacknowledged events went again, each flagged DUP
    expect(c.dupPublishes).toBe(6);
    expect(c.publishes).toBe(22);
    expect(t.stats().reconnects).toBe(2);
    // both reconnects and every DUP resend follow the cut, and are counted under its cause
    expect(proxy.byCause().get(7)).toEqual({ reconnects: 2, dupPublishes: 6 });
    // the endpoint has each resend already: the last of a device's as a duplicate, older ones as stale
    expect(ep.store.counters).toMatchObject({ accepted: 16, duplicates: 2, stale: 4 });
    for (const d of devices) expect(ep.store.pair(APP, d)?.seq).toBe(4);
    for (const d of devices) t.deviceDone(d);
  });

  it('refuses every connect of a partitioned cohort until the partition is lifted; the queued events then go', async () => {
    const { ep, proxy, t } = await setUp();
    expect(await send(t, 'fp-p')).toBeUndefined();
    const partition = proxy.partition({ ids: new Set(['fp-p']) }, 'refuse');
    expect(proxy.counters().connectionsCut).toBe(1);
    const queued = [send(t, 'fp-p'), send(t, 'fp-p')];
    await until('the device tried again and was refused', () => proxy.counters().refusedConnects >= 2);
    expect(ep.store.pair(APP, 'fp-p')?.seq).toBe(1);
    // another device is not in the partition
    expect(await send(t, 'fp-q')).toBeUndefined();
    partition.lift();
    expect(await Promise.all(queued)).toEqual([undefined, undefined]);
    expect(ep.store.pair(APP, 'fp-p')?.seq).toBe(3);
    expect(ep.store.counters.accepted).toBe(4);
    t.deviceDone('fp-p');
    t.deviceDone('fp-q');
  });

  it('swallows bytes in a blackhole and passes them again once lifted; latency and a bandwidth cap hold bytes back until lifted', async () => {
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    opened.push({ close: () => new Promise<void>((r) => echo.close(() => r())) });
    const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: (echo.address() as AddressInfo).port } });
    opened.push(proxy);
    const sock = connect(proxy.port, '127.0.0.1');
    opened.push({ close: async () => void sock.destroy() });
    let got = '';
    sock.on('data', (b) => (got += b.toString()));
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write('one');
    await until('the echo', () => got === 'one');
    const hole = proxy.partition(undefined, 'blackhole');
    sock.write('lost');
    await until('the proxy took the bytes', () => proxy.counters().blackholedBytes === 4);
    hole.lift();
    const slow = proxy.shape(undefined, { latencyMs: 50, jitterMs: 10 }, 'up');
    sock.write('two');
    await until('the delayed echo', () => got === 'onetwo');
    slow.lift();
    // lifting a cap releases what it still holds at once, in order
    const cap = proxy.shape(undefined, { bandwidthKBps: 0.001 }, 'up');
    sock.write('three');
    await until('the capped bytes are held', () => proxy.counters().delayedBytes === 8);
    cap.lift();
    await until('the held bytes went on the lift', () => got === 'onetwothree');
    expect(proxy.counters()).toMatchObject({ blackholedBytes: 4, delayedChunks: 2, delayedBytes: 8, open: 1 });
  });

  it('scopes a cut by the source port of a connection', async () => {
    const sink = createServer((s) => s.resume());
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    opened.push({ close: () => new Promise<void>((r) => sink.close(() => r())) });
    const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: (sink.address() as AddressInfo).port } });
    opened.push(proxy);
    const open = async () => {
      const s = connect(proxy.port, '127.0.0.1');
      s.on('error', () => undefined);
      opened.push({ close: async () => void s.destroy() });
      await new Promise<void>((r) => s.once('connect', () => r()));
      return s;
    };
    const a: Socket = await open();
    const b: Socket = await open();
    await until('both proxied', () => proxy.counters().open === 2);
    const closed = new Promise<boolean>((r) => a.once('close', (hadError) => r(hadError)));
    expect(proxy.cut({ ports: new Set([a.localPort!]) })).toEqual([`port ${a.localPort}`]);
    // a reset, not a graceful end: the device sees ECONNRESET as on a lost link
    expect(await closed).toBe(true);
    expect(b.destroyed).toBe(false);
    expect(proxy.counters()).toMatchObject({ connectionsCut: 1, open: 1 });
  });

  it("tells whose a connection is from the port owners when it cannot read a client id, and draws each lane's jitter from its own seeded stream", async () => {
    // an echo: a reconnect counts once the target has answered it
    const sink = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
    opened.push({ close: () => new Promise<void>((r) => sink.close(() => r())) });
    const owners = new Map<number, string>();
    const keys: string[] = [];
    const proxy = await FaultProxy.start({
      target: { host: '127.0.0.1', port: (sink.address() as AddressInfo).port },
      owners: { ownerOf: (port) => owners.get(port) },
      randomFor: (key) => {
        keys.push(key);
        return () => 0.5;
      },
    });
    opened.push(proxy);
    const open = async (owner: string | undefined) => {
      const s = connect(proxy.port, '127.0.0.1');
      s.on('error', () => undefined);
      opened.push({ close: async () => void s.destroy() });
      await new Promise<void>((r) => s.once('connect', () => r()));
      if (owner) owners.set(s.localPort!, owner);
      s.write('hello');
      return s;
    };
    const a = await open('dev-a');
    await open('dev-b');
    await until('both read', () => proxy.counters().bytesUp === 10);
    const closed = new Promise<void>((r) => a.once('close', () => r()));
    expect(proxy.cut({ ids: new Set(['dev-a']) }, 3)).toEqual(['dev-a']);
    await closed;
    await open('dev-a');
    await until('the third read', () => proxy.counters().bytesUp === 15);
    expect(proxy.byCause().get(3)).toEqual({ reconnects: 1, dupPublishes: 0 });
    expect(keys).toEqual(['dev-a#1/up', 'dev-a#1/down', 'dev-b#1/up', 'dev-b#1/down', 'dev-a#2/up', 'dev-a#2/down']);
    // a group's pool has several sockets under one owner: each that comes back counts
    const b2 = await open('dev-b');
    await until('the fourth read', () => proxy.counters().bytesUp === 20);
    expect(proxy.cut({ ids: new Set(['dev-b']) }, 5)).toEqual(['dev-b', 'dev-b']);
    await new Promise<void>((r) => (b2.destroyed ? r() : b2.once('close', () => r())));
    await open('dev-b');
    await open('dev-b');
    await until('both back and answered', () => proxy.byCause().get(5)?.reconnects === 2);
  });
});
