/**
 * Ingestion throughput of `fleetsim serve`: events/s over HTTP (autocannon, one event per POST and
 * 50 per POST) and over MQTT (mqtt.js publishers, QoS 1), each in memory and with --data-dir.
 * The endpoint runs as its own process; the load comes from this one, on loopback, for a bounded
 * time. The event mix is realistic: 20,000 devices over the four platforms, every catalogue state,
 * seq increasing per device, so nearly every event is accepted (not a duplicate).
 *
 *   npm run build && node dist/bench/endpoint.js [--seconds 10] [--connections 64] [--mqtt-clients 64]
 *
 * Prints one JSON line per case and a Markdown table at the end.
 */
import { BenchError } from './bench-error.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { request } from 'undici';
import { allStates, PLATFORMS, type Platform } from '../protocol/catalogue/catalogue.js';
import { EVENT_SCHEMA_VERSION, type StatusEvent } from '../protocol/event.js';
import { statusTopic } from '../protocol/topics.js';
import { pidCpuUs } from './method/cpu.js';
import { startRecord } from './method/output.js';

const require = createRequire(import.meta.url);
// autocannon ships no types; the few fields used here are spelt out below.
const autocannon = require('autocannon') as (
  opts: Record<string, unknown>,
) => Promise<{ requests: { total: number }; non2xx: number; errors: number; latency: { p50: number; p99: number } }>;

const BIN = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'bin', 'fleetsim.js');
const DEVICES = 20_000;
const APP = 'com.acme.mail';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

const statesOf = new Map<Platform, { status: string; state: string }[]>();
for (const s of allStates())
  statesOf.set(s.platform, [...(statesOf.get(s.platform) ?? []), { status: s.status.id, state: s.state.id }]);

/** The i-th event of the mix: device i mod 20,000, seq i / 20,000 + 1 (offset per case so runs never collide). */
function eventAt(i: number, seqBase: number): StatusEvent {
  const d = i % DEVICES;
  const platform = PLATFORMS[d % PLATFORMS.length]!;
  const states = statesOf.get(platform)!;
  const s = states[(i * 7919) % states.length]!;
  const seq = seqBase + Math.floor(i / DEVICES) + 1;
  return {
    v: EVENT_SCHEMA_VERSION,
    deviceId: `${platform}-${String(d).padStart(6, '0')}`,
    platform,
    appId: APP,
    appVersion: '4.2.0',
    jobId: 'job-bench',
    seq,
    status: s.status,
    state: s.state,
    simTs: 1_767_600_000_000 + seq * 1000,
    wallTs: Date.now(),
  };
}

interface Served {
  child: ChildProcess;
  http: string;
  mqtt: string;
}

function serve(dataDir: string | undefined): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--mqtt-port',
      '0',
      '--http-port',
      '0',
      '--log-level',
      'info',
      ...(dataDir ? ['--data-dir', dataDir] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new BenchError(`serve exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const rec = JSON.parse(line) as { msg: string; http: string; mqtt: string };
      if (rec.msg === 'endpoint listening') resolve({ child, http: rec.http, mqtt: rec.mqtt });
    });
  });
}

async function stats(base: string): Promise<{ accepted: number; duplicates: number; stale: number; rejected: number }> {
  const res = await request(`${base}/v1/stats`);
  return (await res.body.json()) as { accepted: number; duplicates: number; stale: number; rejected: number };
}

async function journalFlushes(base: string): Promise<number> {
  const text = await (await request(`${base}/metrics`)).body.text();
  return Number(/^fleetsim_journal_flushes_total (\d+)/m.exec(text)?.[1] ?? 0);
}

async function httpCase(base: string, seconds: number, connections: number, batch: number) {
  let i = 0;
  const body = () => {
    if (batch === 1) return JSON.stringify(eventAt(i++, 0));
    const list: StatusEvent[] = [];
    for (let k = 0; k < batch; k++) list.push(eventAt(i++, 0));
    return JSON.stringify(list);
  };
  const r = await autocannon({
    url: base,
    connections,
    duration: seconds,
    pipelining: 1,
    requests: [
      {
        method: 'POST',
        path: '/v1/events',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: body() }),
      },
    ],
  });
  return { requests: r.requests.total, non2xx: r.non2xx, errors: r.errors, p50ms: r.latency.p50, p99ms: r.latency.p99 };
}

async function mqttCase(url: string, seconds: number, clients: number, window: number) {
  let i = 0;
  let acked = 0;
  const end = Date.now() + seconds * 1000;
  const conns = await Promise.all(
    Array.from({ length: clients }, (_, c) => mqtt.connectAsync(url, { clientId: `bench-${c}`, reconnectPeriod: 0 })),
  );
  await Promise.all(
    conns.map(
      (conn) =>
        new Promise<void>((done) => {
          let inFlight = 0;
          const pump = () => {
            while (inFlight < window && Date.now() < end) {
              const e = eventAt(i++, 1_000_000);
              inFlight++;
              conn.publish(statusTopic(e.deviceId, e.appId), JSON.stringify(e), { qos: 1 }, () => {
                inFlight--;
                acked++;
                pump();
              });
            }
            if (inFlight === 0) done();
          };
          pump();
        }),
    ),
  );
  await Promise.all(conns.map((c) => c.endAsync()));
  return { acked };
}

async function main(): Promise<void> {
  const seconds = arg('seconds', 10);
  const connections = arg('connections', 64);
  const mqttClients = arg('mqtt-clients', 64);
  const done = startRecord('endpoint', {
    seconds,
    connections,
    mqttClients,
    how: "Ingestion by `fleetsim serve` alone (its own process): autocannon with one event per POST and 50 per POST, and mqtt.js publishers at QoS 1, each in memory and with --data-dir, 20,000 devices over the four platforms, nearly every event accepted. CPU per event is the serve process's. Command: `node dist/bench/endpoint.js --seconds 5`.",
  });
  const passes: Record<string, unknown>[] = [];
  for (const durable of [false, true]) {
    for (const kind of ['http-1', 'http-50', 'mqtt-qos1'] as const) {
      const dir = durable ? mkdtempSync(join(tmpdir(), 'fleetsim-bench-')) : undefined;
      const s = await serve(dir);
      try {
        const before = await stats(s.http);
        const cpu0 = pidCpuUs(s.child.pid!);
        const t0 = performance.now();
        const detail =
          kind === 'mqtt-qos1'
            ? await mqttCase(s.mqtt, seconds, mqttClients, 32)
            : await httpCase(s.http, seconds, connections, kind === 'http-1' ? 1 : 50);
        const wall = (performance.now() - t0) / 1000;
        const cpuUs = pidCpuUs(s.child.pid!) - cpu0;
        const after = await stats(s.http);
        const flushes = durable ? await journalFlushes(s.http) : 0;
        const accepted = after.accepted - before.accepted;
        const out = {
          case: kind,
          durable,
          seconds: Math.round(wall * 10) / 10,
          accepted,
          eventsPerSec: Math.round(accepted / wall),
          endpointCpuUsPerEvent: Math.round((cpuUs / Math.max(1, accepted)) * 100) / 100,
          duplicates: after.duplicates + after.stale,
          rejected: after.rejected,
          ...(durable ? { fsyncs: flushes, eventsPerFsync: Math.round(accepted / Math.max(1, flushes)) } : {}),
          ...detail,
        };
        process.stderr.write(`${JSON.stringify(out)}
`);
        passes.push(out);
      } finally {
        s.child.kill('SIGTERM');
        await new Promise((r) => s.child.once('exit', r));
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  done(
    passes,
    Object.fromEntries(
      passes.map((p) => [
        `${p.case}${p.durable ? ' --data-dir' : ''}`,
        { eventsPerSec: p.eventsPerSec, endpointCpuUsPerEvent: p.endpointCpuUsPerEvent },
      ]),
    ),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
