/**
 * "A difference that appears only in this fault's window": where each differing (device, app)
 * began, judged by the part of the run that sent its events (only it holds its sent log, its
 * network faults' spans in force and its drive's clock), and the note made from those judgements
 * wherever the whole run's reconciliation is (a single run, the parent of --workers, `fleetsim
 * merge` of --shard runs, which has no fault plan). Pure.
 */
import type { PlannedFault } from '../agent/faults/plan.js';
import { parseDuration } from '../core/delay.js';
import type { Reconciliation } from '../reconcile/reconcile.js';

/** Where a differing (device, app) began: its first event the endpoint lacks, when it was sent,
 * and the faults found to strike its device first after it was handed over (in flight then). */
export interface DifferenceStart {
  simAt: number;
  wallMs: number;
  faults?: readonly string[];
}

/** A differing (device, app) as report.json keeps it: the faults that strike its device, and,
 * when its sent events were recorded, its first event the endpoint lacks and the faults in whose
 * window (as the part that sent it resolved the window) and devices it was sent. */
export interface DifferenceStartRow {
  deviceId: string;
  appId: string;
  struckBy: string[];
  /** Absent: the part did not record this pair's events (its sent log was full). */
  began?: { seq: number; simTs: string; sentAtMs: number; inWindow: string[] };
}

/** Rows kept in a result at most (the device differences listed are fewer). */
export const DIFFERENCE_STARTS_KEPT = 2000;

export interface StartsInput {
  faults: readonly PlannedFault[];
  reconciliation: Reconciliation;
  /** From the part's sent log, by `deviceId + "\u0000" + appId`; seq is the first event lacking. */
  differenceAt?: ReadonlyMap<string, DifferenceStart & { seq?: number }>;
  /** When each network fault was in force in fact, wall ms from the drive's start, by index. */
  active?: ReadonlyMap<number, { from: number; to: number }>;
}

/** The rows of a part's listed device differences, each judged against its fault windows. */
export function differenceStarts(r: StartsInput): DifferenceStartRow[] {
  const out: DifferenceStartRow[] = [];
  for (const d of (r.reconciliation.devices?.differences ?? []).slice(0, DIFFERENCE_STARTS_KEPT)) {
    const struck = r.faults.filter((f) => f.devices.has(d.deviceId));
    const row: DifferenceStartRow = { deviceId: d.deviceId, appId: d.appId, struckBy: struck.map((f) => f.name) };
    const t = r.differenceAt?.get(`${d.deviceId}\u0000${d.appId}`);
    if (t)
      row.began = {
        seq: t.seq ?? (d.counted?.seq ?? 0) + 1,
        simTs: new Date(t.simAt).toISOString(),
        sentAtMs: Math.round(t.wallMs),
        inWindow: struck.filter((f) => beganIn(f, t, r.active?.get(f.index))).map((f) => f.name),
      };
    out.push(row);
  }
  return out;
}

/** Sent while the fault's window was open in its own clock (a silent link swallows `silentFor`
 * longer; a network fault's span in force, which late timers on a loaded machine shift, counts),
 * or in flight when the fault struck its device. */
function beganIn(f: PlannedFault, t: DifferenceStart, active: { from: number; to: number } | undefined): boolean {
  if (active && t.wallMs >= active.from && t.wallMs <= active.to) return true;
  if (t.faults?.includes(f.name)) return true;
  const silent = f.spec.kind === 'connection-drop' ? (parseDuration(f.spec.silentFor ?? 0) ?? 0) : 0;
  const at = f.clock === 'sim' ? t.simAt : t.wallMs;
  return at >= f.from && at <= f.to + silent;
}

/**
 * The fault's note, said when the tallies differ, every listed difference is on a device it struck
 * and each began with an event sent in its window; when the parts did not record where some began,
 * it says only the first.
 */
export function windowNote(
  fault: string,
  reconciliation: Reconciliation,
  rows: readonly DifferenceStartRow[],
): string | undefined {
  const devices = reconciliation.devices;
  if (!reconciliation.checked || reconciliation.match || !devices) return undefined;
  const diffs = devices.differences;
  // every differing pair listed, or the note would speak for pairs nobody looked at
  if (diffs.length === 0 || devices.differing !== diffs.length) return undefined;
  const byPair = new Map(rows.map((x) => [`${x.deviceId}\u0000${x.appId}`, x]));
  const mine = diffs.map((d) => byPair.get(`${d.deviceId}\u0000${d.appId}`));
  if (!mine.every((x) => x?.struckBy.includes(fault))) return undefined;
  const n = new Set(diffs.map((d) => d.deviceId)).size;
  const pairs = `${n} device${n === 1 ? '' : 's'}`;
  if (mine.some((x) => !x!.began))
    return `every difference (${pairs}) is on a device this fault struck; when each began was not recorded`;
  if (!mine.every((x) => x!.began!.inWindow.includes(fault))) return undefined;
  return `every difference (${pairs}) is on a device this fault struck and began with an event sent in its window`;
}

/** The notes of a merged run (the parent of --workers, fleetsim merge), from the parts' rows. */
export function addWindowNotes(
  reports: { name: string; note?: string }[] | undefined,
  reconciliation: Reconciliation,
  rows: readonly DifferenceStartRow[],
): void {
  for (const f of reports ?? []) {
    const note = windowNote(f.name, reconciliation, rows);
    if (note) f.note = note;
  }
}
