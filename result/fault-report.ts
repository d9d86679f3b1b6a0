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
}

export interface FaultReportInput {
  faults: readonly PlannedFault[];
  /** Per fault index, the counts of the drive, the endpoint and the fault proxy. */
  counts: readonly Record<string, number>[];
  strikes: readonly DeviceStrike[];
  installs: readonly Installation[];
  reconciliation: Reconciliation;
  simStartMs: number;
}

export function faultReports(r: FaultReportInput): FaultReport[] {
  const exact = r.reconciliation.checked ? r.reconciliation.match : null;
  const differing = new Set((r.reconciliation.devices?.differences ?? []).map((d) => d.deviceId));
  const complete = (r.reconciliation.devices?.differing ?? 0) === differing.size;
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
    if (exact === false && differing.size > 0 && complete && [...differing].every((id) => f.devices.has(id)))
      out.note = `every difference (${differing.size} device${differing.size === 1 ? '' : 's'}) is on a device this fault struck`;
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

/** Adds the reports of several parts (workers, shards) of one run: counts add, stuck lists join. */
export function mergeFaultReports(parts: readonly FaultReport[][], exact: boolean | null): FaultReport[] {
  const first = parts[0];
  if (!first) return [];
  return first.map((f, i) => {
    const injected: Record<string, number> = {};
    const stuck: StuckDevice[] = [];
    for (const p of parts) {
      const x = p[i];
      if (!x) continue;
      for (const [k, n] of Object.entries(x.injected)) injected[k] = (injected[k] ?? 0) + n;
      stuck.push(...(x.stuck ?? []));
    }
    stuck.sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1));
    const { note: _note, ...rest } = f;
    return { ...rest, injected, exact, ...(f.stuck ? { stuck: stuck.slice(0, STUCK_LISTED) } : {}) };
  });
}
