/**
 * The run loop: pulls steps from the simulator when virtual time and the in-flight window allow,
 * encodes and sends them through the transport, and counts acknowledgements. Wall time and timers
 * come in through `RunClock` so tests can drive it.
 */
import type { StatusEvent } from '../protocol/event.js';
import { EVENT_SCHEMA_VERSION } from '../protocol/event.js';
import { RunMetrics } from './metrics.js';
import type { Emitted, Simulator } from './sim.js';
import type { Transport } from './transport/types.js';

export interface RunClock {
  /** Wall time in ms (fractional allowed). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: RunClock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface DriveOptions {
  /** Simulated seconds per real second, or 'asap'. */
  timeScale: number | 'asap';
  maxInFlight: number;
  /** Simulated epoch of the scenario start. */
  simStartMs: number;
  clock?: RunClock;
  /** Called for every event as it is sent (ground-truth hooks, progress). */
  onSend?: (e: Emitted) => void;
  /** Fail the run when no acknowledgement arrives for this long while events are in flight. @default 60000 */
  stallMs?: number;
}

export function toEvent(e: Emitted, wallTs: number): StatusEvent {
  const { inst, step } = e;
  const ev: StatusEvent = {
    v: EVENT_SCHEMA_VERSION,
    deviceId: inst.device.id,
    platform: inst.device.platform,
    appId: inst.app.id,
    appVersion: step.version,
    jobId: `${inst.app.id}@${step.version}`,
    seq: e.seq,
    status: step.status,
    state: step.state,
    simTs: step.at,
    wallTs: Math.round(wallTs),
  };
  if (step.native) ev.native = step.native;
  return ev;
}

/** Max events sent per turn of the event loop before yielding to I/O. */
const BURST = 256;

/** Drives the simulator to its end through the transport. Resolves when every event is settled. */
export function drive(sim: Simulator, transport: Transport, opts: DriveOptions, metrics = new RunMetrics()): Promise<RunMetrics> {
  const clock = opts.clock ?? realClock;
  const stallMs = opts.stallMs ?? 60_000;
  let inFlight = 0;
  let timer: unknown;
  let scheduled = false;
  let finished = false;
  const wallStart = clock.now();

  return new Promise((resolve, reject) => {
    let lastProgress = wallStart;
    const watchdog = setInterval(() => {
      if (inFlight > 0 && clock.now() - lastProgress > stallMs) {
        finished = true;
        clearInterval(watchdog);
        reject(new Error(`no acknowledgement for ${Math.round(stallMs / 1000)} s with ${inFlight} events in flight (${metrics.acked} acknowledged so far${metrics.lastError ? `; last error: ${metrics.lastError}` : ''})`));
      }
    }, Math.min(1_000, stallMs));
    watchdog.unref?.();

    const finish = () => {
      if (finished) return;
      finished = true;
      clearInterval(watchdog);
      resolve(metrics);
    };

    const onDone = (sentAt: number) => (err: Error | undefined) => {
      inFlight--;
      const now = clock.now();
      lastProgress = now;
      if (err) {
        metrics.failed++;
        metrics.lastError = err.message;
      } else {
        metrics.recordAck(Math.round((now - sentAt) * 1000), now);
      }
      schedulePump();
    };

    const schedulePump = () => {
      if (scheduled || finished) return;
      scheduled = true;
      setImmediate(pump);
    };

    const pump = () => {
      scheduled = false;
      if (finished) return;
      let burst = 0;
      while (inFlight < opts.maxInFlight) {
        const t = sim.nextTime();
        if (t === undefined) break;
        if (opts.timeScale !== 'asap') {
          const due = wallStart + (t - opts.simStartMs) / opts.timeScale;
          const now = clock.now();
          if (due > now) {
            if (timer !== undefined) clock.clearTimeout(timer);
            timer = clock.setTimeout(() => {
              timer = undefined;
              schedulePump();
            }, Math.max(1, due - now));
            break;
          }
        }
        if (++burst > BURST) {
          schedulePump();
          return;
        }
        const e = sim.pop()!;
        const now = clock.now();
        if (metrics.sent === 0) metrics.firstSendAt = now;
        metrics.offered++;
        metrics.sent++;
        inFlight++;
        opts.onSend?.(e);
        transport.send(e.inst.device.id, e.inst.app.id, JSON.stringify(toEvent(e, now)), onDone(now));
        if (e.deviceDone) transport.deviceDone(e.inst.device.id);
      }
      if (sim.nextTime() === undefined && inFlight === 0) finish();
    };

    pump();
  });
}
