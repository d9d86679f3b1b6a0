/**
 * The MQTT listener's limits and ACL (docs/endpoint.md, "Limits", "What is refused"): packet
 * size checked from the fixed header before the body is buffered, CONNECT first and small, a
 * connect timeout, pending CONNECTs per source; client ids that are wildcards or `$` refused;
 * a publish to a broker-owned topic refused the documented way with the connection kept. Each
 * failed before this change.
 */
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { pino } from 'pino';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { EndpointMetrics } from '../broker/endpoint-metrics.js';
import { resolveLimits } from '../broker/limits.js';
import { createConnectionHandler } from '../broker/mqtt-connections.js';
import { rejectionTopic, statusTopic } from '../protocol/topics.js';
import { connectMqtt, publish, watch } from './helpers/endpoint-client.js';
import { event } from './helpers/endpoint-events.js';
import { closedByServer, openSocket } from './helpers/raw-socket.js';

const FLEET = 'fleet-token-mqtt-robust';
const ADMIN = 'admin-token-mqtt-robust';
let ep: Endpoint;
beforeAll(async () => {
  ep = await startEndpoint({
    auth: { fleetToken: FLEET, adminToken: ADMIN },
    limits: { mqttConnectTimeoutMs: 300, mqttMaxPacketBytes: 8192, mqttMaxConnectBytes: 1024 },
  });
});
afterAll(async () => ep.close());

const connectBytes = (clientId: string) =>
  mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    clientId,
    keepalive: 30,
    username: 'u',
    password: Buffer.from(FLEET),
  });

/** A stream that sends nothing and swallows what aedes writes: a connection that never speaks. */
const silentStream = () =>
  new Duplex({
    read() {},
    write(_c, _e, cb) {
      cb();
    },
  });

/** A PUBLISH fixed header announcing `length` bytes, and nothing after it. */
function publishHeader(length: number): Buffer {
  const bytes = [0x32];
  let n = length;
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    bytes.push(b);
  } while (n > 0);
  return Buffer.from(bytes);
}

describe('[G12] packet limits, checked before the body is read', () => {
  it('a 200 MB PUBLISH before CONNECT: closed after its 2-byte header, nothing buffered', async () => {
    const before = ep.metrics.mqttConnectionsRefused;
    const s = await openSocket(ep.mqttUrl);
    s.write(publishHeader(200 * 1024 * 1024));
    s.write(Buffer.alloc(64 * 1024, 1));
    await closedByServer(s);
    expect(ep.metrics.mqttConnectionsRefused).toBe(before + 1);
  });

  it('a PUBLISH over the packet limit after a good CONNECT: closed', async () => {
    const s = await openSocket(ep.mqttUrl);
    s.write(connectBytes('ios-000501'));
    s.write(publishHeader(9000));
    await closedByServer(s);
  });

  it('a CONNECT over the pre-authentication limit: closed', async () => {
    const s = await openSocket(ep.mqttUrl);
    s.write(connectBytes(`ios-${'9'.repeat(2000)}`));
    await closedByServer(s);
  });

  it('a socket that never sends CONNECT is closed by the connect timeout', async () => {
    const s = await openSocket(ep.mqttUrl);
    await closedByServer(s);
  });

  it('pending CONNECTs per non-loopback source are capped; loopback is exempt', async () => {
    const metrics = new EndpointMetrics();
    const handle = createConnectionHandler(
      ep.broker,
      resolveLimits({ mqttMaxPendingPerSource: 2 }),
      metrics,
      pino({ level: 'silent' }),
    );
    const streams = Array.from({ length: 3 }, silentStream);
    for (const st of streams) handle(st, '192.0.2.7');
    expect(streams.map((st) => st.destroyed)).toEqual([false, false, true]);
    const local = Array.from({ length: 3 }, silentStream);
    for (const st of local) handle(st, '127.0.0.1');
    expect(local.some((st) => st.destroyed)).toBe(false);
    for (const st of [...streams, ...local]) st.destroy();
  });
});

describe('[G11] ACL', () => {
  it.each(['#', 'a/#', '+', '$SYS', 'dev/ice'])(
    'client id %s is refused at CONNECT (identifier rejected)',
    async (id) => {
      await expect(connectMqtt(ep.mqttUrl, { clientId: id, username: 'u', password: FLEET })).rejects.toThrow(
        /Identifier rejected|identifier/i,
      );
    },
  );

  it("a device cannot read another device's rejections, by wildcard or by name", async () => {
    const c = await connectMqtt(ep.mqttUrl, { clientId: 'ios-000502', username: 'u', password: FLEET });
    for (const t of ['fleetsim/rejections/#', 'fleetsim/rejections/+', rejectionTopic('ios-000503'), '#'])
      await expect(c.subscribeAsync(t)).rejects.toThrow(/Subscribe error/);
    expect((await c.subscribeAsync(rejectionTopic('ios-000502')))[0]!.qos).toBe(0);
    await c.endAsync();
  });

  it('a publish to a broker-owned topic is refused the documented way: PUBACK, reason, connection kept', async () => {
    const c = await connectMqtt(ep.mqttUrl, { clientId: 'ios-000504', username: 'u', password: FLEET });
    const next = await watch(c, rejectionTopic('ios-000504'));
    for (const t of ['$SYS/broker/uptime', rejectionTopic('ios-000505'), '$fleetsim/refused']) {
      await publish(c, t, '{}');
      expect(await next()).toMatchObject({ field: 'topic', topic: t });
    }
    expect(c.connected).toBe(true);
    await c.endAsync();
  });

  it('the admin may watch but not report: its status event is refused under acl', async () => {
    const c = await connectMqtt(ep.mqttUrl, { clientId: 'ops', username: 'admin', password: ADMIN });
    const acl = ep.store.counters.rejectedByReason.acl ?? 0;
    const accepted = ep.store.counters.accepted;
    const e = event({ deviceId: 'ios-000506' });
    await publish(c, statusTopic(e.deviceId, e.appId), JSON.stringify(e));
    expect(ep.store.counters.rejectedByReason.acl).toBe(acl + 1);
    expect(ep.store.counters.accepted).toBe(accepted);
    await c.endAsync();
  });
});
