/**
 * Command-line flags that scale a run: shards, workers, and transport tuning. Parsed
 * and checked here so run, merge and the workers read them the same way.
 */
import { UsageError } from '../protocol/errors.js';
import { wholeNumber } from './number-flags.js';
import { availableParallelism } from 'node:os';
import { runScenario, type RunOptions } from '../run/run-scenario.js';
import type { RunResult } from '../result/result.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { runWithWorkers } from '../run/workers.js';
import type { TransportFlags } from '../transport/registry.js';
import { parseLocalAddresses } from '../transport/local-address.js';

export const scaleOptions = {
  shard: { type: 'string', describe: 'run shard i of N ("1/4"); the union of all N shards is the whole fleet' },
  workers: {
    type: 'string',
    requiresArg: true,
    describe: 'worker processes, each a shard of the fleet, merged into one result (default: every core)',
  },
  'local-address': {
    type: 'string',
    describe: 'spread MQTT connections over source addresses, e.g. 127.0.0.1-127.0.0.8',
  },
  'shared-connections': {
    type: 'string',
    requiresArg: true,
    describe: 'MQTT: carry every device over this many connections (raw throughput)',
  },
  qos: { type: 'number', choices: [0, 1, 2], describe: "MQTT QoS (default: the scenario's)" },
  connections: { type: 'string', requiresArg: true, describe: 'HTTP: keep-alive connections in the pool' },
  pipelining: { type: 'string', requiresArg: true, describe: 'HTTP: requests in flight per connection' },
  batch: { type: 'string', requiresArg: true, describe: 'HTTP: most events per POST' },
  'max-in-flight': {
    type: 'string',
    requiresArg: true,
    describe: "most events in flight (default: the scenario's maxInFlight)",
  },
} as const;

export interface ScaleArgs {
  shard?: { index: number; count: number };
  workers?: number;
  transportFlags: TransportFlags;
  maxInFlight?: number;
}

/** "2/4" -> { index: 1, count: 4 } (shards are numbered from 1 on the command line). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const i = m ? Number(m[1]) : NaN;
  const n = m ? Number(m[2]) : NaN;
  if (!m || n < 1 || i < 1 || i > n) {
    throw new UsageError(`--shard "${text}" is not a shard; expected i/N with 1 <= i <= N, e.g. --shard 1/4.`);
  }
  return { index: i - 1, count: n };
}

function positiveInt(name: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  return wholeNumber(name, v);
}

export function scaleArgs(a: Record<string, unknown>): { scale: ScaleArgs } {
  const flags: TransportFlags = {};
  if (a['local-address'] !== undefined) {
    parseLocalAddresses(String(a['local-address']));
    flags.localAddress = String(a['local-address']);
  }
  const shared = positiveInt('shared-connections', a['shared-connections']);
  if (shared !== undefined) flags.sharedConnections = shared;
  if (a.qos !== undefined) flags.qos = a.qos as 0 | 1 | 2;
  const connections = positiveInt('connections', a.connections);
  if (connections !== undefined) flags.connections = connections;
  const pipelining = positiveInt('pipelining', a.pipelining);
  if (pipelining !== undefined) flags.pipelining = pipelining;
  const batch = positiveInt('batch', a.batch);
  if (batch !== undefined) flags.batch = batch;
  const scale: ScaleArgs = { transportFlags: flags };
  if (a.shard !== undefined) scale.shard = parseShard(String(a.shard));
  const workers = positiveInt('workers', a.workers);
  if (workers !== undefined) scale.workers = workers;
  const mif = positiveInt('max-in-flight', a['max-in-flight']);
  if (mif !== undefined) scale.maxInFlight = mif;
  return { scale };
}

/** The runner options the scale flags turn into. */
export function scaleRunOptions(s: ScaleArgs | undefined): Partial<RunOptions> {
  if (!s) return {};
  return {
    transportFlags: s.transportFlags,
    ...(s.shard ? { shard: s.shard, deferReconcile: true } : {}),
    ...(s.maxInFlight !== undefined ? { maxInFlight: s.maxInFlight } : {}),
  };
}

/** Runs in this process, or in worker processes: `--workers`, by default one per core. A shard
 * run (`--shard`) stays in one process. */
export function runScaled(scenario: Scenario, opts: RunOptions, s: ScaleArgs | undefined): Promise<RunResult> {
  const workers = s?.shard ? 1 : (s?.workers ?? availableParallelism());
  return workers > 1 ? runWithWorkers(scenario, opts, workers) : runScenario(scenario, opts);
}
