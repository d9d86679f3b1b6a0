/**
 * Runs one scenario end to end, as a pipeline of named steps: check the options, open the target
 * (the embedded endpoint unless one is given), prepare the fleet and simulator, drive them through
 * the transport, read what the endpoint counted, and build the result (pure; result/build.ts).
 */
import type { Scenario } from '../agent/scenario/schema.js';
import { type Clock, systemClock } from '../core/clock.js';
import { buildResult } from '../result/build.js';
import { connectivityOf } from '../result/connectivity.js';
import type { RunResult } from '../result/result.js';
import { createTransport } from '../transport/registry.js';
import type { Transport } from '../transport/types.js';
import { driveFleet, type Driven } from './drive-fleet.js';
import { endpointCounts, endpointNotInjected, endpointWindows } from './endpoint-faults.js';
import { environment } from './environment.js';
import { faultEvidence, sentLogFor } from './fault-evidence.js';
import type { SentLog } from './sent-log.js';
import {
  activeSpans,
  countsByFault,
  followed,
  type NetworkFaultFigures,
  notInjectedOf,
  plusCounts,
  strikesOf,
} from './network-figures.js';
import { openNetwork, planNetwork, type NetworkRun } from './network-step.js';
import { directListenerFlags } from './direct-listeners.js';
import { openTarget, type Target } from './open-target.js';
import { prepare, type Prepared } from './prepare.js';
import { readEndpoint } from './read-endpoint.js';
import { checkRun, type RunOptions, type RunPlan } from './run-options.js';
import { readTarget } from './read-target.js';
import { shownUrl } from './target-shown.js';
import { checkSourceBefore, heldBefore, type HeldBefore } from './read-before.js';
import { fromParent } from './read-baseline.js';
import { UsageError } from '../protocol/errors.js';
import { resolveRunTarget, type RunTarget, wantsRunTarget } from './run-target.js';

export type { LiveState, RunLogger, RunOptions } from './run-options.js';

/** The run's send hook with the sent log's in front of it. */
function withSentLog(opts: RunOptions, log: SentLog | undefined): RunOptions {
  if (!log) return opts;
  const record = log.observer().sent!;
  const theirs = opts.onSend;
  const both = (e: Parameters<typeof record>[0]) => {
    record(e);
    theirs?.(e);
  };
  return { ...opts, onSend: theirs ? both : record };
}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunResult> {
  const clock = opts.clock ?? systemClock;
  const startedAt = clock.now();
  const rt = ownTarget(scenario, opts);
  if (rt) opts = { ...opts, target: rt.url, transport: rt.kind, runId: rt.runId };
  const plan = checkRun(scenario, opts, undefined, rt?.wiring.tls?.identityFor !== undefined);
  const netPlan = planNetwork(scenario, opts, plan);
  const target = await openTarget(scenario, opts, plan, netPlan?.restartsEmbedded);
  let net: NetworkRun | undefined;
  try {
    net = netPlan ? await openNetwork(netPlan, target, clock, opts.logger) : undefined;
    if (net) opts.onNetwork?.(net);
    const direct =
      !net && !rt && target.kind === 'external'
        ? await directListenerFlags(plan.transport, scenario, opts.transportFlags, target, opts.logger)
        : undefined;
    const transport = createTransport(
      plan.transport,
      net?.url ?? target.url,
      scenario,
      direct ?? opts.transportFlags,
      target.auth,
      target.endpoint?.sink,
      rt?.wiring,
      net?.device,
    );
    try {
      await transport.preflight();
      const run = prepare(scenario, opts, plan);
      const step: Step = { scenario, opts, clock, plan, rt, target, net, transport, run };
      logStart(step);
      // what the target held already (a shard or worker leaves that to its parent)
      const before = opts.baselineBefore
        ? fromParent(opts.baselineBefore)
        : opts.deferReconcile
          ? undefined
          : await heldBefore(rt, target, run.appIds);
      if ((opts.baselineBefore || opts.deferReconcile) && !opts.sourceChecked) await checkSourceBefore(rt, run.appIds);
      const drove = await driveUnderFaults(step);
      const read = await readAfter(step, drove.driven, before);
      return await assemble(step, startedAt, before, drove, read);
    } finally {
      await transport.close().catch(() => undefined);
    }
  } finally {
    await net?.close();
    await target.close();
  }
}

/** A target of the user's own (a --target-file, or a --target whose path matters), or none. */
function ownTarget(scenario: Scenario, opts: RunOptions): RunTarget | undefined {
  const rt = wantsRunTarget(scenario, opts) ? resolveRunTarget(scenario, opts) : undefined;
  if (rt?.baseline && opts.deferReconcile && !opts.baselineBefore)
    throw new UsageError(
      `A baseline is read once before any part of the run sends, which a --shard run cannot do alone: read it first with fleetsim tally-baseline <scenario> --target-file ... --out baseline.json and give every shard --tally-baseline-file baseline.json (fleetsim merge then judges after - before once); on one machine use --workers (the parent reads it); or give the run a namespace (--namespace, or wire.deviceId "{simDeviceId}.{runId}").`,
    );
  return rt;
}

/** What every step after the transport's preflight reads. */
interface Step {
  scenario: Scenario;
  opts: RunOptions;
  clock: Clock;
  plan: RunPlan;
  rt: RunTarget | undefined;
  target: Target;
  net: NetworkRun | undefined;
  transport: Transport;
  run: Prepared;
}

function logStart({ scenario, plan, target, run, opts }: Step): void {
  opts.logger?.info(
    {
      scenario: scenario.name,
      devices: run.fleet.devices.length,
      installations: run.sim.installCount,
      transport: plan.transport,
      target: target.url,
      seed: plan.seed,
      thresholds: run.thresholds.map((t) => t.check),
    },
    'fleet built, devices starting',
  );
}

interface Drove {
  driven: Driven;
  sentLog: SentLog | undefined;
  networkFaults: NetworkFaultFigures[] | undefined;
  networkCounts: ReturnType<typeof countsByFault> | undefined;
  /** The endpoint faults the run ended before. */
  endpointMissed: ReturnType<typeof endpointNotInjected> | undefined;
  driveStart: number;
  endWall: number;
}

/** The drive with the scenario's faults armed around it; the transport is closed at its end. */
async function driveUnderFaults({ opts, clock, rt, target, net, transport, run }: Step): Promise<Drove> {
  const sentLog = sentLogFor(run.faults, clock, run.fleet.devices.length);
  const driveStart = clock.now();
  target.endpoint?.faults.arm(endpointWindows(run.faults, driveStart));
  net?.faults.watchQueues(() => {
    const s = transport.stats();
    return { queued: s.offlineQueued ?? 0, dropped: s.offlineDropped ?? 0 };
  });
  // a part of a split run strikes only its own devices (the plan is the whole fleet's)
  if (opts.shard) net?.faults.ownDevices(new Set(run.fleet.devices.map((d) => d.id)));
  net?.faults.start();
  sentLog?.start();
  const driven = await driveFleet(run, transport, withSentLog(opts, sentLog), clock, rt?.encoder);
  const endpointMissed = target.endpoint ? endpointNotInjected(run.faults, clock.now() - driveStart) : undefined;
  const networkFaults = await net?.faults.stop();
  target.endpoint?.faults.disarm();
  await transport.close();
  // after the close: the devices' reconnects and queues are final
  const networkCounts =
    networkFaults &&
    countsByFault(networkFaults, followed(net?.proxy, net!.faults, transport.stats()), run.faults.faults.length);
  return { driven, sentLog, networkFaults, networkCounts, endpointMissed, driveStart, endWall: clock.now() };
}

/** What the target counted: through the user's own target, or the endpoint's APIs. */
function readAfter({ opts, clock, rt, target, run }: Step, driven: Driven, before: HeldBefore | undefined) {
  return rt
    ? readTarget(rt, run, driven.metrics.lastAckAt, clock, opts, before)
    : readEndpoint(target.talliesUrl, run.appIds, run.sim.installs, {
        deferReconcile: opts.deferReconcile ?? false,
        shard: opts.shard,
        devices: opts.instrument ?? true,
        gaveUp: driven.metrics.gaveUp > 0,
      });
}

/** The fault evidence, the result (pure, result/build.ts) and the run's last log line. */
async function assemble(
  step: Step,
  startedAt: number,
  before: HeldBefore | undefined,
  { driven, sentLog, networkFaults, networkCounts, endpointMissed, driveStart, endWall }: Drove,
  read: Awaited<ReturnType<typeof readAfter>>,
): Promise<RunResult> {
  const { scenario, opts, clock, plan, rt, target, net, run, transport } = step;
  // the parts of a split run leave the reconciliation to the parent, which reads the endpoint
  // once; each says where its own devices' differences began and compares their events with the
  // endpoint's history (lostEvents), since only it holds what they sent; the merge joins the parts'
  const evidence = sentLog
    ? await faultEvidence(
        sentLog,
        run.faults,
        read.devices,
        net && !rt ? target.talliesUrl : undefined,
        networkFaults && activeSpans(networkFaults),
        networkFaults && strikesOf(networkFaults),
      )
    : undefined;
  const result = buildResult({
    scenario,
    scenarioFile: opts.scenarioFile,
    seed: plan.seed,
    transport: plan.transport,
    target: {
      kind: target.kind,
      url: rt ? shownUrl(rt) : target.url,
      ...(opts.targetFile ? { file: opts.targetFile } : {}),
    },
    environment: environment(),
    startedAt,
    finishedAt: clock.now(),
    endWall,
    ...run,
    ...driven,
    ...read,
    moreFaultCounts: plusCounts(endpointCounts(run.faults, target.endpoint?.faults), networkCounts),
    ...(evidence ? { differenceAt: evidence.differenceAt } : {}),
    ...(networkFaults ? { activeFaults: activeSpans(networkFaults) } : {}),
    notInjected: new Map([...(endpointMissed ?? []), ...(networkFaults ? notInjectedOf(networkFaults) : [])]),
    ...(evidence?.lostEvents ? { lostEvents: evidence.lostEvents } : {}),
    connectivity: connectivityOf(transport.stats()),
    driveStartAt: driveStart,
    shard: opts.shard,
  });
  opts.logger?.info(
    {
      shard: opts.shard,
      verdict: result.verdict,
      events: result.events,
      eventsPerSec: result.throughput.eventsPerSec,
      ackP99: result.latency.ack.p99,
      differences: result.reconciliation.differences.length,
      failedThresholds: result.thresholds.filter((t) => !t.passed).map((t) => t.check),
    },
    'devices finished',
  );
  if (rt) result.runId = rt.runId;
  if (rt?.wire.namespaced) result.namespaced = true;
  else if (before) result.reconciliation.heldBefore = before.pairs;
  return result;
}
