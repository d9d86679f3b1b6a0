/**
 * The simulator: every device of the fleet living its life in simulated-time order. A device not
 * yet online is its place in the arrival order; an online one is one entry in the calendar queue,
 * at its next report (a wait that begins or a check-in before it is handled on the way). At a
 * check-in every installation parked on the device goes on (agent/device), so a device reports
 * its apps in bursts and then goes quiet, as a real one does.
 *
 * It knows nothing of sockets or wall time: the drive loop pulls steps from it when the clock and
 * the in-flight window allow, and `trace` pulls them with no network at all. Both see exactly the
 * same steps: a device's path depends on (seed, its id, the scenario) and on nothing else.
 */
import { CalendarQueue } from '../../core/calendar.js';
import type { FaultPlan } from '../faults/plan.js';
import type { Fleet } from '../fleet/fleet.js';
import { stepOf, type Step } from '../lifecycle/engine.js';
import { ArrivalOrder } from './arrival-order.js';
import { DeviceEvents } from './device-events.js';
import { Installation, REPORT, WAKE } from './installs.js';
import { licencePlan, type LicenceWalk } from './licence-pool.js';
import type { SimulatorOptions } from './sim-state.js';

export { Installation };
export type { CheckInRecord, SimulatorOptions } from './sim-state.js';

export interface Emitted {
  inst: Installation;
  step: Step;
  seq: number;
  /** True when this was the last event of the last active installation of its device. */
  deviceDone: boolean;
  /** The device's enrolment: 0 until a factory reset, then 1, 2... (seq starts again at 1 with each). */
  enrolment?: number;
  /** The installation's report before this one (its node, -1 for none; time; version flag): what `unsend` puts back. */
  prevNode?: number;
  prevAt?: number;
  prevVer?: number;
}

const NONE = -1;
/** The scheduler's bucket width in simulated ms (agent steps are seconds to hours apart). */
const BUCKET_MS = Number(process.env.FLEETSIM_BUCKET_MS ?? 250);

export class Simulator extends DeviceEvents {
  /** One entry per online device: its next event. */
  private readonly heap: CalendarQueue;
  /** The devices not yet online, in the order they arrive. */
  private readonly arrivalOrder: ArrivalOrder;
  /** The installation whose report `settle` found due at the top of the heap. */
  private due = NONE;

  constructor(fleet: Fleet, opts: SimulatorOptions) {
    super(
      fleet,
      opts,
      opts.licences !== undefined
        ? opts.licences
        : licencePlan(fleet, (f, unlicensed) => licenceWalk(f, unlicensed, opts.seed, opts.faults)),
    );
    // an online device's entry carries its slot and first installation
    this.heap = new CalendarQueue(fleet.devices.length, opts.startMs, BUCKET_MS);
    this.arrivalOrder = new ArrivalOrder(fleet.devices, opts.startMs);
  }

  /** Simulated time of the next step, or undefined when every installation is final. */
  nextTime(): number | undefined {
    for (;;) {
      if (this.arrivalDue()) {
        this.arriveNext();
        continue;
      }
      const pos = this.heap.peekId();
      if (pos === undefined) return undefined;
      // an arrival or a silent event first settles, so the time returned is a report's
      if (!this.settle(pos)) return this.heap.peekTime();
    }
  }

  /** Installations not yet final, arrived or not. */
  get remaining(): number {
    return this.installCount - this.finals;
  }

  /** Reports the next step in simulated-time order and schedules the one after it. */
  pop(): Emitted | undefined {
    const i = this.next();
    if (i === NONE) return undefined;
    const inst = this.install(i);
    const step = this.outStep ?? stepOf(inst.model, this.outNode, this.outAt, this.outVersion, null);
    this.outStep = null;
    return {
      inst,
      step,
      seq: this.outSeq,
      deviceDone: this.outDone,
      enrolment: this.outEnrolment,
      prevNode: this.outPrevNode,
      prevAt: this.outPrevAt,
      prevVer: this.outPrevVer,
    };
  }

  /**
   * `pop` without building objects: emits the next step and returns its installation's slot
   * (an index into `installs`), or -1 when every installation is final. What it emitted is in
   * `outAt`, `outNode` (a node index of the installation's model), `outVersion`, `outSeq`,
   * `outDone` and `outEnrolment` until the next call.
   */
  next(): number {
    for (;;) {
      if (this.arrivalDue()) {
        this.arriveNext();
        continue;
      }
      const pos = this.heap.peekId();
      if (pos === undefined) return NONE;
      if (this.settle(pos)) continue;
      const d = this.heap.peekA();
      const i = this.due;
      this.emit(d, i);
      this.reschedule(d);
      return i;
    }
  }

  /** Runs every installation to its end with no clock (trace, expected tallies, tests). */
  runToEnd(onStep?: (e: Emitted) => void): void {
    for (let e = this.pop(); e; e = this.pop()) onStep?.(e);
  }

  /** Whether the next device to arrive comes before the heap's earliest event (by time, then id). */
  private arrivalDue(): boolean {
    const a = this.arrivalOrder;
    return a.pos >= 0 && this.heap.before(a.at, a.pos);
  }

  /** The next device in arrival order comes online (an event that reports nothing by itself). */
  private arriveNext(): void {
    const a = this.arrivalOrder;
    const pos = a.pos;
    const at = a.at;
    a.advance();
    const d = this.arrive(pos, at);
    const next = this.nextEventOf(d);
    if (next !== Infinity) this.heap.push(next, pos, d, this.agents.first(d));
  }

  /**
   * Handles the event at the top of the heap when it reports nothing (a wait that begins, a
   * check-in, a fault) and returns true; false when it is a report, left for `pop`.
   */
  private settle(pos: number): boolean {
    const at = this.heap.peekTime()!;
    const d = this.heap.peekA();
    if (this.deviceFaults.any) {
      const strike = this.deviceFaults.next(pos);
      if (strike && strike.at <= at) {
        this.strike(d, pos, strike);
        this.reschedule(d);
        return true;
      }
    }
    const i = this.dueInstall(d, this.heap.peekB(), at);
    if (i !== NONE && this.table.kind(i) === REPORT) {
      this.due = i;
      return false;
    }
    if (i !== NONE) this.beginWait(d, i);
    else this.checkIn(d, at);
    this.reschedule(d);
    return true;
  }

  /** The earliest installation of device `d` due at `at` (lowest slot first), or NONE. */
  private dueInstall(d: number, first: number, at: number): number {
    const t = this.table;
    const end = first + this.agents.apps(d);
    for (let i = first; i < end; i++) {
      const k = t.kind(i);
      if ((k === REPORT || k === WAKE) && t.at(i) === at) return i;
    }
    return NONE;
  }

  /** Moves device `d`, whose event is the heap's earliest, to its next event (or off the heap). */
  private reschedule(d: number): void {
    const next = this.nextEventOf(d);
    if (next !== Infinity) this.heap.replaceTop(next, this.agents.pos(d), d, this.agents.first(d));
    else this.heap.pop();
  }

  /**
   * When device `d`'s next report is due (or its next fault; Infinity for none). A wait that
   * begins or a check-in that comes first reports nothing and touches only the device's own
   * state, so it is handled here and now, not as an event of its own: the device's draws come in
   * the same order and every report at the same moment, so the stream is the same. Paths that
   * are recorded keep every check-in as an event (their list is in simulated-time order).
   */
  private nextEventOf(d: number): number {
    const a = this.agents;
    const t = this.table;
    const first = a.first(d);
    const end = first + a.apps(d);
    const eager = !this.opts.recordPaths;
    for (;;) {
      // a stuck device has nothing more to come
      if (a.silent(d)) return Infinity;
      const checkIn = a.nextCheckIn(d);
      // the earliest installation event, lowest slot first among equals (as dueInstall finds it)
      let soon = NONE;
      let at = Infinity;
      for (let i = first; i < end; i++) {
        const k = t.kind(i);
        if ((k === REPORT || k === WAKE) && t.at(i) < at) {
          at = t.at(i);
          soon = i;
        }
      }
      const next = Math.min(at, checkIn);
      const strike = this.deviceFaults.any ? this.deviceFaults.next(a.pos(d)) : undefined;
      if (strike && strike.at <= next) return strike.at;
      if (!eager || next === Infinity) return next;
      // an installation goes before a check-in at the same moment, as in settle
      if (soon !== NONE && at <= checkIn) {
        if (t.kind(soon) === REPORT) return at;
        this.beginWait(d, soon);
      } else this.checkIn(d, checkIn);
    }
  }

  /**
   * Takes back a report that left the simulator but never went on the wire (the run stopped
   * first): the installation's ground truth is again the report before it. Events taken back
   * newest first leave each installation at what it last really sent.
   */
  unsend(e: Emitted): void {
    if (e.prevNode === undefined) return;
    const i = e.inst.id;
    this.table.setSeq(i, e.seq - 1);
    this.table.restoreLast(i, e.prevNode, e.prevAt ?? 0, e.prevVer ?? 0);
  }
}

/**
 * The pools' devices walked under a licence outcome, with the scenario's device faults (a wiped
 * device asks again when it re-enrols; a stuck one never removes its app): when each pooled
 * installation asked for a licence, per enrolment, and when it removed its app.
 */
function licenceWalk(
  fleet: Fleet,
  unlicensed: ReadonlySet<string>,
  seed: number | string,
  faults: FaultPlan | undefined,
): LicenceWalk {
  const watch: LicenceWalk = { asked: new Map(), removed: new Map() };
  const sim = new Simulator(fleet, {
    startMs: fleet.startMs,
    seed,
    licences: unlicensed,
    licenceWatch: watch,
    ...(faults ? { faults } : {}),
  });
  for (let i = sim.next(); i >= 0; i = sim.next());
  return watch;
}
