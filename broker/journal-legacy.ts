/**
 * Data directories written before journals had checksums hold DIR/events.ndjson: one JSON line
 * per event, no batches. It is replayed strictly (only a last line without its newline may be
 * torn), the state written as a snapshot, and the file renamed to events.ndjson.migrated (kept,
 * never deleted), once.
 */
import { existsSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { checkEvent } from '../protocol/event.js';
import { DataDirError } from '../protocol/errors.js';
import { type LoadedSnapshot, writeSnapshot } from './snapshot.js';
import type { TallyStore } from './store.js';

export const LEGACY_NAME = 'events.ndjson';

/** Replays and converts an old journal into `store`; the snapshot it wrote, or undefined if there was none. */
export function migrateLegacyJournal(dir: string, store: TallyStore): LoadedSnapshot | undefined {
  const path = join(dir, LEGACY_NAME);
  if (!existsSync(path)) return undefined;
  // journal.log exists (empty) by the time this runs: the journal opens it first.
  const hasNew = (name: string) => existsSync(join(dir, name)) && statSync(join(dir, name)).size > 0;
  if (hasNew('snapshot') || hasNew('journal.log'))
    throw new DataDirError(
      `${dir} holds both an old journal (${LEGACY_NAME}) and a new one: move one of them away. Nothing was changed.`,
    );
  const buf = readFileSync(path);
  let pos = 0;
  let n = 0;
  while (pos < buf.length) {
    const nl = buf.indexOf(10, pos);
    if (nl === -1) break; // a torn last line: never acknowledged
    if (nl > pos) {
      let rec: { at?: unknown; event?: unknown };
      try {
        rec = JSON.parse(buf.toString('utf8', pos, nl));
      } catch {
        throw new DataDirError(
          `${path}: byte offset ${pos}: the line is not JSON and more lines follow. Nothing was changed.`,
        );
      }
      const check = checkEvent(rec.event);
      if (!check.ok || typeof rec.at !== 'number')
        throw new DataDirError(`${path}: byte offset ${pos}: the line is not a valid event. Nothing was changed.`);
      store.ingest(check.event, rec.at);
      n++;
    }
    pos = nl + 1;
  }
  // Epoch -1: the new journal starts at epoch 0, after this snapshot.
  const bytes = writeSnapshot(dir, store, -1);
  renameSync(path, `${path}.migrated`);
  return { epoch: -1, accepted: store.counters.accepted, pairs: n, bytes };
}
