/**
 * The simulator's state: the device agents and install table of the devices online so far, the
 * shapes their installations share, the scratch cursor every walk runs on, the quota constraints,
 * VPP licences and recorded logs of single installations, and what the last step emitted; with
 * the small steps every device event is made of (point the agents at an installation, load its
 * record into the cursor, store the walk's outcome back). The events are in device-events.ts,
 * the order they happen in is simulator.ts's.
 */
import { parseDuration } from '../../core/delay.js';
import { KeyHead } from '../../core/rng.js';
import { DeviceAgents } from '../device/agents.js';
import type { FaultPlan } from '../faults/plan.js';
import type { Fleet } from '../fleet/fleet.js';
import type { CompiledModel } from '../lifecycle/compile.js';
import {
  WALK_PARK,
  WALK_REPORT,
  type Cursor,
  type Step,
  type WalkConstraint,
  type WalkLog,
  type WalkResult,
} from '../lifecycle/engine.js';
import type { AppSpec } from '../scenario/schema.js';
import { DeviceFaults } from './device-faults.js';
import { DONE, InstallTable, Installation, PARKED, REPORT, WAKE } from './installs.js';
import { licenceKey, poolsOf, type LicencePlan, type LicenceWalk, type PoolSpec } from './licence-pool.js';
import { type Shape, Shapes } from './shapes.js';

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

export abstract class SimState {
  /** Coverage counts per compiled model variant. */
  readonly visits: Shapes['visits'];
  protected readonly kinds: Shapes;
  /** Every shape, by index (the kinds' list). */
  protected readonly shapes: Shape[];
  /** The scenario's VPP pools by app id (trace names them). */
  protected readonly pools = new Map<string, PoolSpec>();
  /** The installations' handles, made when asked (a run that never asks makes none). */
  protected readonly insts: Installation[] = [];
  protected made = 0;
  /** Fleet position of each installation's device, by install slot. */
  protected instPos = new Int32Array(1024);
  /** Installations in the whole fleet, arrived or not. */
  readonly installCount: number;
  /** The device agents: check-ins, connectivity, presence, bootstrap. */
  readonly agents: DeviceAgents;
  /** The head of the keys of the device arriving now: `${seed}|${deviceId}`, hashed. */
  protected readonly keyHead = new KeyHead();
  protected readonly table: InstallTable;
  /** Stuck devices and factory resets: the strikes to come and those that happened. */
  readonly deviceFaults: DeviceFaults;
  protected readonly constraints = new Map<number, WalkConstraint>();
  protected readonly logs: (WalkLog | undefined)[] = [];
  protected readonly cursor: Cursor = {
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
  protected readonly served = new Int32Array(256);
  /** Each app's update time, absolute ms (parsed once). */
  protected readonly updateAt = new Map<AppSpec, number>();
  /** `${seed}|`: the head of every generator key. */
  protected readonly seedPrefix: string;
  protected finals = 0;
  protected readonly licences: LicencePlan;
  /** Install slots without a VPP licence (a pool ran out); null when the scenario has no pool. */
  protected readonly unlicensed: Set<number> | null;
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
  protected outStep: Step | null = null;
  /** Every check-in, in the order they happened, when the simulator records paths. */
  readonly checkIns: CheckInRecord[] = [];

  constructor(
    readonly fleet: Fleet,
    protected readonly opts: SimulatorOptions,
    licences: LicencePlan,
  ) {
    const n = fleet.devices.length;
    for (const p of poolsOf(fleet)) this.pools.set(p.app, p);
    this.kinds = new Shapes(fleet, this.pools);
    this.shapes = this.kinds.list;
    this.visits = this.kinds.visits;
    this.seedPrefix = `${opts.seed}|`;
    this.licences = licences;
    this.unlicensed = licences ? new Set() : null;
    // records are made as devices come online (by four, up to the fleet): a device that has not arrived costs none
    this.agents = new DeviceAgents(this.kinds.configs, 1024, n);
    let count = 0;
    for (let i = 0; i < n; i++) count += fleet.devices[i]!.apps.length;
    this.installCount = count;
    this.table = new InstallTable(1024, count);
    this.deviceFaults = new DeviceFaults(opts.faults, fleet.devices);
  }

  /** Stores the scratch cursor back into slot `i` after a walk; false when the installation ended. */
  protected settleWalk(i: number, r: WalkResult): boolean {
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
  protected freshCursor(i: number, model: CompiledModel, at: number, app: AppSpec): Cursor {
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

  protected load(i: number): Cursor {
    const sh = this.shapes[this.table.shape(i)]!;
    const constraint = this.constraints.size > 0 ? (this.constraints.get(i) ?? null) : null;
    this.table.load(i, this.cursor, sh.v.counters, sh.app, constraint);
    return this.cursor;
  }

  /** Points the device agents at installation `i`'s device and causes, before a walk. */
  protected focus(d: number, i: number): void {
    this.agents.current = d;
    this.agents.forcing = this.shapes[this.table.shape(i)]!.v.force;
    if (this.unlicensed) {
      this.agents.licensed = !this.unlicensed.has(i);
      this.agents.pooled = this.shapes[this.table.shape(i)]!.pooled;
    }
  }

  protected logOf(i: number): WalkLog | null {
    if (!this.opts.recordPaths) return null;
    const log = { via: [], why: '' };
    this.logs[i] = log;
    return log;
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

  /** The walk just done asked whether installation `i` holds a licence: when, for the licence plan. */
  protected noteAsk(i: number): void {
    const a = this.agents;
    if (Number.isNaN(a.licenceAskedAt)) return;
    const inst = this.install(i);
    const key = licenceKey(inst.device.id, inst.app.id, a.enrolment(a.current));
    const asked = this.opts.licenceWatch!.asked;
    if (!asked.has(key)) asked.set(key, a.licenceAskedAt);
    a.licenceAskedAt = Number.NaN;
  }

  /** Installation `i` reports its app removed: its licence goes back to the pool then. */
  protected noteRemoval(i: number): void {
    const inst = this.install(i);
    const key = licenceKey(inst.device.id, inst.app.id);
    const removed = this.opts.licenceWatch!.removed;
    const list = removed.get(key);
    if (list) list.push(this.outAt);
    else removed.set(key, [this.outAt]);
  }

  /** Names the VPP pool in the why of a step that took or was refused one of its licences (trace). */
  protected namePool(i: number, step: Step): void {
    const app = this.install(i).app.id;
    const pool = this.pools.get(app);
    if (!pool) return;
    const label = `pool '${pool.name ?? pool.kind}' (${pool.licences} licence${pool.licences === 1 ? '' : 's'} of ${app})`;
    if (step.via.includes('licence_check->no_licence'))
      step.why += ` - ${label} had none free when the device checked in`;
    else if (step.via.includes('no_licence->install_failed')) step.why += ` - ${label}`;
    else if (step.via.includes('licence_check->licensed_scheduled')) step.why += `, from ${label}`;
  }

  protected deviceIdOf(d: number): string {
    return this.fleet.devices[this.agents.pos(d)]!.id;
  }

  /** Records a device-level happening in the why of every parked installation (recorded paths only). */
  protected noteAll(d: number, why: string): void {
    if (!this.opts.recordPaths) return;
    const first = this.agents.first(d);
    const end = first + this.agents.apps(d);
    for (let i = first; i < end; i++) {
      const log = this.logs[i];
      if (log && this.table.kind(i) === PARKED) log.why = log.why ? `${log.why}; ${why}` : why;
    }
  }
}
