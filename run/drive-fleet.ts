/**
 * The drive step: runs the prepared simulator through the transport with the run's observers.
 * "Instrument on or off" is chosen here, once: on, full metrics and every observer; off, bare
 * counters and only the run's own send hook (bench/metrics-overhead.ts measures the difference).
 */
import type { Clock } from '../core/clock.js';
import { drive, type WireEncoder } from '../drive/drive.js';
import { FaultCounts } from '../drive/fault-counts.js';
import { FlowCounter } from '../drive/lifecycle-metrics.js';
import { BareMetrics, RunMetrics, type TimelinePoint } from '../drive/metrics.js';
import type { DriveObserver } from '../drive/observer.js';
import type { Transport } from '../transport/types.js';
import { reportProgress, sampleEverySecond, SendCounter, ThresholdAbort, type Aborted } from './observers.js';
import type { Prepared } from './prepare.js';
import type { LiveState, RunOptions } from './run-options.js';

export interface Driven {
  metrics: RunMetrics;
  flows: FlowCounter;
  /** Set when an abortOnFail threshold stopped the run. */
  aborted: Aborted | undefined;
  /** What each fault did, by its index in the scenario's faults (empty without faults). */
  faultCounts: FaultCounts;
}

export async function driveFleet(
  run: Prepared,
  transport: Transport,
  opts: RunOptions,
  clock: Clock,
  wire?: WireEncoder,
): Promise<Driven> {
  const instrument = opts.instrument ?? true;
  const metrics = instrument ? new RunMetrics() : new BareMetrics();
  const flows = new FlowCounter(run.sim.installCount);
  const controller = new AbortController();
  const log = opts.logger;
  const wallStart = clock.now();
  metrics.start(wallStart);
  let abort: ThresholdAbort | undefined;
  const observers: DriveObserver[] = [];
  if (instrument) {
    const counter = new SendCounter(flows, run.simStartMs, opts.onSend);
    observers.push(counter, sampleEverySecond(metrics, transport, log));
    if (run.thresholds.some((t) => t.abortOnFail)) {
      abort = new ThresholdAbort(run.thresholds, metrics, controller, log);
      observers.push(abort);
    }
    // after the sample of the same second: streaming outputs get each point as it closes
    if (opts.onPoint) observers.push({ tick: () => passPoints(metrics, opts.onPoint!) });
    if (opts.onTick) {
      const onTick = opts.onTick;
      const withWindow = (s: LiveState) => onTick({ ...s, ...live() });
      observers.push(reportProgress(run, metrics, transport, counter, wallStart, withWindow, opts.tickMs ?? 250));
    }
  } else if (opts.onSend) {
    observers.push({ sent: opts.onSend });
  }
  // A stop from outside (Ctrl-C, SIGTERM, --duration) aborts the drive as a threshold does.
  let stopped: Aborted | undefined;
  const stopFromOutside = () => {
    if (abort?.aborted || stopped) return;
    stopped = { at: new Date(clock.now()).toISOString(), ...stopReason(opts.signal?.reason), failures: [] };
    log?.warn({ by: stopped.by, reason: stopped.reason }, 'stopping: no new events, settling what is in flight');
    controller.abort();
  };
  if (opts.signal?.aborted) stopFromOutside();
  opts.signal?.addEventListener('abort', stopFromOutside, { once: true });
  let live = () => ({ inFlight: 0, window: 0 });
  let faultCounts = new FaultCounts(run.faults.faults.length);
  try {
    await drive(
      run.sim,
      transport,
      {
        ...run.drive,
        clock,
        observers,
        signal: controller.signal,
        ...(opts.settleMs !== undefined ? { settleMs: opts.settleMs } : {}),
        ...(wire ? { wire } : {}),
        expose: (get) => {
          live = get;
        },
        faultCounts: (c) => {
          faultCounts = c;
        },
      },
      metrics,
    );
  } finally {
    opts.signal?.removeEventListener('abort', stopFromOutside);
  }
  metrics.retried = transport.stats().retries;
  if (instrument) {
    const last = metrics.sample(clock.now(), true);
    if (last) log?.debug({ point: { ...last, ack: undefined } }, 'second');
    if (opts.onPoint) passPoints(metrics, opts.onPoint);
  }
  return { metrics, flows, aborted: abort?.aborted ?? stopped, faultCounts };
}

const passed = new WeakMap<RunMetrics, number>();
/** The timeline points not yet handed on, in order. */
function passPoints(metrics: RunMetrics, onPoint: (p: TimelinePoint) => void): void {
  let i = passed.get(metrics) ?? 0;
  for (; i < metrics.timeline.length; i++) onPoint(metrics.timeline[i]!);
  passed.set(metrics, i);
}

/** What stopped a run from outside: the AbortSignal's reason, `{ by, reason }` or a signal name. */
function stopReason(reason: unknown): { by: Aborted['by']; reason: string } {
  if (reason && typeof reason === 'object' && 'by' in reason) return reason as { by: Aborted['by']; reason: string };
  const name = typeof reason === 'string' ? reason : 'a stop request';
  return { by: 'signal', reason: `stopped by ${name}: no new events after it; what was in flight settled` };
}
