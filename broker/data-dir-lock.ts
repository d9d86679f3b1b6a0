/**
 * One process per data directory, by an OS lock: flock(2) on DIR/LOCK, held by a `flock` child
 * (util-linux) whose stdin is a pipe from this process. Node has no flock of its own. The kernel
 * releases the lock when its holder exits, and the holder exits when this process does, however
 * it ends (kill -9 included): the pipe's write end closes, `cat` reads EOF. So a stale lock never
 * needs guessing from a PID, which may be a zombie or reused; the PID written into LOCK is for
 * people only. A restart right after a kill -9 waits up to LOCK_WAIT_S for the old holder to
 * notice; a live holder keeps the lock and the restart is refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirError } from '../protocol/errors.js';

export const LOCK_NAME = 'LOCK';
export const LOCK_WAIT_S = 3;

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dir: string): Promise<DataDirLock> {
  const path = join(dir, LOCK_NAME);
  return new Promise((resolve, reject) => {
    let holder: ChildProcess;
    try {
      holder = spawn('flock', ['--exclusive', '--wait', String(LOCK_WAIT_S), path, '-c', 'echo locked; exec cat'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
    } catch (err) {
      return reject(err);
    }
    let out = '';
    let err = '';
    let settled = false;
    holder.stderr!.on('data', (d) => (err += d));
    holder.once('error', (e) => {
      if (settled) return;
      settled = true;
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return reject(e);
      // No flock(1) (macOS, a minimal container): an exclusive create, the best Node has alone.
      try {
        resolve(pidLock(path));
      } catch (err) {
        reject(err);
      }
    });
    holder.once('exit', (code) => {
      if (settled) return;
      settled = true;
      let who = '';
      try {
        who = readFileSync(path, 'utf8').trim();
      } catch {
        // no PID recorded
      }
      reject(
        new DataDirError(
          `The data directory ${dir} is in use by another process${who ? ` (its LOCK names pid ${who})` : ''}: its lock on ${path} was held for ${LOCK_WAIT_S} s${code === 1 ? '' : ` (flock: ${err.trim() || `exit ${code}`})`}. Stop that process, or give this one another --data-dir.`,
        ),
      );
    });
    holder.stdout!.on('data', (d) => {
      out += d;
      if (settled || !out.includes('locked')) return;
      settled = true;
      writeFileSync(path, `${process.pid}\n`);
      // The holder must not keep this process alive, nor outlive it.
      holder.unref();
      (holder.stdin as unknown as { unref?: () => void }).unref?.();
      (holder.stdout as unknown as { unref?: () => void }).unref?.();
      (holder.stderr as unknown as { unref?: () => void }).unref?.();
      resolve({
        release: () => {
          holder.stdin!.end();
          holder.kill('SIGTERM');
        },
      });
    });
  });
}

/**
 * The fallback where flock(1) is missing: LOCK created exclusively ('wx') and removed on release.
 * Weaker, and said so in the refusal: a LOCK left by a process killed with SIGKILL stays until
 * someone who knows that process is gone removes it. It never guesses from a PID.
 */
function pidLock(path: string): DataDirLock {
  try {
    writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    let who = '';
    try {
      who = readFileSync(path, 'utf8').trim();
    } catch {
      // unreadable
    }
    throw new DataDirError(
      `The data directory of ${path} is in use${who ? ` (its LOCK names pid ${who})` : ''}. This system has no flock(1) (util-linux), so the lock is a plain file: if that process is gone, remove ${path} and start again; better, install util-linux so that the kernel releases the lock itself.`,
    );
  }
  return {
    release: () => {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    },
  };
}
