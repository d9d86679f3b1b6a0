/**
 * A snapshot of the tally store, the first half of journal compaction: after it is durable the
 * journal can be emptied, so a restart reads the state once instead of every event ever taken.
 *
 *   S <epoch> <accepted>          the journal epoch it covers, the accepted count
 *   P {"appId":..,...PairState}   one line per (device, app) pair, its latest state and history
 *   E <crc> <pairs>               CRC-32 of every byte before this line
 *
 * Written to snapshot.tmp, fsync'ed, renamed over `snapshot`, the directory fsync'ed: a crash at
 * any point leaves the old snapshot or the new one, whole. A snapshot that fails its CRC is
 * corruption (it was renamed only once complete): the restart refuses.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { DataDirError } from '../protocol/errors.js';
import type { PairState, TallyStore } from './store.js';

export const SNAPSHOT_NAME = 'snapshot';
const CHUNK = 1 << 20;

/** Makes a directory's entries (a file created or renamed in it) durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes the store as covering journal `epoch`; returns the snapshot's size in bytes. */
export function writeSnapshot(dir: string, store: TallyStore, epoch: number): number {
  const tmp = join(dir, `${SNAPSHOT_NAME}.tmp`);
  const fd = openSync(tmp, 'w');
  let crc = 0;
  let size = 0;
  let parts: string[] = [];
  let partBytes = 0;
  const put = (s: string, force = false) => {
    parts.push(s);
    partBytes += s.length;
    if (partBytes < CHUNK && !force) return;
    const b = Buffer.from(parts.join(''));
    crc = crc32(b, crc);
    for (let off = 0; off < b.length; ) off += writeSync(fd, b, off, b.length - off);
    size += b.length;
    parts = [];
    partBytes = 0;
  };
  try {
    put(`S ${epoch} ${store.counters.accepted}\n`);
    let pairs = 0;
    for (const [appId, p] of store.allPairs()) {
      put(`P ${JSON.stringify({ appId, ...p })}\n`);
      pairs++;
    }
    put('', true);
    const trailer = Buffer.from(`E ${(crc >>> 0).toString(16).padStart(8, '0')} ${pairs}\n`);
    for (let off = 0; off < trailer.length; ) off += writeSync(fd, trailer, off, trailer.length - off);
    size += trailer.length;
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, SNAPSHOT_NAME));
  fsyncDir(dir);
  return size;
}

export interface LoadedSnapshot {
  epoch: number;
  accepted: number;
  pairs: number;
  bytes: number;
}

/** Loads a snapshot into an empty store; undefined when there is none. */
export function loadSnapshot(dir: string, store: TallyStore): LoadedSnapshot | undefined {
  const path = join(dir, SNAPSHOT_NAME);
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const bad = (what: string): never => {
    throw new DataDirError(
      `${path}: ${what}. A snapshot is renamed into place only once written and synced, so this is damage, not a crash. Nothing was changed. Copy it aside for evidence; to start empty, move DIR/snapshot, DIR/journal.log and DIR/committed away.`,
    );
  };
  const lastNl = buf.lastIndexOf(10, buf.length - 2);
  const trailer = /^E ([0-9a-f]{8}) (\d+)\n$/.exec(buf.toString('latin1', lastNl + 1));
  if (!trailer) bad(`no trailer line at byte offset ${lastNl + 1}`);
  const body = buf.subarray(0, lastNl + 1);
  if ((crc32(body) >>> 0).toString(16).padStart(8, '0') !== trailer![1])
    bad(`checksum mismatch over bytes 0-${lastNl}`);
  const headEnd = body.indexOf(10);
  const head = /^S (-?\d+) (\d+)$/.exec(body.toString('latin1', 0, headEnd));
  if (!head) bad('no S line at byte offset 0');
  let pos = headEnd + 1;
  let pairs = 0;
  while (pos < body.length) {
    const nl = body.indexOf(10, pos);
    if (body[pos] !== 80 /* P */) bad(`expected a P line at byte offset ${pos}`);
    const { appId, ...p } = JSON.parse(body.toString('utf8', pos + 2, nl)) as PairState & { appId: string };
    store.restorePair(appId, p);
    pairs++;
    pos = nl + 1;
  }
  if (pairs !== Number(trailer![2])) bad(`the trailer says ${trailer![2]} pairs, the file has ${pairs}`);
  store.counters.accepted = Number(head![2]);
  return { epoch: Number(head![1]), accepted: Number(head![2]), pairs, bytes: buf.length };
}
