/**
 * The tally store: the reference semantics of correct ingestion. Per (device, app) the event
 * with the highest seq wins; a duplicate or an older event is counted and changes nothing. Tallies
 * (per app, and per platform across apps) move incrementally: constant work per event.
 *
 * The store is pure state (no I/O, no clock): `receivedAt` comes in with each event, so a journal
 * replay rebuilds exactly the state the live process had.
 */
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { isEventField, shortName, type StatusEvent } from '../protocol/event.js';
import { TallyBook, type AppTallies } from '../protocol/tally.js';
import { AppPairs } from './app-pairs.js';

export type IngestOutcome = 'accepted' | 'duplicate' | 'stale';

/** One applied event of a (device, app) pair, as the history query shows it. */
export interface HistoryEntry {
  seq: number;
  status: string;
  state: string;
  simTs: number;
  /** Wall time the endpoint accepted it, ms since the Unix epoch. */
  receivedAt: number;
  appVersion: string;
  jobId: string;
  native?: string;
}

/** The latest accepted event of one (device, app) pair, plus its recent history. */
export interface PairState {
  deviceId: string;
  platform: Platform;
  seq: number;
  status: string;
  state: string;
  simTs: number;
  receivedAt: number;
  appVersion: string;
  jobId: string;
  /** The device's enrolment of the latest event; absent for 0 (docs/protocol.md, "Factory reset"). */
  enrolment?: number;
  history: HistoryEntry[];
}

export interface StoreCounters {
  accepted: number;
  duplicates: number;
  stale: number;
  /** Events that began a later enrolment of their (device, app) pair (a factory reset): accepted whatever their seq. */
  reenrolments: number;
  rejected: number;
  /** Keyed by a field of the event or a fixed reason (REJECTION_REASONS), never by a client's text. */
  rejectedByReason: Record<string, number>;
  /**
   * The unknown field names refused, each cut to 64 characters: the first UNKNOWN_FIELD_NAMES
   * distinct names, every later one counted under "(other)". A null-prototype object, so a name
   * such as "constructor" is a key like any other.
   */
  unknownFields: Record<string, number>;
}

/** Reasons besides the event's own fields; anything else a client names counts as "(unknown field)". */
export const REJECTION_REASONS = ['(payload)', '(event)', 'acl', 'topic', '(unknown field)'] as const;
/** Distinct unknown field names kept by name in the counters. */
export const UNKNOWN_FIELD_NAMES = 32;

/** The counter a refusal goes under: the field it names when that is an event field or a fixed reason. */
export function reasonKey(field: string): string {
  return isEventField(field) || (REJECTION_REASONS as readonly string[]).includes(field) ? field : '(unknown field)';
}

const counts = (): Record<string, number> => Object.create(null) as Record<string, number>;

/** Accepted events kept per pair for the history query; older ones fall off (tallies are unaffected). */
export const HISTORY_LIMIT = 256;
/** The pseudo app id under which the per-platform tallies across all apps are kept. */
const ALL_APPS = '*';

function entryOf(e: StatusEvent, receivedAt: number): HistoryEntry {
  const h: HistoryEntry = {
    seq: e.seq,
    status: e.status,
    state: e.state,
    simTs: e.simTs,
    receivedAt,
    appVersion: e.appVersion,
    jobId: e.jobId,
  };
  if (e.native !== undefined) h.native = e.native;
  return h;
}

export class TallyStore {
  /** appId -> deviceId -> latest. Two map lookups instead of a concatenated key per event. */
  private readonly apps = new Map<string, AppPairs<PairState>>();
  readonly tallies = new TallyBook();
  /** Per platform across every app (the pseudo app "*"). */
  private readonly fleet = new TallyBook();
  readonly counters: StoreCounters = {
    accepted: 0,
    duplicates: 0,
    stale: 0,
    reenrolments: 0,
    rejected: 0,
    rejectedByReason: counts(),
    unknownFields: counts(),
  };
  private unknownNames = 0;
  private pairCount = 0;
  /** The latest simulated time any accepted event carried: the endpoint's view of "now" in the simulation. */
  simNow = 0;

  /** Applies one valid event. `receivedAt` is the wall time of acceptance (recorded in the history). */
  ingest(e: StatusEvent, receivedAt = 0): IngestOutcome {
    let devices = this.apps.get(e.appId);
    if (!devices) {
      devices = new AppPairs();
      this.apps.set(e.appId, devices);
    }
    const prev = devices.get(e.deviceId);
    if (prev) {
      // (enrolment, seq) in order: a wiped device's new enrolment starts seq again at 1 and wins.
      const enrolment = e.enrolment ?? 0;
      const was = prev.enrolment ?? 0;
      if (enrolment < was) {
        this.counters.stale++;
        return 'stale';
      }
      if (enrolment === was && e.seq === prev.seq) {
        this.counters.duplicates++;
        return 'duplicate';
      }
      if (enrolment === was && e.seq < prev.seq) {
        this.counters.stale++;
        return 'stale';
      }
      if (enrolment > was) {
        this.counters.reenrolments++;
        prev.enrolment = enrolment;
      }
      // A device does not change platform; if a report claims so, the pair moves cells on both books.
      this.tallies.add(e.appId, prev.platform, prev.status, prev.state, -1);
      this.fleet.add(ALL_APPS, prev.platform, prev.status, prev.state, -1);
      this.tallies.add(e.appId, e.platform, e.status, e.state, 1);
      this.fleet.add(ALL_APPS, e.platform, e.status, e.state, 1);
      prev.platform = e.platform;
      prev.seq = e.seq;
      prev.status = e.status;
      prev.state = e.state;
      prev.simTs = e.simTs;
      prev.receivedAt = receivedAt;
      prev.appVersion = e.appVersion;
      prev.jobId = e.jobId;
      if (prev.history.length >= HISTORY_LIMIT) prev.history.shift();
      prev.history.push(entryOf(e, receivedAt));
    } else {
      this.tallies.add(e.appId, e.platform, e.status, e.state, 1);
      this.fleet.add(ALL_APPS, e.platform, e.status, e.state, 1);
      devices.add({
        deviceId: e.deviceId,
        platform: e.platform,
        seq: e.seq,
        status: e.status,
        state: e.state,
        simTs: e.simTs,
        receivedAt,
        appVersion: e.appVersion,
        jobId: e.jobId,
        ...(e.enrolment ? { enrolment: e.enrolment } : {}),
        history: [entryOf(e, receivedAt)],
      });
      this.pairCount++;
    }
    if (e.simTs > this.simNow) this.simNow = e.simTs;
    this.counters.accepted++;
    return 'accepted';
  }

  /** Counts a refused event under its reason (the field that was wrong); the label set stays bounded. */
  reject(field: string): void {
    const c = this.counters;
    c.rejected++;
    const key = reasonKey(field);
    if (key !== field) {
      let name = shortName(field);
      if (c.unknownFields[name] === undefined) {
        if (this.unknownNames < UNKNOWN_FIELD_NAMES) this.unknownNames++;
        else name = '(other)';
      }
      c.unknownFields[name] = (c.unknownFields[name] ?? 0) + 1;
    }
    c.rejectedByReason[key] = (c.rejectedByReason[key] ?? 0) + 1;
  }

  appTallies(appId: string): AppTallies {
    return this.tallies.get(appId);
  }

  /** Per platform: status -> state -> count across every app. */
  platformTallies(): AppTallies['platforms'] {
    return this.fleet.get(ALL_APPS).platforms;
  }

  appIds(): string[] {
    return this.tallies.appIds();
  }

  /** The pairs of one app, in no particular order (queries filter and sort them). */
  devicesOf(appId: string): IterableIterator<PairState> | undefined {
    return this.apps.get(appId)?.values();
  }

  /** The pairs of one app ascending by device id (the listing's keyset order), and where a page after `after` starts. */
  devicesInOrder(appId: string, after?: string): { rows: readonly PairState[]; from: number } {
    const devices = this.apps.get(appId);
    if (!devices) return { rows: [], from: 0 };
    return { rows: devices.inOrder(), from: after === undefined ? 0 : devices.firstAfter(after) };
  }

  pair(appId: string, deviceId: string): PairState | undefined {
    return this.apps.get(appId)?.get(deviceId);
  }

  /** Every pair with its app, for a snapshot (journal compaction). */
  *allPairs(): IterableIterator<[string, PairState]> {
    for (const [appId, devices] of this.apps) for (const p of devices.values()) yield [appId, p];
  }

  /** Puts back one pair from a snapshot: the state ingesting its history would have left. */
  restorePair(appId: string, p: PairState): void {
    let devices = this.apps.get(appId);
    if (!devices) {
      devices = new AppPairs();
      this.apps.set(appId, devices);
    }
    if (devices.has(p.deviceId)) throw new Error(`snapshot lists ${appId}/${p.deviceId} twice`);
    devices.add(p);
    this.tallies.add(appId, p.platform, p.status, p.state, 1);
    this.fleet.add(ALL_APPS, p.platform, p.status, p.state, 1);
    this.pairCount++;
    if (p.simTs > this.simNow) this.simNow = p.simTs;
  }

  /** Number of (device, app) pairs known. */
  get pairs(): number {
    return this.pairCount;
  }
}
