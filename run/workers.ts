/**
 * `--workers N`: N worker processes, each running a deterministic shard of the fleet (device
 * index % N) against one endpoint, their results merged exactly and reconciled once. The
 * embedded endpoint, when there is no --target, runs in this process; past about 19,000
 * connections use `fleetsim serve --workers` as the target instead (20,000 open files per process).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { positionsOf } from '../agent/scenario/positions.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { type Clock, systemClock } from '../core/clock.js';
import { fromWire, UsageError, WorkerError } from '../protocol/errors.js';
import { mergeResults, mergeTimelines } from '../result/merge.js';
import type { TimelinePoint } from '../drive/metrics.js';
import type { RunResult } from '../result/result.js';
import { mergeThroughTarget } from './merge-target.js';
import { shownUrl } from './target-shown.js';
import { checkSourceBefore, heldBefore } from './read-before.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { forWorkers, fromParent, wireIdsByPart } from './read-baseline.js';
import { resolveRunTarget, wantsRunTarget } from './run-target.js';
import { appIdsOf, checkShards } from '../result/shard-check.js';
import { planFaults } from '../agent/faults/plan.js';
import { addEndpointCounts, endpointCounts, endpointNotInjected, endpointWindows } from './endpoint-faults.js';
import { NetworkFaults } from './network-faults.js';
import { addNotInjected, countsByFault, notInjectedOf } from './network-figures.js';
import type { NetworkPlan } from './network-plan.js';
import { planNetwork } from './network-step.js';
import type { Target } from './open-target.js';
import { openTarget } from './open-target.js';
import { readTallies } from './read-endpoint.js';
import { checkRun, type LiveState, type RunLogger, type RunOptions } from './run-options.js';
import { sizeOf } from './size-check.js';
import type { StopMessage, WorkerJob, WorkerMessage } from './worker-main.js';

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

export async function runWithWorkers(scenario: Scenario, opts: RunOptions, workers: number): Promise<RunResult> {
  // a target of the user's own: resolved here too (its errors before any worker starts), one run id for all
  const rt = wantsRunTarget(scenario, opts) ? resolveRunTarget(scenario, opts) : undefined;
  if (rt) opts = { ...opts, target: rt.url, transport: rt.kind, runId: rt.runId };
  const plan = checkRun(scenario, opts, workers, rt?.wiring.tls?.identityFor !== undefined);
  const net = planNetwork(scenario, opts, plan, workers);
  // opened once here, so the endpoint and every worker share the same secret
  const target = await openTarget(scenario, opts, plan, net?.restartsEmbedded);
  const clock = opts.clock ?? systemClock;
  // Each worker puts its own fault proxy in front of the target; restarts are this process's.
  const restarts = net ? parentRestarts(net, target, clock, opts.logger) : undefined;
  // The endpoint's faults are this process's to apply: the workers only see an external target.
  const faults = planFaults(scenario, {
    seed: plan.seed,
    ...(opts.devices !== undefined ? { devices: opts.devices } : {}),
  });
  // Armed at the first progress a worker reports, from the start of that worker's drive.
  let armed = (!target.endpoint && !restarts) || faults.faults.length === 0;
  let driveStart: number | undefined;
  const armOnce = (p: LiveState) => {
    if (armed) return;
    armed = true;
    // the faults' clock starts with the worker's drive, which has run elapsedMs by its first progress
    driveStart = clock.now() - p.elapsedMs;
    restarts?.start(driveStart);
    target.endpoint?.faults.arm(endpointWindows(faults, driveStart));
  };
  const progress: (LiveState | undefined)[] = Array.from({ length: workers }, () => undefined);
  // Progress shows the workers' summed figures and the latest error any worker reported.
  const tick = opts.onTick
    ? clock.setInterval(() => {
        const s = sumProgress(progress);
        if (s) opts.onTick!(s);
      }, opts.tickMs ?? 500)
    : undefined;
  const running: ChildProcess[] = [];
  try {
    // functions and the logger stay in this process (they cannot cross the IPC channel)
    const {
      clock: _c,
      onSend: _s,
      onEndpoint: _e,
      onNetwork: _n,
      onTick: _t,
      logger: _l,
      signal: _g,
      onPoint: _p,
      ...plain
    } = opts;
    const points = opts.onPoint ? new PointMerger(workers, opts.onPoint) : undefined;
    const logLevel = (opts.logger as { level?: string } | undefined)?.level;
    const positions = positionsOf(scenario);
    const appIds = scenario.apps.map((a) => a.id);
    // once, before any worker sends: the hint's pairs, and a baseline's counts and rows
    const before = opts.baselineBefore ? fromParent(opts.baselineBefore) : await heldBefore(rt, target, appIds);
    if (opts.baselineBefore) await checkSourceBefore(rt, appIds);
    // each worker is given the rows held before of its own devices only
    const own =
      rt?.baseline && before?.previous
        ? wireIdsByPart(
            buildFleet(scenario, { seed: plan.seed, ...(opts.devices !== undefined ? { devices: opts.devices } : {}) }),
            rt,
            workers,
          )
        : undefined;
    const runs = Array.from({ length: workers }, (_, index) =>
      runWorker(
        {
          scenario,
          ...(positions ? { positions } : {}),
          ...(logLevel ? { logLevel } : {}),
          options: {
            ...plain,
            ...(target.auth ? { auth: target.auth } : {}),
            target: target.url,
            ...(target.talliesUrl ? { talliesUrl: target.talliesUrl } : {}),
            transport: plan.transport,
            shard: { index, count: workers },
            deferReconcile: true,
            endpointFaultsElsewhere: true,
            sourceChecked: true,
            ...(rt?.baseline && before ? { baselineBefore: forWorkers(before, own?.[index]) } : {}),
          },
        },
        (p) => {
          progress[index] = p;
          armOnce(p);
        },
        undefined,
        points ? (p) => points.add(index, p) : undefined,
        opts.logger,
      ),
    );
    running.push(...runs.map((r) => r.child));
    const stopAll = () => {
      for (const c of running)
        if (c.connected) c.send({ type: 'stop', reason: opts.signal?.reason } satisfies StopMessage);
    };
    if (opts.signal?.aborted) stopAll();
    opts.signal?.addEventListener('abort', stopAll, { once: true });
    const settled = await Promise.allSettled(runs.map((r) => r.done)).finally(() =>
      opts.signal?.removeEventListener('abort', stopAll),
    );
    const restartFigures = await restarts?.stop();
    const missed = new Map([
      ...(target.endpoint && driveStart !== undefined ? endpointNotInjected(faults, clock.now() - driveStart) : []),
      ...(restartFigures ? notInjectedOf(restartFigures) : []),
    ]);
    const parts = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as Error] : []));
    const lost = runs.flatMap((r) => r.lost() ?? []);
    // A worker that reported an error fails the run as it did; one that died is lost, and the
    // others still report (below), unless none is left to.
    if (failed.length && (lost.length < failed.length || parts.length === 0)) throw failed[0];
    points?.flush();
    if (lost.length) return reportWithout(parts, lost, scenario, opts, target);
    checkShards(parts);
    if (rt) {
      const merged = await mergeThroughTarget(rt, parts, clock, before);
      if (restartFigures) {
        addEndpointCounts(merged.faults, countsByFault(restartFigures, new Map(), faults.faults.length));
      }
      addNotInjected(merged.faults, missed);
      merged.target = { kind: 'external', url: shownUrl(rt), ...(opts.targetFile ? { file: opts.targetFile } : {}) };
      merged.runId = rt.runId;
      if (rt.wire.namespaced) merged.namespaced = true;
      if (before) merged.reconciliation.heldBefore = before.pairs;
      return merged;
    }
    const gaveUp = parts.some((p) => (p.events.gaveUp ?? 0) > 0);
    const tallies = await readTallies(target.talliesUrl, appIdsOf(parts), gaveUp);
    target.endpoint?.faults.disarm();
    const merged = mergeResults(parts, { sharedTarget: true, tallies, target: { kind: target.kind, url: target.url } });
    addEndpointCounts(merged.faults, endpointCounts(faults, target.endpoint?.faults));
    if (restartFigures) {
      addEndpointCounts(merged.faults, countsByFault(restartFigures, new Map(), faults.faults.length));
    }
    addNotInjected(merged.faults, missed);
    if (before && target.kind === 'external') merged.reconciliation.heldBefore = before.pairs;
    return merged;
  } catch (err) {
    for (const c of running) if (c.exitCode === null) c.kill();
    throw err;
  } finally {
    clock.clearInterval(tick);
    await restarts?.stop();
    await target.close();
  }
}

/**
 * The report of the workers that finished when others died: their figures as they are, the lost
 * workers named with how many devices they had. Tallies are not compared: a lost worker's events
 * were partly acknowledged, so the endpoint holds events no surviving ground truth has. The
 * verdict is the simulator's give-up, exit 4, never a mismatch blamed on the endpoint.
 */
function reportWithout(
  parts: RunResult[],
  lost: string[],
  scenario: Scenario,
  opts: RunOptions,
  target: { kind: RunResult['target']['kind']; url: string },
): RunResult {
  const reason = `${lost.join('; ')}: its devices were partly sent, so the endpoint's tallies cannot be compared with the other workers' ground truth`;
  const merged = mergeResults(parts, {
    sharedTarget: true,
    tallies: { kind: 'unavailable', reason },
    target: { kind: target.kind, url: target.url },
  });
  const missing = sizeOf(scenario, opts.devices).devices - merged.devices.total;
  merged.lostWorkers = { workers: lost, devices: missing };
  merged.gaveUp = {
    events: merged.gaveUp?.events ?? 0,
    reason: `${lost.join('; ')} (its ${missing.toLocaleString('en-US')} devices are not in this report)${merged.gaveUp ? `; ${merged.gaveUp.reason}` : ''}`,
  };
  return { ...merged, passed: false, verdict: 'gave up', exitCode: 4 };
}

/** The workers' progress as one: counts add, times and p99 take the largest, the latest error shows. */
function sumProgress(parts: readonly (LiveState | undefined)[]): LiveState | undefined {
  let sum: LiveState | undefined;
  for (const p of parts) {
    if (!p) continue;
    if (!sum) {
      sum = { ...p };
      continue;
    }
    for (const k of SUMMED) sum[k] += p[k];
    for (const k of LARGEST) sum[k] = Math.max(sum[k], p[k]);
    if (p.devicesDown) {
      sum.devicesDown = (sum.devicesDown ?? 0) + p.devicesDown;
      sum.downForMs = Math.max(sum.downForMs ?? 0, p.downForMs ?? 0);
    }
    if (p.lastError) sum.lastError = p.lastError;
  }
  return sum;
}

const SUMMED = [
  'offered',
  'sent',
  'retried',
  'acked',
  'failed',
  'connections',
  'devicesOnline',
  'devicesDone',
  'devicesTotal',
  'installsDone',
  'installsTotal',
  'remaining',
] as const satisfies readonly (keyof LiveState)[];
const LARGEST = ['elapsedMs', 'simElapsedMs', 'p99Ms'] as const satisfies readonly (keyof LiveState)[];

/**
 * The workers' per-second points as one stream: second t goes out, summed exactly
 * (mergeTimelines), once every worker has reported a later second or ended.
 */
class PointMerger {
  private readonly latest: number[];
  private readonly pending = new Map<number, TimelinePoint[]>();
  constructor(
    workers: number,
    private readonly out: (p: TimelinePoint) => void,
  ) {
    this.latest = new Array(workers).fill(-1);
  }
  add(worker: number, p: TimelinePoint): void {
    this.latest[worker] = p.t;
    this.pending.set(p.t, [...(this.pending.get(p.t) ?? []), p]);
    const upTo = Math.min(...this.latest);
    for (const t of [...this.pending.keys()].sort((a, b) => a - b)) if (t < upTo) this.emit(t);
  }
  flush(): void {
    for (const t of [...this.pending.keys()].sort((a, b) => a - b)) this.emit(t);
  }
  private emit(t: number): void {
    const parts = this.pending.get(t)!;
    this.pending.delete(t);
    this.out(mergeTimelines(parts.map((p) => [p]))[0]!);
  }
}

/** The endpoint restarts of a --workers run, which this process applies once (the endpoint's
 * process, or the user's hook); undefined when the scenario has none. */
function parentRestarts(net: NetworkPlan, target: Target, clock: Clock, logger: RunLogger | undefined) {
  const restarts = net.faults.filter((f) => f.kind === 'endpoint-restart');
  if (restarts.length === 0) return undefined;
  return new NetworkFaults(restarts, { proxy: undefined, endpoint: target.process, clock, logger });
}
