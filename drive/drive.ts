/**
 * The run loop: pulls steps from the simulator when virtual time and the in-flight window allow,
 * encodes and sends them through the transport, and counts acknowledgements. Wall time and timers
 * come in through the clock (core/clock.ts) so tests can drive it.
 */
import type { StatusEvent } from '../protocol/event.js';
import { EVENT_SCHEMA_VERSION } from '../protocol/event.js';
import { RunMetrics } from './metrics.js';
import type { Emitted, Simulator } from '../agent/sim/simulator.js';
import { SendError, type Transport } from '../transport/types.js';
import { InFlightWindow, Pacer } from './flow-control.js';
import { encodeEvent } from './encode.js';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { composeSent, startTicks, type DriveObserver } from './observer.js';
import { DueQueue } from './due-queue.js';
import { CompletionSlots } from './completion-slots.js';
import type { FaultPlan } from '../agent/faults/plan.js';
import { FaultStage } from './fault-stage.js';
import type { FaultCounts } from './fault-counts.js';

export interface DriveOptions {
  /** Simulated seconds per real second, or 'asap'. */
  timeScale: number | 'asap';
  /** Most events in flight: the window's ceiling. */
  maxInFlight: number;
  /** "adaptive" lets the window find the endpoint's capacity below maxInFlight. @default "fixed" */
  window?: 'adaptive' | 'fixed';
  /** Most events sent per real second (pacing). @default no cap */
  rate?: number;
  /** Keep devices connected until this simulated time (the closed model's steady state). */
  holdUntilSimMs?: number;
  /** Simulated epoch of the scenario start. */
  simStartMs: number;
  /** @default systemClock */
  clock?: Clock;
  /** What watches the drive (metrics sampling, thresholds, progress, logs, ground-truth hooks). */
  observers?: readonly DriveObserver[];
  /** Aborting it stops the supply of new events: what is in flight settles, held devices go, and the drive resolves. */
  signal?: AbortSignal;
  /**
   * Give up on the run when nothing is acknowledged (or refused outright) for this long while
   * events are in flight: a target answering 429 forever, or gone. What is in flight then counts
   * as given up, no new events go out, and the drive resolves with metrics.gaveUpReason. @default 60000
   */
  stallMs?: number;
  /** After the signal, the longest wait for events in flight; those still unsettled then count as failed. @default 10000 */
  settleMs?: number;
  /** Given once, at the start: reads the in-flight count and the window's size (progress, metrics). */
  expose?: (live: () => { inFlight: number; window: number }) => void;
  /** A target's own wire (compiled templates); fleetsim's built-in encoder otherwise. */
  wire?: WireEncoder | undefined;
  /** The scenario's fault plan: its event faults are applied between the simulator and the transport. */
  faults?: FaultPlan;
  /** Where the faults' counts go (per fault index). */
  faultCounts?: (counts: FaultCounts) => void;
}

/** How a target of the user's own wants each event: its bytes, topic or path, and device id. */
export interface WireEncoder {
  body(e: Emitted, wallTs: number): string;
  /** The MQTT topic or HTTP path of the event. */
  route(e: Emitted, wallTs: number): string;
  deviceId(e: Emitted): string;
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
  if (e.enrolment) ev.enrolment = e.enrolment;
  return ev;
}

/** Max events sent per turn of the event loop before yielding to I/O. */
const BURST = 256;
/** Most due events held back by flow control (time-scaled runs); see due-queue.ts. */
const DUE_CAP = 65_536;

/**
 * Drives the simulator to its end through the transport. Resolves when every event is settled.
 * Three things hold an event back: its simulated time not yet due (time scale), the in-flight
 * window, and the pacer. Held devices (closed model) are released when the hold ends.
 */
export function drive(
  sim: Simulator,
  transport: Transport,
  opts: DriveOptions,
  metrics = new RunMetrics(),
): Promise<RunMetrics> {
  const clock = opts.clock ?? systemClock;
  const stallMs = opts.stallMs ?? 60_000;
  const window = new InFlightWindow({ max: opts.maxInFlight, adaptive: opts.window === 'adaptive' });
  const pacer = opts.rate ? new Pacer(opts.rate) : undefined;
  const held: string[] = [];
  // One event in flight per device, as a real device sends its reports: the next waits for the
  // previous one's answer (docs/protocol.md, "Ordering"). Events of a busy device wait here, in order.
  // A transport that orders a device's reports itself (HTTP: one request in flight per device,
  // batching what waits) gets each report when due.
  const serial = transport.ordersDevices !== true;
  const busy = new Set<string>();
  const queued = new Map<string, Emitted[]>();
  const tags = metrics.tags;
  const asap = opts.timeScale === 'asap';
  const due = new DueQueue(DUE_CAP);
  let inFlight = 0;
  let timer: TimerHandle | undefined;
  let timerAt = 0;
  let scheduled = false;
  let pumping = false;
  let finished = false;
  let stopped = opts.signal?.aborted ?? false;
  const onSent = composeSent(opts.observers ?? []);
  const wallStart = clock.now();
  opts.expose?.(() => ({ inFlight, window: window.size }));
  const wallDue = (simMs: number) =>
    opts.timeScale === 'asap' ? wallStart : wallStart + (simMs - opts.simStartMs) / opts.timeScale;
  transport.onCongestion = () => window.onCongestion();
  // The stage is made only when a fault takes events: a run without faults keeps the direct path.
  let wakeStage: () => void = () => undefined;
  let holdStage: (deviceId: string) => void = () => undefined;
  const stage = opts.faults?.faults.length
    ? new FaultStage(opts.faults, transport, clock, wallStart, {
        wake: () => wakeStage(),
        held: (id) => holdStage(id),
        wire: opts.wire,
      })
    : undefined;
  if (stage) opts.faultCounts?.(stage.counts);
  const done = stage ?? transport;
  /** Events the window counts: those a fault holds back or delays wait on the device, not at the endpoint. */
  const counted = () => (stage ? inFlight - stage.waiting : inFlight);
  /** Room to pull another event: in the window, and at most maxInFlight more waiting out a fault. */
  const room = () => counted() < window.size && (!stage || stage.waiting < opts.maxInFlight);

  return new Promise((resolve, reject) => {
    let lastProgress = wallStart;
    const stopTicks = startTicks(clock, opts.observers ?? []);
    let settleTimer: TimerHandle | undefined;
    // Stopped (a signal, --duration, a threshold): no new events; what is in flight gets settleMs,
    // then what is still unanswered counts as failed and the drive resolves.
    const onAbort = () => {
      stopped = true;
      settleTimer ??= clock.setTimeout(() => {
        if (finished) return;
        metrics.failInFlight(inFlight, 'not acknowledged before the run stopped', clock.now());
        inFlight = 0;
        busy.clear();
        queued.clear();
        for (const id of held.splice(0)) done.deviceDone(id);
        finish();
      }, opts.settleMs ?? 10_000);
      stage?.flush();
      schedulePump();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      finished = true;
      clock.clearInterval(watchdog);
      clock.clearTimeout(timer);
      clock.clearTimeout(settleTimer);
      stopTicks();
      opts.signal?.removeEventListener('abort', onAbort);
      transport.onCongestion = undefined;
    };
    const watchdog = clock.setInterval(
      () => {
        if (finished || counted() === 0 || clock.now() - lastProgress <= stallMs) return;
        const now = clock.now();
        metrics.gaveUpReason = `no acknowledgement for ${Math.round(stallMs / 1000)} s with ${inFlight} event${inFlight === 1 ? '' : 's'} in flight (${metrics.acked} acknowledged so far${metrics.lastError ? `; last error: ${metrics.lastError}` : ''})`;
        metrics.failInFlight(inFlight, `given up: ${metrics.gaveUpReason}`, now, true);
        inFlight = 0;
        stopped = true;
        for (const id of held.splice(0)) done.deviceDone(id);
        finish();
      },
      Math.min(1_000, stallMs),
    );
    watchdog.unref();

    const finish = () => {
      if (finished) return;
      settle();
      resolve(metrics);
    };

    /** The device may send its next report: it was answered, or a fault holds it back off the wire. */
    const freeDevice = (deviceId: string, now: number) => {
      busy.delete(deviceId);
      const next = queued.get(deviceId);
      if (next) {
        const e = next.shift()!;
        if (next.length === 0 || stopped) queued.delete(deviceId);
        if (!stopped) send(e, now);
      }
    };
    wakeStage = () => schedulePump();
    holdStage = (deviceId) => freeDevice(deviceId, clock.now());

    const onDone = (deviceId: string, sentAt: number, row: number, err: Error | undefined, queuedMs: number) => {
      // after a stop gave up on it, a late answer changes nothing: it was counted as failed
      if (finished) return;
      inFlight--;
      const now = clock.now();
      if (err) {
        // A refusal is an answer; 429/503, timeouts and dropped connections past the transport's
        // retries are not, and do not hold off the stall limit.
        const refused = err instanceof SendError && err.kind === 'refused';
        if (refused) lastProgress = now;
        metrics.recordFailure(err.message, now, row, !refused);
        if (err instanceof SendError && (err.kind === 'timeout' || err.kind === 'overload')) window.onCongestion();
      } else {
        lastProgress = now;
        const us = Math.round((now - sentAt) * 1000);
        metrics.recordAck(us, now, row);
        // A handshake is not a queue at the endpoint: the window sees the publish's own latency.
        window.onAck(queuedMs > 0 ? Math.max(0, us - Math.round(queuedMs * 1000)) : us);
      }
      // the device's next report, which waited for this answer (none once the run has stopped)
      freeDevice(deviceId, now);
      // Refill the window in this turn, as a bare load tool would: a turn of the event loop per
      // acknowledgement costs a round trip's worth of idle time. Re-entrant calls defer instead.
      if (pumping) schedulePump();
      else pump();
    };
    const slots = new CompletionSlots(onDone);

    function schedulePump() {
      if (scheduled || finished) return;
      scheduled = true;
      setImmediate(pump);
    }

    /** Wakes the pump at a wall time; an earlier wake already set stands. */
    const wakeAt = (wallMs: number) => {
      if (timer !== undefined) {
        if (timerAt <= wallMs) return;
        clock.clearTimeout(timer);
      }
      timerAt = wallMs;
      timer = clock.setTimeout(onWake, Math.max(1, wallMs - clock.now()));
    };
    const onWake = () => {
      timer = undefined;
      schedulePump();
    };

    /** Releases held connections once the hold is over in simulated and in wall time. */
    const releaseHeld = (next: number | undefined): boolean => {
      if (held.length === 0) return true;
      if (stopped) {
        for (const id of held.splice(0)) done.deviceDone(id);
        return true;
      }
      const until = opts.holdUntilSimMs!;
      if (next !== undefined && next < until) return false;
      const due = wallDue(until);
      if (due > clock.now()) {
        if (next === undefined || wallDue(next) > due) wakeAt(due);
        return false;
      }
      for (const id of held.splice(0)) done.deviceDone(id);
      return true;
    };

    const pump = () => {
      if (finished) return;
      pumping = true;
      try {
        pumpSome();
      } finally {
        pumping = false;
      }
    };

    const send = (e: Emitted, now: number) => {
      const key = e.inst.device.id;
      const row = tags.rowOf(e.inst);
      metrics.recordSend(now, row);
      inFlight++;
      if (serial) busy.add(key);
      onSent?.(e);
      const wire = opts.wire;
      const id = wire ? wire.deviceId(e) : key;
      const answer = slots.take(now, row, key);
      if (stage) stage.send(e, now, answer);
      else if (wire) transport.send(id, e.inst.app.id, wire.body(e, now), answer, wire.route(e, now));
      else transport.send(id, e.inst.app.id, encodeEvent(e, now), answer);
      if (e.deviceDone) {
        if (opts.holdUntilSimMs !== undefined && e.step.at < opts.holdUntilSimMs) held.push(id);
        else done.deviceDone(id);
      }
    };

    /** Time-scaled runs: every event now due leaves the simulator (offered), whether or not it can go yet. */
    const takeDue = (): boolean => {
      if (stopped) return true;
      const now = clock.now();
      for (let n = 0; !due.full; n++) {
        const t = sim.nextTime();
        if (t === undefined) return true;
        const at = wallDue(t);
        if (at > now) {
          // While a device's report waits for an answer, that answer wakes the pump (within a
          // round trip); a timer beyond it would let a virtual clock run ahead of the network.
          if (queued.size === 0) wakeAt(at);
          return true;
        }
        if (n >= BURST * 4) return false;
        const e = sim.pop()!;
        metrics.recordOffer(now, tags.rowOf(e.inst));
        due.push(e);
      }
      return true;
    };

    const pumpSome = () => {
      scheduled = false;
      let burst = 0;
      if (!asap && !takeDue()) schedulePump();
      while (room()) {
        const t = stopped ? undefined : asap ? sim.nextTime() : due.peek()?.step.at;
        if (t === undefined) {
          // nothing due yet: a hold that ends before the next event still ends on time
          const next = stopped || asap ? undefined : sim.nextTime();
          if (next !== undefined) releaseHeld(next);
          break;
        }
        releaseHeld(t);
        if (++burst > BURST) {
          schedulePump();
          return;
        }
        const now = clock.now();
        if (pacer && !pacer.take(now)) {
          wakeAt(now + pacer.waitMs(now));
          break;
        }
        const e = asap ? sim.pop()! : due.shift()!;
        if (asap) metrics.recordOffer(now, tags.rowOf(e.inst));
        const key = e.inst.device.id;
        if (serial && busy.has(key)) {
          const q = queued.get(key);
          if (q) q.push(e);
          else queued.set(key, [e]);
          continue;
        }
        send(e, now);
      }
      const over = stopped || (due.length === 0 && sim.nextTime() === undefined);
      // held-back events whose installation sends nothing more go now, in order
      if (over && stage && stage.holding > 0 && counted() === 0) stage.flush();
      if (over && inFlight === 0 && (!stage || stage.idle) && releaseHeld(undefined)) finish();
    };

    pump();
  });
}
