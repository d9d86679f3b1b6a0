/**
 * A baseline run's side of the read step (reconcile/baseline.ts is the arithmetic): the change
 * this run's devices should make, from ground truth and the rows the target held before, and
 * `after - before` judged against it. With worker processes the parent reads the baseline once,
 * before any worker sends; each worker gets the rows held before, works out the change of its own
 * devices and checks them one by one; the parent adds the changes up (a sum over installations)
 * and judges `after - before` once.
 */
import type { Fleet } from '../agent/fleet/fleet.js';
import type { Installation } from '../agent/sim/simulator.js';
import { UsageError } from '../protocol/errors.js';
import type { AppTallies } from '../protocol/tally.js';
import { TallyBook } from '../protocol/tally.js';
import {
  addTallies,
  assumptionOf,
  expectedChange,
  reconcileChange,
  type Before,
  type BaselineReport,
  type PreviousRows,
} from '../reconcile/baseline.js';
import type { DeviceRowLike } from '../reconcile/devices.js';
import type { LabelInverse, UnmappedRow } from '../reconcile/labels.js';
import { deferredReconciliation } from '../reconcile/reading.js';
import { expectedTallies, type Reconciliation } from '../reconcile/reconcile.js';
import type { RunResult } from '../result/result.js';
import type { HeldBefore } from './read-before.js';
import type { CountsReading } from './tally-read.js';
import type { RunTarget } from './run-target.js';

/** A baseline's side of the read: the counts before, and the change this run should make. */
export interface BaselineInput {
  before: Before;
  change: AppTallies[];
  /** The change expected in rows whose labels map to nothing (re-used devices leaving them). */
  unmappedChange: UnmappedRow[];
  report: BaselineReport;
}

/** after - before against the change, and the report that says what was assumed and left out. */
export function judgeBaseline(
  b: BaselineInput,
  after: CountsReading,
  appIds: readonly string[],
  inverse: LabelInverse,
): Reconciliation {
  const { leftOut, ...r } = reconcileChange(b.change, b.unmappedChange, after, b.before, appIds, inverse);
  return {
    ...r,
    baseline: {
      ...b.report,
      ...(leftOut.length ? { unmappedLeftOut: leftOut } : {}),
      before: b.before,
      ...(b.unmappedChange.length ? { unmappedChange: b.unmappedChange } : {}),
    },
  };
}

/** The rows held before, of this run's devices, by simulated device id. */
export function bySimId(rt: RunTarget, previous: PreviousRows, installs: readonly Installation[]): PreviousRows {
  const out = new Map<string, Map<string, DeviceRowLike>>();
  for (const i of installs) {
    const row = previous.get(i.app.id)?.get(rt.wire.wireDeviceId(i.device));
    if (!row) continue;
    let app = out.get(i.app.id);
    if (!app) out.set(i.app.id, (app = new Map()));
    app.set(i.device.id, { ...row, deviceId: i.device.id });
  }
  return out;
}

/** A re-used device whose reports were not newer than what the target held keeps the target's row:
 * device by device, only the others are held to ground truth. */
export function deviceChecked(
  installs: readonly Installation[],
  before: HeldBefore | undefined,
): readonly Installation[] {
  const previous = before?.previous;
  if (!previous) return installs;
  return installs.filter((i) => {
    const prev = previous.get(i.app.id)?.get(i.device.id);
    return !(prev?.seq !== undefined && i.seq <= prev.seq);
  });
}

/** The change this run should make, from ground truth and the rows the target held before. */
export function baselineInput(
  before: HeldBefore,
  installs: readonly Installation[],
  appIds: readonly string[],
): BaselineInput {
  const { change, reused, notNewer, unmappedChange } = expectedChange(installs, appIds, before.previous);
  const truth = expectedTallies(installs);
  return {
    before: before.counts ?? { counted: [], unmapped: [] },
    change,
    unmappedChange,
    report: {
      pairsBefore: before.pairs,
      reused,
      notNewer,
      assumption: assumptionOf(before.previous !== undefined, notNewer),
      sent: appIds.map((id) => truth.get(id)),
    },
  };
}

/** What a worker gets of the baseline the parent read (plain JSON over IPC): the rows held before,
 * by app and wire device id, where the tally source lists devices. */
export interface WorkerBaseline {
  pairs: number;
  rows?: [appId: string, rows: DeviceRowLike[]][];
  /** The counts before, where the part's report must carry them (a shard, for its merge). */
  counts?: Before;
}

/** The baseline for one part: of the rows held before, only those of its own devices (by wire id),
 * when `own` says which they are. */
export function forWorkers(before: HeldBefore, own?: ReadonlySet<string>): WorkerBaseline {
  const rows = before.previous
    ? [...before.previous].map(([app, byId]): [string, DeviceRowLike[]] => [
        app,
        own ? [...byId.values()].filter((r) => own.has(r.deviceId)) : [...byId.values()],
      ])
    : undefined;
  return { pairs: before.pairs, ...(rows ? { rows } : {}) };
}

/** The wire device ids of each of `parts` parts of the fleet (device index % parts), so a part is
 * given only the rows of its own devices. */
export function wireIdsByPart(fleet: Pick<Fleet, 'devices'>, rt: RunTarget, parts: number): Set<string>[] {
  const out = Array.from({ length: parts }, () => new Set<string>());
  for (const d of fleet.devices) out[d.index % parts]!.add(rt.wire.wireDeviceId(d));
  return out;
}

export function fromParent(b: WorkerBaseline): HeldBefore {
  return {
    pairs: b.pairs,
    ...(b.counts ? { counts: b.counts } : {}),
    ...(b.rows
      ? { previous: new Map(b.rows.map(([app, rows]) => [app, new Map(rows.map((r) => [r.deviceId, r]))])) }
      : {}),
  };
}

/** A worker's part of a baseline run: the change its devices should make, for the parent to add up. */
export function baselinePart(
  before: HeldBefore,
  installs: readonly Installation[],
  appIds: readonly string[],
  shard: { index: number; count: number } | undefined,
): Reconciliation {
  const b = baselineInput(before, installs, appIds);
  return {
    ...deferredReconciliation(b.change, shard),
    baseline: {
      ...b.report,
      ...(b.unmappedChange.length ? { unmappedChange: b.unmappedChange } : {}),
      // a shard given a baseline file: for its merge, which reads no baseline of its own
      ...(before.counts ? { before: before.counts } : {}),
    },
  };
}

/** The parts' changes added up, with the counts the parent read before the run. */
export function baselineOfParts(parts: readonly RunResult[], change: AppTallies[], before: HeldBefore): BaselineInput {
  const reports = parts.map((p) => p.reconciliation.baseline);
  if (reports.some((b) => !b))
    throw new UsageError('a baseline run merges only parts that worked out their change against the same baseline.');
  const sum = (f: (b: BaselineReport) => number) => reports.reduce((n, b) => n + f(b!), 0);
  const notNewer = sum((b) => b.notNewer);
  const sent = new TallyBook();
  for (const b of reports) addTallies(sent, b!.sent ?? [], 1);
  return {
    before: before.counts ?? { counted: [], unmapped: [] },
    change,
    unmappedChange: addUnmapped(reports.flatMap((b) => b!.unmappedChange ?? [])),
    report: {
      pairsBefore: before.pairs,
      reused: sum((b) => b.reused),
      notNewer,
      assumption: assumptionOf(before.previous !== undefined, notNewer),
      ...(reports.every((b) => b!.sent) ? { sent: change.map((c) => sent.get(c.appId)) } : {}),
    },
  };
}

function addUnmapped(rows: readonly UnmappedRow[]): UnmappedRow[] {
  const out = new Map<string, UnmappedRow>();
  for (const r of rows) {
    const k = `${r.appId}\u0000${r.platform}\u0000${r.status}\u0000${r.state}`;
    const have = out.get(k);
    if (have) have.count += r.count;
    else out.set(k, { ...r });
  }
  return [...out.values()];
}
