/**
 * The seam between the network side of the endpoint (parsing, validation, auth, acknowledgements)
 * and the one owner of the tallies. Everything that accepts events calls an Ingestor and
 * acknowledges only in its callback, so whatever stands behind it (the in-process store and
 * journal today; an IPC link from a worker process to the owner with `serve --workers N`) keeps
 * the rule "acknowledged means counted and, with --data-dir, durable".
 */
import type { StatusEvent } from '../protocol/event.js';
import type { EndpointMetrics } from './endpoint-metrics.js';
import type { Journal } from './journal.js';
import type { IngestOutcome, TallyStore } from './store.js';

export interface BatchOutcome {
  accepted: number;
  duplicates: number;
  stale: number;
}

export interface Ingestor {
  /** Applies one validated event; `done` runs when it may be acknowledged. */
  ingest(e: StatusEvent, receivedAt: number, done: (outcome: IngestOutcome) => void): void;
  /** Applies validated events in order; `done` runs once, when all may be acknowledged. */
  ingestBatch(events: readonly StatusEvent[], receivedAt: number, done: (outcome: BatchOutcome) => void): void;
  /** Applies validated events in order; `done` runs once, with each one's outcome, when all may be acknowledged. */
  ingestEach(events: readonly StatusEvent[], receivedAt: number, done: (outcomes: IngestOutcome[]) => void): void;
  /** Resolves when everything ingested so far may be acknowledged (shutdown waits on it). */
  drain(): Promise<void>;
}

/** The owner: applies to the store, journals accepted events, acknowledges after the group commit. */
export class LocalIngestor implements Ingestor {
  constructor(
    readonly store: TallyStore,
    private readonly metrics: EndpointMetrics,
    private readonly journal?: Journal,
  ) {}

  private apply(e: StatusEvent, receivedAt: number): IngestOutcome {
    const outcome = this.store.ingest(e, receivedAt);
    if (outcome === 'accepted') {
      this.journal?.append(e, receivedAt);
      this.metrics.endToEnd.record((receivedAt - e.wallTs) * 1000);
    }
    return outcome;
  }

  ingest(e: StatusEvent, receivedAt: number, done: (outcome: IngestOutcome) => void): void {
    const outcome = this.apply(e, receivedAt);
    // A duplicate waits too: its original may still be in the unflushed batch.
    if (this.journal) this.journal.whenDurable(() => done(outcome));
    else done(outcome);
  }

  ingestBatch(events: readonly StatusEvent[], receivedAt: number, done: (outcome: BatchOutcome) => void): void {
    const out: BatchOutcome = { accepted: 0, duplicates: 0, stale: 0 };
    for (let i = 0; i < events.length; i++) {
      const o = this.apply(events[i]!, receivedAt);
      if (o === 'accepted') out.accepted++;
      else if (o === 'duplicate') out.duplicates++;
      else out.stale++;
    }
    if (this.journal) this.journal.whenDurable(() => done(out));
    else done(out);
  }

  ingestEach(events: readonly StatusEvent[], receivedAt: number, done: (outcomes: IngestOutcome[]) => void): void {
    const outcomes: IngestOutcome[] = new Array(events.length);
    for (let i = 0; i < events.length; i++) outcomes[i] = this.apply(events[i]!, receivedAt);
    // One wait for the batch: its duplicates' originals may be in the same unflushed group commit.
    if (this.journal) this.journal.whenDurable(() => done(outcomes));
    else done(outcomes);
  }

  drain(): Promise<void> {
    const j = this.journal;
    return j ? new Promise((resolve) => j.whenDurable(resolve)) : Promise.resolve();
  }
}
