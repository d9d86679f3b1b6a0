/**
 * What each of a scenario's faults did in a run, for report.json and the reports: what it
 * injected (counted where it was done: events duplicated, reordered, delayed, skewed; devices
 * stuck or reset; requests refused), whether the tallies stayed exact, and whether the
 * differences there were all lie within what the fault struck. Pure; merges by adding.
 */
import type { PlannedFault } from '../agent/faults/plan.js';
import type { DeviceStrike } from '../agent/sim/device-faults.js';
import type { Installation } from '../agent/sim/simulator.js';
import type { Reconciliation } from '../reconcile/reconcile.js';
import type { Outage } from './connectivity.js';
import { type FaultOutagesInput, mergeFaultOutages, outagesOfFault } from './fault-outages.js';
import { type DifferenceStart, differenceStarts, windowNote } from './fault-window.js';

/** Stuck devices listed by name in the report, at most. */
export const STUCK_LISTED = 100;

export interface StuckDevice {
  deviceId: string;
  /** Simulated ms since the scenario start when it went silent. */
  atMs: number;
  /** What reconciliation expects of it: the last state it reported per app (null: never reported). */
  apps: { appId: string; last: { status: string; state: string; seq: number } | null }[];
}

export interface FaultReport {
  name: string;
  kind: string;
  /** Its window: from the scenario start ("sim") or the drive's start ("wall"), ms; forMs null = to the end. */
  window: { clock: 'sim' | 'wall'; atMs: number; forMs: number | null };
  /** Devices it strikes. */
  devices: number;
  /** What it did, by name (duplicated, reordered, heldInOrder, delayed, delayMs, skewed, stuck, reset, refused...). */
  injected: Record<string, number>;
  /** Stuck devices, the first STUCK_LISTED by id, with the state reconciliation expected of them. */
  stuck?: StuckDevice[];
  /** The tallies were exact with this fault in the run; null when they were not reconciled. */
  exact: boolean | null;
  /** Said when the differences lie only within what this fault struck. */
  note?: string;
  /** Said when the run ended before the fault's moment or window: it did nothing. */
  notInjected?: string;
  /** The devices' reconnect outages in its window (wall-clock faults; epoch ms). */
  outages?: Outage[];
}

export type { DifferenceStart } from './fault-window.js';

export interface FaultReportInput {
  faults: readonly PlannedFault[];
  /** Per fault index, the counts of the drive, the endpoint and the fault proxy. */
  counts: readonly Record<string, number>[];
  strikes: readonly DeviceStrike[];
  installs: readonly Installation[];
  reconciliation: Reconciliation;
  simStartMs: number;
  /** Where each differing (device, app) began: the first event the endpoint lacks, when it was
   * sent (simulated time, and wall ms from the drive's start), by `deviceId + "\u0000" + appId`. */
  differenceAt?: ReadonlyMap<string, DifferenceStart & { seq?: number }>;
  /** When each network fault was in force in fact, wall ms from the drive's start, by index. */
  active?: ReadonlyMap<number, { from: number; to: number }>;
  /** Network faults the drive ended before, by index: why each did nothing. */
  notInjected?: ReadonlyMap<number, string>;
  /** The run's outages and the drive's span, for each wall-clock fault's own outages. */
  outages?: Omit<FaultOutagesInput, 'active'>;
}

export function faultReports(r: FaultReportInput): FaultReport[] {
  const exact = r.reconciliation.checked ? r.reconciliation.match : null;
  const starts = differenceStarts(r);
  return r.faults.map((f) => {
    const injected: Record<string, number> = { ...(r.counts[f.index] ?? {}) };
    const strikes = r.strikes.filter((s) => s.fault === f.index);
    if (f.kind === 'stuck') {
      injected.stuck = strikes.filter((s) => s.inProgress > 0).length;
      injected.finishedBefore = strikes.length - injected.stuck;
    }
    if (f.kind === 'factory-reset') injected.reset = strikes.length;
    const origin = f.clock === 'sim' ? r.simStartMs : 0;
    const out: FaultReport = {
      name: f.name,
      kind: f.kind,
      window: { clock: f.clock, atMs: f.from - origin, forMs: Number.isFinite(f.to) ? f.to - f.from : null },
      devices: f.devices.size,
      injected,
      exact,
    };
    if (f.kind === 'stuck') out.stuck = stuckDevices(strikes, r.installs, r.simStartMs);
    const missed = r.notInjected?.get(f.index);
    if (missed) out.notInjected = missed;
    const outages = r.outages ? outagesOfFault(f, { ...r.outages, active: r.active?.get(f.index) }) : [];
    if (outages.length) out.outages = outages;
    const note = windowNote(f.name, r.reconciliation, starts);
    if (note) out.note = note;
    return out;
  });
}

function stuckDevices(
  strikes: readonly DeviceStrike[],
  installs: readonly Installation[],
  startMs: number,
): StuckDevice[] {
  const wanted = new Map(
    strikes
      .filter((s) => s.inProgress > 0)
      .sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1))
      .slice(0, STUCK_LISTED)
      .map((s) => [s.deviceId, s.at] as const),
  );
  const byDevice = new Map<string, StuckDevice>();
  for (const inst of installs) {
    const at = wanted.get(inst.device.id);
    if (at === undefined) continue;
    let d = byDevice.get(inst.device.id);
    if (!d) byDevice.set(inst.device.id, (d = { deviceId: inst.device.id, atMs: at - startMs, apps: [] }));
    const last = inst.last;
    d.apps.push({ appId: inst.app.id, last: last ? { status: last.status, state: last.state, seq: inst.seq } : null });
  }
  return [...wanted.keys()].map((id) => byDevice.get(id)).filter((d): d is StuckDevice => d !== undefined);
}

/** Kinds whose window opens once for the whole fleet, in every part (each part's proxy opens it
 * for its own devices): the fleet's `struck` is the windows opened, not their sum over parts. */
const FLEET_WINDOWS = new Set(['partition', 'delay', 'bandwidth']);

/** Whether the fault's `struck` is something every part does once for the fleet (a window, a cut
 * pass over every connection), not a count of the part's own devices. */
function struckOnceForAll(f: FaultReport, fleetDevices: number | undefined): boolean {
  if (FLEET_WINDOWS.has(f.kind)) return true;
  return f.kind === 'connection-drop' && fleetDevices !== undefined && f.devices >= fleetDevices;
}

/** Adds the reports of several parts (workers, shards) of one run: counts add, stuck lists join;
 * a fault no part injected keeps a part's reason. `fleetDevices`: the merged fleet's size. */
export function mergeFaultReports(
  parts: readonly FaultReport[][],
  exact: boolean | null,
  fleetDevices?: number,
): FaultReport[] {
  const first = parts[0];
  if (!first) return [];
  return first.map((f, i) => {
    const injected: Record<string, number> = {};
    const stuck: StuckDevice[] = [];
    let notInjected: string | undefined;
    const once = struckOnceForAll(f, fleetDevices);
    for (const p of parts) {
      const x = p[i];
      if (!x) continue;
      for (const [k, n] of Object.entries(x.injected))
        injected[k] = k === 'struck' && once ? Math.max(injected[k] ?? 0, n) : (injected[k] ?? 0) + n;
      stuck.push(...(x.stuck ?? []));
      notInjected ??= x.notInjected;
    }
    stuck.sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1));
    const outages = mergeFaultOutages(parts.map((p) => p[i]?.outages));
    const { note: _note, notInjected: _missed, outages: _outages, ...rest } = f;
    return {
      ...rest,
      injected,
      exact,
      ...(outages.length ? { outages } : {}),
      ...(f.stuck ? { stuck: stuck.slice(0, STUCK_LISTED) } : {}),
      ...(notInjected && !injected.struck ? { notInjected } : {}),
    };
  });
}
