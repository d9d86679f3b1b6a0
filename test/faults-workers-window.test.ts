/**
 * With --workers, an event fault's "only in this fault's window" note is as exact as in one
 * process: each worker says where its own devices' differences began (from its sent log, judged
 * against its fault windows) and the parent makes the note from that. The user's side here is a
 * consumer of mosquitto with a freshness cut-off (it drops a report older than 700 ms when it
 * arrives, a real ingestion bug), so the reports a `delay` fault holds back 1.5 s are dropped and the
 * delayed devices' last states differ; no other device's do.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { systemClock } from '../core/clock.js';
import { runWithWorkers } from '../run/workers.js';
import { haveMosquitto, startMosquitto, type TestMosquitto } from './helpers/mosquitto.js';
import { writeTemp } from './helpers.js';

const SCENARIO = `
name: workers-delay-window
seed: 21
transport: mqtt
qos: 1
timeScale: asap
maxInFlight: 32
load: { rate: 300 }
apps:
  - { id: com.acme.mail, name: Acme Mail, version: 4.2.0, platforms: [android] }
cohorts:
  - { name: late, platform: android, count: 20 }
  - { name: prompt, platform: android, count: 40, idPrefix: prompt }
faults:
  - { kind: delay, name: held-back, cohort: late, latency: 1500ms }
`;

describe.skipIf(!haveMosquitto && !process.env.CI)('the window note of an event fault with --workers', () => {
  let broker: TestMosquitto;
  const opened: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    for (const o of opened.reverse()) await o.close();
    await broker?.stop();
  });

  /** A consumer that drops a report made more than 700 ms before it arrives. */
  async function freshOnlyStore(): Promise<{ ep: Endpoint; dropped: () => number }> {
    const ep = await startEndpoint();
    opened.push(ep);
    const open = ep.sink.open(undefined);
    if (!open.ok) throw new Error(open.reason);
    const consumer = await mqtt.connectAsync(broker.url, { clientId: `fww-${process.pid}`, reconnectPeriod: 0 });
    opened.push({ close: () => consumer.endAsync(true) });
    await consumer.subscribeAsync('devices/+/apps/+/status', { qos: 1 });
    let dropped = 0;
    consumer.on('message', (_t, payload) => {
      const { wallTs } = JSON.parse(payload.toString()) as { wallTs: number };
      if (systemClock.now() - wallTs > 700) dropped++;
      else open.session.submit(payload, () => undefined);
    });
    return { ep, dropped: () => dropped };
  }

  it('says every difference began with an event sent in the fault window, not that it was not recorded', async () => {
    const { ep, dropped } = await freshOnlyStore();
    const file = writeTemp('workers-delay-window.yaml', SCENARIO);
    const result = await runWithWorkers(
      parseScenario(SCENARIO, file),
      { scenarioFile: file, target: broker.url, talliesUrl: ep.httpUrl },
      2,
    );
    expect(result.parts).toBe(2);
    expect(dropped()).toBeGreaterThan(0);
    const fault = result.faults![0]!;
    expect(fault.injected.delayed).toBeGreaterThanOrEqual(dropped());
    expect(result.reconciliation).toMatchObject({ checked: true, match: false });
    const diffs = result.reconciliation.devices!.differences;
    expect(diffs.length).toBeGreaterThan(0);
    for (const d of diffs) expect(d.deviceId).toMatch(/^android-/);
    // each worker said where its own differences began
    expect(result.differenceStarts).toHaveLength(diffs.length);
    for (const row of result.differenceStarts!) expect(row.began?.inWindow).toEqual(['held-back']);
    expect(fault.note).toBe(
      `every difference (${new Set(diffs.map((d) => d.deviceId)).size} devices) is on a device this fault struck and began with an event sent in its window`,
    );
  });
});
