/**
 * One suite, every transport: the same cases run over the in-memory transport, MQTT (mqtt.js and
 * the lean connection, the default) and HTTP against the real embedded endpoint (a fresh one per
 * case, on port 0). What a transport promises
 * the drive loop: acknowledged events are counted; a duplicate or an older seq is acknowledged and
 * changes no tally; a malformed event is refused with its reason and changes nothing; with auth on
 * a device's own credential is accepted and a wrong one, or a report for another device, refused;
 * close() settles every event in flight; and a drive's counters agree with the endpoint's.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import { ADMIN_USERNAME } from '../broker/auth.js';
import { type Endpoint, startEndpoint } from '../broker/endpoint.js';
import { drive } from '../drive/drive.js';
import type { StatusEvent } from '../protocol/event.js';
import { rejectionTopic } from '../protocol/topics.js';
import { expectedTallies } from '../reconcile/reconcile.js';
import { httpBearer, mqttCredentials, type RunAuth } from '../transport/credentials.js';
import { HttpTransport } from '../transport/http/http.js';
import { MemoryTransport } from '../transport/memory/memory.js';
import { MqttTransport } from '../transport/mqtt/mqtt.js';
import { LeanMqttTransport } from '../transport/mqtt-lean/lean.js';
import { SendError, type Transport } from '../transport/types.js';
import { event } from './helpers/endpoint-events.js';

interface Subject {
  name: 'memory' | 'mqtt' | 'mqtt-lean' | 'http';
  /** A transport to the endpoint, with per-device credentials from `auth` when given. */
  make(ep: Endpoint, auth?: RunAuth): Transport;
  /**
   * How a sender learns that an event was refused: the send fails with the reason, or (MQTT 3.1.1
   * has no negative PUBACK) the event is acknowledged and the reason is published on the
   * device's rejection topic.
   */
  rejections: 'send' | 'topic';
}

const SUBJECTS: Subject[] = [
  {
    name: 'memory',
    make: (ep, auth) =>
      new MemoryTransport({ sink: ep.sink, ...(auth ? { credentialFor: (id) => httpBearer(auth, id) } : {}) }),
    rejections: 'send',
  },
  {
    name: 'mqtt',
    // A short deadline: with a refused CONNECT the PUBACK never comes, and the event fails at it.
    make: (ep, auth) =>
      new MqttTransport({
        url: ep.mqttUrl,
        ackTimeoutMs: 2_000,
        reconnect: { baseMs: 200, maxMs: 400 },
        ...(auth ? { credentials: (id) => mqttCredentials(auth, id) } : {}),
      }),
    rejections: 'topic',
  },
  {
    name: 'mqtt-lean',
    make: (ep, auth) =>
      new LeanMqttTransport({
        url: ep.mqttUrl,
        ackTimeoutMs: 2_000,
        reconnect: { baseMs: 200, maxMs: 400 },
        ...(auth ? { credentials: (id) => mqttCredentials(auth, id) } : {}),
      }),
    rejections: 'topic',
  },
  {
    name: 'http',
    make: (ep, auth) =>
      new HttpTransport({ url: ep.httpUrl, ...(auth ? { bearerFor: (id) => httpBearer(auth, id) } : {}) }),
    rejections: 'send',
  },
];

const APP = 'com.acme.mail';
const SECRET = 'conformance-device-secret';
const ADMIN = 'conformance-admin-token';

let endpoint: Endpoint | undefined;
let transport: Transport | undefined;
afterEach(async () => {
  await transport?.close();
  await endpoint?.close();
  transport = endpoint = undefined;
});

async function open(s: Subject, auth?: RunAuth): Promise<{ ep: Endpoint; t: Transport }> {
  endpoint = await startEndpoint(auth ? { auth: { deviceSecret: auth.secret, adminToken: ADMIN } } : {});
  transport = s.make(endpoint, auth);
  return { ep: endpoint, t: transport };
}

function send(t: Transport, deviceId: string, payload: StatusEvent | string): Promise<Error | undefined> {
  const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
  return new Promise((resolve) => t.send(deviceId, APP, text, resolve));
}

/** Collects what the endpoint publishes on a device's MQTT rejection topic. */
async function watchRejections(ep: Endpoint, deviceId: string): Promise<{ seen: unknown[]; end(): Promise<void> }> {
  // With auth on only the admin may watch another client's rejections.
  const client = await mqtt.connectAsync(ep.mqttUrl, {
    clientId: `watch-${deviceId}`,
    reconnectPeriod: 0,
    ...(ep.authEnabled ? { username: ADMIN_USERNAME, password: ADMIN } : {}),
  });
  const seen: unknown[] = [];
  client.on('message', (_topic, payload) => seen.push(JSON.parse(payload.toString())));
  await client.subscribeAsync(rejectionTopic(deviceId), { qos: 0 });
  return { seen, end: () => client.endAsync() };
}

async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 10));
}

describe.each(SUBJECTS)('the $name transport against the embedded endpoint', (s) => {
  it('acknowledges every event and the endpoint counts each one', async () => {
    const { ep, t } = await open(s);
    await t.preflight();
    const ids = ['ios-000001', 'ios-000002', 'ios-000003'];
    expect(await Promise.all(ids.map((id) => send(t, id, event({ deviceId: id }))))).toEqual(ids.map(() => undefined));
    expect(
      await send(t, 'ios-000001', event({ deviceId: 'ios-000001', seq: 2, status: 'installing', state: 'installing' })),
    ).toBeUndefined();
    expect(ep.store.counters).toMatchObject({ accepted: 4, duplicates: 0, stale: 0, rejected: 0 });
    expect(ep.store.appTallies(APP).total).toBe(3);
    expect(ep.store.pair(APP, 'ios-000001')?.seq).toBe(2);
  });

  it('acknowledges a duplicate and an older seq, and neither changes a tally', async () => {
    const { ep, t } = await open(s);
    const id = 'android-000001';
    const latest = event({ deviceId: id, platform: 'android', status: 'installing', state: 'downloading', seq: 2 });
    expect(await send(t, id, latest)).toBeUndefined();
    const before = structuredClone(ep.store.appTallies(APP));
    expect(await send(t, id, latest)).toBeUndefined();
    const older = event({ deviceId: id, platform: 'android', status: 'pending_install', state: 'waiting_for_network' });
    expect(await send(t, id, { ...older, seq: 1 })).toBeUndefined();
    expect(ep.store.appTallies(APP)).toEqual(before);
    expect(ep.store.counters).toMatchObject({ accepted: 1, duplicates: 1, stale: 1, rejected: 0 });
    expect(ep.store.pair(APP, id)?.seq).toBe(2);
  });

  it.each([
    ['a state that is not in the catalogue', JSON.stringify(event({ state: 'nope' })), 'state'],
    ['a payload that is not JSON', '{"v":1,', '(payload)'],
  ])('refuses %s with its reason, and changes nothing', async (_what, payload, field) => {
    const { ep, t } = await open(s);
    const watch = s.rejections === 'topic' ? await watchRejections(ep, 'ios-000001') : undefined;
    const err = await send(t, 'ios-000001', payload);
    if (s.rejections === 'send') {
      expect(err).toBeInstanceOf(SendError);
      expect((err as SendError).kind).toBe('refused');
      expect(err?.message).toContain(field === 'state' ? 'is not a state of ios status' : 'malformed JSON');
    } else {
      expect(err).toBeUndefined();
      await until(() => watch!.seen.length > 0);
      expect(watch!.seen[0]).toMatchObject({ field, reason: expect.any(String) });
      await watch!.end();
    }
    expect(ep.store.counters).toMatchObject({ accepted: 0, rejected: 1, rejectedByReason: { [field]: 1 } });
    expect(ep.store.pairs).toBe(0);
  });

  it('with auth on, counts a device with its own credential and refuses one with a wrong credential', async () => {
    const { ep, t } = await open(s, { mode: 'device', secret: SECRET });
    await t.preflight();
    expect(await send(t, 'ios-000010', event({ deviceId: 'ios-000010' }))).toBeUndefined();
    const impostor = s.make(ep, { mode: 'device', secret: 'not-the-secret' });
    const err = await send(impostor, 'ios-000011', event({ deviceId: 'ios-000011' }));
    await impostor.close();
    expect(err).toBeInstanceOf(SendError);
    expect(ep.metrics.authFailures).toBeGreaterThanOrEqual(1);
    expect(ep.store.pair(APP, 'ios-000010')?.seq).toBe(1);
    expect(ep.store.pair(APP, 'ios-000011')).toBeUndefined();
    expect(ep.store.counters.accepted).toBe(1);
  });

  it('with auth on, refuses a device that reports for another device', async () => {
    const { ep, t } = await open(s, { mode: 'device', secret: SECRET });
    const watch = s.rejections === 'topic' ? await watchRejections(ep, 'ios-000020') : undefined;
    const err = await send(t, 'ios-000020', event({ deviceId: 'ios-000021' }));
    if (s.rejections === 'send') {
      expect((err as SendError).kind).toBe('refused');
      expect(err?.message).toContain('ios-000021');
    } else {
      await until(() => watch!.seen.length > 0);
      expect(watch!.seen[0]).toMatchObject({ field: 'deviceId' });
      await watch!.end();
    }
    expect(ep.store.pairs).toBe(0);
    expect(ep.store.counters).toMatchObject({ accepted: 0, rejected: 1 });
  });

  it('settles every event in flight before close() resolves, however often it is called', async () => {
    const { ep, t } = await open(s);
    const answers: (Error | undefined)[] = [];
    for (let i = 0; i < 40; i++) {
      const id = `windows-${String(i % 8).padStart(6, '0')}`;
      t.send(
        id,
        APP,
        JSON.stringify(
          event({
            deviceId: id,
            platform: 'windows',
            status: 'pending_install',
            state: 'command_scheduled',
            seq: 1 + Math.floor(i / 8),
          }),
        ),
        (e) => answers.push(e),
      );
    }
    // A second close() is the same close (the run closes again on its way out after an error).
    await Promise.all([t.close(), t.close()]);
    expect(answers).toHaveLength(40);
    const acked = answers.filter((e) => e === undefined).length;
    expect(ep.store.counters.accepted + ep.store.counters.duplicates + ep.store.counters.stale).toBe(acked);
  });

  it("drives a small fleet to its end: sent, acked, failed and retries agree with the endpoint's counters", async () => {
    const { ep, t } = await open(s);
    const scenario = parseScenario(FLEET, 'conformance.yaml');
    const fleet = buildFleet(scenario);
    const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: scenario.seed });
    const metrics = await drive(sim, t, { timeScale: 'asap', maxInFlight: 64, simStartMs: fleet.startMs });
    await t.close();
    const c = ep.store.counters;
    expect(metrics.sent).toBeGreaterThan(100);
    expect({ sent: metrics.sent, acked: metrics.acked, failed: metrics.failed }).toEqual({
      sent: c.accepted + c.duplicates + c.stale + c.rejected,
      // A duplicate or an older seq is acknowledged too (HTTP's parallel requests can overtake).
      acked: c.accepted + c.duplicates + c.stale,
      failed: c.rejected,
    });
    expect(c.rejected).toBe(0);
    expect(t.stats()).toMatchObject({ retries: 0, timeouts: 0, reconnects: 0 });
    for (const app of scenario.apps)
      expect(ep.store.appTallies(app.id)).toEqual(expectedTallies(sim.installs).get(app.id));
  });
});

const FLEET = `
name: conformance
seed: 11
apps:
  - { id: com.acme.mail, version: 1.0.0, ios: { kind: vpp } }
  - { id: com.acme.vpn, platforms: [ios, android, windows], ios: { kind: free } }
cohorts:
  - { name: ios, platform: ios, count: 12, supervised: 0.5 }
  - { name: android, platform: android, count: 12 }
  - { name: windows, platform: windows, count: 8 }
  - { name: dme, platform: dme, count: 8, method: 0.5 }
`;
