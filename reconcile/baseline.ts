/**
 * A baseline, for a system that already holds data and cannot count one run alone: the counts
 * are read before the run and after it, and `after - before` is reconciled against the change
 * this run should make, per app, platform, status and state. A device id this run re-uses moves
 * its (device, app) pair from where the system had it to where the run leaves it, which the
 * expected change accounts for where the system lists devices; a report of a re-used device that
 * is not newer than what the system holds (its seq) changes nothing. Where the system cannot list
 * devices, every pair is assumed new, and the result says so. Pure: no I/O.
 */
import type { Installation } from '../agent/sim/simulator.js';
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { TallyBook, type AppTallies } from '../protocol/tally.js';
import type { DeviceRowLike } from './devices.js';
import {
  foldExpected,
  joinedEntries,
  UNMAPPED_MARK,
  type LabelInverse,
  type MappedCounts,
  type UnmappedRow,
} from './labels.js';
import { reconcile, type Reconciliation } from './reconcile.js';

/** The system's rows, before the run, for this run's devices: app id -> device id -> row. */
export type PreviousRows = ReadonlyMap<string, ReadonlyMap<string, DeviceRowLike>>;

export interface BaselineReport {
  /** (device, app) pairs the system held for the run's apps before the run. */
  pairsBefore: number;
  /** Pairs of this run that the system already held (re-used device ids). */
  reused: number;
  /** Re-used pairs whose reports were not newer than the system's (seq), so they change nothing. */
  notNewer: number;
  /** What the expected change assumed, in words. */
  assumption: string;
  /** Counts in labels that map to none of ours, held before and not changed by the run (after -
   * before as expected): not this run's doing, so left out of the comparison, and listed. */
  unmappedLeftOut?: UnmappedRow[];
  /** The counts before, as read (for `fleetsim reconcile` later: after - before again). */
  before?: Before;
  /** Re-used devices the system held in labels that map to none of ours leave those rows: the
   * change expected there (negative counts), compared with after - before of the unmapped rows. */
  unmappedChange?: UnmappedRow[];
  /** This run's ground truth as tallies (what it would count on an empty system), so that
   * `fleetsim reconcile` can trust a fleet simulated again whose change depended on the rows held. */
  sent?: AppTallies[];
}

/** The counts before the run, in our labels, and the rows whose labels map to nothing. */
export type Before = Pick<MappedCounts, 'counted' | 'unmapped'>;

function total(t: readonly AppTallies[]): number {
  return t.reduce((n, a) => n + a.total, 0);
}

/** after - before, cell by cell (negative where pairs left a cell). */
export function difference(
  after: readonly AppTallies[],
  before: readonly AppTallies[],
  appIds: readonly string[],
): AppTallies[] {
  const book = new TallyBook();
  addTallies(book, after, 1);
  addTallies(book, before, -1);
  return appIds.map((id) => book.get(id));
}

/** Adds (or takes away) a list of app tallies into a book, cell by cell. */
export function addTallies(book: TallyBook, list: readonly AppTallies[], sign: 1 | -1): void {
  for (const app of list) {
    for (const [platform, statuses] of Object.entries(app.platforms) as [
      Platform,
      Record<string, Record<string, number>>,
    ][]) {
      for (const [status, states] of Object.entries(statuses)) {
        for (const [state, n] of Object.entries(states)) book.add(app.appId, platform, status, state, sign * n);
      }
    }
  }
}

/** The change this run should make, from ground truth and (where known) the previous rows. */
export function expectedChange(
  installs: readonly Installation[],
  appIds: readonly string[],
  previous: PreviousRows | undefined,
): { change: AppTallies[]; reused: number; notNewer: number; unmappedChange: UnmappedRow[] } {
  const book = new TallyBook();
  const unmapped = new Map<string, UnmappedRow>();
  let reused = 0;
  let notNewer = 0;
  for (const inst of installs) {
    if (!inst.last) continue;
    const prev = previous?.get(inst.app.id)?.get(inst.device.id);
    if (prev) {
      reused++;
      if (prev.seq !== undefined && inst.seq <= prev.seq) {
        notNewer++;
        continue;
      }
      if (prev.status.endsWith(UNMAPPED_MARK)) leaveUnmapped(unmapped, inst.app.id, prev);
      else book.add(inst.app.id, prev.platform, prev.status, prev.state, -1);
    }
    book.add(inst.app.id, inst.device.platform, inst.last.status, inst.last.state, 1);
  }
  return { change: appIds.map((id) => book.get(id)), reused, notNewer, unmappedChange: [...unmapped.values()] };
}

const rowKey = (u: Omit<UnmappedRow, 'count'>) => `${u.appId}\u0000${u.platform}\u0000${u.status}\u0000${u.state}`;

function leaveUnmapped(into: Map<string, UnmappedRow>, appId: string, prev: DeviceRowLike): void {
  const row = {
    appId,
    platform: prev.platform as string,
    status: prev.status.slice(0, -UNMAPPED_MARK.length),
    state: prev.state.endsWith(UNMAPPED_MARK) ? prev.state.slice(0, -UNMAPPED_MARK.length) : prev.state,
  };
  const k = rowKey(row);
  const have = into.get(k);
  if (have) have.count--;
  else into.set(k, { ...row, count: -1 });
}

/**
 * Reconciles `after - before` with the expected change, as a run without a baseline reconciles
 * its counts (reconcile/labels.ts): compared at the user's granularity where their codes join
 * entries, and rows whose labels map to nothing kept. An unmapped row this run changed (after -
 * before other than the change its re-used devices explain) is a difference; the devices of a row
 * held before that the run did not move are not the run's, so they are left out of the comparison
 * and listed in `leftOut`.
 */
export function reconcileChange(
  change: readonly AppTallies[],
  unmappedChange: readonly UnmappedRow[],
  after: Before,
  before: Before,
  appIds: readonly string[],
  inverse: LabelInverse,
): Reconciliation & { leftOut: UnmappedRow[] } {
  const joined = joinedEntries(inverse);
  const r = reconcile(foldExpected(change, joined), difference(after.counted, before.counted, appIds));
  const rows = new Map<string, { row: Omit<UnmappedRow, 'count'>; before: number; after: number; expected: number }>();
  const at = (u: UnmappedRow) => {
    const k = rowKey(u);
    let e = rows.get(k);
    if (!e) {
      const { count: _c, ...row } = u;
      rows.set(k, (e = { row, before: 0, after: 0, expected: 0 }));
    }
    return e;
  };
  for (const u of before.unmapped) at(u).before += u.count;
  for (const u of after.unmapped) at(u).after += u.count;
  for (const u of unmappedChange) at(u).expected += u.count;
  const changed: UnmappedRow[] = [];
  const leftOut: UnmappedRow[] = [];
  for (const e of rows.values()) {
    const unexplained = e.after - e.before - e.expected;
    // the devices of the row this run did not move: held before, still there
    const untouched = e.before + e.expected;
    if (unexplained !== 0) changed.push({ ...e.row, count: unexplained });
    else if (untouched > 0) leftOut.push({ ...e.row, count: untouched });
  }
  const byCount = (a: UnmappedRow, b: UnmappedRow) => Math.abs(b.count) - Math.abs(a.count);
  if (changed.length) {
    r.unmapped = changed.sort(byCount);
    r.match = false;
  }
  if (joined.length) r.joined = joined;
  return { ...r, leftOut: leftOut.sort(byCount) };
}

/** What the expected change assumed, in words for the report. */
export function assumptionOf(listed: boolean, notNewer: number): string {
  return listed
    ? `the change was computed from each re-used device's previous row${notNewer ? `; ${notNewer} re-used pair(s) sent nothing newer than the system held (seq) and were expected to change nothing` : ''}`
    : 'the tally source cannot list devices, so every (device, app) pair of this run was assumed new to the system';
}

/** Reconciles `after - before` with the expected change; the result's apps hold changes. */
export function reconcileWithBaseline(
  installs: readonly Installation[],
  appIds: readonly string[],
  before: readonly AppTallies[],
  after: readonly AppTallies[],
  previous: PreviousRows | undefined,
): Reconciliation & { baseline: BaselineReport } {
  const { change, reused, notNewer } = expectedChange(installs, appIds, previous);
  const r = reconcile(change, difference(after, before, appIds));
  const assumption = assumptionOf(previous !== undefined, notNewer);
  return { ...r, baseline: { pairsBefore: total(before), reused, notNewer, assumption } };
}
