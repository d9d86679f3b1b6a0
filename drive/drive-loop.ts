/**
 * One drive's state and its stages, each a method with one job: admission (what is due, the
 * in-flight window, the pacer, one report in flight per device), sending (through the fault stage
 * when a fault takes events), completion (an answer frees the device and refills the window),
 * holding connections (closed model), the stall watchdog, and closing (stop, settle, finish).
 * The callbacks handed out (pump, completion, abort, watchdog) are made once per drive, never per event.
 */
import type { RunMetrics } from './metrics.js';
import type { Emitted, Simulator } from '../agent/sim/simulator.js';
import { SendError, type Transport } from '../transport/types.js';
import { InFlightWindow, Pacer } from './flow-control.js';
import { encodeEvent } from './encode.js';
import { EventBytes } from './encode-bytes.js';
import { systemClock, type Clock, type TimerHandle } from '../core/clock.js';
import { composeSent, startTicks } from './observer.js';
import { DueQueue } from './due-queue.js';
import { CompletionSlots } from './completion-slots.js';
import { FaultStage } from './fault-stage.js';
import type { DriveOptions } from './options.js';

/** Max events sent per turn of the event loop before yielding to I/O. */
const BURST = 256;
/** Most due events held back by flow control (time-scaled runs); see due-queue.ts. */
const DUE_CAP = 65_536;

const noop = () => undefined;

export class DriveLoop {
  private readonly clock: Clock;
  private readonly stallMs: number;
  private readonly window: InFlightWindow;
  private readonly pacer: Pacer | undefined;
  /** Devices whose last report went while the closed model's hold lasts: their connections stay. */
  private readonly held: string[] = [];
  // One event in flight per device, as a real device sends its reports: the next waits for the
  // previous one's answer (docs/protocol.md, "Ordering"). Events of a busy device wait here, in order.
  // A transport that orders a device's reports itself (HTTP: one request in flight per device,
  // batching what waits) gets each report when due.
  private readonly serial: boolean;
  private readonly busy = new Set<string>();
  private readonly queued = new Map<string, Emitted[]>();
  private readonly tags: RunMetrics['tags'];
  private readonly asap: boolean;
  private readonly due = new DueQueue(DUE_CAP);
  private readonly onSent: ((e: Emitted) => void) | undefined;
  private readonly wallStart: number;
  /** Made only when a fault takes events: a run without faults keeps the direct path. */
  private readonly stage: FaultStage | undefined;
  /** Where a device's last report is told: the fault stage when there is one, else the transport. */
  private readonly done: { deviceDone(deviceId: string): void };
  private readonly slots: CompletionSlots;
  /** The payload of the event being sent, for a transport that writes it into its own frame. */
  private readonly bytes = new EventBytes();
  private inFlight = 0;
  private timer: TimerHandle | undefined;
  private timerAt = 0;
  private scheduled = false;
  private pumping = false;
  private finished = false;
  private stopped: boolean;
  private lastProgress: number;
  private stopTicks: () => void = noop;
  private settleTimer: TimerHandle | undefined;
  private watchdog: TimerHandle | undefined;
  private resolve: (metrics: RunMetrics) => void = noop;

  constructor(
    private readonly sim: Simulator,
    private readonly transport: Transport,
    private readonly opts: DriveOptions,
    private readonly metrics: RunMetrics,
  ) {
    const clock = opts.clock ?? systemClock;
    this.clock = clock;
    this.stallMs = opts.stallMs ?? 60_000;
    this.window = new InFlightWindow({ max: opts.maxInFlight, adaptive: opts.window === 'adaptive' });
    this.pacer = opts.rate ? new Pacer(opts.rate) : undefined;
    this.serial = transport.ordersDevices !== true;
    this.tags = metrics.tags;
    this.asap = opts.timeScale === 'asap';
    this.stopped = opts.signal?.aborted ?? false;
    this.onSent = composeSent(opts.observers ?? []);
    this.wallStart = clock.now();
    this.lastProgress = this.wallStart;
    opts.expose?.(() => ({ inFlight: this.inFlight, window: this.window.size }));
    transport.onCongestion = () => this.window.onCongestion();
    this.stage = opts.faults?.faults.length
      ? new FaultStage(opts.faults, transport, clock, this.wallStart, {
          wake: () => this.schedulePump(),
          held: (id) => this.freeDevice(id, this.clock.now()),
          wire: opts.wire,
        })
      : undefined;
    if (this.stage) opts.faultCounts?.(this.stage.counts);
    this.done = this.stage ?? transport;
    this.slots = new CompletionSlots(this.onDone);
  }

  /** Starts the ticks, the stop signal's listener and the watchdog, and pumps; resolves when every event is settled. */
  run(): Promise<RunMetrics> {
    return new Promise((resolve) => {
      this.resolve = resolve;
      this.stopTicks = startTicks(this.clock, this.opts.observers ?? []);
      this.opts.signal?.addEventListener('abort', this.onAbort, { once: true });
      this.watchdog = this.clock.setInterval(this.checkStall, Math.min(1_000, this.stallMs));
      this.watchdog.unref();
      this.pump();
    });
  }

  // ---- admission: what may leave the simulator, and when ----

  private wallDue(simMs: number): number {
    return this.asap
      ? this.wallStart
      : this.wallStart + (simMs - this.opts.simStartMs) / (this.opts.timeScale as number);
  }

  /** Events the window counts: those a fault holds back or delays wait on the device, not at the endpoint. */
  private counted(): number {
    return this.stage ? this.inFlight - this.stage.waiting : this.inFlight;
  }

  /** Room to pull another event: in the window, and at most maxInFlight more waiting out a fault. */
  private room(): boolean {
    return this.counted() < this.window.size && (!this.stage || this.stage.waiting < this.opts.maxInFlight);
  }

  private readonly pump = () => {
    if (this.finished) return;
    this.pumping = true;
    try {
      this.pumpSome();
    } finally {
      this.pumping = false;
    }
  };

  private schedulePump(): void {
    if (this.scheduled || this.finished) return;
    this.scheduled = true;
    setImmediate(this.pump);
  }

  /** Wakes the pump at a wall time; an earlier wake already set stands. */
  private wakeAt(wallMs: number): void {
    if (this.timer !== undefined) {
      if (this.timerAt <= wallMs) return;
      this.clock.clearTimeout(this.timer);
    }
    this.timerAt = wallMs;
    this.timer = this.clock.setTimeout(this.onWake, Math.max(1, wallMs - this.clock.now()));
  }

  private readonly onWake = () => {
    this.timer = undefined;
    this.schedulePump();
  };

  /** Time-scaled runs: every event now due leaves the simulator (offered), whether or not it can go yet. */
  private takeDue(): boolean {
    if (this.stopped) return true;
    const now = this.clock.now();
    for (let n = 0; !this.due.full; n++) {
      const t = this.sim.nextTime();
      if (t === undefined) return true;
      const at = this.wallDue(t);
      if (at > now) {
        // While a device's report waits for an answer, that answer wakes the pump (within a
        // round trip); a timer beyond it would let a virtual clock run ahead of the network.
        if (this.queued.size === 0) this.wakeAt(at);
        return true;
      }
      if (n >= BURST * 4) return false;
      const e = this.sim.pop()!;
      this.metrics.recordOffer(now, this.tags.rowOf(e.inst));
      this.due.push(e);
    }
    return true;
  }

  /** One turn: take what is due, send while the window, the pacer and the burst allow, then see whether the drive is over. */
  private pumpSome(): void {
    this.scheduled = false;
    let burst = 0;
    const { asap, sim } = this;
    if (!asap && !this.takeDue()) this.schedulePump();
    while (this.room()) {
      const t = this.stopped ? undefined : asap ? sim.nextTime() : this.due.peek()?.step.at;
      if (t === undefined) {
        // nothing due yet: a hold that ends before the next event still ends on time
        const next = this.stopped || asap ? undefined : sim.nextTime();
        if (next !== undefined) this.releaseHeld(next);
        break;
      }
      this.releaseHeld(t);
      if (++burst > BURST) {
        this.schedulePump();
        return;
      }
      const now = this.clock.now();
      if (this.pacer && !this.pacer.take(now)) {
        this.wakeAt(now + this.pacer.waitMs(now));
        break;
      }
      const e = asap ? sim.pop()! : this.due.shift()!;
      if (asap) this.metrics.recordOffer(now, this.tags.rowOf(e.inst));
      const key = e.inst.device.id;
      if (this.serial && this.busy.has(key)) {
        const q = this.queued.get(key);
        if (q) q.push(e);
        else this.queued.set(key, [e]);
        continue;
      }
      this.send(e, now);
    }
    this.closeIfOver();
  }

  // ---- sending ----

  private send(e: Emitted, now: number): void {
    const key = e.inst.device.id;
    const row = this.tags.rowOf(e.inst);
    this.metrics.recordSend(now, row);
    this.inFlight++;
    if (this.serial) this.busy.add(key);
    this.onSent?.(e);
    const wire = this.opts.wire;
    const id = wire ? wire.deviceId(e) : key;
    const answer = this.slots.take(now, row, key);
    if (this.stage) this.stage.send(e, now, answer);
    else if (wire) this.transport.send(id, e.inst.app.id, wire.body(e, now), answer, wire.route(e, now));
    else if (this.transport.sendBytes) this.transport.sendBytes(id, e.inst.app.id, this.bytes.prepare(e, now), answer);
    else this.transport.send(id, e.inst.app.id, encodeEvent(e, now), answer);
    if (e.deviceDone) {
      if (this.opts.holdUntilSimMs !== undefined && e.step.at < this.opts.holdUntilSimMs) this.held.push(id);
      else this.done.deviceDone(id);
    }
  }

  // ---- completion ----

  private readonly onDone = (
    deviceId: string,
    sentAt: number,
    row: number,
    err: Error | undefined,
    queuedMs: number,
  ) => {
    // after a stop gave up on it, a late answer changes nothing: it was counted as failed
    if (this.finished) return;
    this.inFlight--;
    const now = this.clock.now();
    if (err) {
      // A refusal is an answer; 429/503, timeouts and dropped connections past the transport's
      // retries are not, and do not hold off the stall limit.
      const refused = err instanceof SendError && err.kind === 'refused';
      if (refused) this.lastProgress = now;
      this.metrics.recordFailure(err.message, now, row, !refused);
      if (err instanceof SendError && (err.kind === 'timeout' || err.kind === 'overload')) this.window.onCongestion();
    } else {
      this.lastProgress = now;
      const us = Math.round((now - sentAt) * 1000);
      this.metrics.recordAck(us, now, row);
      // A handshake is not a queue at the endpoint: the window sees the publish's own latency. An
      // event that straddled a lost link (NaN) is no sample: its latency is the outage's, and
      // taken as queueing it would shrink the window to 1 just as the devices come back.
      if (Number.isNaN(queuedMs)) this.window.onLinkBack();
      else this.window.onAck(queuedMs > 0 ? Math.max(0, us - Math.round(queuedMs * 1000)) : us);
    }
    // the device's next report, which waited for this answer (none once the run has stopped)
    this.freeDevice(deviceId, now);
    // Refill the window in this turn, as a bare load tool would: a turn of the event loop per
    // acknowledgement costs a round trip's worth of idle time. Re-entrant calls defer instead.
    if (this.pumping) this.schedulePump();
    else this.pump();
  };

  /** The device may send its next report: it was answered, or a fault holds it back off the wire. */
  private freeDevice(deviceId: string, now: number): void {
    this.busy.delete(deviceId);
    const next = this.queued.get(deviceId);
    if (next) {
      const e = next.shift()!;
      if (next.length === 0 || this.stopped) this.queued.delete(deviceId);
      if (!this.stopped) this.send(e, now);
    }
  }

  // ---- holding connections (closed model) ----

  /** Releases held connections once the hold is over in simulated and in wall time. */
  private releaseHeld(next: number | undefined): boolean {
    if (this.held.length === 0) return true;
    if (this.stopped) {
      this.releaseAllHeld();
      return true;
    }
    const until = this.opts.holdUntilSimMs!;
    if (next !== undefined && next < until) return false;
    const due = this.wallDue(until);
    if (due > this.clock.now()) {
      if (next === undefined || this.wallDue(next) > due) this.wakeAt(due);
      return false;
    }
    this.releaseAllHeld();
    return true;
  }

  private releaseAllHeld(): void {
    for (const id of this.held.splice(0)) this.done.deviceDone(id);
  }

  // ---- stall watchdog ----

  private readonly checkStall = () => {
    const { clock, metrics, inFlight, stallMs } = this;
    if (this.finished || this.counted() === 0 || clock.now() - this.lastProgress <= stallMs) return;
    const now = clock.now();
    metrics.gaveUpReason = `no acknowledgement for ${Math.round(stallMs / 1000)} s with ${inFlight} event${inFlight === 1 ? '' : 's'} in flight (${metrics.acked} acknowledged so far${metrics.lastError ? `; last error: ${metrics.lastError}` : ''})`;
    metrics.failInFlight(inFlight, `given up: ${metrics.gaveUpReason}`, now, true);
    this.inFlight = 0;
    this.stopped = true;
    this.takeBackUnsent();
    this.releaseAllHeld();
    this.finish();
  };

  // ---- closing ----

  // Stopped (a signal, --duration, a threshold): no new events; what is in flight gets settleMs,
  // then what is still unanswered counts as failed and the drive resolves.
  private readonly onAbort = () => {
    this.stopped = true;
    this.takeBackUnsent();
    this.settleTimer ??= this.clock.setTimeout(this.failUnsettled, this.opts.settleMs ?? 10_000);
    this.stage?.flush();
    this.schedulePump();
  };

  /**
   * Once stopped, what waited in the due queue or behind a device's unanswered report never goes
   * out: the simulator takes it back (newest first), so the expected tallies are what was sent.
   */
  private takeBackUnsent(): void {
    // a device's queued reports are older than what is still in the due queue
    const unsent: Emitted[] = [];
    for (const q of this.queued.values()) unsent.push(...q);
    this.queued.clear();
    for (const e of this.due.drain()) unsent.push(e);
    for (let k = unsent.length - 1; k >= 0; k--) this.sim.unsend(unsent[k]!);
  }

  private readonly failUnsettled = () => {
    if (this.finished) return;
    this.metrics.failInFlight(this.inFlight, 'not acknowledged before the run stopped', this.clock.now());
    this.inFlight = 0;
    this.busy.clear();
    this.queued.clear();
    this.releaseAllHeld();
    this.finish();
  };

  /** After a turn: the drive is over once nothing more is due or it was stopped, and nothing is in flight or held. */
  private closeIfOver(): void {
    const stage = this.stage;
    const over = this.stopped || (this.due.length === 0 && this.sim.nextTime() === undefined);
    // held-back events whose installation sends nothing more go now, in order
    if (over && stage && stage.holding > 0 && this.counted() === 0) stage.flush();
    if (over && this.inFlight === 0 && (!stage || stage.idle) && this.releaseHeld(undefined)) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.clock.clearInterval(this.watchdog);
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.settleTimer);
    this.stopTicks();
    this.opts.signal?.removeEventListener('abort', this.onAbort);
    this.transport.onCongestion = undefined;
    this.resolve(this.metrics);
  }
}
