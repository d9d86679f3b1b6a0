/**
 * `--workers N`: N worker processes, each running a deterministic shard of the fleet (device
 * index % N) against one endpoint, their results merged exactly and reconciled once. The
 * embedded endpoint, when there is no --target, runs in this process; past about 19,000
 * connections use `fleetsim serve --workers` as the target instead (20,000 open files per process).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { systemClock, type TimerHandle } from '../core/clock.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { resolveAuth } from '../transport/credentials.js';
import { TRANSPORTS, talliesAtTarget, targetUrl } from '../transport/kinds/kinds.js';
import { endpointAuth } from './endpoint-auth.js';
import { fromWire, TargetUnreachableError, UsageError, WorkerError } from '../protocol/errors.js';
import { mergeResults } from '../result/merge.js';
import { RunMetrics } from '../drive/metrics.js';
import { appIdsOf, checkShards } from '../result/shard-check.js';
import type { RunResult } from '../result/result.js';
import { fetchTallies, NO_TALLIES_REASON, type RunOptions } from './run-scenario.js';
import type { Scenario } from '../agent/scenario/schema.js';
import type { Simulator } from '../agent/sim/simulator.js';
import type { WorkerJob, WorkerMessage, WorkerProgress } from './worker-main.js';

/** The compiled worker entry (tests run the sources, so fall back to dist/). */
function workerEntry(): string {
  const here = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../dist/run/worker-main.js', import.meta.url));
}

/** Forks one worker on `job`; its error comes back as the class it was thrown as. */
export function runWorker(
  job: WorkerJob,
  onTick: (p: WorkerProgress, lastError: string | undefined) => void,
  entry = workerEntry(),
): { child: ChildProcess; done: Promise<RunResult> } {
  const child = fork(entry, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const which = `${job.options.shard!.index + 1}/${job.options.shard!.count}`;
  const done = new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'tick') onTick(m.progress, m.lastError);
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
      if (!settled) reject(new WorkerError(`worker ${which} exited (${signal ?? code}) before sending its result`));
    });
  });
  child.send(job);
  return { child, done };
}

export async function runWithWorkers(scenario: Scenario, opts: RunOptions, workers: number): Promise<RunResult> {
  if (opts.shard)
    throw new UsageError(
      '--workers and --shard go together only as separate runs: shard across machines with --shard, within one with --workers.',
    );
  const transport = opts.transport ?? scenario.transport;
  let endpoint: Endpoint | undefined;
  let target = opts.target;
  let talliesUrl = opts.talliesUrl ?? (target ? talliesAtTarget(transport, targetUrl(transport, target)) : undefined);
  // resolved once here so that the endpoint and every worker share the same secret
  const auth = opts.auth ?? resolveAuth(scenario, Boolean(target));
  if (!target) {
    endpoint = await startEndpoint(auth ? { auth: endpointAuth(auth) } : {});
    opts.onEndpoint?.(endpoint);
    target = TRANSPORTS[transport].embeddedTarget(endpoint);
    talliesUrl = endpoint.httpUrl;
  }
  const progress: (WorkerProgress | undefined)[] = Array.from({ length: workers }, () => undefined);
  const clock = opts.clock ?? systemClock;
  let tick: TimerHandle | undefined;
  // Progress shows the workers' summed figures and the latest error any worker reported.
  const metrics = new RunMetrics();
  if (opts.onTick) {
    tick = clock.setInterval(() => {
      const s = sumProgress(progress);
      // The workers' simulators and metrics live in their processes: progress gets their sums,
      // a simulator that answers `remaining`, and metrics that carry only the last error.
      if (s) opts.onTick!({ ...s, sim: { remaining: s.remaining } as Simulator, metrics });
    }, opts.tickMs ?? 500);
  }
  const running: ChildProcess[] = [];
  try {
    // functions and the logger stay in this process (they cannot cross the IPC channel)
    const { clock: _c, onSend: _s, onEndpoint: _e, onTick: _t, logger: _l, ...plain } = opts;
    const jobs = Array.from(
      { length: workers },
      (_, index): WorkerJob => ({
        scenario,
        options: {
          ...plain,
          ...(auth ? { auth } : {}),
          target,
          ...(talliesUrl ? { talliesUrl } : {}),
          transport,
          shard: { index, count: workers },
          deferReconcile: true,
        },
      }),
    );
    const runs = jobs.map((job, i) =>
      runWorker(job, (p, lastError) => {
        progress[i] = p;
        if (lastError) metrics.lastError = lastError;
      }),
    );
    running.push(...runs.map((r) => r.child));
    const parts = await Promise.all(runs.map((r) => r.done));
    checkShards(parts);
    let counted;
    if (talliesUrl) {
      try {
        counted = await fetchTallies(talliesUrl, appIdsOf(parts));
      } catch (err) {
        throw new TargetUnreachableError(`Cannot read tallies from ${talliesUrl}: ${(err as Error).message}`);
      }
    }
    const merged = mergeResults(parts, { sharedTarget: true, ...(counted ? { counted } : {}) });
    // the parts' own reason ("shard i/N ran part of the fleet") is not the whole run's
    if (!talliesUrl)
      merged.reconciliation = { ...merged.reconciliation, checked: false, match: false, reason: NO_TALLIES_REASON };
    merged.target = endpoint ? { kind: 'embedded', url: target } : { kind: 'external', url: target };
    return merged;
  } catch (err) {
    for (const c of running) if (c.exitCode === null) c.kill();
    throw err;
  } finally {
    clock.clearInterval(tick);
    await endpoint?.close();
  }
}

function sumProgress(parts: readonly (WorkerProgress | undefined)[]): WorkerProgress | undefined {
  let sum: WorkerProgress | undefined;
  for (const p of parts) {
    if (!p) continue;
    if (!sum) sum = { ...p };
    else
      for (const k of Object.keys(p) as (keyof WorkerProgress)[])
        sum[k] = k === 'elapsedMs' || k === 'simElapsedMs' || k === 'p99Ms' ? Math.max(sum[k], p[k]) : sum[k] + p[k];
  }
  return sum;
}
