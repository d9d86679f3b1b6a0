/**
 * The write-ahead journal behind `--data-dir` (docs/endpoint.md, "Durability" states what it
 * guarantees). Every accepted event is appended to a batch; a batch is written whole (a short
 * write is continued until every byte is in the file, an error fails it) and fdatasync'ed before
 * any event in it is acknowledged.
 *
 * Group commit: events appended while a flush is on disk wait for the next one, and a flush
 * starts on setImmediate, so everything read from every socket in one event-loop turn shares one
 * write and one fdatasync.
 *
 * After each fdatasync the commit mark (DIR/committed) is overwritten with the acknowledged
 * length, without an fsync of its own: it is only ever written after the bytes it names are
 * durable, so it can lag after an OS crash but never lead. A restart that finds fewer bytes than
 * the mark names refuses (acknowledged bytes are gone); a torn batch after it is dropped.
 *
 * Compaction: once the journal passes `compactBytes`, the store is snapshotted (snapshot.ts) as
 * covering this epoch, then the journal is emptied and starts epoch + 1. A crash between the two
 * leaves a snapshot of epoch E and a journal of epoch E: the restart loads the snapshot, skips the
 * journal it covers and finishes the compaction.
 */
import { closeSync, fdatasync, ftruncateSync, openSync, write, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StatusEvent } from '../protocol/event.js';
import { type DataDirLock, lockDataDir } from './data-dir-lock.js';
import { batchBytes, JOURNAL_NAME, markBytes, recordLine } from './journal-format.js';
import { recoverJournal } from './journal-recover.js';
import { openDataDir, resetFile } from './journal-files.js';
import { fsyncDir, writeSnapshot } from './snapshot.js';
import type { TallyStore } from './store.js';

export { JOURNAL_NAME as JOURNAL_FILE } from './journal-format.js';
export const MARK_NAME = 'committed';
/** @default 64 MiB */
export const DEFAULT_COMPACT_BYTES = 64 * 1024 * 1024;

export interface JournalStats {
  flushes: number;
  events: number;
  compactions: number;
}

export interface JournalOptions {
  onFatal: (err: Error) => void;
  /** Compact once the journal file is larger than this. @default DEFAULT_COMPACT_BYTES */
  compactBytes?: number;
}

export interface OpenedJournal {
  journal: Journal;
  /** Events applied: from the snapshot's pairs' latest state plus the journal's records. */
  replayed: number;
  fromSnapshot: number;
  droppedTornBytes: number;
  torn: string | undefined;
}

type Waiter = () => void;

export class Journal {
  private pending: Buffer[] = [];
  private pendingWaiters: Waiter[] = [];
  private inflightWaiters: Waiter[] = [];
  private flushing = false;
  private scheduled = false;
  private closed = false;
  private failed: Error | undefined;
  readonly stats: JournalStats = { flushes: 0, events: 0, compactions: 0 };

  private constructor(
    private readonly dir: string,
    private readonly fd: number,
    private readonly markFd: number,
    private size: number,
    private epoch: number,
    private readonly store: TallyStore,
    private readonly lock: DataDirLock,
    private readonly opts: JournalOptions,
  ) {}

  /**
   * Locks `dir`, loads its snapshot, replays its journal into `store` and returns the journal
   * ready to append. Throws DataDirError (with a byte offset) for a directory in use or damaged.
   */
  static async open(dir: string, store: TallyStore, opts: JournalOptions): Promise<OpenedJournal> {
    const lock = await openDataDir(dir, lockDataDir);
    let fd: number | undefined;
    let markFd: number | undefined;
    try {
      const path = join(dir, JOURNAL_NAME);
      const markPath = join(dir, MARK_NAME);
      fd = openSync(path, 'a+');
      closeSync(fd);
      fd = openSync(path, 'r+');
      markFd = openSync(markPath, 'a+');
      closeSync(markFd);
      markFd = openSync(markPath, 'r+');
      // fdatasync makes a file's bytes durable, not its name: the directory is synced once here.
      fsyncDir(dir);
      const r = recoverJournal(dir, store, fd, markPath);
      const j = new Journal(dir, fd, markFd, r.size, r.epoch, store, lock, opts);
      j.writeMark();
      return {
        journal: j,
        replayed: r.replayed,
        fromSnapshot: r.fromSnapshot,
        droppedTornBytes: r.droppedTornBytes,
        torn: r.torn,
      };
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      if (markFd !== undefined) closeSync(markFd);
      lock.release();
      throw err;
    }
  }

  /** Queues one accepted event; it is durable once a later whenDurable callback runs. */
  append(e: StatusEvent, receivedAt: number): void {
    if (this.closed || this.failed) return; // nothing journaled, so nothing more is acknowledged
    this.pending.push(recordLine(`{"at":${receivedAt},"event":${JSON.stringify(e)}}`));
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
    if (this.flushing || this.pending.length === 0 || this.failed) return;
    this.flushing = true;
    const bytes = batchBytes(this.pending);
    const count = this.pending.length;
    this.pending = [];
    this.inflightWaiters = this.pendingWaiters;
    this.pendingWaiters = [];
    const start = this.size;
    const writeFrom = (off: number): void => {
      // fs.write may write fewer bytes than asked (a full disk, a signal): continue from there.
      write(this.fd, bytes, off, bytes.length - off, start + off, (err, n) => {
        if (err) return this.fail(err, start);
        if (n === 0) return this.fail(new Error('write made no progress (disk full?)'), start);
        if (off + n < bytes.length) return writeFrom(off + n);
        fdatasync(this.fd, (err2) => {
          if (err2) return this.fail(err2, start);
          this.size = start + bytes.length;
          this.writeMark();
          this.stats.flushes++;
          this.stats.events += count;
          const waiters = this.inflightWaiters;
          this.inflightWaiters = [];
          this.flushing = false;
          for (let i = 0; i < waiters.length; i++) waiters[i]!();
          if (this.size > (this.opts.compactBytes ?? DEFAULT_COMPACT_BYTES)) this.compact();
          if (this.pending.length > 0) this.flush();
        });
      });
    };
    writeFrom(0);
  };

  /** Overwrites the commit mark in place: one small write, no fsync (see the file comment). */
  private writeMark(): void {
    const b = markBytes(this.size, this.epoch);
    writeSync(this.markFd, b, 0, b.length, 0);
  }

  /** Snapshot, then an empty journal of the next epoch. Runs between flushes, so nothing is in flight. */
  private compact(): void {
    try {
      writeSnapshot(this.dir, this.store, this.epoch);
      this.epoch++;
      this.size = resetFile(this.fd, this.epoch);
      this.writeMark();
      this.stats.compactions++;
    } catch (err) {
      this.fail(err as Error, this.size);
    }
  }

  /**
   * A failed write or fsync leaves the journal's tail unknown (the PostgreSQL fsync lesson): stop,
   * never acknowledge. The partial batch is cut off where possible so that it cannot be mistaken
   * for data; if even that fails, the restart finds it torn (shorter than its header says).
   */
  private fail(err: Error, batchStart: number): void {
    this.failed = err;
    try {
      ftruncateSync(this.fd, batchStart);
    } catch {
      // the restart tells a torn batch by its length
    }
    this.opts.onFatal(err);
  }

  /** Flushes what is queued, then closes the files and releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    await new Promise<void>((resolve) => {
      if (this.failed) return resolve();
      if (this.pending.length > 0 && !this.flushing && !this.scheduled) this.flush();
      this.whenDurable(resolve);
    });
    this.closed = true;
    closeSync(this.fd);
    closeSync(this.markFd);
    this.lock.release();
  }
}
