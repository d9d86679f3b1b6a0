/**
 * Counts read back from the user's system carry the user's labels. They are mapped back to our
 * (platform, status, state) through the very tables the wire used, read backwards. A row whose
 * labels map to nothing is kept and reported ("unmapped: 12 devices in state FAILED_HASH"),
 * never dropped. Where the user's codes join several of our entries into one (their system keeps
 * fewer states than the catalogue), the comparison happens at their granularity: the expected
 * counts of the joined entries are added into the first of them, and the result says so.
 * Pure: no I/O.
 */
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { TallyBook, type AppTallies } from '../protocol/tally.js';
import type { DeviceRowLike } from './devices.js';
import { reconcile, type Reconciliation } from './reconcile.js';

export interface Triple {
  platform: Platform;
  status: string;
  state: string;
}

/** `platformCode\0statusCode\0stateCode` -> our entries carrying those codes (transport/wire/codes.ts builds it). */
export type LabelInverse = ReadonlyMap<string, readonly Triple[]>;

export interface LabelledRow {
  app: string;
  platform: string;
  status: string;
  state: string;
  count: number;
}

export interface UnmappedRow {
  appId: string;
  /** The labels as the system gave them. */
  platform: string;
  status: string;
  state: string;
  count: number;
}

export interface Joined {
  /** The entry the counts were compared under. */
  as: Triple;
  /** All our entries the user's codes do not tell apart. */
  entries: Triple[];
}

export interface MappedCounts {
  counted: AppTallies[];
  unmapped: UnmappedRow[];
  /** Rows for apps that are not the run's (the query was wider): left out of the comparison. */
  otherApps: number;
}

const key = (a: string, b: string, c: string) => `${a}\u0000${b}\u0000${c}`;

/** Maps rows back to our entries, app by app, for the run's apps. */
export function mapCounted(
  rows: readonly LabelledRow[],
  appIds: readonly string[],
  inverse: LabelInverse,
): MappedCounts {
  const books = new TallyBook();
  const unmapped = new Map<string, UnmappedRow>();
  const wanted = new Set(appIds);
  let otherApps = 0;
  for (const r of rows) {
    if (!wanted.has(r.app)) {
      otherApps++;
      continue;
    }
    if (r.count === 0) continue;
    const to = inverse.get(key(r.platform, r.status, r.state))?.[0];
    if (to) books.add(r.app, to.platform, to.status, to.state, r.count);
    else {
      const k = `${r.app}\u0000${key(r.platform, r.status, r.state)}`;
      const u = unmapped.get(k);
      if (u) u.count += r.count;
      else unmapped.set(k, { appId: r.app, platform: r.platform, status: r.status, state: r.state, count: r.count });
    }
  }
  return {
    counted: appIds.map((id) => books.get(id)),
    unmapped: [...unmapped.values()].sort((a, b) => b.count - a.count),
    otherApps,
  };
}

/** The entries the user's codes join, or [] when the codes tell every entry apart. */
export function joinedEntries(inverse: LabelInverse): Joined[] {
  return [...inverse.values()].filter((l) => l.length > 1).map((l) => ({ as: l[0]!, entries: [...l] }));
}

/** Expected tallies at the user's granularity: joined entries counted under the first of them. */
export function foldExpected(expected: readonly AppTallies[], joined: readonly Joined[]): AppTallies[] {
  if (joined.length === 0) return [...expected];
  const target = new Map<string, Triple>();
  for (const j of joined) for (const t of j.entries) target.set(key(t.platform, t.status, t.state), j.as);
  return expected.map((app) => {
    const book = new TallyBook();
    for (const [platform, statuses] of Object.entries(app.platforms) as [
      Platform,
      Record<string, Record<string, number>>,
    ][]) {
      for (const [status, states] of Object.entries(statuses)) {
        for (const [state, n] of Object.entries(states)) {
          const to = target.get(key(platform, status, state)) ?? { platform, status, state };
          book.add(app.appId, to.platform, to.status, to.state, n);
        }
      }
    }
    return book.get(app.appId);
  });
}

/** "unmapped: 12 devices in state 'FAILED_HASH' (ANDROID / FAILED) of com.acme.mail" */
export function describeUnmapped(u: UnmappedRow): string {
  return `unmapped: ${u.count} device${Math.abs(u.count) === 1 ? '' : 's'} in state '${u.state}' (${u.platform} / ${u.status}) of ${u.appId}`;
}

/**
 * Reconciles expected tallies with counts in the user's labels: mapped back, compared at the
 * user's granularity, every unmapped row a difference.
 */
export function reconcileRows(
  expected: readonly AppTallies[],
  rows: readonly LabelledRow[],
  appIds: readonly string[],
  inverse: LabelInverse,
): Reconciliation {
  return reconcileMapped(expected, mapCounted(rows, appIds, inverse), inverse);
}

/** The same, for counts already mapped back. */
export function reconcileMapped(
  expected: readonly AppTallies[],
  mapped: Pick<MappedCounts, 'counted' | 'unmapped'>,
  inverse: LabelInverse,
): Reconciliation {
  const joined = joinedEntries(inverse);
  const r = reconcile(foldExpected(expected, joined), mapped.counted);
  if (mapped.unmapped.length) {
    r.unmapped = mapped.unmapped;
    r.match = false;
  }
  if (joined.length) r.joined = joined;
  return r;
}

/** Marks the status and state of a device row whose labels map to none of ours. */
export const UNMAPPED_MARK = ' (unmapped)';

export interface SourceDeviceRowLike {
  device: string;
  platform: string;
  status: string;
  state: string;
  seq?: number;
}

/**
 * Device rows in the user's labels and device ids, as ours: the wire device id back to the
 * simulated one (rows of devices not in this run are left out: another run's or tenant's), the
 * labels back through the tables. A row whose labels map to nothing keeps them, so the device
 * shows as differing with what the system said.
 */
export function mapDeviceRows(
  rows: readonly SourceDeviceRowLike[],
  inverse: LabelInverse,
  simIdOf: (wireId: string) => string | undefined,
): DeviceRowLike[] {
  const out: DeviceRowLike[] = [];
  for (const r of rows) {
    const deviceId = simIdOf(r.device);
    if (deviceId === undefined) continue;
    const to = inverse.get(key(r.platform, r.status, r.state))?.[0];
    out.push({
      deviceId,
      platform: (to?.platform ?? r.platform) as Platform,
      status: to?.status ?? `${r.status}${UNMAPPED_MARK}`,
      state: to?.state ?? `${r.state}${UNMAPPED_MARK}`,
      ...(r.seq !== undefined ? { seq: r.seq } : {}),
    });
  }
  return out;
}
