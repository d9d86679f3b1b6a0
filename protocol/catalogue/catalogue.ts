/**
 * The status catalogue: every platform's statuses and granular states, one file per platform
 * beside this one, with the labels and descriptions exactly as the seed documents write them
 * (../shared/seeds) and the native protocol code behind each where one exists. `Platform` is the
 * list of keys below: a new platform is one file here and one line in CATALOGUES.
 *
 * Choices where the seeds have rough edges are documented in docs/catalogue.md.
 */
import { InternalError } from '../errors.js';
import { ANDROID_CATALOGUE } from './android.js';
import { DME_CATALOGUE } from './dme.js';
import { IOS_CATALOGUE } from './ios.js';
import type { PlatformCatalogue, StateDef, StatusDef } from './types.js';
import { WINDOWS_CATALOGUE } from './windows.js';

export type { PlatformCatalogue, StateDef, StateSource, StatusDef, StatusMeaning } from './types.js';

const CATALOGUES = {
  ios: IOS_CATALOGUE,
  android: ANDROID_CATALOGUE,
  windows: WINDOWS_CATALOGUE,
  dme: DME_CATALOGUE,
} as const;

export type Platform = keyof typeof CATALOGUES;
export const CATALOGUE: Readonly<Record<Platform, PlatformCatalogue>> = CATALOGUES;
export const PLATFORMS = Object.keys(CATALOGUES) as readonly Platform[];

const index = new Map<string, StateDef>();
const statusIndex = new Map<string, StatusDef>();
for (const p of PLATFORMS) {
  if (CATALOGUE[p].platform !== p) throw new InternalError(`catalogue "${p}" says it is "${CATALOGUE[p].platform}"`);
  for (const s of CATALOGUE[p].statuses) {
    statusIndex.set(`${p}/${s.id}`, s);
    for (const st of s.states) index.set(`${p}/${s.id}/${st.id}`, st);
  }
}
export function isPlatform(value: unknown): value is Platform {
  return typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value);
}

export function findStatus(platform: Platform, statusId: string): StatusDef | undefined {
  return statusIndex.get(`${platform}/${statusId}`);
}

export function findState(platform: Platform, statusId: string, stateId: string): StateDef | undefined {
  return index.get(`${platform}/${statusId}/${stateId}`);
}

/** Every (platform, status, state) of the catalogue, in catalogue order. */
export function allStates(): { platform: Platform; status: StatusDef; state: StateDef }[] {
  const out: { platform: Platform; status: StatusDef; state: StateDef }[] = [];
  for (const platform of PLATFORMS) {
    for (const status of CATALOGUE[platform].statuses) {
      for (const state of status.states) out.push({ platform, status, state });
    }
  }
  return out;
}

/** "Pending Install / Command Scheduled" for people. */
export function describe(platform: Platform, statusId: string, stateId: string): string {
  const st = findStatus(platform, statusId);
  const s = findState(platform, statusId, stateId);
  return `${st?.label ?? statusId} / ${s?.label ?? stateId}`;
}

/** True when a job last reported at `reportedAt` has left its status's table by `now` (the seed's
 * retention, e.g. DME Installed after 7 days); false for a status that keeps its jobs. */
export function leftStatusTable(platform: Platform, statusId: string, reportedAt: number, now: number): boolean {
  const retention = statusIndex.get(`${platform}/${statusId}`)?.retentionMs;
  return retention !== undefined && reportedAt + retention <= now;
}
