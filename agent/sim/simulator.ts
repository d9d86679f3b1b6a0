/**
 * The simulator: every device of the fleet living its life in simulated-time order, driven by
 * one heap with one entry per device. A device's next event is its earliest installation step or
 * its next check-in; at a check-in every installation parked on the device goes on (agent/device),
 * so a device reports its apps in bursts and then goes quiet, as a real one does.
 *
 * It knows nothing of sockets or wall time: the drive loop pulls steps from it when the clock and
 * the in-flight window allow, and `trace` pulls them with no network at all. Both see exactly the
 * same steps: a device's path depends on (seed, its id, the scenario) and on nothing else.
 */
import { parseDuration } from '../../core/delay.js';
import { CalendarQueue } from '../../core/calendar.js';
import { KeyHead } from '../../core/rng.js';
import { ArrivalOrder } from './arrival-order.js';
import { DeviceAgents, NOT_NOW } from '../device/agents.js';
import type { FaultPlan } from '../faults/plan.js';
import { DeviceFaults, type Strike } from './device-faults.js';
import { forceRules, forceTable, type ForceRule, type ForceTable } from '../device/causes.js';
import { deviceConfig, type DeviceConfig } from '../device/config.js';
import type { CompiledModel } from '../lifecycle/compile.js';
import {
  startWalk,
  stepOf,
  walk,
  WALK_PARK,
  WALK_REPORT,
  type Cursor,
  type Step,
  type Visits,
  type WalkConstraint,
  type WalkLog,
  type WalkResult,
} from '../lifecycle/engine.js';
import type { Choices } from '../lifecycle/choice.js';
import { PlannedWalk } from '../lifecycle/goals.js';
import type { Traits } from '../lifecycle/model.js';
import { installTraits, type DeviceSpec, type Fleet } from '../fleet/fleet.js';
import type { AppSpec } from '../scenario/schema.js';
import { DONE, InstallTable, Installation, MAX_SHAPES, PARKED, REPORT, WAKE } from './installs.js';
import { LifecycleError } from '../../protocol/errors.js';
import { licenceKey, licencePlan, poolsOf, type LicencePlan, type LicenceWalk, type PoolSpec } from './licence-pool.js';

export { Installation };

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

/** One check-in of a device, kept when the simulator records paths. */
export interface CheckInRecord {
  deviceId: string;
  at: number;
  /** The apps whose commands it carried (none when the device answered NotNow). */
  apps: string[];
  notNow: boolean;
}

export interface SimulatorOptions {
  /** The scenario's fault plan (agent/faults): stuck devices and factory resets happen here. */
  faults?: FaultPlan;
  /** Simulated epoch of the scenario start, ms. */
  startMs: number;
  seed: number | string;
  /** Keep every step of every installation, with via and why (trace, tests); off for big runs. */
  recordPaths?: boolean;
  /** The VPP pools' outcome, when already known (null: every installation is licensed). @default computed from the fleet */
  licences?: LicencePlan;
  /** Filled with when each pooled installation asked for a licence and removed its app (the licence plan's walk). */
  licenceWatch?: LicenceWalk;
}

const NONE = -1;
/** The scheduler's bucket width in simulated ms (agent steps are seconds to hours apart). */
const BUCKET_MS = Number(process.env.FLEETSIM_BUCKET_MS ?? 250);

/** What the installations of one (model, app, traits) share: the hot path reads it by index. */
interface Shape {
  readonly model: CompiledModel;
  readonly app: AppSpec;
  readonly traits: Traits;
  readonly v: Variant;
  /** `|${app.id}`: the tail of its installations' generator keys. */
  readonly appKey: string;
  /** The app has a VPP licence pool. */
  readonly pooled: boolean;
  /** The ways out of each node for these traits, as the walks find them. */
  readonly choices: Choices;
}

interface Arrival {
  readonly apps: readonly AppSpec[];
  /** The shape of each of the apps. */
  readonly shapes: readonly number[];
  /** The device config's index. */
  readonly config: number;
}

interface Variant {
  readonly visits: Visits;
  /** The scratch cursor's retry counters for this model (null when it has none). */
  readonly counters: number[] | null;
  readonly force: ForceTable | null;
}

/**
 * A device is its spec and one heap entry until it comes online; then it gets a device slot
 * (agent/device) and its installations get slots in the install table. Trait objects are
 * interned: installations with equal traits share one object.
 */
export class Simulator {
  /** The installations' handles, made when asked (a run that never asks makes none). */
  private readonly insts: Installation[] = [];
  private made = 0;
  /** Fleet position of each installation's device, by install slot. */
  private instPos = new Int32Array(1024);
  /** What every device with a given traits object (one cohort's) starts with: its shapes and config. */
  private readonly arrivals = new Map<Traits, Arrival>();
  /** Coverage counts per compiled model variant. */
  readonly visits = new Map<CompiledModel, Visits>();
  /** Installations in the whole fleet, arrived or not. */
  readonly installCount: number;
  /** The device agents: check-ins, connectivity, presence, bootstrap. */
  readonly agents: DeviceAgents;
  /** One entry per online device: its next event. */
  private readonly heap: CalendarQueue;
  /** The devices not yet online, in the order they arrive. */
  private readonly arrivalOrder: ArrivalOrder;
  /** The head of the keys of the device arriving now: `${seed}|${deviceId}`, hashed. */
  private readonly keyHead = new KeyHead();
  private readonly table: InstallTable;
  /** Stuck devices and factory resets: the strikes to come and those that happened. */
  readonly deviceFaults: DeviceFaults;
  private readonly configIndex = new Map<string, number>();
  private readonly traitPool = new Map<string, Traits>();
  private readonly traitCache = new Map<Traits, Map<AppSpec, Traits>>();
  private readonly constraints = new Map<number, WalkConstraint>();
  private readonly logs: (WalkLog | undefined)[] = [];
  /** Per model variant: its visit counts, scratch counters and cause table; per install slot, its variant. */
  private readonly variants = new Map<CompiledModel, Variant>();
  private readonly shapes: Shape[] = [];
  private readonly shapeIndex = new Map<Variant, Map<Traits, Map<AppSpec, number>>>();
  private readonly cursor: Cursor = {
    node: 0,
    at: 0,
    counters: null,
    updateAt: Infinity,
    version: '',
    nextVersion: '',
    constraint: null,
    parked: null,
  };
  /** The install slots a check-in serves (a device has at most 255 apps). */
  private readonly served = new Int32Array(256);
  /** Each app's update time, absolute ms (parsed once). */
  private readonly updateAt = new Map<AppSpec, number>();
  private readonly rules: readonly ForceRule[];
  /** `${seed}|`: the head of every generator key. */
  private readonly seedPrefix: string;
  private finals = 0;
  /** The installation whose report `settle` found due at the top of the heap. */
  private due = NONE;
  private readonly licences: LicencePlan;
  /** Install slots without a VPP licence (a pool ran out); null when the scenario has no pool. */
  private readonly unlicensed: Set<number> | null;
  /** The scenario's VPP pools by app id (trace names them). */
  private readonly pools = new Map<string, PoolSpec>();
  emitted = 0;
  /** What the last `next()` emitted. */
  outAt = 0;
  outNode = 0;
  /** The installation's report before this one (what `unsend` puts back). */
  outPrevNode = -1;
  outPrevAt = 0;
  outPrevVer = 0;
  outVersion = '';
  outSeq = 0;
  outDone = false;
  outEnrolment = 0;
  /** The step built for a recorded path (its via and why), handed to `pop`. */
  private outStep: Step | null = null;
  /** Every check-in, in the order they happened, when the simulator records paths. */
  readonly checkIns: CheckInRecord[] = [];

  constructor(
    readonly fleet: Fleet,
    private readonly opts: SimulatorOptions,
  ) {
    const n = fleet.devices.length;
    let count = 0;
    const configs: DeviceConfig[] = [];
    for (const cohort of fleet.scenario.cohorts) {
      const first = fleet.devices.find((d) => d.cohort === cohort.name)?.apps[0];
      const model = first ? fleet.models.model(cohort.name, first.id) : undefined;
      this.configIndex.set(cohort.name, configs.push(deviceConfig(fleet.scenario, cohort, model)) - 1);
    }
    this.rules = forceRules(fleet.scenario);
    this.seedPrefix = `${opts.seed}|`;
    this.licences =
      opts.licences !== undefined
        ? opts.licences
        : licencePlan(fleet, (f, unlicensed) => licenceWalk(f, unlicensed, opts.seed, opts.faults));
    this.unlicensed = this.licences ? new Set() : null;
    for (const p of poolsOf(fleet)) this.pools.set(p.app, p);
    // records are made as devices come online (doubling): a device that has not arrived costs none
    this.agents = new DeviceAgents(configs, 1024, n);
    // an online device's entry carries its slot and first installation
    this.heap = new CalendarQueue(n, opts.startMs, BUCKET_MS);
    this.arrivalOrder = new ArrivalOrder(fleet.devices, opts.startMs);
    for (let i = 0; i < n; i++) count += fleet.devices[i]!.apps.length;
    this.installCount = count;
    this.table = new InstallTable(1024, count);
    this.deviceFaults = new DeviceFaults(opts.faults, fleet.devices);
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
    if (a.pos < 0) return false;
    if (this.heap.size === 0) return true;
    const t = this.heap.peekTime()!;
    return a.at < t || (a.at === t && a.pos < this.heap.peekId()!);
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
      const next = at <= checkIn ? at : checkIn;
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

  /** The device at fleet position `pos` comes online at `at`: its installations start. */
  private arrive(pos: number, at: number): number {
    const device = this.fleet.devices[pos]!;
    const start = this.arrivalOf(device);
    const head = this.keyHead.set(this.seedPrefix, device.id);
    const d = this.agents.add(head, start.config, at);
    const a = this.agents;
    a.place(d, pos, this.table.size, start.shapes.length);
    let active = 0;
    for (const shape of start.shapes) {
      const sh = this.shapes[shape]!;
      const { model, app, traits } = sh;
      const i = this.table.add(shape);
      if (i === this.instPos.length) {
        const grown = new Int32Array(i * 2);
        grown.set(this.instPos);
        this.instPos = grown;
      }
      this.instPos[i] = pos;
      const quotaRole = device.quotaRoles?.[app.id];
      if (this.opts.recordPaths) this.install(i).path = [];
      if (this.licences?.has(licenceKey(device.id, app.id))) this.unlicensed!.add(i);
      this.table.rng.seedTail(i, head, sh.appKey);
      const c = this.freshCursor(i, model, at, app);
      if (quotaRole !== undefined) {
        const pending = c.updateAt !== Infinity;
        const scope = this.fleet.models.quotasInScope(device.cohort, app.id);
        const walkPlan = new PlannedWalk(
          this.fleet.models.plan(device.cohort, app.id, traits, scope, quotaRole, pending),
          pending,
        );
        this.constraints.set(i, walkPlan);
        c.constraint = walkPlan;
      }
      this.table.store(i, c, app);
      this.focus(d, i);
      const r = startWalk(
        model,
        this.load(i),
        traits,
        this.table.rng.at(i),
        this.agents,
        sh.v.visits,
        this.logOf(i),
        sh.choices,
      );
      if (this.settleWalk(i, r)) active++;
    }
    a.setActive(d, active);
    a.setSilent(d, 0);
    a.setEnrolment(d, 0);
    if (this.deviceFaults.any) this.deviceFaults.arrived(pos, at);
    return d;
  }

  /** A device fault strikes device `d` at its moment: it goes silent, or it is wiped and re-enrols. */
  private strike(d: number, pos: number, s: Strike): void {
    const t = this.table;
    const device = this.fleet.devices[pos]!;
    const first = this.agents.first(d);
    const end = first + this.agents.apps(d);
    let inProgress = 0;
    for (let i = first; i < end; i++) if (t.kind(i) !== DONE) inProgress++;
    if (s.fault.kind === 'stuck') {
      this.deviceFaults.take(pos, device.id, inProgress);
      this.deviceFaults.forget(pos);
      this.noteAll(d, `the device went silent (fault '${s.fault.name}', stuck)`);
      for (let i = first; i < end; i++) {
        if (t.kind(i) === DONE) continue;
        t.setKind(i, DONE);
        this.finals++;
      }
      this.agents.setActive(d, 0);
      this.agents.setSilent(d, 1);
      return;
    }
    const enrolment = this.agents.enrolment(d) + 1;
    this.agents.setEnrolment(d, enrolment);
    this.deviceFaults.take(pos, device.id, inProgress, enrolment);
    let active = 0;
    for (let i = first; i < end; i++) {
      const sh = this.shapes[t.shape(i)]!;
      const app = sh.app;
      if (t.kind(i) === DONE) this.finals--;
      t.setSeq(i, 0);
      this.constraints.delete(i);
      // a device's licence stays with it through the wipe; one it lacked may be free when it checks in again
      if (this.unlicensed) {
        if (this.licences!.has(licenceKey(device.id, app.id, enrolment))) this.unlicensed.add(i);
        else this.unlicensed.delete(i);
      }
      this.table.rng.seed(i, `${this.opts.seed}|${device.id}|${app.id}|enrolment ${enrolment}`);
      t.store(i, this.freshCursor(i, sh.model, s.at, app), app);
      const log = this.logs[i];
      if (log) {
        log.via.length = 0;
        log.why = `the device was wiped and re-enrolled (fault '${s.fault.name}', factory-reset); the job starts again`;
      }
      this.focus(d, i);
      const r = startWalk(
        sh.model,
        this.load(i),
        sh.traits,
        t.rng.at(i),
        this.agents,
        sh.v.visits,
        log ?? null,
        sh.choices,
      );
      if (this.settleWalk(i, r)) active++;
    }
    this.agents.setActive(d, active);
  }

  /** Emits installation `i`'s pending report (into the out fields) and walks on to its next state. */
  private emit(d: number, i: number): void {
    const t = this.table;
    const sh = this.shapes[t.shape(i)]!;
    this.outAt = t.at(i);
    this.outNode = t.node(i);
    this.outVersion = t.ver(i) ? sh.app.update!.version : sh.app.version;
    this.outSeq = t.seq(i) + 1;
    this.outPrevNode = t.lastNode(i);
    this.outPrevAt = t.lastAt(i);
    this.outPrevVer = t.lastVer(i);
    t.setSeq(i, this.outSeq);
    t.reported(i);
    if (this.opts.recordPaths) {
      const step = stepOf(sh.model, this.outNode, this.outAt, this.outVersion, this.logs[i] ?? null);
      if (this.unlicensed) this.namePool(i, step);
      this.install(i).path!.push(step);
      this.outStep = step;
      this.logs[i] = { via: [], why: '' };
    }
    if (this.opts.licenceWatch && sh.model.nodes[this.outNode]!.status === 'removed') this.noteRemoval(i);
    this.focus(d, i);
    const r = walk(
      sh.model,
      this.load(i),
      sh.traits,
      t.rng.at(i),
      this.agents,
      sh.v.visits,
      this.logs[i] ?? null,
      null,
      sh.choices,
    );
    let deviceDone = false;
    // a device with a factory reset still to come is not done: its connection must stay for what follows
    if (!this.settleWalk(i, r)) {
      const left = this.agents.active(d) - 1;
      this.agents.setActive(d, left);
      if (left === 0) deviceDone = !this.deviceFaults.any || !this.deviceFaults.resetPending(this.agents.pos(d));
    }
    this.outDone = deviceDone;
    this.outEnrolment = this.agents.enrolment(d);
    this.emitted++;
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

  /** Installation `i` starts waiting for its device's check-in. */
  private beginWait(d: number, i: number): void {
    const t = this.table;
    t.setKind(i, PARKED);
    const trans = this.shapes[t.shape(i)]!.model.transitions[t.park(i)]!;
    this.agents.requestCheckIn(d, t.at(i), trans.push);
  }

  /** Device `d` checks in at `at`: its parked installations go on, in the order they were queued. */
  private checkIn(d: number, at: number): void {
    const record = this.opts.recordPaths === true;
    if (this.agents.checkIn(d, at) === NOT_NOW) {
      this.noteAll(d, 'the device answered NotNow at a check-in (locked); the command waited');
      if (record) this.checkIns.push({ deviceId: this.deviceIdOf(d), at, apps: [], notNow: true });
      return;
    }
    const t = this.table;
    const served = this.served;
    let count = 0;
    const first = this.agents.first(d);
    const end = first + this.agents.apps(d);
    // in the order they were queued (ties by slot): an insertion sort, as a device has a few apps
    for (let i = first; i < end; i++) {
      if (t.kind(i) !== PARKED) continue;
      let k = count++;
      for (; k > 0 && t.at(served[k - 1]!) > t.at(i); k--) served[k] = served[k - 1]!;
      served[k] = i;
    }
    if (record)
      this.checkIns.push({
        deviceId: this.deviceIdOf(d),
        at,
        apps: Array.from(served.subarray(0, count), (i) => this.install(i).app.id),
        notNow: false,
      });
    const gap = this.agents.config(d).commandGapMs;
    this.agents.current = d;
    for (let k = 0; k < count; k++) {
      const i = served[k]!;
      const sh = this.shapes[t.shape(i)]!;
      this.focus(d, i);
      const c = this.load(i);
      c.at = at + k * gap;
      const resume = sh.model.transitions[t.park(i)]!;
      const log = this.logs[i] ?? null;
      const r = walk(sh.model, c, sh.traits, t.rng.at(i), this.agents, sh.v.visits, log, resume, sh.choices);
      if (!this.settleWalk(i, r)) this.agents.setActive(d, this.agents.active(d) - 1);
    }
  }

  /** The walk just done asked whether installation `i` holds a licence: when, for the licence plan. */
  private noteAsk(i: number): void {
    const a = this.agents;
    if (Number.isNaN(a.licenceAskedAt)) return;
    const inst = this.install(i);
    const key = licenceKey(inst.device.id, inst.app.id, a.enrolment(a.current));
    const asked = this.opts.licenceWatch!.asked;
    if (!asked.has(key)) asked.set(key, a.licenceAskedAt);
    a.licenceAskedAt = Number.NaN;
  }

  /** Installation `i` reports its app removed: its licence goes back to the pool then. */
  private noteRemoval(i: number): void {
    const inst = this.install(i);
    const key = licenceKey(inst.device.id, inst.app.id);
    const removed = this.opts.licenceWatch!.removed;
    const list = removed.get(key);
    if (list) list.push(this.outAt);
    else removed.set(key, [this.outAt]);
  }

  /** Names the VPP pool in the why of a step that took or was refused one of its licences (trace). */
  private namePool(i: number, step: Step): void {
    const app = this.install(i).app.id;
    const pool = this.pools.get(app);
    if (!pool) return;
    const label = `pool '${pool.name ?? pool.kind}' (${pool.licences} licence${pool.licences === 1 ? '' : 's'} of ${app})`;
    if (step.via.includes('licence_check->no_licence'))
      step.why += ` - ${label} had none free when the device checked in`;
    else if (step.via.includes('no_licence->install_failed')) step.why += ` - ${label}`;
    else if (step.via.includes('licence_check->licensed_scheduled')) step.why += `, from ${label}`;
  }

  private deviceIdOf(d: number): string {
    return this.fleet.devices[this.agents.pos(d)]!.id;
  }

  /** Records a device-level happening in the why of every parked installation (recorded paths only). */
  private noteAll(d: number, why: string): void {
    if (!this.opts.recordPaths) return;
    const first = this.agents.first(d);
    const end = first + this.agents.apps(d);
    for (let i = first; i < end; i++) {
      const log = this.logs[i];
      if (log && this.table.kind(i) === PARKED) log.why = log.why ? `${log.why}; ${why}` : why;
    }
  }

  /** Stores the scratch cursor back into slot `i` after a walk; false when the installation ended. */
  private settleWalk(i: number, r: WalkResult): boolean {
    const t = this.table;
    const c = this.cursor;
    if (this.opts.licenceWatch) this.noteAsk(i);
    t.store(i, c, this.shapes[t.shape(i)]!.app);
    if (r === WALK_REPORT) {
      t.setKind(i, REPORT);
      return true;
    }
    if (r === WALK_PARK) {
      t.setKind(i, WAKE);
      t.setPark(i, c.parked!.index);
      return true;
    }
    t.setKind(i, DONE);
    this.finals++;
    return false;
  }

  /** The scratch cursor at the start of installation `i`'s job (as newCursor makes one, with no object). */
  private freshCursor(i: number, model: CompiledModel, at: number, app: AppSpec): Cursor {
    const c = this.cursor;
    let updateAt = Infinity;
    if (app.update) {
      updateAt = this.updateAt.get(app) ?? this.opts.startMs + parseDuration(app.update.at)!;
      this.updateAt.set(app, updateAt);
    }
    const pending = at < updateAt;
    c.node = model.start;
    c.at = at;
    const counters = this.shapes[this.table.shape(i)]!.v.counters;
    counters?.fill(0);
    c.counters = counters;
    c.updateAt = pending ? updateAt : Infinity;
    // an installation that starts after the new version is out installs it directly
    c.version = app.update && !pending ? app.update.version : app.version;
    c.nextVersion = app.update?.version ?? app.version;
    c.constraint = null;
    c.parked = null;
    return c;
  }

  private load(i: number): Cursor {
    const sh = this.shapes[this.table.shape(i)]!;
    const constraint = this.constraints.size > 0 ? (this.constraints.get(i) ?? null) : null;
    this.table.load(i, this.cursor, sh.v.counters, sh.app, constraint);
    return this.cursor;
  }

  /** Points the device agents at installation `i`'s device and causes, before a walk. */
  private focus(d: number, i: number): void {
    this.agents.current = d;
    this.agents.forcing = this.shapes[this.table.shape(i)]!.v.force;
    if (this.unlicensed) {
      this.agents.licensed = !this.unlicensed.has(i);
      this.agents.pooled = this.shapes[this.table.shape(i)]!.pooled;
    }
  }

  /** Installations of the devices that have arrived so far (all of them once the run is over). */
  get installs(): Installation[] {
    const n = this.table.size;
    for (let i = this.made; i < n; i++) this.install(i);
    this.made = n;
    return this.insts;
  }

  /** The handle of install slot `i`, made the first time it is asked for. */
  install(i: number): Installation {
    const have = this.insts[i];
    if (have) return have;
    const sh = this.shapes[this.table.shape(i)]!;
    const device = this.fleet.devices[this.instPos[i]!]!;
    const inst = new Installation(i, device, sh.app, sh.model, sh.traits, device.quotaRoles?.[sh.app.id], this.table);
    this.insts[i] = inst;
    return inst;
  }

  /** The shapes and config a device starts with, found once per traits object (one per cohort's combination). */
  private arrivalOf(device: DeviceSpec): Arrival {
    const have = this.arrivals.get(device.traits);
    if (have && have.apps === device.apps) return have;
    const shapes = device.apps.map((app) => {
      const model = this.fleet.models.model(device.cohort, app.id);
      return this.shapeOf(model, this.variant(model, device, app), this.traitsOf(device, app), app);
    });
    const start = { apps: device.apps, shapes, config: this.configIndex.get(device.cohort)! };
    if (!have) this.arrivals.set(device.traits, start);
    return start;
  }

  /** The index of the shape (model, app, traits), made the first time. */
  private shapeOf(model: CompiledModel, v: Variant, traits: Traits, app: AppSpec): number {
    let byTraits = this.shapeIndex.get(v);
    if (!byTraits) this.shapeIndex.set(v, (byTraits = new Map()));
    let byApp = byTraits.get(traits);
    if (!byApp) byTraits.set(traits, (byApp = new Map()));
    let k = byApp.get(app);
    if (k === undefined) {
      if (this.shapes.length >= MAX_SHAPES)
        throw new LifecycleError(`more than ${MAX_SHAPES} distinct (model, app, traits) installations in one fleet`);
      const pooled = this.pools.has(app.id);
      k = this.shapes.push({ model, app, traits, v, appKey: flat(`|${app.id}`), pooled, choices: [] }) - 1;
      byApp.set(app, k);
    }
    return k;
  }

  /** The per-simulator data of one model variant (a (cohort, app) pair), made the first time. */
  private variant(model: CompiledModel, device: DeviceSpec, app: AppSpec): Variant {
    let v = this.variants.get(model);
    if (!v) {
      const visits = {
        nodes: new Uint32Array(model.nodes.length),
        transitions: new Uint32Array(model.transitions.length),
      };
      this.visits.set(model, visits);
      v = {
        visits,
        counters: model.counters.length ? new Array<number>(model.counters.length).fill(0) : null,
        force: forceTable(this.rules, model, device.cohort, app),
      };
      this.variants.set(model, v);
    }
    return v;
  }

  private logOf(i: number): WalkLog | null {
    if (!this.opts.recordPaths) return null;
    const log = { via: [], why: '' };
    this.logs[i] = log;
    return log;
  }

  /** One shared object per distinct set of traits (a fleet has a few dozen at most), found
   * through the device's own traits object, which the fleet shares between equal devices. */
  private traitsOf(device: DeviceSpec, app: AppSpec): Traits {
    let byApp = this.traitCache.get(device.traits);
    if (!byApp) this.traitCache.set(device.traits, (byApp = new Map()));
    let t = byApp.get(app);
    if (t) return t;
    t = installTraits(device, app);
    let key = '';
    for (const k in t) key += `${k}=${String(t[k])};`;
    const have = this.traitPool.get(key);
    if (have) t = have;
    else this.traitPool.set(key, t);
    byApp.set(app, t);
    return t;
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

/** The same text as one flat string (a concatenation is a rope, slower to hash character by character). */
function flat(text: string): string {
  return [text].join('');
}
