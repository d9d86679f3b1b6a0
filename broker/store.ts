/**
 * The tally store: the reference semantics of correct ingestion. Per (device, app) the event
 * with the highest seq wins; a duplicate or an older event is counted and changes nothing. Tallies
 * move incrementally (constant work per event).
 */
import type { Platform } from '../protocol/catalogue.js';
import type { StatusEvent } from '../protocol/event.js';
import { TallyBook, type AppTallies } from '../protocol/tally.js';

export type IngestOutcome = 'accepted' | 'duplicate' | 'stale';

interface Latest {
  seq: number;
  platform: Platform;
  status: string;
  state: string;
  simTs: number;
}

export interface StoreCounters {
  accepted: number;
  duplicates: number;
  stale: number;
  rejected: number;
  rejectedByReason: Record<string, number>;
}

export class TallyStore {
  private readonly latest = new Map<string, Latest>();
  readonly tallies = new TallyBook();
  readonly counters: StoreCounters = { accepted: 0, duplicates: 0, stale: 0, rejected: 0, rejectedByReason: {} };

  /** Applies one valid event. */
  ingest(e: StatusEvent): IngestOutcome {
    const key = `${e.deviceId}\n${e.appId}`;
    const prev = this.latest.get(key);
    if (prev) {
      if (e.seq === prev.seq) {
        this.counters.duplicates++;
        return 'duplicate';
      }
      if (e.seq < prev.seq) {
        this.counters.stale++;
        return 'stale';
      }
      this.tallies.move(e.appId, e.platform, prev, e.status, e.state);
      prev.seq = e.seq;
      prev.status = e.status;
      prev.state = e.state;
      prev.simTs = e.simTs;
    } else {
      this.tallies.add(e.appId, e.platform, e.status, e.state, 1);
      this.latest.set(key, { seq: e.seq, platform: e.platform, status: e.status, state: e.state, simTs: e.simTs });
    }
    this.counters.accepted++;
    return 'accepted';
  }

  /** Counts a refused event under its reason (the field that was wrong). */
  reject(field: string): void {
    this.counters.rejected++;
    this.counters.rejectedByReason[field] = (this.counters.rejectedByReason[field] ?? 0) + 1;
  }

  appTallies(appId: string): AppTallies {
    return this.tallies.get(appId);
  }

  appIds(): string[] {
    return this.tallies.appIds();
  }

  /** Number of (device, app) pairs known. */
  get pairs(): number {
    return this.latest.size;
  }
}
