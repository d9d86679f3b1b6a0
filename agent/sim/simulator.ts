/**
 * The simulator: every installation of the fleet walking its lifecycle, in simulated-time order,
 * driven by one heap. It knows nothing of sockets or wall time: the run loop (run.ts) pulls
 * steps from it when the clock and the in-flight window allow, and `trace` pulls them with no
 * network at all. Both see exactly the same steps.
 */
import { parseDuration } from '../../core/delay.js';
import type { CompiledModel } from '../lifecycle/compile.js';
import { advance, newCursor, type Cursor, type Step, type Visits } from '../lifecycle/engine.js';
import { PlannedWalk } from '../lifecycle/goals.js';
import type { Traits } from '../lifecycle/model.js';
import { installRng, type Rng } from '../../core/rng.js';
import { installTraits, type DeviceSpec, type Fleet } from '../fleet/fleet.js';
import type { AppSpec } from '../scenario/schema.js';
import { TimeHeap } from '../../core/heap.js';

export interface Installation {
  id: number;
  device: DeviceSpec;
  app: AppSpec;
  model: CompiledModel;
  traits: Traits;
  rng: Rng;
  cursor: Cursor;
  /** The quota this installation meets (index into scenario.quotas), -1 none, undefined when no
   * quota is about it. */
  quotaRole: number | undefined;
  /** The next step to report, computed one step ahead; undefined once final. */
  pending: Step | undefined;
  /** The last reported step: the device's ground truth for this app. */
  last: Step | undefined;
  seq: number;
  /** Every reported step, when the simulator records paths. */
  path?: Step[];
}

export interface Emitted {
  inst: Installation;
  step: Step;
  seq: number;
  /** True when this was the last event of the last active installation of its device. */
  deviceDone: boolean;
}

export interface SimulatorOptions {
  /** Simulated epoch of the scenario start, ms. */
  startMs: number;
  seed: number | string;
  /** Keep every step of every installation (trace, tests); off for big runs. */
  recordPaths?: boolean;
}

/**
 * Installations are created lazily, when their device arrives: until then a device is its spec
 * and one heap entry (a negative id), so a fleet of a million waiting devices costs little.
 * Trait objects are interned: devices and installations with equal traits share one object.
 */
export class Simulator {
  /** Installations of the devices that have arrived so far (all of them once the run is over). */
  readonly installs: Installation[] = [];
  /** Coverage counts per compiled model variant. */
  readonly visits = new Map<CompiledModel, Visits>();
  /** Installations in the whole fleet, arrived or not. */
  readonly installCount: number;
  private readonly heap = new TimeHeap();
  /** Active installations per device index. */
  private readonly activeByDevice = new Map<number, number>();
  private readonly traitPool = new Map<string, Traits>();
  private finals = 0;
  emitted = 0;

  constructor(
    readonly fleet: Fleet,
    private readonly opts: SimulatorOptions,
  ) {
    const n = fleet.devices.length;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const device = fleet.devices[i]!;
      count += device.apps.length;
      // Earlier devices get more negative ids, so equal arrival times keep fleet order.
      this.heap.push(opts.startMs + device.arrivalMs, i - n);
    }
    this.installCount = count;
  }

  /** The device at fleet position `pos` comes online: its installations start. */
  private arrive(pos: number): void {
    const device = this.fleet.devices[pos]!;
    const models = this.fleet.models;
    const opts = this.opts;
    let active = 0;
    for (const app of device.apps) {
      const model = models.model(device.cohort, app.id);
      let visits = this.visits.get(model);
      if (!visits) {
        visits = { nodes: new Uint32Array(model.nodes.length), transitions: new Uint32Array(model.transitions.length) };
        this.visits.set(model, visits);
      }
      const traits = this.intern(installTraits(device, app));
      const rng = installRng(opts.seed, device.id, app.id);
      const update = app.update
        ? { at: opts.startMs + parseDuration(app.update.at)!, version: app.update.version }
        : undefined;
      const cursor = newCursor(model, opts.startMs + device.arrivalMs, app.version, update);
      const quotaRole = device.quotaRoles?.[app.id];
      if (quotaRole !== undefined) {
        const pending = cursor.updateAt !== Infinity;
        const scope = models.quotasInScope(device.cohort, app.id);
        cursor.constraint = new PlannedWalk(
          models.plan(device.cohort, app.id, traits, scope, quotaRole, pending),
          pending,
        );
      }
      const inst: Installation = {
        id: this.installs.length,
        device,
        app,
        model,
        traits,
        rng,
        cursor,
        quotaRole,
        pending: advance(model, cursor, traits, rng, visits, true),
        last: undefined,
        seq: 0,
        ...(opts.recordPaths ? { path: [] } : {}),
      };
      this.installs.push(inst);
      if (inst.pending) {
        this.heap.push(inst.pending.at, inst.id);
        active++;
      } else {
        this.finals++;
      }
    }
    if (active > 0) this.activeByDevice.set(device.index, active);
  }

  /** One shared object per distinct set of traits (a fleet has a few dozen at most). */
  private intern(t: Traits): Traits {
    let key = '';
    for (const k in t) key += `${k}=${String(t[k])};`;
    const have = this.traitPool.get(key);
    if (have) return have;
    this.traitPool.set(key, t);
    return t;
  }

  /** Starts every device whose arrival comes before the next step. */
  private settleArrivals(): void {
    const n = this.fleet.devices.length;
    for (let id = this.heap.peekId(); id !== undefined && id < 0; id = this.heap.peekId()) {
      this.heap.pop();
      this.arrive(id + n);
    }
  }

  /** Simulated time of the next step, or undefined when every installation is final. */
  nextTime(): number | undefined {
    this.settleArrivals();
    return this.heap.peekTime();
  }

  /** Installations not yet final, arrived or not. */
  get remaining(): number {
    return this.installCount - this.finals;
  }

  /** Reports the next step in simulated-time order and schedules the one after it. */
  pop(): Emitted | undefined {
    this.settleArrivals();
    const id = this.heap.pop();
    if (id === undefined) return undefined;
    const inst = this.installs[id]!;
    const step = inst.pending!;
    inst.seq++;
    inst.last = step;
    inst.path?.push(step);
    inst.pending = advance(inst.model, inst.cursor, inst.traits, inst.rng, this.visits.get(inst.model));
    let deviceDone = false;
    if (inst.pending) {
      this.heap.push(inst.pending.at, inst.id);
    } else {
      this.finals++;
      const left = this.activeByDevice.get(inst.device.index)! - 1;
      if (left === 0) {
        this.activeByDevice.delete(inst.device.index);
        deviceDone = true;
      } else {
        this.activeByDevice.set(inst.device.index, left);
      }
    }
    this.emitted++;
    return { inst, step, seq: inst.seq, deviceDone };
  }

  /** Runs every installation to its end with no clock (trace, expected tallies, tests). */
  runToEnd(onStep?: (e: Emitted) => void): void {
    for (let e = this.pop(); e; e = this.pop()) onStep?.(e);
  }
}
