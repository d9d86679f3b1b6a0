/**
 * An endpoint restart for a target fleetsim does not own: the user's command (for example
 * `systemctl restart ingest` or `docker restart ingest`), run through the shell with a time limit.
 * Its outcome goes into the report as it is: a command that failed or ran out of time did not
 * restart anything, and the report says so with its exit status and the end of its stderr.
 */
import { spawn } from 'node:child_process';
import type { Clock } from '../core/clock.js';

export interface HookOutcome {
  command: string;
  startedAt: number;
  ms: number;
  /** Exit code; undefined when it was killed (timeout) or could not start. */
  exitCode: number | undefined;
  timedOut: boolean;
  /** The last 2,000 characters it wrote to stderr. */
  stderr: string;
  /** Set when it did not succeed: what went wrong, in one sentence. */
  error: string | undefined;
}

export function runRestartHook(command: string, timeoutMs: number, clock: Clock): Promise<HookOutcome> {
  const startedAt = clock.now();
  // its own process group, so a timeout ends the command and whatever it started
  const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let stderr = '';
  child.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-2000);
  });
  let timedOut = false;
  const timer = clock.setTimeout(() => {
    timedOut = true;
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, timeoutMs);
  return new Promise((resolve) => {
    const done = (exitCode: number | undefined, spawnError?: Error) => {
      clock.clearTimeout(timer);
      const ms = clock.now() - startedAt;
      const error = spawnError
        ? `the restart hook could not start: ${spawnError.message}`
        : timedOut
          ? `the restart hook "${command}" ran longer than ${timeoutMs} ms and was killed`
          : exitCode !== 0
            ? `the restart hook "${command}" exited with ${exitCode ?? 'a signal'}${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`
            : undefined;
      resolve({ command, startedAt, ms, exitCode, timedOut, stderr: stderr.trim(), error });
    };
    child.once('error', (e) => done(undefined, e));
    child.once('exit', (code) => done(timedOut ? undefined : (code ?? undefined)));
  });
}
