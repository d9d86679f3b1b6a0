/**
 * Reconnects and outages, reported: the outage log the transports feed (pure, on a ManualClock),
 * the lean MQTT and the HTTP transport across a real `fleetsim serve --data-dir` killed with
 * SIGKILL and started again (devices are counted down while it is away, and progress says so),
 * and a whole `fleetsim run` across the endpoint's kill -9, whose report.json, terminal summary,
 * summary.md, report.html and junit.xml all say when the outage was, how long, how many devices
 * it struck, how many reconnected and what was sent again.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { progressLines } from '../cli/progress.js';
import { ManualClock, systemClock } from '../core/clock.js';
import { connectivityOf, joinOutages, mergeConnectivity, outagesDuring } from '../result/connectivity.js';
import { startEndpointProcess, type EndpointProcess } from '../run/endpoint-process.js';
import type { LiveState } from '../run/run-options.js';
import { HttpTransport } from '../transport/http/http.js';
import { LeanMqttTransport } from '../transport/mqtt-lean/lean.js';
import { MqttTransport } from '../transport/mqtt/mqtt.js';
import { OutageLog } from '../transport/outages.js';
import { emptyStats, type Transport } from '../transport/types.js';
import { fleetsimAsync } from './helpers/cli-async.js';
import { APP, eventOf, send, until } from './helpers/fault-events.js';

describe('the outage log', () => {
  it('one outage from the first device down to the last one back; a new one after', () => {
    const clock = new ManualClock(1_000);
    const log = new OutageLog(() => clock.now());
    log.up('a'); // never down: nothing
    log.down('a');
    clock.advance(100);
    log.down('b');
    log.down('b'); // a failed reconnect attempt: still the same down
    clock.advance(400);
    log.up('a');
    expect(log.downNow()).toBe(1);
    log.resent(3);
    clock.advance(500);
    log.up('b');
    log.resent(2); // resends that follow the last reconnect belong to it
    expect(log.downNow()).toBe(0);
    clock.advance(1_000);
    log.down('c');
    clock.advance(250);
    expect(log.openForMs()).toBe(250);
    expect(log.outages()).toEqual([
      { from: 1_000, to: 2_000, devices: 2, reconnects: 2, resent: 5, longestDownMs: 900 },
      { from: 3_000, to: 3_250, devices: 1, reconnects: 0, resent: 0, longestDownMs: 250, stillDown: 1 },
    ]);
    log.gone('c');
    expect(log.outages()[1]).toEqual({
      from: 3_000,
      to: 3_250,
      devices: 1,
      reconnects: 0,
      resent: 0,
      longestDownMs: 250,
      stillDown: 1,
    });
    expect(connectivityOf({ ...emptyStats(), reconnects: 2, outages: log.outages() })?.outages).toHaveLength(2);
    expect(connectivityOf(emptyStats())).toBeUndefined();
  });

  it('parts of a split run: one broker outage seen by several workers is one outage', () => {
    const o = (from: number, to: number, devices: number) => ({
      from,
      to,
      devices,
      reconnects: devices,
      resent: 1,
      longestDownMs: to - from,
    });
    expect(joinOutages([o(5_000, 6_000, 1), o(1_000, 3_000, 2), o(2_000, 4_000, 3)])).toEqual([
      { from: 1_000, to: 4_000, devices: 5, reconnects: 5, resent: 2, longestDownMs: 2_000 },
      o(5_000, 6_000, 1),
    ]);
    const merged = mergeConnectivity([
      { reconnects: 2, outages: [o(1_000, 3_000, 2)] },
      undefined,
      { reconnects: 3, sessionsResumed: 3, outages: [o(2_000, 4_000, 3)] },
    ]);
    // a fault's window picks the outages it overlaps
    expect(outagesDuring(merged, 4_500, 5_500)).toEqual([]);
    expect(outagesDuring(merged, 3_500, 3_600)).toHaveLength(1);
    expect(merged).toEqual({
      reconnects: 5,
      sessionsResumed: 3,
      outages: [{ from: 1_000, to: 4_000, devices: 5, reconnects: 5, resent: 2, longestDownMs: 2_000 }],
    });
  });
});

/** What progress shows while the transport's devices are down. */
function progressOf(t: Transport): string {
  const s = t.stats();
  const live: LiveState = {
    offered: 0,
    sent: 0,
    retried: 0,
    acked: 0,
    failed: 0,
    connections: t.connections(),
    devicesOnline: 0,
    devicesDone: 0,
    devicesTotal: 5,
    installsDone: 0,
    installsTotal: 5,
    remaining: 5,
    elapsedMs: 1_000,
    simElapsedMs: 0,
    p99Ms: 0,
    ...(s.devicesDown ? { devicesDown: s.devicesDown, downForMs: 1_000 } : {}),
  };
  return progressLines(live, 0).join('\n');
}

let ep: EndpointProcess | undefined;
let t: Transport | undefined;
afterEach(async () => {
  await t?.close();
  await ep?.close();
  t = undefined;
  ep = undefined;
});

const DEVICES = ['oc-1', 'oc-2', 'oc-3', 'oc-4', 'oc-5'];

describe('transports across a SIGKILLed serve --data-dir', () => {
  const clients = {
    lean: (url: string) => new LeanMqttTransport({ url, qos: 1, reconnect: { baseMs: 50, maxMs: 200 } }),
    'mqtt.js': (url: string) => new MqttTransport({ url, qos: 1, reconnect: { baseMs: 50, maxMs: 200 } }),
  };
  it.each(Object.keys(clients) as (keyof typeof clients)[])(
    'MQTT (%s): devices down while it is away (not counted as connected), back after, one outage',
    async (client) => {
      ep = await startEndpointProcess({ clock: systemClock });
      const lean = clients[client](ep.mqttUrl);
      t = lean;
      expect(await Promise.all(DEVICES.map((d) => send(lean, d)))).toEqual(new Array(5).fill(undefined));
      expect(lean.connections()).toBe(5);
      const restart = ep.restart(1_500);
      await until('every device seen down', () => lean.stats().devicesDown === 5);
      expect(lean.connections()).toBe(0);
      expect(progressOf(lean)).toMatch(/OFFLINE 5 for /);
      const figures = await restart;
      // sent while it is away: each waits for its device's reconnect
      expect(await Promise.all(DEVICES.map((d) => send(lean, d)))).toEqual(new Array(5).fill(undefined));
      await until('every device back', () => lean.stats().devicesDown === 0);
      const s = lean.stats();
      expect(s.outages).toHaveLength(1);
      const o = s.outages![0]!;
      expect(o).toMatchObject({ devices: 5, reconnects: 5 });
      expect(o.stillDown).toBeUndefined();
      expect(o.from).toBeGreaterThanOrEqual(figures.killedAt);
      expect(o.to).toBeGreaterThanOrEqual(figures.upAt);
      expect(o.longestDownMs).toBeGreaterThanOrEqual(figures.upAt - figures.killedAt - 1_000);
      expect(progressOf(lean)).not.toMatch(/OFFLINE/);
      for (const d of DEVICES) lean.deviceDone(d);
    },
  );

  it.each(Object.keys(clients) as (keyof typeof clients)[])(
    'MQTT (%s): an event that straddled the restart is no latency sample for flow control (NaN), one sent after is',
    async (client) => {
      ep = await startEndpointProcess({ clock: systemClock });
      const lean = clients[client](ep.mqttUrl);
      t = lean;
      const sendQueued = (d: string) =>
        new Promise<{ err: Error | undefined; queuedMs: number | undefined }>((r) =>
          lean.send(d, APP, eventOf(d), (err, queuedMs) => r({ err, queuedMs })),
        );
      const first = await Promise.all(DEVICES.map(sendQueued));
      // the first connection's handshake is subtracted, not dropped
      for (const f of first) expect(Number.isFinite(f.queuedMs ?? 0)).toBe(true);
      const restart = ep.restart(1_000);
      await until('every device seen down', () => lean.stats().devicesDown === 5);
      const during = DEVICES.map(sendQueued);
      await restart;
      for (const d of await Promise.all(during)) {
        expect(d.err).toBeUndefined();
        expect(d.queuedMs).toBeNaN();
      }
      for (const d of await Promise.all(DEVICES.map(sendQueued))) {
        expect(d.err).toBeUndefined();
        // the lean client says it waited for no handshake; mqtt.js says nothing: both are samples
        expect(d.queuedMs ?? 0).toBe(0);
      }
      for (const d of DEVICES) lean.deviceDone(d);
    },
  );

  it('HTTP: a device that finds it unreachable is down until answered; its retries are the resent', async () => {
    ep = await startEndpointProcess({ clock: systemClock });
    const http = new HttpTransport({
      url: ep.httpUrl,
      connections: 4,
      // a restart on a loaded machine can take seconds: a device keeps its report while refused
      retryWhileOffline: true,
      maxRetries: 1_000,
      retryBackoff: { baseMs: 50, maxMs: 200 },
    });
    t = http;
    expect(await Promise.all(DEVICES.map((d) => send(http, d)))).toEqual(new Array(5).fill(undefined));
    const restart = ep.restart(1_500);
    // sent while it is away: refused connections, retried until it is back
    const during = DEVICES.map((d) => send(http, d));
    await until('every device seen down', () => http.stats().devicesDown === 5);
    expect(progressOf(http)).toMatch(/OFFLINE 5 for /);
    const figures = await restart;
    expect((await Promise.all(during)).map((e) => e?.message)).toEqual(new Array(5).fill(undefined));
    const s = http.stats();
    expect(s.devicesDown).toBe(0);
    expect(s.outages).toHaveLength(1);
    const o = s.outages![0]!;
    expect(o).toMatchObject({ devices: 5, reconnects: 5 });
    expect(o.resent).toBeGreaterThanOrEqual(5);
    expect(o.from).toBeGreaterThanOrEqual(figures.killedAt);
    expect(o.to).toBeGreaterThanOrEqual(figures.upAt);
  });
});

describe('fleetsim run across the endpoint kill -9', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('every rendering says the outage: when, how long, devices down, reconnects, events resent', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fleetsim-outage-'));
    dirs.push(out);
    const r = await fleetsimAsync(['run', 'scenarios/faults/endpoint-restart.yaml', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const c = report.connectivity;
    expect(c.reconnects).toBeGreaterThan(0);
    expect(c.outages.length).toBeGreaterThanOrEqual(1);
    const o = c.outages[0];
    // the kill is 1.5 s into the drive: the outage starts after the first send and lasts
    expect(o.from).toBeGreaterThan(report.window.firstSendAt);
    expect(o.to).toBeGreaterThan(o.from);
    expect(o.devices).toBeGreaterThan(0);
    expect(o.reconnects).toBeGreaterThan(0);
    expect(o.longestDownMs).toBeGreaterThan(0);
    expect(r.stdout).toMatch(
      /The devices lost their link to the target in \d+ outages? \(at \+\d+\.\d s for \d+\.\d s/,
    );
    expect(r.stdout).toMatch(/outage\s+from\s+to\s+lasted\s+devices down\s+reconnected\s+events resent/);
    const md = readFileSync(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('## Connectivity');
    expect(md).toMatch(/\| 1 \| \+\d+\.\d s \| \+\d+\.\d s \|/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<h2>Connectivity</h2>');
    const junit = readFileSync(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<property name="connectivity" value="The devices lost their link/);
    expect(junit).toMatch(/<property name="connectivity.outage.1" value="outage 1, from \+/);
  });
});
