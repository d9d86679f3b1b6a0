/**
 * `serve --workers N`: the link between an MQTT worker process and the one owner of the tallies
 * (the primary). A worker validates and authorises, then hands events to the owner over the
 * cluster IPC channel, batched per turn of the event loop as flat rows (ipc-events.ts), and
 * acknowledges (PUBACK) only when the owner answers: acknowledged still means counted, and with
 * --data-dir durable. The owner's side is ipc-owner.ts.
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { StatusEvent } from '../protocol/event.js';
import type { BatchOutcome, Ingestor } from './ingestor.js';
import { type EventRows, outcomeOf, pushEvent } from './ipc-events.js';
import type { IngestOutcome } from './store.js';

/** Worker -> owner. */
export type ToOwner =
  | { t: 'events'; id: number; receivedAt: number; rows: EventRows }
  | { t: 'reject'; reason: string }
  | { t: 'listening'; port: number; directPort: number }
  /** Once a second: clients connected now, and the status PUBLISHes and connections (on the shared
   * port, on the worker's own) counted since the last report. */
  | {
      t: 'clients';
      connected: number;
      publishes: number;
      fastIngested: number;
      acceptedShared: number;
      acceptedDirect: number;
    };

/**
 * Owner -> worker. `answers`: the batches `ids`, answered in the order they were sent, and one
 * outcome code per event of them, in order (ipc-events.ts outcomeCode).
 */
export type ToWorker = { t: 'answers'; ids: number[]; outcomes: string } | { t: 'stop' };

export interface IpcChannel {
  send(m: ToOwner): void;
  on(event: 'message', fn: (m: ToWorker) => void): void;
}

type Done = (o: IngestOutcome) => void;

export class IpcIngestor implements Ingestor {
  private nextId = 1;
  private pending: EventRows = [];
  private callbacks: Done[] = [];
  private flushScheduled = false;
  private readonly inFlight = new Map<number, Done[]>();
  private drained: (() => void)[] = [];

  constructor(
    private readonly channel: IpcChannel,
    private readonly clock: Clock = systemClock,
  ) {
    channel.on('message', (m) => {
      if (m.t === 'answers') this.answered(m.ids, m.outcomes);
    });
  }

  private answered(ids: number[], outcomes: string): void {
    let at = 0;
    for (const id of ids) {
      const cbs = this.inFlight.get(id);
      if (!cbs) continue;
      this.inFlight.delete(id);
      for (let i = 0; i < cbs.length; i++) cbs[i]!(outcomeOf(outcomes[at++]!));
    }
    if (this.inFlight.size === 0 && this.callbacks.length === 0) for (const d of this.drained.splice(0)) d();
  }

  ingest(e: StatusEvent, _receivedAt: number, done: Done): void {
    pushEvent(this.pending, e);
    this.callbacks.push(done);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  ingestBatch(events: readonly StatusEvent[], receivedAt: number, done: (outcome: BatchOutcome) => void): void {
    this.ingestEach(events, receivedAt, (outcomes) => {
      const out: BatchOutcome = { accepted: 0, duplicates: 0, stale: 0 };
      for (const o of outcomes) {
        if (o === 'accepted') out.accepted++;
        else if (o === 'duplicate') out.duplicates++;
        else out.stale++;
      }
      done(out);
    });
  }

  ingestEach(events: readonly StatusEvent[], receivedAt: number, done: (outcomes: IngestOutcome[]) => void): void {
    const outcomes: IngestOutcome[] = new Array(events.length);
    let left = events.length;
    if (left === 0) return done(outcomes);
    events.forEach((e, i) => {
      this.ingest(e, receivedAt, (o) => {
        outcomes[i] = o;
        if (--left === 0) done(outcomes);
      });
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.callbacks.length === 0) return;
    const id = this.nextId++;
    this.inFlight.set(id, this.callbacks);
    this.channel.send({ t: 'events', id, receivedAt: Math.floor(this.clock.now()), rows: this.pending });
    this.pending = [];
    this.callbacks = [];
  }

  drain(): Promise<void> {
    if (this.inFlight.size === 0 && this.callbacks.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }
}
