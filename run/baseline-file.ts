/**
 * One baseline shared by separate `--shard` runs (other machines, the pods of a Kubernetes Indexed
 * Job): `fleetsim tally-baseline` reads the target's counts and device rows once, before any shard
 * starts, into a file; each shard is given it with `--tally-baseline-file`, works out the change
 * its own devices make and checks them one by one; `fleetsim merge` adds the changes up and judges
 * `after - before` once, with the counts before that every shard's report carries.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Scenario } from '../agent/scenario/schema.js';
import { systemClock } from '../core/clock.js';
import { UsageError } from '../protocol/errors.js';
import type { Before } from '../reconcile/baseline.js';
import type { DeviceRowLike } from '../reconcile/devices.js';
import type { WorkerBaseline } from './read-baseline.js';
import { heldBefore } from './read-before.js';
import type { RunTarget } from './run-target.js';
import { shownUrl } from './target-shown.js';

export const BASELINE_SCHEMA = 'fleetsim.tally-baseline/1';

export interface BaselineFile {
  schema: typeof BASELINE_SCHEMA;
  readAt: string;
  scenario: string;
  /** The target whose counts were read, as reports show it. */
  target: string;
  appIds: string[];
  /** (device, app) pairs held for the run's apps. */
  pairs: number;
  counts: Before;
  /** Every device row held, by app and wire device id, where the tally source lists devices. */
  rows?: [appId: string, rows: DeviceRowLike[]][];
}

/** The target's counts and rows now, for runs that start later. */
export async function readBaselineNow(rt: RunTarget, scenario: Scenario): Promise<BaselineFile> {
  const appIds = appIdsOf(scenario);
  const before = await heldBefore({ ...rt, baseline: true }, { kind: 'external', talliesUrl: undefined }, appIds);
  if (!before?.counts) throw new UsageError('the tally source read no counts before the run.');
  return {
    schema: BASELINE_SCHEMA,
    readAt: new Date(systemClock.now()).toISOString(),
    scenario: scenario.name,
    target: shownUrl(rt),
    appIds,
    pairs: before.pairs,
    counts: before.counts,
    ...(before.previous ? { rows: [...before.previous].map(([app, rows]) => [app, [...rows.values()]]) } : {}),
  };
}

export function writeBaselineFile(path: string, b: BaselineFile): void {
  try {
    writeFileSync(path, `${JSON.stringify(b)}\n`);
  } catch (err) {
    throw new UsageError(`Cannot write the baseline to ${path}: ${(err as Error).message}.`);
  }
}

/** A baseline file for a run of `scenario`: as a worker's baseline, with the counts before. */
export function loadBaselineFile(path: string, scenario: Scenario): WorkerBaseline {
  let b: BaselineFile;
  try {
    b = JSON.parse(readFileSync(path, 'utf8')) as BaselineFile;
  } catch (err) {
    throw new UsageError(
      `--tally-baseline-file ${path}: cannot read it (${(err as Error).message}); write it with fleetsim tally-baseline.`,
    );
  }
  if (b?.schema !== BASELINE_SCHEMA || !b.counts)
    throw new UsageError(
      `--tally-baseline-file ${path}: not a baseline (schema "${String(b?.schema)}", expected "${BASELINE_SCHEMA}"); write it with fleetsim tally-baseline.`,
    );
  const apps = appIdsOf(scenario);
  if (apps.join() !== [...b.appIds].sort().join())
    throw new UsageError(
      `--tally-baseline-file ${path} was read for the apps ${b.appIds.join(', ')}, and this scenario has ${apps.join(', ')}: read it again with fleetsim tally-baseline for this scenario.`,
    );
  return { pairs: b.pairs, counts: b.counts, ...(b.rows ? { rows: b.rows } : {}) };
}

const appIdsOf = (scenario: Scenario) => [...new Set(scenario.apps.map((a) => a.id))].sort();
