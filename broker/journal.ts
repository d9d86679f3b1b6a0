/**
 * The write-ahead journal behind `--data-dir`: every accepted event is appended as one JSON line
 * and made durable (write + fdatasync) before anyone is told it was accepted.
 *
 * Group commit: lines appended while a flush is in progress wait for the next one, and a flush
 * starts on setImmediate, so everything read from every socket in one event-loop turn shares one
 * write and one fdatasync. Throughput then costs one fsync per batch, not per event.
 *
 * A kill -9 can leave a torn last line (written, not yet synced, never acknowledged): replay drops
 * it and truncates the file back to the last complete line.
 */
import {
  closeSync,
  fdatasync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  write,
  fstatSync,
  unlinkSync,
  writeFileSync,
  readFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { checkEvent, type StatusEvent } from '../protocol/event.js';
import { DataDirError } from '../protocol/errors.js';

export const JOURNAL_FILE = 'events.ndjson';
const LOCK_FILE = 'LOCK';

export interface JournalStats {
  flushes: number;
  events: number;
}

type Waiter = () => void;

export class Journal {
  private pending: string[] = [];
  private pendingWaiters: Waiter[] = [];
  private inflightWaiters: Waiter[] = [];
  private flushing = false;
  private scheduled = false;
  private closed = false;
  private failed: Error | undefined;
  readonly stats: JournalStats = { flushes: 0, events: 0 };

  private constructor(
    private readonly fd: number,
    private readonly lockPath: string,
    private readonly onFatal: (err: Error) => void,
  ) {}

  /**
   * Opens (creating) the journal in `dir`, replays every complete line through `apply` in order,
   * and returns the journal ready to append. Throws DataDirError for a directory in use or corrupt.
   */
  static open(
    dir: string,
    apply: (e: StatusEvent, receivedAt: number) => void,
    onFatal: (err: Error) => void,
  ): { journal: Journal; replayed: number; droppedTornBytes: number } {
    const lockPath = join(dir, LOCK_FILE);
    const path = join(dir, JOURNAL_FILE);
    let fd: number;
    try {
      mkdirSync(dir, { recursive: true });
      takeLock(lockPath);
      fd = openSync(path, 'a+');
    } catch (err) {
      if (err instanceof DataDirError) throw err;
      throw new DataDirError(
        `Cannot use ${dir} as a data directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give --data-dir a directory this process may create and write.`,
      );
    }
    try {
      const { replayed, goodBytes, size } = replay(fd, path, apply);
      if (goodBytes < size) {
        ftruncateSync(fd, goodBytes);
        fsyncSync(fd);
      }
      return { journal: new Journal(fd, lockPath, onFatal), replayed, droppedTornBytes: size - goodBytes };
    } catch (err) {
      closeSync(fd);
      unlinkSync(lockPath);
      throw err;
    }
  }

  /** Queues one accepted event; it is durable once a later whenDurable callback runs. */
  append(e: StatusEvent, receivedAt: number): void {
    if (this.closed) return; // after shutdown nothing is journaled, so nothing more is acknowledged
    this.pending.push(`{"at":${receivedAt},"event":${JSON.stringify(e)}}\n`);
    if (!this.flushing && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Runs `cb` once everything appended so far is on disk (at once when nothing is outstanding). */
  whenDurable(cb: Waiter): void {
    // Never acknowledge after a failed write (the process is going down) or once closed.
    if (this.failed || this.closed) return;
    if (this.pending.length > 0) this.pendingWaiters.push(cb);
    else if (this.flushing) this.inflightWaiters.push(cb);
    else cb();
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.flushing || this.pending.length === 0) return;
    this.flushing = true;
    const text = this.pending.length === 1 ? this.pending[0]! : this.pending.join('');
    const count = this.pending.length;
    this.pending = [];
    this.inflightWaiters = this.pendingWaiters;
    this.pendingWaiters = [];
    write(this.fd, text, null, 'utf8', (err) => {
      if (err) return this.fail(err);
      fdatasync(this.fd, (err2) => {
        if (err2) return this.fail(err2);
        this.stats.flushes++;
        this.stats.events += count;
        const waiters = this.inflightWaiters;
        this.inflightWaiters = [];
        this.flushing = false;
        for (let i = 0; i < waiters.length; i++) waiters[i]!();
        if (this.pending.length > 0) this.flush();
      });
    });
  };

  /** A failed write or fsync leaves the journal's tail unknown (the PostgreSQL fsync lesson): stop, never ack. */
  private fail(err: Error): void {
    this.failed = err;
    this.onFatal(err);
  }

  /** Flushes what is queued, then closes the file and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      if (this.failed) return resolve();
      if (this.pending.length > 0 && !this.flushing && !this.scheduled) this.flush();
      this.whenDurable(resolve);
    });
    this.closed = true;
    closeSync(this.fd);
    try {
      unlinkSync(this.lockPath);
    } catch {
      // already gone
    }
  }
}

/** One process per data directory; a LOCK left by a killed process (its pid gone) is taken over. */
function takeLock(lockPath: string): void {
  try {
    writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const pid = Number(readFileSync(lockPath, 'utf8').trim());
  if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
    throw new DataDirError(
      `The data directory ${lockPath.slice(0, -LOCK_FILE.length - 1)} is in use by process ${pid} (its LOCK file says so). Stop that process, or give this one another --data-dir.`,
    );
  }
  writeFileSync(lockPath, String(process.pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the journal line by line in 1 MiB chunks; returns how many bytes end in a complete line. */
function replay(
  fd: number,
  path: string,
  apply: (e: StatusEvent, receivedAt: number) => void,
): { replayed: number; goodBytes: number; size: number } {
  const size = fstatSync(fd).size;
  const chunk = Buffer.allocUnsafe(1 << 20);
  // A multi-byte character can straddle two chunks: the decoder holds its first bytes back.
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let pos = 0;
  let goodBytes = 0;
  let line = 0;
  let replayed = 0;
  while (pos < size) {
    const n = readSync(fd, chunk, 0, chunk.length, pos);
    if (n <= 0) break;
    pos += n;
    const text = carry + decoder.write(chunk.subarray(0, n));
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      const raw = text.slice(start, nl);
      line++;
      goodBytes += Buffer.byteLength(raw) + 1;
      start = nl + 1;
      if (raw.length === 0) continue;
      let rec: { at?: unknown; event?: unknown };
      try {
        rec = JSON.parse(raw) as { at?: unknown; event?: unknown };
      } catch {
        throw new DataDirError(
          `${path}:${line}: the journal line is not JSON, but it is followed by more lines, so it is not a torn tail from a crash. The file is damaged; move it away to start empty.`,
        );
      }
      const check = checkEvent(rec.event);
      if (!check.ok || typeof rec.at !== 'number') {
        throw new DataDirError(
          `${path}:${line}: the journal line is not a valid event (${check.ok ? 'at: expected a number' : `${check.field}: ${check.reason}`}). The file is damaged or from another version.`,
        );
      }
      apply(check.event, rec.at);
      replayed++;
    }
    carry = text.slice(start);
  }
  return { replayed, goodBytes, size };
}
