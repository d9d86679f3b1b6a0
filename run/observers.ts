/**
 * The run's observers of the drive loop (drive/observer.ts): what counts sent events for
 * progress, what samples metrics each second and logs, what stops the run when an abortOnFail
 * threshold fails, and what reports live progress. `driveFleet` picks them once, by `instrument`.
 */
import type { Fleet } from '../agent/fleet/fleet.js';
import type { Threshold } from '../agent/scenario/thresholds.js';
import type { Emitted, Simulator } from '../agent/sim/simulator.js';
import type { FlowCounter } from '../drive/lifecycle-metrics.js';
import type { RunMetrics } from '../drive/metrics.js';
import type { DriveObserver } from '../drive/observer.js';
import { liveTagged } from '../result/tag-figures.js';
import { liveFailures, type ThresholdResult } from '../result/thresholds.js';
import type { Transport } from '../transport/types.js';
import type { LiveState, RunLogger } from './run-options.js';

/** What an abortOnFail threshold did: when, why, and the checks that failed. */
export interface Aborted {
  at: string;
  reason: string;
  /** What stopped the run: an abortOnFail threshold, a signal (Ctrl-C, SIGTERM), --duration. */
  by: 'threshold' | 'signal' | 'duration';
  failures: ThresholdResult[];
}

/** Per event: its flow, whether its device is done, and the simulated time reached. */
export class SendCounter implements DriveObserver {
  devicesDone = 0;
  simNow: number;

  constructor(
    private readonly flows: FlowCounter,
    simStartMs: number,
    private readonly onSend: ((e: Emitted) => void) | undefined,
  ) {
    this.simNow = simStartMs;
  }

  sent(e: Emitted): void {
    this.flows.record(e);
    this.simNow = e.step.at;
    if (e.deviceDone) this.devicesDone++;
    this.onSend?.(e);
  }
}

/** Each second: closes the metrics' timeline point, logs it at debug, and warns when a new error shows. */
export function sampleEverySecond(
  metrics: RunMetrics,
  transport: Transport,
  log: RunLogger | undefined,
): DriveObserver {
  let lastLoggedError: string | undefined;
  return {
    everyMs: 1000,
    tick(now) {
      metrics.retried = transport.stats().retries;
      const point = metrics.sample(now);
      if (point) log?.debug({ point: { ...point, ack: undefined } }, 'second');
      if (metrics.lastError !== lastLoggedError) {
        lastLoggedError = metrics.lastError;
        log?.warn({ failed: metrics.failed, error: metrics.lastError }, 'events failing');
      }
    },
  };
}

/** Each second (after the sample): the first failing abortOnFail threshold aborts the drive. */
export class ThresholdAbort implements DriveObserver {
  readonly everyMs = 1000;
  aborted: Aborted | undefined;

  constructor(
    private readonly thresholds: readonly Threshold[],
    private readonly metrics: RunMetrics,
    private readonly controller: AbortController,
    private readonly log: RunLogger | undefined,
  ) {}

  tick(now: number): void {
    if (this.aborted) return;
    const m = this.metrics;
    const failures = liveFailures(this.thresholds, {
      events: m,
      durationMs: now - m.firstSendAt,
      ack: m.ack,
      points: m.timeline,
      tagged: liveTagged(m.tags),
    });
    if (failures.length === 0) return;
    this.aborted = {
      at: new Date(now).toISOString(),
      reason: `threshold ${failures.map((f) => `"${f.check}" (observed ${f.observed})`).join(', ')} failed`,
      by: 'threshold',
      failures,
    };
    this.log?.warn(
      { failures: failures.map((f) => ({ check: f.check, observed: f.observed })) },
      'aborting: an abortOnFail threshold failed',
    );
    this.controller.abort();
  }
}

/** Every `everyMs`: the live state, for progress on a terminal or a worker's parent. */
export function reportProgress(
  run: { fleet: Fleet; sim: Simulator; simStartMs: number },
  metrics: RunMetrics,
  transport: Transport,
  counter: SendCounter,
  wallStart: number,
  onTick: (s: LiveState) => void,
  everyMs: number,
): DriveObserver {
  const arrivals = Float64Array.from(run.fleet.devices.map((d) => d.arrivalMs)).sort();
  const installsTotal = run.sim.installCount;
  return {
    everyMs,
    tick(now) {
      metrics.flush();
      const online = countUpTo(arrivals, counter.simNow - run.simStartMs);
      const links = transport.stats();
      const down = links.devicesDown ?? 0;
      const outage = down ? links.outages?.at(-1) : undefined;
      onTick({
        offered: metrics.offered,
        sent: metrics.sent,
        retried: metrics.retried,
        acked: metrics.acked,
        failed: metrics.failed,
        connections: transport.connections(),
        devicesOnline: Math.max(0, online - counter.devicesDone - down),
        ...(outage ? { devicesDown: down, downForMs: outage.to - outage.from } : {}),
        devicesDone: counter.devicesDone,
        devicesTotal: run.fleet.devices.length,
        installsDone: installsTotal - run.sim.remaining,
        installsTotal,
        remaining: run.sim.remaining,
        elapsedMs: now - wallStart,
        simElapsedMs: counter.simNow - run.simStartMs,
        p99Ms: metrics.lastP99,
        lastError: metrics.lastError,
      });
    },
  };
}

/** Number of sorted values <= x. */
function countUpTo(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
