/**
 * `--workers N`: N worker processes, each running a deterministic shard of the fleet (device
 * index % N) against one endpoint, their results merged exactly and reconciled once. The
 * embedded endpoint, when there is no --target, runs in this process; past about 19,000
 * connections use `fleetsim serve --workers` as the target instead (20,000 open files per process).
 */
import type { ChildProcess } from 'node:child_process';
import { planFaults } from '../agent/faults/plan.js';
import { positionsOf } from '../agent/scenario/positions.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { type Clock, systemClock } from '../core/clock.js';
import { mergeResults } from '../result/merge.js';
import type { RunResult } from '../result/result.js';
import { appIdsOf, checkShards } from '../result/shard-check.js';
import { addEndpointCounts, endpointCounts, endpointNotInjected, endpointWindows } from './endpoint-faults.js';
import { mergeThroughTarget } from './merge-target.js';
import { NetworkFaults } from './network-faults.js';
import { addNotInjected, countsByFault, notInjectedOf } from './network-figures.js';
import type { NetworkPlan } from './network-plan.js';
import { planNetwork } from './network-step.js';
import type { Target } from './open-target.js';
import { directListenerFlags } from './direct-listeners.js';
import { openTarget } from './open-target.js';
import { forWorkers, fromParent, wireIdsByPart } from './read-baseline.js';
import { checkSourceBefore, heldBefore } from './read-before.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import { readTallies } from './read-endpoint.js';
import { shownUrl } from './target-shown.js';
import { checkRun, type LiveState, type RunLogger, type RunOptions } from './run-options.js';
import { resolveRunTarget, wantsRunTarget } from './run-target.js';
import type { StopMessage } from './worker-main.js';
import { ArmWhenAllDriving } from './worker-arming.js';
import { runWorker } from './worker-fork.js';
import { PointMerger, sumProgress } from './worker-progress.js';
import { reportWithout } from './workers-lost.js';

export { runWorker } from './worker-fork.js';

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
  const arming = new ArmWhenAllDriving(
    workers,
    clock,
    (driveStart) => {
      restarts?.start(driveStart);
      target.endpoint?.faults.arm(endpointWindows(faults, driveStart));
    },
    (target.endpoint !== undefined || restarts !== undefined) && faults.faults.length > 0,
  );
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
    // found once here: every worker spreads its devices over serve's direct listeners alike
    const direct =
      !net && !rt && target.kind === 'external'
        ? await directListenerFlags(plan.transport, scenario, opts.transportFlags, target, opts.logger)
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
            ...(direct ? { transportFlags: direct } : {}),
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
          arming.seen(index, p);
        },
        undefined,
        points ? (p) => points.add(index, p) : undefined,
        opts.logger,
      ),
    );
    running.push(...runs.map((r) => r.child));
    // a worker done before its first progress is no longer in the way of a restart
    runs.forEach((r, i) => void r.done.finally(() => arming.seen(i, undefined)).catch(() => undefined));
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
      ...(target.endpoint && arming.driveStart !== undefined
        ? endpointNotInjected(faults, clock.now() - arming.driveStart)
        : []),
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

/** The endpoint restarts of a --workers run, which this process applies once (the endpoint's
 * process, or the user's hook); undefined when the scenario has none. */
function parentRestarts(net: NetworkPlan, target: Target, clock: Clock, logger: RunLogger | undefined) {
  const restarts = net.faults.filter((f) => f.kind === 'endpoint-restart');
  if (restarts.length === 0) return undefined;
  return new NetworkFaults(restarts, { proxy: undefined, endpoint: target.process, clock, logger });
}
