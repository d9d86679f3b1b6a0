/**
 * Builds a run's result from what the run gathered: ground truth (the simulator), what the drive
 * measured, and what the endpoint answered. Pure, so a test builds a result with no socket; the
 * run passes in the clock's readings and the machine it ran on.
 */
import type { Fleet } from '../agent/fleet/fleet.js';
import type { Scenario } from '../agent/scenario/schema.js';
import type { Threshold } from '../agent/scenario/thresholds.js';
import type { Simulator } from '../agent/sim/simulator.js';
import { type FlowCounter, lifecycleDurations } from '../drive/lifecycle-metrics.js';
import { type Histogram, type RunMetrics, summarise } from '../drive/metrics.js';
import type { DeviceReconciliation } from '../reconcile/devices.js';
import { reconcileReading, type TallyReading, withDevices } from '../reconcile/reading.js';
import { expectedTallies, type Reconciliation } from '../reconcile/reconcile.js';
import type { FaultPlan } from '../agent/faults/plan.js';
import type { FaultCounts } from '../drive/fault-counts.js';
import type { Connectivity } from './connectivity.js';
import { coverageOf } from './coverage.js';
import { type DifferenceStart, faultReports } from './fault-report.js';
import { differenceStarts } from './fault-window.js';
import { peakPerSec } from './merge.js';
import { type LostEvents, RESULT_SCHEMA, type RunResult, verdictOf } from './result.js';
import { checkThresholds, type ThresholdResult } from './thresholds.js';
import { rowsTagged, tagRowsOf } from './tag-figures.js';

/** What an abortOnFail threshold did: when, why, and the checks that failed. */
export interface Aborted {
  at: string;
  reason: string;
  /** What stopped the run: an abortOnFail threshold, a signal (Ctrl-C, SIGTERM), --duration. */
  by?: 'threshold' | 'signal' | 'duration';
  failures: ThresholdResult[];
}

export interface ResultInput {
  scenario: Pick<Scenario, 'name' | 'description' | 'timeScale'>;
  scenarioFile: string;
  seed: number | string;
  transport: RunResult['transport'];
  target: RunResult['target'];
  environment: RunResult['environment'];
  /** Wall clock, epoch ms: the run's start, its end, and when the transport had closed. */
  startedAt: number;
  finishedAt: number;
  endWall: number;
  fleet: Fleet;
  sim: Simulator;
  simStartMs: number;
  /** The scenario's app ids, sorted. */
  appIds: readonly string[];
  thresholds: readonly Threshold[];
  metrics: RunMetrics;
  flows: FlowCounter;
  aborted: Aborted | undefined;
  tallies: TallyReading;
  devices: DeviceReconciliation | undefined;
  /** The endpoint's end-to-end latency histogram and where it came from, or why there is none. */
  endToEnd: { histogram: Histogram; source: string } | string;
  shard: { index: number; count: number } | undefined;
  /** The scenario's fault plan and what each fault did (absent or empty: no faults section in the report). */
  faults?: FaultPlan;
  faultCounts?: FaultCounts;
  /** Counts of the faults applied outside the drive (the endpoint's refusals, the fault proxy), per fault index. */
  moreFaultCounts?: readonly Record<string, number>[];
  /** Where each differing (device, app) began (fault-report.ts says whether in a fault's window). */
  differenceAt?: ReadonlyMap<string, DifferenceStart & { seq?: number }>;
  /** When each network fault was in force in fact (wall ms from the drive's start), by index. */
  activeFaults?: ReadonlyMap<number, { from: number; to: number }>;
  /** Network faults the drive ended before, by index: why each did nothing. */
  notInjected?: ReadonlyMap<number, string>;
  /** With network faults: the events sent that the endpoint never took in. */
  lostEvents?: LostEvents;
  /** Reconnects and outages of the devices' links (the transport's, after it closed). */
  connectivity?: Connectivity | undefined;
  /** Epoch ms of the drive's start, the wall-clock faults' origin (each one's outages). */
  driveStartAt?: number;
}

export function buildResult(r: ResultInput): RunResult {
  const { metrics, sim, fleet } = r;
  const expected = expectedTallies(sim.installs);
  const reconciliation = withDevices(
    reconcileReading(
      r.appIds.map((id) => expected.get(id)),
      r.tallies,
    ),
    r.devices,
  );
  const e2e = typeof r.endToEnd === 'string' ? undefined : r.endToEnd;
  const byPlatform: Record<string, number> = {};
  for (const d of fleet.devices) byPlatform[d.platform] = (byPlatform[d.platform] ?? 0) + 1;
  const durationMs = metrics.sent
    ? Math.max(1, (metrics.acked ? metrics.lastAckAt : r.endWall) - metrics.firstSendAt)
    : 0;
  const events = {
    offered: metrics.offered,
    sent: metrics.sent,
    acked: metrics.acked,
    failed: metrics.failed,
    gaveUp: metrics.gaveUp,
    retried: metrics.retried,
    ...(metrics.lastError ? { lastError: metrics.lastError } : {}),
    ...(metrics.failures.size ? { failureReasons: metrics.failures.all() } : {}),
  };
  const tags = tagRowsOf(metrics.tags);
  const checked = checkThresholds(r.thresholds, {
    events,
    durationMs,
    ack: metrics.ack,
    tagged: rowsTagged(tags),
    points: metrics.timeline,
    reconciliation,
    ...(e2e ? { e2e: e2e.histogram } : {}),
  });
  // A threshold that aborted the run failed, whatever the figures say once settled.
  for (const f of r.aborted?.failures ?? []) {
    const c = checked.find((x) => x.check === f.check);
    if (c?.passed) Object.assign(c, { passed: false, observed: f.observed, detail: f.detail });
  }
  return {
    schema: RESULT_SCHEMA,
    ...verdictOf(reconciliation, checked, metrics.gaveUp),
    scenario: {
      name: r.scenario.name,
      file: r.scenarioFile,
      ...(r.scenario.description ? { description: r.scenario.description } : {}),
    },
    seed: r.seed,
    transport: r.transport,
    target: r.target,
    timeScale: r.scenario.timeScale,
    startedAt: new Date(r.startedAt).toISOString(),
    finishedAt: new Date(r.finishedAt).toISOString(),
    durationMs: Math.round(durationMs),
    window: {
      firstSendAt: Math.round(metrics.firstSendAt),
      lastSettledAt: metrics.sent ? Math.round(metrics.firstSendAt + durationMs) : 0,
    },
    parts: 1,
    environment: r.environment,
    devices: { total: fleet.devices.length, byPlatform, installations: sim.installs.length },
    events,
    ...(r.connectivity ? { connectivity: r.connectivity } : {}),
    throughput: {
      eventsPerSec: durationMs ? Math.round((metrics.acked / durationMs) * 1000 * 10) / 10 : 0,
      peakPerSec: peakPerSec(metrics.timeline),
    },
    latency: {
      ack: summarise(metrics.ack),
      endToEnd: e2e ? summarise(e2e.histogram) : null,
      endToEndSource: typeof r.endToEnd === 'string' ? r.endToEnd : r.endToEnd.source,
    },
    lifecycle: {
      durations: lifecycleDurations(sim.installs, r.simStartMs),
      flows: r.flows.toLinks(sim.installs),
    },
    timeline: { intervalMs: 1000, points: metrics.timeline },
    reconciliation,
    coverage: coverageOf(sim),
    tags,
    thresholds: checked,
    ...(r.aborted
      ? { aborted: { at: r.aborted.at, reason: r.aborted.reason, ...(r.aborted.by ? { by: r.aborted.by } : {}) } }
      : {}),
    ...(r.shard ? { shard: r.shard } : {}),
    ...(metrics.gaveUp ? { gaveUp: { events: metrics.gaveUp, reason: gaveUpReason(metrics) } } : {}),
    ...(r.lostEvents ? { lostEvents: r.lostEvents } : {}),
    ...startsOf(r, reconciliation),
    ...(r.faults?.faults.length
      ? {
          faults: faultReports({
            faults: r.faults.faults,
            counts: addCounts(r.faultCounts?.byFault ?? [], r.moreFaultCounts ?? []),
            strikes: sim.deviceFaults.struck,
            installs: sim.installs,
            reconciliation,
            simStartMs: r.simStartMs,
            ...(r.differenceAt ? { differenceAt: r.differenceAt } : {}),
            ...(r.activeFaults ? { active: r.activeFaults } : {}),
            ...(r.notInjected ? { notInjected: r.notInjected } : {}),
            ...(r.driveStartAt !== undefined
              ? { outages: { connectivity: r.connectivity, driveStartAt: r.driveStartAt, endAt: r.endWall } }
              : {}),
          }),
        }
      : {}),
  };
}

/** Where each of the run's device differences began, judged against its fault windows, so that a
 * merge without the fault plan (the parent of --workers, fleetsim merge) can make the window notes. */
function startsOf(r: ResultInput, reconciliation: Reconciliation): Pick<RunResult, 'differenceStarts'> {
  if (!r.faults?.faults.length) return {};
  const rows = differenceStarts({
    faults: r.faults.faults,
    reconciliation,
    ...(r.differenceAt ? { differenceAt: r.differenceAt } : {}),
    ...(r.activeFaults ? { active: r.activeFaults } : {}),
  });
  return rows.length ? { differenceStarts: rows } : {};
}

/** Why events were given up: the run's own give-up, or the transport's retries running out. */
function gaveUpReason(m: RunMetrics): string {
  if (m.gaveUpReason)
    return `the run gave up: ${m.gaveUpReason}; the scenario's giveUpAfter (or --give-up-after) sets how long it waits`;
  return `their retries ran out with no answer from the target (last error: ${m.lastError ?? 'none recorded'})`;
}

function addCounts(
  a: readonly Record<string, number>[],
  b: readonly Record<string, number>[],
): Record<string, number>[] {
  const out = a.map((c) => ({ ...c }));
  b.forEach((c, i) => {
    const into = (out[i] ??= {});
    for (const [k, n] of Object.entries(c)) into[k] = (into[k] ?? 0) + n;
  });
  return out;
}
