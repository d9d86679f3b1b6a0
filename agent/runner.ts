/**
 * Runs one scenario end to end: starts the embedded endpoint (unless a target is given), builds
 * the fleet, drives it through the transport, reads the endpoint's tallies and reconciles them
 * with device ground truth, and returns the result.
 */
import { hostname, cpus } from 'node:os';
import { request } from 'undici';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { TargetUnreachableError, UsageError } from '../protocol/errors.js';
import type { AppTallies } from '../protocol/tally.js';
import { talliesPath } from '../protocol/topics.js';
import { coverageOf } from './coverage.js';
import { buildFleet } from './fleet.js';
import { RunMetrics, summarise } from './metrics.js';
import { expectedTallies, reconcile, type Reconciliation } from './reconcile.js';
import { RESULT_SCHEMA, type RunResult } from './result.js';
import { drive, realClock, type RunClock } from './run.js';
import type { Scenario } from './scenario/schema.js';
import { Simulator, type Emitted } from './sim.js';
import { createTransport, type TransportFlags } from './transport/create.js';
import { deferredReconciliation, driveLoadOptions } from './scale.js';
import type { Transport } from './transport/types.js';

export interface RunOptions {
  scenarioFile: string;
  transport?: 'mqtt' | 'http';
  devices?: number;
  seed?: number | string;
  /** mqtt://host:port or http://host:port of an external endpoint. */
  target?: string;
  /** Where to read tallies from for an external target (defaults to the target when it is HTTP). */
  talliesUrl?: string;
  clock?: RunClock;
  onSend?: (e: Emitted) => void;
  /** Called once the endpoint is up, before devices start (tests use it to plant faults). */
  onEndpoint?: (endpoint: Endpoint) => void;
  /** Progress hook: called with the live simulator and metrics about twice a second. */
  onTick?: (state: { sim: Simulator; sent: number; acked: number; failed: number; connections: number }) => void;
  // --- scale (issue 6) ---
  /** Run only shard `index` of `count` (devices whose fleet index % count === index). */
  shard?: { index: number; count: number };
  /** Do not read the endpoint's tallies: the result carries the expected tallies for a later
   * merge to reconcile once (shards, workers). */
  deferReconcile?: boolean;
  /** Transport tuning from the command line (overrides the scenario's `load`). */
  transportFlags?: TransportFlags;
  /** Overrides the scenario's maxInFlight. */
  maxInFlight?: number;
  // --- end scale ---
}

const VERSION = '0.1.0';

async function fetchTallies(baseUrl: string, appIds: string[]): Promise<AppTallies[]> {
  const out: AppTallies[] = [];
  for (const id of appIds) {
    const res = await request(new URL(talliesPath(id), baseUrl));
    if (res.statusCode !== 200) {
      const body = await res.body.text();
      throw new Error(`GET ${talliesPath(id)} answered ${res.statusCode}: ${body.slice(0, 200)}`);
    }
    out.push((await res.body.json()) as AppTallies);
  }
  return out;
}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunResult> {
  const transportKind = opts.transport ?? scenario.transport;
  const seed = opts.seed ?? scenario.seed;
  const startedAt = new Date();
  const clock = opts.clock ?? realClock;

  let endpoint: Endpoint | undefined;
  let targetUrl: string;
  let talliesUrl: string | undefined;
  if (opts.target) {
    const u = safeUrl(opts.target);
    const want = transportKind === 'mqtt' ? ['mqtt:', 'tcp:'] : ['http:'];
    if (!want.includes(u.protocol)) {
      throw new UsageError(`--target ${opts.target} does not fit --transport ${transportKind}: expected a ${want[0]}// URL such as ${transportKind === 'mqtt' ? 'mqtt://127.0.0.1:1883' : 'http://127.0.0.1:8080'}.`);
    }
    targetUrl = opts.target;
    talliesUrl = opts.talliesUrl ?? (transportKind === 'http' ? u.origin : undefined);
  } else {
    endpoint = await startEndpoint();
    opts.onEndpoint?.(endpoint);
    targetUrl = transportKind === 'mqtt' ? endpoint.mqttUrl : endpoint.httpUrl;
    talliesUrl = endpoint.httpUrl;
  }

  const transport: Transport = createTransport(transportKind, targetUrl, scenario, opts.transportFlags);

  try {
    await transport.preflight();
    const fleet = buildFleet(scenario, {
      seed,
      ...(opts.devices !== undefined ? { devices: opts.devices } : {}),
      ...(opts.shard ? { shard: opts.shard } : {}),
    });
    const simStartMs = Date.parse(scenario.startTime);
    const sim = new Simulator(fleet, { startMs: simStartMs, seed });

    const metrics = new RunMetrics();
    let tick: NodeJS.Timeout | undefined;
    if (opts.onTick) {
      tick = setInterval(() => opts.onTick!({ sim, sent: metrics.sent, acked: metrics.acked, failed: metrics.failed, connections: transport.connections() }), 500);
    }
    try {
      await drive(sim, transport, {
        timeScale: scenario.timeScale,
        maxInFlight: opts.maxInFlight ?? scenario.maxInFlight,
        simStartMs,
        ...driveLoadOptions(scenario, fleet, simStartMs),
        clock,
        ...(opts.onSend ? { onSend: opts.onSend } : {}),
      }, metrics);
    } finally {
      if (tick) clearInterval(tick);
    }
    await transport.close();
    const endWall = clock.now();

    const expected = expectedTallies(sim.installs);
    const appIds = [...new Set(scenario.apps.map((a) => a.id))].sort();
    let reconciliation: Reconciliation;
    if (opts.deferReconcile) {
      reconciliation = deferredReconciliation(appIds.map((id) => expected.get(id)), opts.shard);
    } else if (!talliesUrl) {
      reconciliation = { checked: false, match: false, reason: 'the external MQTT target has no tallies API; pass --tallies-url to reconcile', apps: [], differences: [] };
    } else {
      let counted: AppTallies[];
      try {
        counted = await fetchTallies(talliesUrl, appIds);
      } catch (err) {
        throw new TargetUnreachableError(`Cannot read tallies from ${talliesUrl}: ${(err as Error).message}`);
      }
      reconciliation = reconcile(appIds.map((id) => expected.get(id)), counted);
    }

    const byPlatform: Record<string, number> = {};
    for (const d of fleet.devices) byPlatform[d.platform] = (byPlatform[d.platform] ?? 0) + 1;
    const durationMs = metrics.sent ? Math.max(1, endWall - metrics.firstSendAt) : 0;
    const result: RunResult = {
      schema: RESULT_SCHEMA,
      passed: reconciliation.match && metrics.failed === 0,
      scenario: { name: scenario.name, file: opts.scenarioFile, ...(scenario.description ? { description: scenario.description } : {}) },
      seed,
      transport: transportKind,
      target: { kind: endpoint ? 'embedded' : 'external', url: targetUrl },
      timeScale: scenario.timeScale,
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: Math.round(durationMs),
      environment: { node: process.version, platform: process.platform, arch: process.arch, cpus: cpus().length, hostname: hostname(), fleetsim: VERSION },
      devices: { total: fleet.devices.length, byPlatform, installations: sim.installs.length },
      events: { offered: metrics.offered, sent: metrics.sent, acked: metrics.acked, failed: metrics.failed },
      throughput: { eventsPerSec: durationMs ? Math.round((metrics.acked / durationMs) * 1000 * 10) / 10 : 0 },
      latency: { ack: summarise(metrics.ack) },
      reconciliation,
      coverage: coverageOf(sim),
    };
    return result;
  } finally {
    await transport.close().catch(() => undefined);
    await endpoint?.close();
  }
}

function safeUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new UsageError(`--target "${text}" is not a URL; expected mqtt://host:port or http://host:port.`);
  }
}
