/**
 * Reads a target's counts back through its tally source, reads again until they settle (or the
 * settle timeout passes), and reconciles them in the user's labels. Never throws for the tally
 * side: once events were sent the run writes its report whatever the source did, with the
 * reason. Secrets never reach a reason: messages pass through the target's redaction.
 */
import type { Installation } from '../agent/sim/simulator.js';
import type { Clock } from '../core/clock.js';
import type { TallySource } from '../endpoint-client/tally-source.js';
import { isFleetsimError } from '../protocol/errors.js';
import type { AppTallies } from '../protocol/tally.js';
import { type DeviceReconciliation, uncheckedDevices } from '../reconcile/devices.js';
import { reconcileMapped } from '../reconcile/labels.js';
import type { TallyReading } from '../reconcile/reading.js';
import { expectedTallies, type Reconciliation } from '../reconcile/reconcile.js';
import {
  baselineInput,
  baselinePart,
  bySimId,
  deviceChecked,
  judgeBaseline,
  type BaselineInput,
} from './read-baseline.js';
import type { HeldBefore } from './read-before.js';
import { settleDevices } from './read-devices.js';
import type { RunTarget } from './run-target.js';
import { type CountsReading, inverseOf, openTallySource, readContext, settleCounts } from './tally-read.js';
import { redact } from './target-shown.js';
import { SENT_ONLY, unchecked, uncheckedBaseline } from './unchecked.js';

export type { BaselineInput } from './read-baseline.js';

export interface TargetReadInput {
  expected: AppTallies[];
  appIds: string[];
  installs: readonly Installation[] | undefined;
  clock: Clock;
  lastAckAt: number;
  /** Skip the tallies (a shard): the device check alone. */
  tallies: boolean;
  defaultUrl?: string | undefined;
  /** Reconcile after - before against the expected change instead. */
  baseline?: BaselineInput | undefined;
  /** Why there is no ground truth to check device by device, for a source that lists devices. */
  devicesSkipped?: string | undefined;
  /** A baseline run checked again later: how many re-used pairs keep the system's own row (notNewer). */
  leftToTarget?: number | undefined;
}

/** Tallies (settled) and, where the source lists devices, device by device. */
export async function readThroughTarget(rt: RunTarget, input: TargetReadInput): Promise<Reconciliation> {
  if (rt.tallies.source === 'none') return unchecked(input.expected, SENT_ONLY);
  let source: TallySource;
  try {
    source = openTallySource(rt, input.defaultUrl);
  } catch (err) {
    return unchecked(input.expected, redact((err as Error).message, rt.secrets));
  }
  const ctx = readContext(rt, input.appIds);
  try {
    const r = input.tallies
      ? await settledTallies(rt, source, input)
      : unchecked(input.expected, 'shard: reconciled once the shards are merged');
    r.source = source.describe;
    const empty = !r.match && source.emptyNote?.();
    if (empty) r.sourceNote = redact(empty, rt.secrets);
    if (input.installs && source.readDevices) {
      r.devices = await settleDevices(rt, source, ctx, input.installs, input);
      if (r.devices.checked && r.devices.differing > 0 && r.checked) r.match = false;
    } else if (input.devicesSkipped && source.readDevices) r.devices = uncheckedDevices(input.devicesSkipped);
    return r;
  } catch (err) {
    const why = isFleetsimError(err) ? err.message : `the tally source failed: ${(err as Error).message}`;
    const b = input.baseline;
    return b && input.tallies
      ? uncheckedBaseline(b, redact(why, rt.secrets), source.describe)
      : unchecked(input.expected, redact(why, rt.secrets), source.describe);
  } finally {
    await source.close().catch(() => undefined);
  }
}

/** The counts read until they match (a baseline's after - before its change), and judged. */
async function settledTallies(rt: RunTarget, source: TallySource, input: TargetReadInput): Promise<Reconciliation> {
  const inverse = inverseOf(rt, source);
  const b = input.baseline;
  const judge = (c: CountsReading) =>
    b ? judgeBaseline(b, c, input.appIds, inverse) : reconcileMapped(input.expected, c, inverse);
  const ctx = readContext(rt, input.appIds);
  const { reading, settle } = await settleCounts(rt, source, ctx, input.clock, input.lastAckAt, (c) => judge(c).match);
  return { ...judge(reading), settle };
}

/** The single run's (or a worker's) read step through the target. */
export async function readTarget(
  rt: RunTarget,
  run: { appIds: string[]; sim: { installs: readonly Installation[] } },
  lastAckAt: number,
  clock: Clock,
  opts: {
    deferReconcile?: boolean | undefined;
    instrument?: boolean | undefined;
    shard?: { index: number; count: number } | undefined;
  },
  before?: HeldBefore,
): Promise<{ tallies: TallyReading; devices: DeviceReconciliation | undefined; endToEnd: string }> {
  const book = expectedTallies(run.sim.installs);
  if (before?.previous) before = { ...before, previous: bySimId(rt, before.previous, run.sim.installs) };
  const r = await readThroughTarget(rt, {
    ...(before?.counts ? { baseline: baselineInput(before, run.sim.installs, run.appIds) } : {}),
    expected: run.appIds.map((id) => book.get(id)),
    appIds: run.appIds,
    installs: (opts.instrument ?? true) ? deviceChecked(run.sim.installs, before) : undefined,
    clock,
    lastAckAt,
    tallies: !opts.deferReconcile,
  });
  if (before) r.heldBefore = before.pairs;
  // a worker of a baseline run: the change its devices make, for the parent to add up
  const part =
    opts.deferReconcile && rt.baseline && before
      ? baselinePart(before, run.sim.installs, run.appIds, opts.shard)
      : undefined;
  return {
    tallies: part
      ? { kind: 'reconciled', reconciliation: part }
      : opts.deferReconcile
        ? { kind: 'deferred', shard: opts.shard }
        : { kind: 'reconciled', reconciliation: r },
    devices: r.devices,
    endToEnd: 'a target of its own: no fleetsim stats API to read it from',
  };
}
