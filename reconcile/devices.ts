/**
 * Per-device reconciliation: each installation's ground truth (its last reported status, state
 * and seq) against the endpoint's own row for that (device, app), read from
 * `GET /v1/apps/{appId}/devices` (docs/protocol.md). Tallies can match while devices are wrong
 * (two devices swapped, a stale event won); this finds them. A shard checks only its own devices,
 * which are final once its own events are acknowledged, so workers check in parallel.
 */
import { request } from 'undici';
import type { Platform } from '../protocol/catalogue.js';
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

async function fetchDeviceRows(baseUrl: string, appId: string): Promise<DeviceRowLike[]> {
  const rows: DeviceRowLike[] = [];
  let after: string | null = null;
  for (;;) {
    const u = new URL(`/v1/apps/${encodeURIComponent(appId)}/devices`, baseUrl);
    u.searchParams.set('limit', '1000');
    u.searchParams.set('includeExpired', '1');
    if (after) u.searchParams.set('after', after);
    const res = await request(u);
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new Error(`GET ${u.pathname} answered ${res.statusCode}`);
    }
    const page = (await res.body.json()) as { devices?: DeviceRowLike[]; next?: string | null };
    if (!Array.isArray(page.devices)) throw new Error(`GET ${u.pathname} has no "devices" list`);
    rows.push(...page.devices);
    if (!page.next) return rows;
    after = page.next;
  }
}

/** Reads the endpoint's rows for every app and compares them with ground truth. Never throws: a failure is `checked: false` with the reason. */
export async function reconcileDevices(
  baseUrl: string,
  appIds: readonly string[],
  installs: readonly Installation[],
): Promise<DeviceReconciliation> {
  const perApp = new Map<string, number>();
  for (const inst of installs) perApp.set(inst.app.id, (perApp.get(inst.app.id) ?? 0) + 1);
  const biggest = Math.max(0, ...perApp.values());
  if (biggest > DEVICE_CHECK_LIMIT) {
    return {
      checked: false,
      reason: `${biggest} installations of one app is over the ${DEVICE_CHECK_LIMIT} checked device by device; the tallies were reconciled`,
      pairs: 0,
      differing: 0,
      differences: [],
    };
  }
  let pairs = 0;
  const all: DeviceDifference[] = [];
  try {
    for (const appId of appIds) {
      const c = compareDevices(appId, installs, await fetchDeviceRows(baseUrl, appId));
      pairs += c.pairs;
      all.push(...c.differences);
    }
  } catch (err) {
    return {
      checked: false,
      reason: `the endpoint's device list could not be read: ${(err as Error).message}`,
      pairs: 0,
      differing: 0,
      differences: [],
    };
  }
  all.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.appId < b.appId ? -1 : 1));
  return { checked: true, pairs, differing: all.length, differences: all.slice(0, DEVICE_DIFFERENCES_KEPT) };
}

/** Adds the device checks of several parts (shards each checked their own devices). */
export function mergeDeviceReconciliations(
  parts: readonly (DeviceReconciliation | undefined)[],
): DeviceReconciliation | undefined {
  if (parts.length === 0 || parts.some((p) => !p)) return undefined;
  const unchecked = parts.find((p) => !p!.checked);
  if (unchecked) return { ...unchecked!, pairs: 0, differing: 0, differences: [] };
  const differences = parts
    .flatMap((p) => p!.differences)
    .sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.appId < b.appId ? -1 : 1));
  return {
    checked: true,
    pairs: parts.reduce((n, p) => n + p!.pairs, 0),
    differing: parts.reduce((n, p) => n + p!.differing, 0),
    differences: differences.slice(0, DEVICE_DIFFERENCES_KEPT),
  };
}
