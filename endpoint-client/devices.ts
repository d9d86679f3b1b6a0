/**
 * Reads the endpoint's own row for every (device, app), `GET /v1/apps/{appId}/devices`, paged
 * 1,000 at a time (docs/protocol.md). reconcile/devices.ts compares them with ground truth.
 */
import { getBounded } from './get.js';
import { TallySourceError } from '../protocol/errors.js';
import type { Platform } from '../protocol/catalogue/catalogue.js';

export interface DeviceRow {
  deviceId: string;
  platform: Platform;
  status: string;
  state: string;
  seq: number;
}

export async function fetchDeviceRows(baseUrl: string, appId: string): Promise<DeviceRow[]> {
  const rows: DeviceRow[] = [];
  let after: string | null = null;
  for (;;) {
    const u = new URL(`/v1/apps/${encodeURIComponent(appId)}/devices`, baseUrl);
    u.searchParams.set('limit', '1000');
    u.searchParams.set('includeExpired', '1');
    if (after) u.searchParams.set('after', after);
    const res = await getBounded(u);
    if (res.statusCode !== 200) {
      await res.body.dump();
      throw new TallySourceError(`GET ${u.pathname} answered ${res.statusCode}`);
    }
    const page = (await res.body.json()) as { devices?: DeviceRow[]; next?: string | null };
    if (!Array.isArray(page.devices)) throw new TallySourceError(`GET ${u.pathname} has no "devices" list`);
    rows.push(...page.devices);
    if (!page.next) return rows;
    after = page.next;
  }
}

/** Every app's rows, in the order of `appIds`. */
export async function fetchAllDeviceRows(
  baseUrl: string,
  appIds: readonly string[],
): Promise<Map<string, DeviceRow[]>> {
  const out = new Map<string, DeviceRow[]>();
  for (const appId of appIds) out.set(appId, await fetchDeviceRows(baseUrl, appId));
  return out;
}
