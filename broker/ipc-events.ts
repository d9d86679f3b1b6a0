/**
 * The event messages between a `serve --workers` broker and the owner, in a compact form: node's
 * IPC channel writes each message as JSON, and per event an object with a dozen named fields is
 * most of what is serialised, written, read and parsed. So a batch travels as one flat array, a
 * fixed number of fields per event in a fixed order (no keys), and the owner's answer as one
 * character per event. Exactness is unchanged: the worker has validated every event, the rows
 * carry every field (absent optional ones as null), and order is the array's.
 */
import { EVENT_SCHEMA_VERSION, type StatusEvent } from '../protocol/event.js';
import type { IngestOutcome } from './store.js';

/** One event's fields: deviceId, platform, appId, appVersion, jobId, seq, status, state, simTs, wallTs, native, enrolment. */
export const FIELDS_PER_EVENT = 12;

export type EventRows = (string | number | null)[];

export function pushEvent(rows: EventRows, e: StatusEvent): void {
  rows.push(
    e.deviceId,
    e.platform,
    e.appId,
    e.appVersion,
    e.jobId,
    e.seq,
    e.status,
    e.state,
    e.simTs,
    e.wallTs,
    e.native ?? null,
    e.enrolment ?? null,
  );
}

export function eventCount(rows: EventRows): number {
  return rows.length / FIELDS_PER_EVENT;
}

/** The i-th event of a batch, as the worker validated it. */
export function eventAt(rows: EventRows, i: number): StatusEvent {
  const o = i * FIELDS_PER_EVENT;
  const e: StatusEvent = {
    v: EVENT_SCHEMA_VERSION,
    deviceId: rows[o] as string,
    platform: rows[o + 1] as StatusEvent['platform'],
    appId: rows[o + 2] as string,
    appVersion: rows[o + 3] as string,
    jobId: rows[o + 4] as string,
    seq: rows[o + 5] as number,
    status: rows[o + 6] as string,
    state: rows[o + 7] as string,
    simTs: rows[o + 8] as number,
    wallTs: rows[o + 9] as number,
  };
  const native = rows[o + 10];
  if (native !== null && native !== undefined) e.native = native as string;
  const enrolment = rows[o + 11];
  if (enrolment !== null && enrolment !== undefined) e.enrolment = enrolment as number;
  return e;
}

const CODE: Record<IngestOutcome, string> = { accepted: 'a', duplicate: 'd', stale: 's' };

export function outcomeCode(o: IngestOutcome): string {
  return CODE[o];
}

export function outcomeOf(code: string): IngestOutcome {
  return code === 'a' ? 'accepted' : code === 'd' ? 'duplicate' : 'stale';
}
