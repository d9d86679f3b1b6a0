/**
 * Reconciliation: what every device really did (the last step of each installation) against what
 * the endpoint counted, per app, platform, status and state. Pure: no I/O.
 */
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { TallyBook, type AppTallies } from '../protocol/tally.js';
import type { DeviceReconciliation } from './devices.js';
import type { BaselineReport } from './baseline.js';
import type { Joined, UnmappedRow } from './labels.js';
import type { Installation } from '../agent/sim/simulator.js';

export interface Difference {
  appId: string;
  platform: Platform;
  status: string;
  state: string;
  expected: number;
  counted: number;
}

export interface Reconciliation {
  /** False when the endpoint's tallies could not be read (then `match` is false too). */
  checked: boolean;
  match: boolean;
  reason?: string;
  apps: { appId: string; expected: AppTallies; counted: AppTallies; match: boolean }[];
  differences: Difference[];
  /** Device by device, where the endpoint lists devices (reconcile/devices.ts). */
  devices?: DeviceReconciliation;
  /** Counts whose labels map to no entry of ours (reconcile/labels.ts): each one a difference. */
  unmapped?: UnmappedRow[];
  /** Entries of ours the user's codes do not tell apart: compared at the user's granularity. */
  joined?: Joined[];
  /** The tally source the counts came from, in words without secrets. */
  source?: string;
  /** Why the source may have counted nothing (its mapping read no field of the answer). */
  sourceNote?: string;
  /** Reading until consistent (endpoint-client/settle.ts). */
  settle?: SettleReport;
  /** Reconciled as `after - before` against the expected change (reconcile/baseline.ts); apps then hold changes. */
  baseline?: BaselineReport;
  /** When `fleetsim reconcile` read the counts again, after the run (ISO 8601). */
  reconciledAt?: string;
  /** (device, app) pairs the target held for the run's apps before the run, when it was read then. */
  heldBefore?: number;
}

export interface SettleReport {
  consistent: boolean;
  /** Last acknowledgement -> the read that matched, ms; null when none matched within the timeout. */
  afterMs: number | null;
  reads: number;
  waitedMs: number;
  timeoutMs: number;
}

/** Expected tallies from device ground truth. */
export function expectedTallies(installs: Iterable<Installation>): TallyBook {
  const book = new TallyBook();
  for (const inst of installs) {
    if (inst.last) book.add(inst.app.id, inst.device.platform, inst.last.status, inst.last.state, 1);
  }
  return book;
}

function cells(t: AppTallies): Map<string, number> {
  const out = new Map<string, number>();
  for (const [platform, statuses] of Object.entries(t.platforms)) {
    for (const [status, states] of Object.entries(statuses ?? {})) {
      for (const [state, n] of Object.entries(states)) out.set(`${platform}\u0000${status}\u0000${state}`, n);
    }
  }
  return out;
}

/** Compares expected with counted tallies cell by cell; every difference is listed. */
export function reconcile(expected: AppTallies[], counted: AppTallies[]): Reconciliation {
  const byId = new Map(counted.map((c) => [c.appId, c]));
  const differences: Difference[] = [];
  const apps: Reconciliation['apps'] = [];
  const ids = [...new Set([...expected.map((e) => e.appId), ...counted.map((c) => c.appId)])].sort();
  const expById = new Map(expected.map((e) => [e.appId, e]));
  for (const appId of ids) {
    const exp = expById.get(appId) ?? { appId, total: 0, statuses: {}, platforms: {} };
    const got = byId.get(appId) ?? { appId, total: 0, statuses: {}, platforms: {} };
    const a = cells(exp);
    const b = cells(got);
    let match = true;
    for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const e = a.get(key) ?? 0;
      const c = b.get(key) ?? 0;
      if (e !== c) {
        match = false;
        const [platform, status, state] = key.split('\u0000') as [Platform, string, string];
        differences.push({ appId, platform, status, state, expected: e, counted: c });
      }
    }
    apps.push({ appId, expected: exp, counted: got, match });
  }
  return { checked: true, match: differences.length === 0, apps, differences };
}
