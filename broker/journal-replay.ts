/**
 * Replays a journal's bytes (journal-format.ts) and tells a torn tail from corruption:
 * - torn tail: the last batch ends before its header says (or the file ends inside a header, or
 *   everything from there on is zero bytes, as a file system can leave after an OS crash), and
 *   it starts at or after the commit mark: it was never acknowledged. It is dropped.
 * - corruption: anything else that fails a check, anywhere, and a torn batch before the commit
 *   mark (acknowledged bytes are missing). Refused with the byte offset; nothing is changed.
 * Offsets are byte offsets in the file.
 */
import { checkEvent, type StatusEvent } from '../protocol/event.js';
import { DataDirError } from '../protocol/errors.js';
import { MAX_HEADER_BYTES, readLine } from './journal-format.js';

export interface ReplayResult {
  epoch: number | undefined;
  replayed: number;
  /** Bytes that end in a whole batch: where the next append goes. */
  goodBytes: number;
  /** Why the bytes after goodBytes were dropped, when there are any. */
  torn?: string;
}

export function replayJournal(
  path: string,
  buf: Buffer,
  acknowledged: number,
  apply: (e: StatusEvent, at: number) => void,
): ReplayResult {
  const size = buf.length;
  const refuse = (at: number, what: string): never => {
    throw new DataDirError(
      `${path}: damaged at byte offset ${at} (${what}). This is not a torn tail from a crash: ${
        at < acknowledged
          ? `the journal acknowledged ${acknowledged} bytes as durable, so those bytes were changed or lost after they were written`
          : 'valid data follows it'
      }. Nothing was changed; the file is as found. Copy it aside for evidence; to start empty, move DIR/journal.log, DIR/snapshot and DIR/committed away.`,
    );
  };
  const torn = (at: number, why: string): ReplayResult => {
    if (at < acknowledged) refuse(at, `${why}, inside the ${acknowledged} bytes acknowledged as durable`);
    for (let i = at; i < size; i++) if (buf[i] !== 0) return done(at, why);
    return done(at, `${why}; only zero bytes follow`);
  };
  let replayed = 0;
  let epoch: number | undefined;
  const done = (goodBytes: number, why?: string): ReplayResult => ({
    epoch,
    replayed,
    goodBytes,
    ...(why ? { torn: why } : {}),
  });
  if (size === 0) return done(0);

  const first = readLine(buf, 0, Math.min(size, MAX_HEADER_BYTES));
  if (!first.ok)
    return first.incomplete && size < MAX_HEADER_BYTES
      ? torn(0, 'the file ends inside its first line')
      : zeroOr(0, first.problem);
  if (first.kind !== 'J') refuse(0, 'the first line is not the J (epoch) line');
  epoch = (first as { epoch: number }).epoch;
  let pos = first.end;

  function zeroOr(at: number, problem: string): ReplayResult {
    for (let i = at; i < size; i++) if (buf[i] !== 0) refuse(at, problem);
    return torn(at, 'zero bytes where a batch header should be');
  }

  while (pos < size) {
    const head = readLine(buf, pos, Math.min(size, pos + MAX_HEADER_BYTES));
    if (!head.ok) {
      if (head.incomplete && pos + MAX_HEADER_BYTES > size) return torn(pos, 'the file ends inside a batch header');
      return zeroOr(pos, `batch header: ${head.problem}`);
    }
    if (head.kind !== 'B') refuse(pos, `expected a batch header (B), found a ${head.kind} line`);
    const { length, count } = head as { length: number; count: number };
    const end = head.end + length;
    if (end > size) return torn(pos, `the last batch has ${size - head.end} of its ${length} bytes`);
    let at = head.end;
    const batch: { e: StatusEvent; at: number }[] = [];
    while (at < end) {
      const rec = readLine(buf, at, end);
      if (!rec.ok) refuse(at, `event record: ${rec.problem}`);
      if (rec.ok && rec.kind !== 'R') refuse(at, `expected an event record (R), found a ${rec.kind} line`);
      const r = rec as { body: Buffer; end: number };
      let value: { at?: unknown; event?: unknown };
      try {
        value = JSON.parse(r.body.toString('utf8'));
      } catch {
        return refuse(at, 'the record is not JSON although its checksum matches (written by another program?)');
      }
      const check = checkEvent(value.event);
      if (!check.ok || typeof value.at !== 'number')
        refuse(at, `the record is not a valid event (${check.ok ? 'at' : check.field}); from another version?`);
      batch.push({ e: (check as { event: StatusEvent }).event, at: value.at as number });
      at = r.end;
    }
    if (batch.length !== count) refuse(pos, `the batch header says ${count} events, the batch has ${batch.length}`);
    for (const b of batch) apply(b.e, b.at);
    replayed += batch.length;
    pos = end;
  }
  if (pos < acknowledged) refuse(pos, `the file ends here, ${acknowledged - pos} bytes short of what was acknowledged`);
  return done(pos);
}
