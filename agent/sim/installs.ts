/**
 * Every installation's walk state in typed arrays, one slot per installation (given when its
 * device comes online): where its cursor is, what it waits for, its retry counters, its own
 * generator, and its last reported step (the device's ground truth for the app). The engine
 * walks one scratch cursor, loaded from a slot and stored back, so an installation costs bytes
 * in arrays and one small handle object, never a cursor, generator or step kept alive.
 */
import { RngSlots } from '../../core/rng.js';
import type { CompiledModel } from '../lifecycle/compile.js';
import { stepOf, type Cursor, type Step, type WalkConstraint } from '../lifecycle/engine.js';
import type { Traits } from '../lifecycle/model.js';
import type { DeviceSpec } from '../fleet/fleet.js';
import type { AppSpec } from '../scenario/schema.js';

/** The installation has ended. */
export const DONE = 0;
/** Its next reported step is due at `at` (the cursor stands on it). */
export const REPORT = 1;
/** At `at` it starts waiting for its device's check-in (`parkT` is the way it will take). */
export const WAKE = 2;
/** It waits for its device's next check-in, since `at`. */
export const PARKED = 3;

/** Retry counters kept per installation (the models have at most two: the MSI CSP's). */
const COUNTERS = 4;

export class InstallTable {
  size = 0;
  node: Int32Array;
  at: Float64Array;
  kind: Uint8Array;
  parkT: Int32Array;
  updateAt: Float64Array;
  /** 0: the app's version, 1: the update's. */
  ver: Uint8Array;
  seq: Uint32Array;
  lastNode: Int32Array;
  lastAt: Float64Array;
  lastVer: Uint8Array;
  counters: Uint8Array;
  readonly rng: RngSlots;

  constructor(capacity: number) {
    const n = Math.max(16, capacity);
    this.node = new Int32Array(n);
    this.at = new Float64Array(n);
    this.kind = new Uint8Array(n);
    this.parkT = new Int32Array(n);
    this.updateAt = new Float64Array(n);
    this.ver = new Uint8Array(n);
    this.seq = new Uint32Array(n);
    this.lastNode = new Int32Array(n).fill(-1);
    this.lastAt = new Float64Array(n);
    this.lastVer = new Uint8Array(n);
    this.counters = new Uint8Array(n * COUNTERS);
    this.rng = new RngSlots(n);
  }

  /** A slot for a new installation. */
  add(): number {
    if (this.size === this.node.length) this.grow();
    return this.size++;
  }

  private grow(): void {
    const n = this.node.length * 2;
    const copy = <T extends Int32Array | Float64Array | Uint8Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n * (a.length / this.node.length));
      b.set(a);
      return b;
    };
    const i32 = (k: number) => new Int32Array(k);
    const f64 = (k: number) => new Float64Array(k);
    const u8 = (k: number) => new Uint8Array(k);
    this.at = copy(this.at, f64);
    this.kind = copy(this.kind, u8);
    this.parkT = copy(this.parkT, i32);
    this.updateAt = copy(this.updateAt, f64);
    this.ver = copy(this.ver, u8);
    this.seq = copy(this.seq, (k) => new Uint32Array(k));
    const lastNode = new Int32Array(n).fill(-1);
    lastNode.set(this.lastNode);
    this.lastNode = lastNode;
    this.lastAt = copy(this.lastAt, f64);
    this.lastVer = copy(this.lastVer, u8);
    this.counters = copy(this.counters, u8);
    this.node = copy(this.node, i32);
    this.rng.reserve(n);
  }

  /** Loads slot `i` into the scratch cursor `c` (its counters array belongs to the model). */
  load(i: number, c: Cursor, counters: number[] | null, app: AppSpec, constraint: WalkConstraint | null): void {
    c.node = this.node[i]!;
    c.at = this.at[i]!;
    c.updateAt = this.updateAt[i]!;
    c.version = this.ver[i] ? app.update!.version : app.version;
    c.nextVersion = app.update?.version ?? app.version;
    c.constraint = constraint;
    c.parked = null;
    if (counters) {
      const o = i * COUNTERS;
      for (let k = 0; k < counters.length; k++) counters[k] = this.counters[o + k]!;
    }
    c.counters = counters;
  }

  store(i: number, c: Cursor, app: AppSpec): void {
    this.node[i] = c.node;
    this.at[i] = c.at;
    this.updateAt[i] = c.updateAt;
    this.ver[i] = app.update && c.version === app.update.version ? 1 : 0;
    const counters = c.counters;
    if (counters) {
      const o = i * COUNTERS;
      for (let k = 0; k < counters.length; k++) this.counters[o + k] = counters[k]!;
    }
  }
}

/**
 * One app on one device, as reports, reconciliation and tests see it: a handle onto its slot.
 * `last` is built when asked (the table keeps only its node, time and version).
 */
export class Installation {
  /** Every reported step, when the simulator records paths. */
  path?: Step[];

  constructor(
    readonly id: number,
    readonly device: DeviceSpec,
    readonly app: AppSpec,
    readonly model: CompiledModel,
    readonly traits: Traits,
    /** The quota this installation meets (index into scenario.quotas), -1 none, undefined when no
     * quota is about it. */
    readonly quotaRole: number | undefined,
    private readonly table: InstallTable,
  ) {}

  get seq(): number {
    return this.table.seq[this.id]!;
  }

  /** The last reported step: the device's ground truth for this app. */
  get last(): Step | undefined {
    const node = this.table.lastNode[this.id]!;
    if (node < 0) return undefined;
    const version = this.table.lastVer[this.id] ? this.app.update!.version : this.app.version;
    return stepOf(this.model, node, this.table.lastAt[this.id]!, version, null);
  }
}
