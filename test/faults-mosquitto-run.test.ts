/**
 * A whole run against mosquitto (max_queued_messages 0), a broker fleetsim does not own, with a
 * connection-drop whose link goes silent before the reset. The user's side is a consumer that
 * subscribes to mosquitto and ingests into a tally store with fleetsim's API (read back with
 * --tallies-url). With QoS 1 and persistent sessions the devices resend what the silent link
 * swallowed and the run reconciles exactly; with QoS 0 those reports are gone, the run does not
 * reconcile, and the report names each device whose last reports were lost, all of them struck.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import type { NetworkRun } from '../run/network-step.js';
import { runScenario } from '../run/run-scenario.js';
import { haveMosquitto, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';

const scenario = (qos: 0 | 1, clean: boolean) => `
name: mosquitto-dying-link-qos${qos}
seed: 9
transport: mqtt
qos: ${qos}
timeScale: asap
maxInFlight: 32
load: { rate: 300, mqtt: { cleanSession: ${clean} } }
apps:
  - { id: com.acme.mail, name: Acme Mail, version: 4.2.0, platforms: [android] }
cohorts:
  - { name: field, platform: android, count: 80 }
faults:
  - { kind: connection-drop, name: dying-link, at: 600ms, silentFor: 900ms }
`;

describe.skipIf(!haveMosquitto && !process.env.CI)('a connection drop in a run against mosquitto', () => {
  let broker: TestMosquitto;
  const opened: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    for (const o of opened.reverse()) await o.close();
    await broker?.stop();
  });

  /** The user's side, fresh for each run: a consumer of mosquitto ingesting into a tally store. */
  async function consumerStore(name: string): Promise<Endpoint> {
    const ep = await startEndpoint();
    opened.push(ep);
    const open = ep.sink.open(undefined);
    if (!open.ok) throw new Error(open.reason);
    const consumer = await mqtt.connectAsync(broker.url, {
      clientId: `fmr-${name}-${process.pid}`,
      reconnectPeriod: 0,
    });
    opened.push({ close: () => consumer.endAsync(true) });
    await consumer.subscribeAsync('devices/+/apps/+/status', { qos: 1 });
    consumer.on('message', (_t, payload) => open.session.submit(payload, () => undefined));
    return ep;
  }

  async function run(qos: 0 | 1, clean: boolean) {
    let net: NetworkRun | undefined;
    const ep = await consumerStore(`qos${qos}`);
    const s = parseScenario(scenario(qos, clean), `qos${qos}.yaml`);
    const result = await runScenario(s, {
      scenarioFile: `qos${qos}.yaml`,
      target: broker.url,
      talliesUrl: ep.httpUrl,
      onNetwork: (n) => (net = n),
    });
    return { result, wire: net!.proxy!.counters(), ep };
  }

  it('QoS 1 with persistent sessions: the swallowed reports are resent with DUP and the run reconciles exactly', async () => {
    const { result, wire } = await run(1, false);
    const line = result.faults![0]!;
    expect(wire.blackholedBytes).toBeGreaterThan(0);
    expect(line.injected).toMatchObject({ blackholedBytes: wire.blackholedBytes, connectionsCut: wire.connectionsCut });
    expect(wire.dupPublishes).toBeGreaterThan(0);
    expect(line.injected.resentWithDup).toBe(wire.dupPublishes);
    expect(result.reconciliation.differences).toEqual([]);
    expect(line.exact).toBe(true);
    // nothing acknowledged is missing from the user's side, event by event
    expect(result.lostEvents).toMatchObject({ lost: 0, events: [], pairsNotChecked: 0 });
    expect(result.lostEvents!.pairsChecked).toBe(80);
  });

  it('QoS 0: the reports written into the silent link are lost, and the report lists every lost event', async () => {
    const { result, wire, ep } = await run(0, true);
    const line = result.faults![0]!;
    expect(wire.blackholedBytes).toBeGreaterThan(0);
    expect(wire.dupPublishes).toBe(0);
    expect(line.exact).toBe(false);
    const lost = result.reconciliation.devices!.differences;
    expect(lost.length).toBeGreaterThan(0);
    for (const d of lost) {
      expect(d.deviceId).toMatch(/^android-/);
      // the endpoint has an older report than the device's last one, or none: those after it were lost
      expect(d.counted === null || (d.counted.seq ?? 0) < d.expected!.seq).toBe(true);
    }
    // every event sent and never taken in, not only those that change a final state: as many as
    // the consumer's store lacks (QoS 0 sends nothing twice), each one absent from its history
    const l = result.lostEvents!;
    expect(l.pairsChecked).toBe(80);
    expect(ep.store.counters).toMatchObject({ duplicates: 0, stale: 0 });
    expect(l.lost).toBe(result.events.sent - ep.store.counters.accepted);
    expect(l.lost).toBeGreaterThan(lost.length);
    expect(l.events).toHaveLength(l.lost);
    for (const e of l.events) {
      const history = ep.store.pair(e.appId, e.deviceId)?.history ?? [];
      expect(history.some((h) => h.seq === e.seq)).toBe(false);
      // sent while the link was silent: the fault's window, which the event names. A report
      // written a moment before the link went silent is lost in transit too, and is listed
      // without a fault (on a quiet machine: sent at 594 ms, the window opening at 600 ms)
      if (e.faults === undefined) {
        expect(e.sentAtMs).toBeLessThan(600);
        expect(e.sentAtMs).toBeGreaterThan(600 - 100);
      } else expect(e.faults).toEqual(['dying-link']);
    }
    // the time-based note: every difference began with an event sent in the fault's window
    expect(line.note).toMatch(/began with an event sent in its window/);
  });
});
