/**
 * The event faults, applied between the simulator and the transport: an event of a struck
 * device may be sent twice, held back behind its installation's next event, delayed, or carry a
 * shifted simTs (agent/faults/effects.ts says which, from the seed). Devices no fault strikes go
 * straight to the transport with one map lookup.
 *
 * Both transports keep a device's reports in the order they were handed over (one connection per
 * device over MQTT, one request in flight per device over HTTP), so the order built here is the
 * order the endpoint sees: a copy handed over right behind its original arrives as a duplicate,
 * a held event handed over behind its successor arrives stale.
 */
import type { Emitted } from '../agent/sim/simulator.js';
import { eventEffects } from '../agent/faults/effects.js';
import { EVENT_KINDS, type FaultPlan, type PlannedFault } from '../agent/faults/plan.js';
import type { Clock } from '../core/clock.js';
import type { SendDone, Transport } from '../transport/types.js';
import type { WireEncoder } from './options.js';
import { encodeEvent } from './encode.js';
import { FaultCounts } from './fault-counts.js';

export interface StageHooks {
  /** Stage work ended: the drive looks again at whether it is done. */
  wake(): void;
  /** An event of the device (fleet id) is held back off the wire: the device may send its next one. */
  held(deviceId: string): void;
  /** A target's own wire, when it has one; fleetsim's event otherwise. */
  wire: WireEncoder | undefined;
}

interface Held {
  deviceId: string;
  appId: string;
  payload: string;
  route: string | undefined;
  done: SendDone;
  fault: PlannedFault;
  /** A duplicates fault that also takes it: the copy goes right behind it when it is released. */
  copyBy: PlannedFault | undefined;
  heldAt: number;
}

/**
 * The fault's own wait is not the endpoint's latency: it is passed on as time queued (as a
 * connection's handshake is), so the adaptive window does not shrink for a delay we added.
 */
function waited(done: SendDone, ms: number): SendDone {
  return (err, queuedMs = 0) => done(err, queuedMs + ms);
}

export class FaultStage {
  readonly counts: FaultCounts;
  /** Events held back by reordering, not yet handed to the transport. */
  holding = 0;
  /** Events waiting out a delay fault, not yet handed to the transport. */
  delaying = 0;
  /** Delays and later copies still to run, and copies not yet answered: the drive is not over while any is left. */
  private timers = 0;
  private copies = 0;
  private readonly held = new Map<string, Held>();
  /** Per struck device: stage work not yet handed over, so its connection stays until it is. */
  private readonly outstanding = new Map<string, number>();
  private readonly finished = new Set<string>();
  private readonly struck: FaultPlan['byDevice'];
  private readonly wire: WireEncoder | undefined;

  constructor(
    plan: FaultPlan,
    private readonly transport: Transport,
    private readonly clock: Clock,
    private readonly wallStart: number,
    private readonly hooks: StageHooks,
  ) {
    this.wire = hooks.wire;
    this.counts = new FaultCounts(plan.faults.length);
    const byDevice = new Map<string, readonly PlannedFault[]>();
    for (const [id, list] of plan.byDevice) {
      const events = list.filter((f) => EVENT_KINDS.has(f.kind));
      if (events.length) byDevice.set(id, events);
    }
    this.struck = byDevice;
  }

  /**
   * Events pulled but not yet handed over: they wait on the device, not at the endpoint, so they
   * do not fill the in-flight window (the drive bounds them separately).
   */
  get waiting(): number {
    return this.holding + this.delaying;
  }

  /** Nothing held, delayed or waiting to be copied. */
  get idle(): boolean {
    return this.holding === 0 && this.timers === 0 && this.copies === 0;
  }

  send(e: Emitted, now: number, done: SendDone): void {
    const fleetId = e.inst.device.id;
    const faults = this.struck.get(fleetId);
    const appId = e.inst.app.id;
    const fx = faults ? eventEffects(faults, fleetId, appId, e.seq, e.step.at, now - this.wallStart) : undefined;
    const wire = this.wire;
    // the id the transport knows the device by: a target's wire may map it
    const id = wire ? wire.deviceId(e) : fleetId;
    const key = `${id}\u0000${appId}`;
    if (!fx) {
      if (wire) this.transport.send(id, appId, wire.body(e, now), done, wire.route(e, now));
      else this.transport.send(id, appId, encodeEvent(e, now), done);
      if (faults) this.release(key, true);
      return;
    }
    if (fx.skewedBy) this.counts.add(fx.skewedBy.index, 'skewed');
    // a target's wire encodes the step it is given: a skewed device's step carries the shifted time
    const shown = wire && fx.skewMs ? { ...e, step: { ...e.step, at: e.step.at + fx.skewMs } } : e;
    const payload = wire ? wire.body(shown, now) : encodeEvent(e, now, fx.skewMs);
    const route = wire ? wire.route(shown, now) : undefined;
    const dup = fx.duplicate;
    const handOver = () => {
      this.transport.send(id, appId, payload, fx.delayMs > 0 ? waited(done, fx.delayMs) : done, route);
      if (dup && dup.afterMs === 0) this.copy(id, appId, payload, route, dup.fault);
      this.release(key, true);
      if (dup && dup.afterMs > 0) this.later(id, dup.afterMs, () => this.copy(id, appId, payload, route, dup.fault));
    };
    if (fx.reorder && !this.held.has(key)) {
      this.held.set(key, {
        deviceId: id,
        appId,
        payload,
        route,
        done,
        fault: fx.reorder,
        copyBy: dup?.fault,
        heldAt: now,
      });
      this.holding++;
      this.hold(id, 1);
      this.hooks.held(fleetId);
      return;
    }
    if (fx.delayMs > 0) {
      for (const f of fx.delayedBy) this.counts.add(f.index, 'delayed');
      for (const f of fx.delayedBy) this.counts.add(f.index, 'delayMs', fx.delayMs);
      this.delaying++;
      this.later(id, fx.delayMs, () => {
        this.delaying--;
        handOver();
      });
      return;
    }
    handOver();
  }

  /** The device has sent its last event: its connection goes once the stage has handed over all of its work. */
  deviceDone(id: string): void {
    if (this.outstanding.size > 0) {
      this.releaseDevice(id);
      if ((this.outstanding.get(id) ?? 0) > 0) {
        this.finished.add(id);
        return;
      }
    }
    this.transport.deviceDone(id);
  }

  /** Hands over every held event (the run has no more events, or it stopped). */
  flush(): void {
    for (const key of [...this.held.keys()]) this.release(key, false);
  }

  private releaseDevice(id: string): void {
    for (const [key, h] of this.held) if (h.deviceId === id) this.release(key, false);
  }

  /** Hands over the held event of an installation, out of order when its successor just went. */
  private release(key: string, afterSuccessor: boolean): void {
    const h = this.held.get(key);
    if (!h) return;
    this.held.delete(key);
    this.holding--;
    this.counts.add(h.fault.index, afterSuccessor ? 'reordered' : 'heldInOrder');
    this.transport.send(h.deviceId, h.appId, h.payload, waited(h.done, this.clock.now() - h.heldAt), h.route);
    if (h.copyBy) this.copy(h.deviceId, h.appId, h.payload, h.route, h.copyBy);
    this.hold(h.deviceId, -1);
  }

  private copy(id: string, appId: string, payload: string, route: string | undefined, fault: PlannedFault): void {
    this.counts.add(fault.index, 'duplicated');
    this.copies++;
    this.transport.send(
      id,
      appId,
      payload,
      (err) => {
        this.copies--;
        if (err) this.counts.add(fault.index, 'copiesFailed');
        this.hooks.wake();
      },
      route,
    );
  }

  private later(id: string, ms: number, run: () => void): void {
    this.timers++;
    this.hold(id, 1);
    this.clock.setTimeout(() => {
      this.timers--;
      run();
      this.hold(id, -1);
      this.hooks.wake();
    }, ms);
  }

  private hold(id: string, n: number): void {
    const left = (this.outstanding.get(id) ?? 0) + n;
    if (left > 0) {
      this.outstanding.set(id, left);
      return;
    }
    this.outstanding.delete(id);
    if (this.finished.delete(id)) this.transport.deviceDone(id);
  }
}
