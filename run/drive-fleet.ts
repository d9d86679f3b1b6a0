/**
 * The drive step: runs the prepared simulator through the transport with the run's observers.
 * "Instrument on or off" is chosen here, once: on, full metrics and every observer; off, bare
 * counters and only the run's own send hook (bench/metrics-overhead.ts measures the difference).
 */
import type { Clock } from '../core/clock.js';
import { drive } from '../drive/drive.js';
import { FlowCounter } from '../drive/lifecycle-metrics.js';
import { BareMetrics, RunMetrics } from '../drive/metrics.js';
import type { DriveObserver } from '../drive/observer.js';
import type { Transport } from '../transport/types.js';
import { reportProgress, sampleEverySecond, SendCounter, ThresholdAbort, type Aborted } from './observers.js';
import type { Prepared } from './prepare.js';
import type { RunOptions } from './run-options.js';

export interface Driven {
  metrics: RunMetrics;
  flows: FlowCounter;
  /** Set when an abortOnFail threshold stopped the run. */
  aborted: Aborted | undefined;
}

export async function driveFleet(run: Prepared, transport: Transport, opts: RunOptions, clock: Clock): Promise<Driven> {
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
    if (opts.onTick)
      observers.push(reportProgress(run, metrics, transport, counter, wallStart, opts.onTick, opts.tickMs ?? 250));
  } else if (opts.onSend) {
    observers.push({ sent: opts.onSend });
  }
  await drive(run.sim, transport, { ...run.drive, clock, observers, signal: controller.signal }, metrics);
  metrics.retried = transport.stats().retries;
  if (instrument) {
    const last = metrics.sample(clock.now(), true);
    if (last) log?.debug({ point: { ...last, ack: undefined } }, 'second');
  }
  return { metrics, flows, aborted: abort?.aborted };
}
