/**
 * The owner's side of `serve --workers N` event IPC (ipc-ingestor.ts is the worker's): applies a
 * worker's batches in the order they come and answers them. Answers to one worker that are ready
 * in the same turn of the event loop leave in one message: each IPC write is a system call and
 * wakes the worker, and with one write per batch those writes were the owner's largest cost per
 * event (more than the store and tallies).
 */
import type { Ingestor } from './ingestor.js';
import { type EventRows, eventAt, eventCount, outcomeCode } from './ipc-events.js';
import type { ToWorker } from './ipc-ingestor.js';

export class WorkerAnswers {
  private ids: number[] = [];
  private outcomes = '';
  private scheduled = false;

  constructor(
    private readonly owner: Ingestor,
    private readonly reply: (r: ToWorker) => void,
  ) {}

  /** One batch of the worker's, applied now; its answer joins the next message. */
  take(id: number, receivedAt: number, rows: EventRows): void {
    const n = eventCount(rows);
    const events = new Array(n);
    for (let i = 0; i < n; i++) events[i] = eventAt(rows, i);
    this.owner.ingestEach(events, receivedAt, (outcomes) => {
      let codes = '';
      for (let i = 0; i < outcomes.length; i++) codes += outcomeCode(outcomes[i]!);
      this.ids.push(id);
      this.outcomes += codes;
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    });
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const ids = this.ids;
    const outcomes = this.outcomes;
    this.ids = [];
    this.outcomes = '';
    if (ids.length > 0) this.reply({ t: 'answers', ids, outcomes });
  };
}
