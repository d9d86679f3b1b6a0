/**
 * `serve --workers N`: the link between an MQTT worker process and the one owner of the tallies
 * (the primary). A worker validates and authorises, then hands events to the owner over the
 * cluster IPC channel, batched per turn of the event loop, and acknowledges (PUBACK) only when
 * the owner answers: acknowledged still means counted, and with --data-dir durable.
 */
import { type Clock, systemClock } from '../core/clock.js';
import type { StatusEvent } from '../protocol/event.js';
import type { BatchOutcome, Ingestor } from './ingestor.js';
import type { IngestOutcome } from './store.js';

/** Worker -> owner. */
export type ToOwner =
  | { t: 'events'; id: number; receivedAt: number; events: StatusEvent[] }
  | { t: 'reject'; reason: string }
  | { t: 'listening'; port: number }
  /** Once a second: clients connected now, and the status PUBLISHes counted since the last report. */
  | { t: 'clients'; connected: number; publishes: number; fastIngested: number };

/** Owner -> worker. */
export type ToWorker = { t: 'outcomes'; id: number; outcomes: IngestOutcome[] } | { t: 'stop' };

export interface IpcChannel {
  send(m: ToOwner): void;
  on(event: 'message', fn: (m: ToWorker) => void): void;
}

export class IpcIngestor implements Ingestor {
  private nextId = 1;
  private pending: StatusEvent[] = [];
  private callbacks: ((o: IngestOutcome) => void)[] = [];
  private flushScheduled = false;
  private readonly inFlight = new Map<number, ((o: IngestOutcome) => void)[]>();
  private drained: (() => void)[] = [];

  constructor(
    private readonly channel: IpcChannel,
    private readonly clock: Clock = systemClock,
  ) {
    channel.on('message', (m) => {
      if (m.t !== 'outcomes') return;
      const cbs = this.inFlight.get(m.id);
      if (!cbs) return;
      this.inFlight.delete(m.id);
      for (let i = 0; i < cbs.length; i++) cbs[i]!(m.outcomes[i]!);
      if (this.inFlight.size === 0 && this.pending.length === 0) for (const d of this.drained.splice(0)) d();
    });
  }

  ingest(e: StatusEvent, _receivedAt: number, done: (outcome: IngestOutcome) => void): void {
    this.pending.push(e);
    this.callbacks.push(done);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  ingestBatch(events: readonly StatusEvent[], receivedAt: number, done: (outcome: BatchOutcome) => void): void {
    const out: BatchOutcome = { accepted: 0, duplicates: 0, stale: 0 };
    let left = events.length;
    if (left === 0) return done(out);
    for (const e of events) {
      this.ingest(e, receivedAt, (o) => {
        if (o === 'accepted') out.accepted++;
        else if (o === 'duplicate') out.duplicates++;
        else out.stale++;
        if (--left === 0) done(out);
      });
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const id = this.nextId++;
    this.inFlight.set(id, this.callbacks);
    this.channel.send({ t: 'events', id, receivedAt: Math.floor(this.clock.now()), events: this.pending });
    this.pending = [];
    this.callbacks = [];
  }

  drain(): Promise<void> {
    if (this.inFlight.size === 0 && this.pending.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }
}

/** The owner's side: applies a worker's batch in order and answers with each event's outcome. */
export function answerBatch(owner: Ingestor, m: Extract<ToOwner, { t: 'events' }>, reply: (r: ToWorker) => void): void {
  const outcomes: IngestOutcome[] = new Array(m.events.length);
  let left = m.events.length;
  m.events.forEach((e, i) => {
    owner.ingest(e, m.receivedAt, (o) => {
      outcomes[i] = o;
      if (--left === 0) reply({ t: 'outcomes', id: m.id, outcomes });
    });
  });
}
