/**
 * Command-line flags that scale a run: shards, workers, and the transports' own flags. Parsed
 * and checked here so run, merge and the workers read them the same way.
 */
import { UsageError } from '../protocol/errors.js';
import { optionalWholeNumber, wholeNumber } from './number-flags.js';
import { availableParallelism } from 'node:os';
import { runScenario, type RunOptions } from '../run/run-scenario.js';
import type { RunResult } from '../result/result.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { hasNetworkFaults } from '../run/network-step.js';
import { runWithWorkers } from '../run/workers.js';
import type { z } from 'zod';
import { TRANSPORTS, type TransportFlags } from '../transport/kinds/kinds.js';

/** Every transport's flags, as yargs options (transport/kinds/<kind>.ts declares them). A number
 * without choices is read as typed, so that a mistake is quoted back (number-flags.ts). */
function transportFlagOptions() {
  const out: Record<
    string,
    { type: 'number' | 'string'; describe: string; choices?: readonly (number | string)[]; requiresArg?: boolean }
  > = {};
  for (const spec of Object.values(TRANSPORTS))
    for (const [name, f] of Object.entries(spec.flags))
      out[name] = f.choices
        ? { type: f.type, describe: f.describe, choices: f.choices }
        : { type: 'string', requiresArg: true, describe: f.describe };
  return out;
}

export const scaleOptions = {
  shard: { type: 'string', describe: 'run shard i of N ("1/4"); the union of all N shards is the whole fleet' },
  workers: {
    type: 'string',
    requiresArg: true,
    describe: 'worker processes, each a shard of the fleet, merged into one result (default: every core)',
  },
  ...transportFlagOptions(),
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

/** The last of a flag given twice, as yargs does. */
const lastOf = (v: unknown) => (Array.isArray(v) ? v.at(-1) : v);

/** The transports' flags given, each checked by the schema of the option it sets. */
function transportFlags(a: Record<string, unknown>): TransportFlags {
  const flags: Record<string, unknown> = {};
  for (const spec of Object.values(TRANSPORTS)) {
    for (const [name, f] of Object.entries(spec.flags)) {
      const given = a[name];
      if (given === undefined) continue;
      const v = f.type === 'number' && !f.choices ? optionalWholeNumber(name, given, 0) : lastOf(given);
      const option = (spec.options.shape as Record<string, z.ZodType>)[f.option]!;
      const parsed = option.safeParse(v);
      if (!parsed.success)
        throw new UsageError(`--${name} ${String(v)} is not valid: ${parsed.error.issues[0]!.message}.`);
      flags[f.option] = v;
    }
  }
  return flags as TransportFlags;
}

export function scaleArgs(a: Record<string, unknown>): { scale: ScaleArgs } {
  const flags = transportFlags(a);
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

/** Runs in this process, or in worker processes: `--workers`, by default one per core (one for a
 * transport that reaches the endpoint in process, memory, and for a scenario with network faults,
 * which one process applies). A shard run (`--shard`) stays in one process. */
export function runScaled(scenario: Scenario, opts: RunOptions, s: ScaleArgs | undefined): Promise<RunResult> {
  const inProcess = TRANSPORTS[opts.transport ?? scenario.transport].inProcess === true;
  const one = inProcess || hasNetworkFaults(scenario);
  // An explicit --workers with such a transport or faults is refused by runWithWorkers, not ignored.
  const workers = s?.shard ? 1 : (s?.workers ?? (one ? 1 : availableParallelism()));
  return workers > 1 ? runWithWorkers(scenario, opts, workers) : runScenario(scenario, opts);
}
