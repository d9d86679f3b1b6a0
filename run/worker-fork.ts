/**
 * One worker process of a --workers run: forked on its job, its progress, per-second points and
 * log lines passed up as they come, and its result or error back as the class it was thrown as;
 * a worker that exits without either is lost, and says which.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { TimelinePoint } from '../drive/metrics.js';
import { fromWire, WorkerError } from '../protocol/errors.js';
import type { RunResult } from '../result/result.js';
import type { LiveState, RunLogger } from './run-options.js';
import type { WorkerJob, WorkerMessage } from './worker-main.js';

/** The compiled worker entry (tests run the sources, so fall back to dist/). */
function workerEntry(): string {
  const here = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../dist/run/worker-main.js', import.meta.url));
}

/** Forks one worker on `job`; its error comes back as the class it was thrown as. */
export function runWorker(
  job: WorkerJob,
  onTick: (p: LiveState) => void,
  entry = workerEntry(),
  onPoint?: (p: TimelinePoint) => void,
  logger?: RunLogger,
): { child: ChildProcess; done: Promise<RunResult>; lost: () => string | undefined } {
  const child = fork(entry, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const which = `${job.options.shard!.index + 1}/${job.options.shard!.count}`;
  let lost: string | undefined;
  const done = new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'tick') onTick(m.progress);
      else if (m.type === 'point') onPoint?.(m.point);
      else if (m.type === 'log') logger?.[m.level]({ worker: which, ...m.obj }, m.msg);
      else if (m.type === 'result') {
        settled = true;
        resolve(m.result as RunResult);
      } else {
        settled = true;
        const err = fromWire(m);
        // a bug's message is its stack from the worker: say which worker it was
        if (err.internal) err.message = `worker ${which} failed: ${err.message}`;
        reject(err);
      }
    });
    child.on('exit', (code, signal) => {
      if (settled) return;
      lost = `worker ${which} exited (${signal ?? code}) before sending its result`;
      reject(new WorkerError(lost));
    });
  });
  child.send(job);
  return { child, done, lost: () => lost };
}
