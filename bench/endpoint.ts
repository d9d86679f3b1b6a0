import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { allStates, PLATFORMS, type Platform } from '../protocol/catalogue/catalogue.js';
import { EVENT_SCHEMA_VERSION, type StatusEvent } from '../protocol/event.js';
import { statusTopic } from '../protocol/topics.js';
import { startRecord } from './method/output.js';
import { journalFlushes, serve, serveCpuUs, stats } from './endpoint-serve.js';

const require = createRequire(import.meta.url);
// autocannon ships no types; the few fields used here are spelt out below.
const autocannon = require('autocannon') as (
  opts: Record<string, unknown>,
) => Promise<{ requests: { total: number }; non2xx: number; errors: number; latency: { p50: number; p99: number } }>;

const WORKERS = 2;
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
  /** `--cases mqtt-qos1,mqtt-qos1-workers2`: only these (pairs of builds compared case by case). */
  const only = process.argv.includes('--cases')
    ? process.argv[process.argv.indexOf('--cases') + 1]!.split(',')
    : undefined;
  const done = startRecord('endpoint', {
    seconds,
    connections,
    mqttClients,
    how: `Ingestion by \`fleetsim serve\` alone (its own process): autocannon with one event per POST and 50 per POST, and mqtt.js publishers at QoS 1, each in memory and with --data-dir, 20,000 devices over the four platforms, nearly every event accepted; MQTT also against \`serve --workers ${WORKERS}\` (brokers in worker processes, events passed to the owner over IPC). CPU per event is the serve process's (with --workers: all its processes, and the owner's and the brokers' apart). Command: \`node dist/bench/endpoint.js --seconds 5\`.`,
  });
  const passes: Record<string, unknown>[] = [];
  for (const durable of [false, true]) {
    for (const kind of ['http-1', 'http-50', 'mqtt-qos1', `mqtt-qos1-workers${WORKERS}`] as const) {
      if (only && !only.includes(kind)) continue;
      const dir = durable ? mkdtempSync(join(tmpdir(), 'fleetsim-bench-')) : undefined;
      const workers = kind.endsWith(`workers${WORKERS}`) ? WORKERS : 0;
      const s = await serve(dir, workers);
      try {
        if (workers > 0) await new Promise((r) => setTimeout(r, 1_000)); // the brokers settle after forking
        const before = await stats(s.http);
        const cpu0 = serveCpuUs(s.child.pid!);
        const t0 = performance.now();
        const detail = kind.startsWith('mqtt')
          ? await mqttCase(s.mqtt, seconds, mqttClients, 32)
          : await httpCase(s.http, seconds, connections, kind === 'http-1' ? 1 : 50);
        const wall = (performance.now() - t0) / 1000;
        const cpu1 = serveCpuUs(s.child.pid!);
        const cpuUs = cpu1.owner + cpu1.brokers - cpu0.owner - cpu0.brokers;
        const after = await stats(s.http);
        const flushes = durable ? await journalFlushes(s.http) : 0;
        const accepted = after.accepted - before.accepted;
        const perEvent = (us: number) => Math.round((us / Math.max(1, accepted)) * 100) / 100;
        const out = {
          case: kind,
          durable,
          seconds: Math.round(wall * 10) / 10,
          accepted,
          eventsPerSec: Math.round(accepted / wall),
          endpointCpuUsPerEvent: perEvent(cpuUs),
          ...(workers > 0
            ? {
                ownerCpuUsPerEvent: perEvent(cpu1.owner - cpu0.owner),
                brokerCpuUsPerEvent: perEvent(cpu1.brokers - cpu0.brokers),
              }
            : {}),
          duplicates: after.duplicates + after.stale,
          rejected: after.rejected,
          ...(durable ? { fsyncs: flushes, eventsPerFsync: Math.round(accepted / Math.max(1, flushes)) } : {}),
          ...detail,
        };
        process.stderr.write(`${JSON.stringify(out)}
`);
        passes.push(out);
      } finally {
        if (s.child.exitCode === null) {
          const gone = new Promise((r) => s.child.once('exit', r));
          s.child.kill('SIGTERM');
          await gone;
        }
        if (dir) rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  done(
    passes,
    Object.fromEntries(
      passes.map((p) => [
        `${p.case}${p.durable ? ' --data-dir' : ''}`,
        {
          eventsPerSec: p.eventsPerSec,
          endpointCpuUsPerEvent: p.endpointCpuUsPerEvent,
          ...(p.ownerCpuUsPerEvent !== undefined
            ? { ownerCpuUsPerEvent: p.ownerCpuUsPerEvent, brokerCpuUsPerEvent: p.brokerCpuUsPerEvent }
            : {}),
        },
      ]),
    ),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exitCode = 1;
});
