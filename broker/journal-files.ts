/** The data directory around the journal: creating and locking it, emptying the journal, keeping a torn tail aside. */
import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirError } from '../protocol/errors.js';
import type { DataDirLock } from './data-dir-lock.js';
import { epochLine } from './journal-format.js';

export async function openDataDir(dir: string, lock: (dir: string) => Promise<DataDirLock>): Promise<DataDirLock> {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new DataDirError(
      `Cannot use ${dir} as a data directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): give --data-dir a directory this process may create and write.`,
    );
  }
  return lock(dir);
}

/**
 * Copies the bytes a restart drops (a batch that was never wholly on disk, so never acknowledged)
 * to DIR/torn-<offset>.bin before the journal is cut back: dropped, but never destroyed unseen.
 */
export function keepTornTail(dir: string, buf: Buffer, from: number): string {
  const path = join(dir, `torn-${from}.bin`);
  const fd = openSync(path, 'w');
  try {
    const tail = buf.subarray(from);
    for (let off = 0; off < tail.length; ) off += writeSync(fd, tail, off, tail.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Empties the journal to just its J line, durably; returns its size. */
export function resetFile(fd: number, epoch: number): number {
  const line = epochLine(epoch);
  ftruncateSync(fd, 0);
  for (let off = 0; off < line.length; ) off += writeSync(fd, line, off, line.length - off, off);
  fsyncSync(fd);
  return line.length;
}
