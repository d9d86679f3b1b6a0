/**
 * Per-device reconciliation: each installation's ground truth (its last reported status, state
 * and seq) against the endpoint's own row for that (device, app) (endpoint-client/devices.ts reads
 * them). Tallies can match while devices are wrong (two devices swapped, a stale event won); this
 * finds them. A shard checks only its own devices, which are final once its own events are
 * acknowledged, so workers check in parallel. Pure.
 */
import type { Platform } from '../protocol/catalogue/catalogue.js';
import type { Installation } from '../agent/sim/simulator.js';

/** Above this many installations of one app the check is skipped: listing is paged, 1,000 a request. */
export const DEVICE_CHECK_LIMIT = 100_000;
/** Differences kept in the result; `differing` counts them all. */
export const DEVICE_DIFFERENCES_KEPT = 200;

export interface DeviceRowLike {
  deviceId: string;
  platform: Platform;
  status: string;
  state: string;
  /** Absent where the system keeps no sequence number (a user's service): then only status and state are compared. */
  seq?: number;
}

export interface DeviceDifference {
  deviceId: string;
  appId: string;
  platform: Platform;
  /** Ground truth; null when the device never reported the app. */
  expected: { status: string; state: string; seq: number } | null;
  /** The endpoint's row; null when it has none. */
  counted: { status: string; state: string; seq?: number } | null;
}

export interface DeviceReconciliation {
  checked: boolean;
  reason?: string;
  /** (device, app) pairs compared. */
  pairs: number;
  /** Pairs that differ (all of them; `differences` keeps the first DEVICE_DIFFERENCES_KEPT by id). */
  differing: number;
  differences: DeviceDifference[];
  /**
   * A baseline run checked again later: pairs whose row the system held with a seq not older than
   * the run's last report, left to the system (re-used devices that sent nothing newer keep the
   * row they had; the run counted `notNewer` of them, and more than that are differences).
   */
  leftToTarget?: number;
}

/** Compares ground truth with the endpoint's rows for one app; pure. Rows for devices not in `installs` are ignored (another shard's). */
export function compareDevices(
  appId: string,
  installs: readonly Installation[],
  rows: readonly DeviceRowLike[],
): { pairs: number; differences: DeviceDifference[] } {
  const byId = new Map<string, DeviceRowLike>();
  for (const r of rows) byId.set(r.deviceId, r);
  const differences: DeviceDifference[] = [];
  let pairs = 0;
  for (const inst of installs) {
    if (inst.app.id !== appId) continue;
    pairs++;
    const last = inst.last;
    const row = byId.get(inst.device.id);
    const expected = last ? { status: last.status, state: last.state, seq: inst.seq } : null;
    const counted = row
      ? { status: row.status, state: row.state, ...(row.seq !== undefined ? { seq: row.seq } : {}) }
      : null;
    const same =
      expected && counted
        ? expected.status === counted.status &&
          expected.state === counted.state &&
          (counted.seq === undefined || expected.seq === counted.seq)
        : expected === counted;
    if (!same) differences.push({ deviceId: inst.device.id, appId, platform: inst.device.platform, expected, counted });
  }
  return { pairs, differences };
}

/** A difference whose system row is not older than the run's last report (seq): a re-used device's own row. */
export function notOlderRow(d: DeviceDifference): boolean {
  return d.expected !== null && d.counted?.seq !== undefined && d.counted.seq >= d.expected.seq;
}

/** Why the device check is skipped for these installations, or undefined when it is made. */
export function deviceCheckSkipped(installs: readonly Installation[]): string | undefined {
  const perApp = new Map<string, number>();
  for (const inst of installs) perApp.set(inst.app.id, (perApp.get(inst.app.id) ?? 0) + 1);
  const biggest = Math.max(0, ...perApp.values());
  if (biggest > DEVICE_CHECK_LIMIT)
    return `${biggest} installations of one app is over the ${DEVICE_CHECK_LIMIT} checked device by device; the tallies were reconciled`;
  return undefined;
}

/** A device check that was not made, and why. */
export function uncheckedDevices(reason: string): DeviceReconciliation {
  return { checked: false, reason, pairs: 0, differing: 0, differences: [] };
}

/** Compares the endpoint's rows of every app with ground truth. */
export function reconcileDevices(
  appIds: readonly string[],
  installs: readonly Installation[],
  rowsByApp: ReadonlyMap<string, readonly DeviceRowLike[]>,
): DeviceReconciliation {
  let pairs = 0;
  const all: DeviceDifference[] = [];
  for (const appId of appIds) {
    const c = compareDevices(appId, installs, rowsByApp.get(appId) ?? []);
    pairs += c.pairs;
    all.push(...c.differences);
  }
  all.sort(byDeviceThenApp);
  return { checked: true, pairs, differing: all.length, differences: all.slice(0, DEVICE_DIFFERENCES_KEPT) };
}

const byDeviceThenApp = (a: DeviceDifference, b: DeviceDifference) =>
  a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.appId < b.appId ? -1 : 1;

/** Adds the device checks of several parts (shards each checked their own devices). */
export function mergeDeviceReconciliations(
  parts: readonly (DeviceReconciliation | undefined)[],
): DeviceReconciliation | undefined {
  if (parts.length === 0 || parts.some((p) => !p)) return undefined;
  const unchecked = parts.find((p) => !p!.checked);
  if (unchecked) return { ...unchecked!, pairs: 0, differing: 0, differences: [] };
  const differences = parts.flatMap((p) => p!.differences).sort(byDeviceThenApp);
  return {
    checked: true,
    pairs: parts.reduce((n, p) => n + p!.pairs, 0),
    differing: parts.reduce((n, p) => n + p!.differing, 0),
    differences: differences.slice(0, DEVICE_DIFFERENCES_KEPT),
  };
}
