/**
 * Read-side queries, as the seeds' "App Distribution & Installation Details" page offers them:
 * the devices of an app filtered by status, state and platform (paginated), and one device's
 * history for one app. Pure functions over the store; the HTTP layer only parses and renders.
 */
import { isPlatform, leftStatusTable, PLATFORMS, type Platform } from '../protocol/catalogue/catalogue.js';
import type { HistoryEntry, PairState, TallyStore } from './store.js';

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;

export interface DeviceFilter {
  status?: string;
  state?: string;
  platform?: Platform;
  /** Keyset cursor: list devices whose id sorts after this one. */
  after?: string;
  limit: number;
  /** Simulated "now" for the catalogue's retention rules (DME Installed: 7 days); defaults to the
   * latest simulated time the endpoint saw. */
  at?: number;
  /** Also list jobs that have left their status's table (DME Installed after 7 days). */
  includeExpired?: boolean;
}

export interface DeviceRow {
  deviceId: string;
  platform: Platform;
  status: string;
  state: string;
  seq: number;
  simTs: number;
  appVersion: string;
  jobId: string;
}

export interface DevicePage {
  appId: string;
  devices: DeviceRow[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

/** True when the job has left its status's table by `simNow`: the catalogue says how long a
 * status keeps its jobs (protocol/catalogue/dme.ts: Installed, 7 days). */
export function leftItsTable(p: PairState, simNow: number): boolean {
  return leftStatusTable(p.platform, p.status, p.simTs, simNow);
}

export function listDevices(store: TallyStore, appId: string, f: DeviceFilter): DevicePage {
  const simNow = f.at ?? store.simNow;
  // Keyset pagination by device id: stable while events keep arriving, unlike offsets. One more
  // match than the page holds says whether there is a next page.
  const { rows, from } = store.devicesInOrder(appId, f.after);
  const page: PairState[] = [];
  let more = false;
  for (let i = from; i < rows.length; i++) {
    const p = rows[i]!;
    if (f.status !== undefined && p.status !== f.status) continue;
    if (f.state !== undefined && p.state !== f.state) continue;
    if (f.platform !== undefined && p.platform !== f.platform) continue;
    if (!f.includeExpired && leftItsTable(p, simNow)) continue;
    if (page.length === f.limit) {
      more = true;
      break;
    }
    page.push(p);
  }
  const devices = page.map((p) => ({
    deviceId: p.deviceId,
    platform: p.platform,
    status: p.status,
    state: p.state,
    seq: p.seq,
    simTs: p.simTs,
    appVersion: p.appVersion,
    jobId: p.jobId,
  }));
  return { appId, devices, next: more ? page[page.length - 1]!.deviceId : null };
}

export interface DeviceHistory {
  appId: string;
  deviceId: string;
  platform: Platform;
  /** Accepted events in seq order (duplicates and late older events are not part of it). */
  events: HistoryEntry[];
}

export function deviceHistory(store: TallyStore, appId: string, deviceId: string): DeviceHistory | undefined {
  const p = store.pair(appId, deviceId);
  if (!p) return undefined;
  return { appId, deviceId, platform: p.platform, events: p.history.slice() };
}

export type FilterParse = { ok: true; filter: DeviceFilter } | { ok: false; field: string; reason: string };

/** Reads a device filter from URL query parameters, naming the parameter that is wrong. */
export function parseDeviceFilter(q: URLSearchParams): FilterParse {
  const f: DeviceFilter = { limit: DEFAULT_PAGE };
  const platform = q.get('platform');
  if (platform !== null) {
    if (!isPlatform(platform))
      return { ok: false, field: 'platform', reason: `expected one of ${PLATFORMS.join(', ')}, got "${platform}"` };
    f.platform = platform;
  }
  const status = q.get('status');
  if (status !== null) f.status = status;
  const state = q.get('state');
  if (state !== null) f.state = state;
  const after = q.get('after');
  if (after !== null) f.after = after;
  const limit = q.get('limit');
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE)
      return { ok: false, field: 'limit', reason: `expected an integer from 1 to ${MAX_PAGE}, got "${limit}"` };
    f.limit = n;
  }
  const at = q.get('at');
  if (at !== null) {
    const n = Number(at);
    if (!Number.isFinite(n) || n < 0)
      return { ok: false, field: 'at', reason: `expected simulated ms since the Unix epoch, got "${at}"` };
    f.at = n;
  }
  const inc = q.get('includeExpired');
  if (inc !== null) f.includeExpired = inc === '1' || inc === 'true';
  return { ok: true, filter: f };
}
