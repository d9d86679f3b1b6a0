/**
 * Network faults scoped to a cohort where the fault proxy cannot read a client id: MQTT over
 * WebSocket (both clients), and HTTP, whose struck devices get a keep-alive pool of their own.
 * The devices' transport claims each socket's source port as the device's (or its group's), so
 * the proxy strikes exactly the cohort. Counted at the endpoint, independently of fleetsim: the
 * cohort's devices connect again after the cut, the others once; over HTTP nothing of the
 * cohort is accepted while its partition is on, while the rest goes on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PortOwnerMap } from '../transport/fault-proxy/port-owners.js';
import { FaultProxy } from '../transport/fault-proxy/proxy.js';
import { LeanMqttTransport } from '../transport/mqtt-lean/lean.js';
import { MqttTransport } from '../transport/mqtt/mqtt.js';
import { APP, send, until } from './helpers/fault-events.js';
import { selfSignedCert } from './helpers/tls-cert.js';
import { parseScenario } from '../agent/scenario/load.js';
import { startEndpoint } from '../broker/endpoint.js';
import type { NetworkRun } from '../run/network-step.js';
import { runScenario } from '../run/run-scenario.js';

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const e of opened.splice(0).reverse()) await e.close();
});

const yaml = (transport: string, client: string, fault: string) => `
name: scoped-${transport}
seed: 21
transport: ${transport}
qos: 1
timeScale: asap
maxInFlight: 32
load: { rate: 300, window: fixed${client ? `, mqtt: { client: ${client} }` : ''} }
apps:
  - { id: com.acme.mail, name: Acme Mail, version: 4.2.0, platforms: [android] }
cohorts:
  - { name: field, platform: android, count: 30 }
  - { name: office, platform: android, count: 30, idPrefix: office }
faults:
  - ${fault}
`;

describe('a cohort struck where no client id can be read', () => {
  it.each(['lean', 'mqtt.js'])('MQTT over WebSocket (%s): the cut reaches the cohort only', async (client) => {
    const ep = await startEndpoint();
    opened.push(ep);
    const connects = new Map<string, number>();
    ep.broker.on('client', (c) => connects.set(c.id, (connects.get(c.id) ?? 0) + 1));
    let net: NetworkRun | undefined;
    const s = parseScenario(
      yaml('mqtt', client, '{ kind: connection-drop, name: cut-field, cohort: field, at: 200ms, for: 400ms }'),
      'ws.yaml',
    );
    const r = await runScenario(s, {
      scenarioFile: 'ws.yaml',
      target: ep.wsUrl!,
      talliesUrl: ep.httpUrl,
      onNetwork: (n) => (net = n),
    });
    const line = r.faults![0]!;
    expect(line.injected.connectionsCut).toBeGreaterThan(0);
    expect(line.injected.connectionsCut).toBe(net!.proxy!.counters().connectionsCut);
    // at the endpoint: only field devices came back after a cut, no office device did
    const again = [...connects].filter(([, n]) => n > 1).map(([id]) => id);
    expect(again.length).toBeGreaterThan(0);
    for (const id of again) expect(id).toMatch(/^android-/);
    // on the proxy's wire: one connection per device, the preflight's, and one per reconnect,
    // every one of them after this fault's cuts (a device cut before its first CONNECT reached
    // the broker comes back as its first session there)
    expect(net!.proxy!.counters().accepted).toBe(60 + 1 + line.injected.reconnects!);
    expect(line.injected.reconnects).toBeGreaterThanOrEqual(again.length);
    expect(r.reconciliation.differences).toEqual([]);
    expect(r.events.acked).toBe(r.events.sent);
  });

  it("HTTP: the cohort's own keep-alive pool is partitioned, the rest keeps sending, the tallies are exact", async () => {
    const ep = await startEndpoint();
    opened.push(ep);
    const window: { open?: number; close?: number } = {};
    const mark = (_o: object, msg?: string) => {
      if (msg === 'fault window opens') window.open = Date.now();
      if (msg === 'fault window closes') window.close ??= Date.now();
    };
    const s = parseScenario(
      yaml('http', '', '{ kind: partition, name: field-offline, cohort: field, at: 300ms, for: 1200ms }'),
      'http.yaml',
    );
    const r = await runScenario(s, {
      scenarioFile: 'http.yaml',
      target: ep.httpUrl,
      talliesUrl: ep.httpUrl,
      logger: { info: mark, warn: () => undefined, debug: () => undefined },
    });
    const line = r.faults![0]!;
    expect(line.injected.refusedConnects).toBeGreaterThan(0);
    expect(window.open).toBeDefined();
    expect(window.close).toBeDefined();
    // what the endpoint accepted while the partition was on (well inside its window)
    const during = (prefix: string) => {
      let n = 0;
      for (const p of ep.store.devicesOf('com.acme.mail') ?? [])
        if (p.deviceId.startsWith(prefix))
          for (const h of p.history) if (h.receivedAt > window.open! + 100 && h.receivedAt < window.close! - 100) n++;
      return n;
    };
    expect(during('android-')).toBe(0);
    expect(during('office-')).toBeGreaterThan(0);
    expect(r.reconciliation.differences).toEqual([]);
    expect(r.events.acked).toBe(r.events.sent);
  });

  it.each(['lean', 'mqtt.js'])('MQTT over TLS (%s): a cut by device id reaches that device only', async (client) => {
    const dir = mkdtempSync(join(tmpdir(), 'fleetsim-scoped-'));
    opened.push({ close: async () => rmSync(dir, { recursive: true, force: true }) });
    const ep = await startEndpoint({ tls: selfSignedCert(dir), websocket: false });
    opened.push(ep);
    const u = new URL(ep.mqttUrl);
    expect(u.protocol).toBe('mqtts:');
    const owners = new PortOwnerMap();
    const proxy = await FaultProxy.start({ target: { host: u.hostname, port: Number(u.port) }, owners });
    opened.push(proxy);
    const options = {
      url: proxy.urlFor(ep.mqttUrl),
      qos: 1 as const,
      insecureTls: true,
      reconnect: { baseMs: 20, maxMs: 60 },
      portOwners: owners,
    };
    const t = client === 'lean' ? new LeanMqttTransport(options) : new MqttTransport(options);
    opened.push(t);
    const [da, db] = [`tls-${client}-a`, `tls-${client}-b`];
    const connects = new Map<string, number>();
    ep.broker.on('client', (c) => connects.set(c.id, (connects.get(c.id) ?? 0) + 1));
    expect(await Promise.all([da, db].map((d) => send(t, d)))).toEqual([undefined, undefined]);
    expect(proxy.cut({ ids: new Set([da]) }, 4)).toEqual([da]);
    expect(await send(t, da)).toBeUndefined();
    expect(await send(t, db)).toBeUndefined();
    await until('the reconnect counted', () => (proxy.byCause().get(4)?.reconnects ?? 0) === 1);
    // at the endpoint: the cut device connected twice, the other once
    expect(Object.fromEntries(connects)).toEqual({ [da]: 2, [db]: 1 });
    expect(ep.store.pair(APP, da)?.seq).toBe(2);
    for (const d of [da, db]) t.deviceDone(d);
  });
});
