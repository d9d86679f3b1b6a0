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
import { runWithWorkers } from '../run/workers.js';
import { renderHtml } from '../reports/html.js';
import { writeTemp } from './helpers.js';
import { systemClock } from '../core/clock.js';
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

  /**
   * The drop strikes at 600 ms, or once the proxy has passed as many reports as there are
   * devices, whichever is later. On a
   * loaded machine the devices can still be connecting at 600 ms (the silence then swallows their
   * CONNECTs, and what they send after the reset is a first copy, not a resend: 0 DUP twice at
   * load 16-20); from then on the devices are sending with most of their events left, so
   * the silence swallows reports written into it, deterministically. The fault's clock still
   * starts with the drive: a late strike is the late timer a loaded machine gives anyway.
   */
  function strikeWhenSending(n: NetworkRun, devices: number): void {
    const start = n.faults.start.bind(n.faults);
    n.faults.start = (t0 = systemClock.now()) => {
      const ready = () => n.proxy!.counters().publishes >= devices;
      const poll = () => (ready() ? start(t0) : setTimeout(poll, 5));
      poll();
    };
  }

  async function run(qos: 0 | 1, clean: boolean) {
    let net: NetworkRun | undefined;
    const ep = await consumerStore(`qos${qos}`);
    const s = parseScenario(scenario(qos, clean), `qos${qos}.yaml`);
    const result = await runScenario(s, {
      scenarioFile: `qos${qos}.yaml`,
      target: broker.url,
      talliesUrl: ep.httpUrl,
      onNetwork: (n) => {
        net = n;
        strikeWhenSending(n, 80);
      },
    });
    const figures = await net!.faults.stop();
    return { result, wire: net!.proxy!.counters(), ep, strike: figures[0]!.strikes[0] };
  }

  it('QoS 1 with persistent sessions: the swallowed reports are resent with DUP and the run reconciles exactly', async () => {
    const { result, wire, strike } = await run(1, false);
    const line = result.faults![0]!;
    // it struck while the devices were connected and sending
    expect(strike!.open.size).toBeGreaterThan(0);
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
      // sent while the link was silent, or on it before it went silent and still in flight then
      // (on a quiet machine one was sent at 594 ms, the silence starting at 600 ms): the fault's
      // doing either way, which the event names
      expect(e.faults).toEqual(['dying-link']);
    }
    // the time-based note: every difference began with an event sent in the fault's window
    expect(line.note).toMatch(/began with an event sent in its window/);
  });

  it('QoS 0 with --workers 2: each worker compares its own devices, and the report lists what the consumer lacks', async () => {
    const ep = await consumerStore('workers');
    const file = writeTemp('qos0-workers.yaml', scenario(0, true));
    const result = await runWithWorkers(
      parseScenario(scenario(0, true), file),
      { scenarioFile: file, target: broker.url, talliesUrl: ep.httpUrl },
      2,
    );
    const l = result.lostEvents!;
    expect(l).toBeDefined();
    // one pass over every connection, made by each worker's proxy: the fleet's one pass
    expect(result.faults![0]!.injected.struck).toBe(1);
    // both workers' devices, all compared
    expect(l.pairsChecked).toBe(80);
    expect(l.pairsNotChecked).toBe(0);
    expect(ep.store.counters).toMatchObject({ duplicates: 0, stale: 0 });
    expect(l.lost).toBe(result.events.sent - ep.store.counters.accepted);
    expect(l.events).toHaveLength(l.lost);
    for (const e of l.events) {
      const history = ep.store.pair(e.appId, e.deviceId)?.history ?? [];
      expect(history.some((h) => h.seq === e.seq)).toBe(false);
      expect(e.faults).toEqual(['dying-link']);
    }
    // report.html lists them too
    const html = renderHtml(result);
    expect(html).toContain('<h3>Lost events</h3>');
    expect(html).toContain(`${l.events[0]!.deviceId} ${l.events[0]!.appId} #${l.events[0]!.seq}`);
    // the parent, which has no sent log, finds where each difference began in the workers' lists
    expect(result.faults![0]!.note).toMatch(/began with an event sent in its window/);
    // listed in the order sent
    const sent = l.events.map((e) => e.sentAtMs);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
  });
});
