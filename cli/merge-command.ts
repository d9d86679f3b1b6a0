/**
 * `fleetsim merge <report.json...>`: combines the results of shards (`run --shard i/N`, on one
 * machine or many) into one, exactly, and reconciles the whole fleet once against the endpoint's
 * tallies. Exit codes as for run: 0 pass, 2 reconciliation mismatch, 3 bad input, 4 unreachable.
 */
import { talliesAtTarget } from '../transport/kinds/kinds.js';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { mergeResults } from '../result/merge.js';
import { appIdsOf, checkShards } from '../result/shard-check.js';
import type { RunResult } from '../result/result.js';
import { RESULT_SCHEMA } from '../result/result.js';
import { systemClock } from '../core/clock.js';
import { fetchTallies } from '../endpoint-client/tallies.js';
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { mergeThroughTarget } from '../run/merge-target.js';
import type { HeldBefore } from '../run/read-before.js';
import { resolveReportTarget } from '../run/run-target.js';
import { TargetUnreachableError, UsageError } from '../protocol/errors.js';
import { ansi, plain, renderSummary } from '../reports/summary.js';
import { defaultRunDir, writeReports } from './write-reports.js';

export interface MergeArgs {
  reports: string[];
  talliesUrl?: string | undefined;
  /** The target description the shards sent to: its tally source reconciles the merged fleet. */
  targetFile?: string | undefined;
  out?: string | undefined;
}

/** A result from a report.json or a run folder, with the file it came from. */
export function readResult(path: string): { result: RunResult; file: string } {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'report.json') : path;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(
      `${file}: cannot read a result (${(err as Error).message}); give the report.json of each shard run.`,
    );
  }
  const r = value as RunResult;
  if (r?.schema !== RESULT_SCHEMA)
    throw new UsageError(
      `${file}: not a fleetsim result (schema "${String(r?.schema)}", expected "${RESULT_SCHEMA}").`,
    );
  return { result: r, file };
}

export async function mergeCommand(a: MergeArgs): Promise<number> {
  const parts = a.reports.map((p) => readResult(p).result);
  checkShards(parts);
  // a namespaced run counts only its own devices: through a tally source that filters by run id
  const result =
    a.targetFile || parts.some((p) => p.namespaced || p.reconciliation.baseline)
      ? await mergeThroughDescription(parts, a.targetFile, a.talliesUrl)
      : await mergeThroughApi(parts, a);
  const dir = a.out ?? defaultRunDir('out', `${result.scenario.name}-merged`, new Date(systemClock.now()));
  // the renderings too, as a run writes them: CI reads the merged junit.xml
  const written = writeReports(dir, result);
  process.stdout.write(`${renderSummary(result, process.stdout.isTTY ? ansi : plain)}\n`);
  process.stdout.write(
    `\nmerged ${a.reports.length} results; report: ${written.json} (also summary.md, report.html, junit.xml in ${dir})\n`,
  );
  return result.exitCode;
}

/** Shards sent to a target of the user's own (MQTT too): one read of its tally source, until settled. */
async function mergeThroughDescription(
  parts: RunResult[],
  targetFile: string | undefined,
  talliesUrl: string | undefined,
): Promise<RunResult> {
  const ids = [...new Set(parts.map((p) => p.runId ?? '(none)'))];
  if (ids.length > 1)
    throw new UsageError(
      `the shards ran with different run ids (${ids.join(', ')}), so their devices are in different namespaces: run every shard with the same --run-id.`,
    );
  const platforms = [...new Set(parts.flatMap((p) => Object.keys(p.devices.byPlatform)))] as Platform[];
  const runId = parts[0]!.runId;
  const namespaced = parts.some((p) => p.namespaced);
  const rt = resolveReportTarget(platforms, {
    ...(targetFile ? { targetFile } : { target: parts[0]!.target.url }),
    ...(runId ? { runId } : {}),
    ...(namespaced ? { namespace: true } : {}),
    ...(talliesUrl ? { talliesUrl } : {}),
  });
  if (!targetFile && rt.tallies.source === 'none')
    throw new UsageError(
      `the shards sent to ${parts[0]!.target.url}, which has no tallies API; pass --tallies-url http://host:port of the endpoint (fleetsim serve prints it), or --target-file with the description whose tally source reads its counts, to reconcile.`,
    );
  const before = sharedBaseline(parts);
  if (before) rt.baseline = true;
  const merged = await mergeThroughTarget(rt, parts, systemClock, before);
  if (before) merged.reconciliation.heldBefore = before.pairs;
  return { ...merged, ...(runId ? { runId } : {}), ...(namespaced ? { namespaced: true } : {}) };
}

/** The baseline every shard was given (run --tally-baseline-file): its counts are in each report. */
function sharedBaseline(parts: readonly RunResult[]): HeldBefore | undefined {
  const given = parts.map((p) => p.reconciliation.baseline);
  if (given.every((b) => !b)) return undefined;
  if (given.some((b) => !b?.before))
    throw new UsageError(
      'some shards were reconciled against a baseline and some not (or their reports keep no counts before): give every shard the same --tally-baseline-file, written once by fleetsim tally-baseline.',
    );
  if (new Set(given.map((b) => JSON.stringify(b!.before))).size > 1)
    throw new UsageError(
      'the shards were given different baselines (their counts before differ): give every shard the same --tally-baseline-file, read once before any of them started.',
    );
  return { pairs: given[0]!.pairsBefore, counts: given[0]!.before! };
}

async function mergeThroughApi(parts: RunResult[], a: MergeArgs): Promise<RunResult> {
  const target = parts[0]!.target.url;
  const talliesUrl = a.talliesUrl ?? talliesAtTarget(parts[0]!.transport, new URL(target));
  if (!talliesUrl) {
    throw new UsageError(
      `the shards sent to ${target}, which has no tallies API; pass --tallies-url http://host:port of the endpoint (fleetsim serve prints it), or --target-file with the description whose tally source reads its counts, to reconcile.`,
    );
  }
  let counted;
  try {
    counted = await fetchTallies(talliesUrl, appIdsOf(parts));
  } catch (err) {
    throw new TargetUnreachableError(
      `Cannot read tallies from ${talliesUrl}: ${(err as Error).message}. Is the endpoint the shards sent to still running?`,
    );
  }
  // The shards sent to one endpoint: its tallies, read now, cover them all.
  return mergeResults(parts, { sharedTarget: true, tallies: { kind: 'counted', tallies: counted } });
}
