/**
 * What a restart does with a data directory before the journal takes appends again: load the
 * snapshot (or convert an old events.ndjson), tell which journal epoch and how many acknowledged
 * bytes to expect from the commit mark, replay the journal (journal-replay.ts), and drop a torn
 * tail with its bytes kept aside. Anything that does not add up is a DataDirError and changes
 * nothing on disk.
 */
import { fsyncSync, ftruncateSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirError } from '../protocol/errors.js';
import { keepTornTail, resetFile } from './journal-files.js';
import { epochLine, JOURNAL_NAME, MAX_HEADER_BYTES, type Mark, parseMark, readLine } from './journal-format.js';
import { migrateLegacyJournal } from './journal-legacy.js';
import { replayJournal } from './journal-replay.js';
import { loadSnapshot } from './snapshot.js';
import type { TallyStore } from './store.js';

export interface Recovered {
  /** The journal's size once recovered: where the next batch goes. */
  size: number;
  epoch: number;
  replayed: number;
  fromSnapshot: number;
  droppedTornBytes: number;
  torn: string | undefined;
}

/** Recovers `dir` into `store`; `fd` is the journal opened read-write. */
export function recoverJournal(dir: string, store: TallyStore, fd: number, markPath: string): Recovered {
  const snap = migrateLegacyJournal(dir, store) ?? loadSnapshot(dir, store);
  const path = join(dir, JOURNAL_NAME);
  const buf = readFileSync(path);
  const expected = snap ? snap.epoch + 1 : 0;
  const first = readLine(buf, 0, Math.min(buf.length, MAX_HEADER_BYTES));
  const fileEpoch = first.ok && first.kind === 'J' ? first.epoch : undefined;
  const acknowledged = acknowledgedBytes(
    path,
    markPath,
    buf.length,
    parseMark(readFileSync(markPath)),
    fileEpoch ?? expected,
  );
  let replayed = 0;
  let goodBytes = -1;
  let torn: string | undefined;
  // A journal of the epoch the snapshot covers: a compaction interrupted after the snapshot.
  if (!(snap && fileEpoch === snap.epoch)) {
    if (fileEpoch !== undefined && fileEpoch !== expected)
      throw new DataDirError(
        `${path}: journal epoch ${fileEpoch}, but ${snap ? `the snapshot covers epoch ${snap.epoch}, so epoch ${expected} was expected` : 'there is no snapshot, so epoch 0 was expected'}. The files are from different directories or runs. Nothing was changed.`,
      );
    const r = replayJournal(path, buf, acknowledged, (e, at) => {
      if (store.ingest(e, at) === 'accepted') replayed++;
    });
    goodBytes = r.goodBytes;
    torn = r.torn;
  }
  // Replayed events after a compaction may repeat the snapshot: not counted, as live ones are not.
  store.counters.duplicates = 0;
  store.counters.stale = 0;
  let size = goodBytes;
  let dropped = 0;
  if (goodBytes >= 0 && goodBytes < buf.length) {
    // Kept aside before it is cut off: the evidence of what the crash left.
    dropped = buf.length - goodBytes;
    keepTornTail(dir, buf, goodBytes);
    ftruncateSync(fd, goodBytes);
    fsyncSync(fd);
  }
  if (goodBytes <= 0) size = resetFile(fd, expected);
  const fromSnapshot = snap?.pairs ?? 0;
  return { size, epoch: expected, replayed: replayed + fromSnapshot, fromSnapshot, droppedTornBytes: dropped, torn };
}

/**
 * The bytes of the journal of `epoch` that were acknowledged, by the commit mark. The mark speaks
 * for the journal of its own epoch only: one of the epoch the snapshot covers is what a compaction
 * interrupted before its new J line leaves. An unreadable J line cannot say its epoch, so the
 * expected one stands in, and a damaged start is not forgiven.
 */
function acknowledgedBytes(
  path: string,
  markPath: string,
  size: number,
  mark: Mark | undefined,
  epoch: number,
): number {
  if (mark === undefined || mark.epoch !== epoch) return 0;
  if (size === 0 && mark.offset > epochLine(mark.epoch).length)
    throw new DataDirError(
      `${path} is empty, but ${markPath} says ${mark.offset} bytes of it were acknowledged as durable: the journal was lost or replaced. Nothing was changed; restore the journal, or move DIR/committed and DIR/snapshot away to start from the snapshot alone or empty.`,
    );
  return mark.offset;
}
