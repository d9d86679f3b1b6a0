/**
 * `--workers N`: N worker processes, each running a deterministic shard of the fleet (device
 * index % N) against one endpoint, their results merged exactly and reconciled once. The
 * embedded endpoint, when there is no --target, runs in this process; past about 19,000
 * connections use `fleetsim serve --workers` as the target instead (20,000 open files per process).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { TargetUnreachableError, UsageError } from '../protocol/errors.js';
import { mergeResults, reconcileMerged } from './merge.js';
import type { RunResult } from './result.js';
import { fetchTallies, type RunOptions } from './runner.js';
import type { Scenario } from './scenario/schema.js';
import type { Simulator } from './sim.js';
import type { WorkerJob, WorkerMessage } from './worker-main.js';

/** The compiled worker entry (tests run the sources, so fall back to dist/). */
function workerEntry(): string {
  const here = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../dist/agent/worker-main.js', import.meta.url));
}

interface Progress { sent: number; acked: number; failed: number; connections: number; remaining: number }

function runWorker(job: WorkerJob, onTick: (p: Progress) => void): { child: ChildProcess; done: Promise<RunResult> } {
  const child = fork(workerEntry(), [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const done = new Promise<RunResult>((resolve, reject) => {
    let settled = false;
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'tick') onTick(m);
      else if (m.type === 'result') {
        settled = true;
        resolve(m.result as RunResult);
      } else {
        settled = true;
        if (m.code === 'TARGET_UNREACHABLE') reject(new TargetUnreachableError(m.message));
        else if (m.code === 'USAGE') reject(new UsageError(m.message));
        else reject(new Error(`worker ${job.options.shard!.index + 1}/${job.options.shard!.count} failed: ${m.stack ?? m.message}`));
      }
    });
    child.on('exit', (code, signal) => {
      if (!settled) reject(new Error(`worker ${job.options.shard!.index + 1}/${job.options.shard!.count} exited (${signal ?? code}) before sending its result`));
    });
  });
  child.send(job);
  return { child, done };
}

export async function runWithWorkers(scenario: Scenario, opts: RunOptions, workers: number): Promise<RunResult> {
  if (opts.shard) throw new UsageError('--workers and --shard go together only as separate runs: shard across machines with --shard, within one with --workers.');
  const transport = opts.transport ?? scenario.transport;
  let endpoint: Endpoint | undefined;
  let target = opts.target;
  let talliesUrl = opts.talliesUrl ?? (target && transport === 'http' ? new URL(target).origin : undefined);
  if (!target) {
    endpoint = await startEndpoint();
    opts.onEndpoint?.(endpoint);
    target = transport === 'mqtt' ? endpoint.mqttUrl : endpoint.httpUrl;
    talliesUrl = endpoint.httpUrl;
  }
  const progress: Progress[] = Array.from({ length: workers }, () => ({ sent: 0, acked: 0, failed: 0, connections: 0, remaining: 0 }));
  let tick: NodeJS.Timeout | undefined;
  if (opts.onTick) {
    tick = setInterval(() => {
      const s = progress.reduce((a, p) => ({ sent: a.sent + p.sent, acked: a.acked + p.acked, failed: a.failed + p.failed, connections: a.connections + p.connections, remaining: a.remaining + p.remaining }));
      // Progress reads only `remaining` of the simulator; the workers' simulators live elsewhere.
      opts.onTick!({ ...s, sim: { remaining: s.remaining } as Simulator });
    }, 500);
  }
  const running: ChildProcess[] = [];
  try {
    const { clock: _c, onSend: _s, onEndpoint: _e, onTick: _t, ...plain } = opts;
    const jobs = Array.from({ length: workers }, (_, index): WorkerJob => ({
      scenario,
      options: { ...plain, target, ...(talliesUrl ? { talliesUrl } : {}), transport, shard: { index, count: workers }, deferReconcile: true },
    }));
    const runs = jobs.map((job, i) => runWorker(job, (p) => (progress[i] = p)));
    running.push(...runs.map((r) => r.child));
    const parts = await Promise.all(runs.map((r) => r.done));
    const merged = mergeResults(parts);
    merged.target = endpoint ? { kind: 'embedded', url: target } : { kind: 'external', url: target };
    merged.scenario = { ...merged.scenario, file: opts.scenarioFile };
    if (!talliesUrl) {
      merged.reconciliation.reason = 'the external MQTT target has no tallies API; pass --tallies-url to reconcile';
      return merged;
    }
    let counted;
    try {
      counted = await fetchTallies(talliesUrl, merged.reconciliation.apps.map((a) => a.appId));
    } catch (err) {
      throw new TargetUnreachableError(`Cannot read tallies from ${talliesUrl}: ${(err as Error).message}`);
    }
    return reconcileMerged(merged, counted);
  } catch (err) {
    for (const c of running) if (c.exitCode === null) c.kill();
    throw err;
  } finally {
    if (tick) clearInterval(tick);
    await endpoint?.close();
  }
}
