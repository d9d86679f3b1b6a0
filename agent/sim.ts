/**
 * The simulator: every installation of the fleet walking its lifecycle, in simulated-time order,
 * driven by one heap. It knows nothing of sockets or wall time: the run loop (run.ts) pulls
 * steps from it when the clock and the in-flight window allow, and `trace` pulls them with no
 * network at all. Both see exactly the same steps.
 */
import { parseDuration } from './delay.js';
import type { CompiledModel } from './lifecycle/compile.js';
import { advance, newCursor, type Cursor, type Step, type Visits } from './lifecycle/engine.js';
import { PlannedWalk } from './lifecycle/goals.js';
import type { Traits } from './lifecycle/model.js';
import { installRng, type Rng } from './rng.js';
import { installTraits, type DeviceSpec, type Fleet } from './fleet.js';
import type { AppSpec } from './scenario/schema.js';
import { TimeHeap } from './heap.js';

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

export class Simulator {
  readonly installs: Installation[] = [];
  /** Coverage counts per compiled model variant. */
  readonly visits = new Map<CompiledModel, Visits>();
  private readonly heap = new TimeHeap();
  /** Active installations per device index. */
  private readonly activeByDevice = new Map<number, number>();
  emitted = 0;

  constructor(readonly fleet: Fleet, private readonly opts: SimulatorOptions) {
    const models = fleet.models;
    for (const device of fleet.devices) {
      let active = 0;
      for (const app of device.apps) {
        const model = models.model(device.cohort, app.id);
        let visits = this.visits.get(model);
        if (!visits) {
          visits = { nodes: new Uint32Array(model.nodes.length), transitions: new Uint32Array(model.transitions.length) };
          this.visits.set(model, visits);
        }
        const traits = installTraits(device, app);
        const rng = installRng(opts.seed, device.id, app.id);
        const update = app.update ? { at: opts.startMs + parseDuration(app.update.at)!, version: app.update.version } : undefined;
        const cursor = newCursor(model, opts.startMs + device.arrivalMs, app.version, update);
        const quotaRole = device.quotaRoles?.[app.id];
        if (quotaRole !== undefined) {
          const pending = cursor.updateAt !== Infinity;
          const scope = models.quotasInScope(device.cohort, app.id);
          cursor.constraint = new PlannedWalk(models.plan(device.cohort, app.id, traits, scope, quotaRole, pending), pending);
        }
        const inst: Installation = {
          id: this.installs.length, device, app, model, traits, rng, cursor, quotaRole,
          pending: advance(model, cursor, traits, rng, visits, true),
          last: undefined, seq: 0,
          ...(opts.recordPaths ? { path: [] } : {}),
        };
        this.installs.push(inst);
        if (inst.pending) {
          this.heap.push(inst.pending.at, inst.id);
          active++;
        }
      }
      if (active > 0) this.activeByDevice.set(device.index, active);
    }
  }

  /** Simulated time of the next step, or undefined when every installation is final. */
  nextTime(): number | undefined {
    return this.heap.peekTime();
  }

  get remaining(): number {
    return this.heap.size;
  }

  /** Reports the next step in simulated-time order and schedules the one after it. */
  pop(): Emitted | undefined {
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
