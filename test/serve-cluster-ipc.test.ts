/**
 * The event messages between `serve --workers` brokers and the owner travel as flat rows with
 * one outcome code per event back (broker/ipc-events.ts). Every field of an event must arrive
 * as it was sent (optional ones present or absent as they were, enrolment 0 included), every
 * outcome (accepted, duplicate, stale, a later enrolment) must be the owner's, acknowledged in
 * order, and with --data-dir what the owner journaled must rebuild the same state on restart.
 */
import { rmSync } from 'node:fs';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { type ClusterEndpoint, startCluster } from '../broker/cluster.js';
import { startEndpoint } from '../broker/endpoint.js';
import { eventAt, pushEvent, type EventRows } from '../broker/ipc-events.js';
import { statusTopic } from '../protocol/topics.js';
import type { StatusEvent } from '../protocol/event.js';
import { tempDir } from './helpers.js';
import { event, SIM_START } from './helpers/endpoint-events.js';

const APP = 'com.acme.mail';
const dir = tempDir('fleetsim-ipc-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** One device's reports, in the order sent, with the outcome the owner must give each. */
const SENT: [StatusEvent, string][] = [
  [event({ deviceId: 'ipc-a', seq: 1, native: 'apple:1', enrolment: 0 }), 'accepted'],
  [event({ deviceId: 'ipc-a', seq: 1, native: 'apple:1', enrolment: 0 }), 'duplicate'],
  [event({ deviceId: 'ipc-a', seq: 3, status: 'installed', state: 'installed', simTs: SIM_START + 9 }), 'accepted'],
  [event({ deviceId: 'ipc-a', seq: 2, status: 'installing', state: 'installing' }), 'stale'],
  [event({ deviceId: 'ipc-a', seq: 1, enrolment: 2, simTs: SIM_START + 20 }), 'accepted'],
  [event({ deviceId: 'ipc-a', seq: 9, enrolment: 1 }), 'stale'],
  [event({ deviceId: 'ipc-b', platform: 'android', seq: 4, status: 'failed', state: 'oem_server_failed' }), 'accepted'],
];

describe('worker -> owner event rows', () => {
  it('carry every field of an event, optional ones present or absent as sent', () => {
    const rows: EventRows = [];
    for (const [e] of SENT) pushEvent(rows, e);
    const back = SENT.map((_, i) => eventAt(rows, i));
    expect(back).toEqual(SENT.map(([e]) => e));
    expect(Object.keys(back[0]!)).toContain('enrolment');
    expect(Object.keys(back[2]!)).not.toContain('enrolment');
    expect(Object.keys(back[2]!)).not.toContain('native');
    // JSON (node's IPC) keeps them: null stands for absent
    expect(JSON.parse(JSON.stringify(rows)).length).toBe(rows.length);
  });
});

describe('fleetsim serve --workers 2 --data-dir: outcomes over IPC', () => {
  let c: ClusterEndpoint | undefined;
  afterAll(async () => {
    await c?.close();
  });

  it("gives each event the owner's outcome, acknowledges all, and the journal rebuilds the same state", async () => {
    c = await startCluster({ workers: 2, httpPort: 0, dataDir: dir });
    const client = await mqtt.connectAsync(c.mqttUrl, { clientId: 'ipc-tester' });
    // QoS 1 one after the other: each PUBACK comes only once the owner answered
    for (const [e] of SENT) await client.publishAsync(statusTopic(e.deviceId, e.appId), JSON.stringify(e), { qos: 1 });
    await client.endAsync();
    const store = c.owner.store;
    const want = { accepted: 0, duplicate: 0, stale: 0 } as Record<string, number>;
    for (const [, o] of SENT) want[o]!++;
    expect(store.counters.accepted).toBe(want.accepted);
    expect(store.counters.duplicates).toBe(want.duplicate);
    expect(store.counters.stale).toBe(want.stale);
    expect(store.counters.reenrolments).toBe(1);
    const a = store.pair(APP, 'ipc-a')!;
    expect(a.enrolment).toBe(2);
    expect(a.seq).toBe(1);
    expect(a.history.map((h) => [h.seq, h.native])).toEqual([
      [1, 'apple:1'],
      [3, undefined],
      [1, undefined],
    ]);
    expect(store.pair(APP, 'ipc-b')?.state).toBe('oem_server_failed');
    const live = JSON.stringify([...store.allPairs()]);
    const tallies = JSON.stringify(store.appTallies(APP));
    await c.close();
    c = undefined;

    const again = await startEndpoint({ dataDir: dir, httpPort: 0, mqttPort: 0 });
    try {
      expect(JSON.stringify([...again.store.allPairs()])).toBe(live);
      expect(JSON.stringify(again.store.appTallies(APP))).toBe(tallies);
    } finally {
      await again.close();
    }
  });
});
