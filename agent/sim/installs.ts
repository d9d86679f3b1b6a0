/**
 * Every installation's walk state, one 64-byte record per installation (given when its device
 * comes online): where its cursor is, what it waits for, its retry counters, its own generator,
 * and its last reported step (the device's ground truth for the app). One record, not one array
 * per field: the simulator visits installations in time order, which is no order in memory, so
 * each field in its own array cost a cache miss per field per event; a record costs one. The
 * engine walks one scratch cursor, loaded from a record and stored back, so an installation
 * costs its record and one small handle object, never a cursor, generator or step kept alive.
 */
import { RECORDS_AT, recordBuffer } from '../../core/record-buffer.js';
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
const BYTES = 64;
// the record: doubles at, updateAt, lastAt; int32 words 6-9 the generator, then node, lastNode,
// seq, then int16 26 parkT and uint16 27 shape; bytes 56-59 the counters, 60 kind, 61 version (0 the
// app's, 1 the update's), 62 lastVer
const F = BYTES / 8;
const W = BYTES / 4;
const AT = 0;
const UPDATE_AT = 1;
const LAST_AT = 2;
const RNG = 6;
const NODE = 10;
const LAST_NODE = 11;
const SEQ = 12;
const H = BYTES / 2;
const PARK = 26;
const SHAPE = 27;
/** Shapes (what installations of one model, app and traits share) a table can name. */
export const MAX_SHAPES = 0xffff;
const COUNT0 = 56;
const KIND = 60;
const VER = 61;
const LAST_VER = 62;

export class InstallTable {
  size = 0;
  private cap: number;
  private f: Float64Array;
  private w: Int32Array;
  private h: Int16Array;
  private hu: Uint16Array;
  private b: Uint8Array;
  readonly rng: RngSlots;

  /** `limit`: the most installations the table will hold (it never grows past them). */
  constructor(
    capacity: number,
    private readonly limit = Infinity,
  ) {
    this.cap = Math.max(16, Math.min(capacity, limit));
    const bytes = this.cap * BYTES;
    const buf = recordBuffer(bytes);
    this.f = new Float64Array(buf, RECORDS_AT, bytes / 8);
    this.w = new Int32Array(buf, RECORDS_AT, bytes / 4);
    this.h = new Int16Array(buf, RECORDS_AT, bytes / 2);
    this.hu = new Uint16Array(buf, RECORDS_AT, bytes / 2);
    this.b = new Uint8Array(buf, RECORDS_AT, bytes);
    this.rng = new RngSlots(this.cap, W, RNG, this.w);
  }

  /** A slot for a new installation of shape `shape`. */
  add(shape: number): number {
    if (this.size === this.cap) this.grow();
    const i = this.size++;
    this.w[i * W + LAST_NODE] = -1;
    this.hu[i * H + SHAPE] = shape;
    return i;
  }

  /** The installation's shape (its model, app and traits; the simulator keeps the list). */
  shape(i: number): number {
    return this.hu[i * H + SHAPE]!;
  }

  private grow(): void {
    // by four up to the limit: a fleet coming online copies a third of its records once, not all of them
    this.cap = Math.max(this.cap + 1, Math.min(this.cap * 4, this.limit));
    const bytes = this.cap * BYTES;
    const buf = recordBuffer(bytes);
    const b = new Uint8Array(buf, RECORDS_AT, bytes);
    b.set(this.b);
    this.b = b;
    this.f = new Float64Array(buf, RECORDS_AT, bytes / 8);
    this.w = new Int32Array(buf, RECORDS_AT, bytes / 4);
    this.h = new Int16Array(buf, RECORDS_AT, bytes / 2);
    this.hu = new Uint16Array(buf, RECORDS_AT, bytes / 2);
    this.rng.rebind(this.w);
  }

  kind(i: number): number {
    return this.b[i * BYTES + KIND]!;
  }

  setKind(i: number, k: number): void {
    this.b[i * BYTES + KIND] = k;
  }

  at(i: number): number {
    return this.f[i * F + AT]!;
  }

  node(i: number): number {
    return this.w[i * W + NODE]!;
  }

  /** 0: the app's version, 1: the update's. */
  ver(i: number): number {
    return this.b[i * BYTES + VER]!;
  }

  /** The check-in transition a waiting installation will take. */
  park(i: number): number {
    return this.h[i * H + PARK]!;
  }

  setPark(i: number, t: number): void {
    this.h[i * H + PARK] = t;
  }

  seq(i: number): number {
    return this.w[i * W + SEQ]!;
  }

  setSeq(i: number, seq: number): void {
    this.w[i * W + SEQ] = seq;
  }

  /** The installation reports the step its cursor stands on: it becomes its last. */
  reported(i: number): void {
    this.w[i * W + LAST_NODE] = this.w[i * W + NODE]!;
    this.f[i * F + LAST_AT] = this.f[i * F + AT]!;
    this.b[i * BYTES + LAST_VER] = this.b[i * BYTES + VER]!;
  }

  /** Puts back an earlier last step (a report taken back before it went on the wire). */
  restoreLast(i: number, node: number, at: number, ver: number): void {
    this.w[i * W + LAST_NODE] = node;
    this.f[i * F + LAST_AT] = at;
    this.b[i * BYTES + LAST_VER] = ver;
  }

  lastNode(i: number): number {
    return this.w[i * W + LAST_NODE]!;
  }

  lastAt(i: number): number {
    return this.f[i * F + LAST_AT]!;
  }

  lastVer(i: number): number {
    return this.b[i * BYTES + LAST_VER]!;
  }

  /** Loads slot `i` into the scratch cursor `c` (its counters array belongs to the model). */
  load(i: number, c: Cursor, counters: number[] | null, app: AppSpec, constraint: WalkConstraint | null): void {
    const o = i * F;
    c.node = this.w[i * W + NODE]!;
    c.at = this.f[o + AT]!;
    c.updateAt = this.f[o + UPDATE_AT]!;
    c.version = this.b[i * BYTES + VER] ? app.update!.version : app.version;
    c.nextVersion = app.update?.version ?? app.version;
    c.constraint = constraint;
    c.parked = null;
    if (counters) {
      const base = i * BYTES + COUNT0;
      for (let k = 0; k < counters.length; k++) counters[k] = this.b[base + k]!;
    }
    c.counters = counters;
  }

  store(i: number, c: Cursor, app: AppSpec): void {
    const o = i * F;
    this.w[i * W + NODE] = c.node;
    this.f[o + AT] = c.at;
    this.f[o + UPDATE_AT] = c.updateAt;
    this.b[i * BYTES + VER] = app.update && c.version === app.update.version ? 1 : 0;
    const counters = c.counters;
    if (counters) {
      const base = i * BYTES + COUNT0;
      for (let k = 0; k < counters.length && k < COUNTERS; k++) this.b[base + k] = counters[k]!;
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
    return this.table.seq(this.id);
  }

  /** The last reported step: the device's ground truth for this app. */
  get last(): Step | undefined {
    const node = this.table.lastNode(this.id);
    if (node < 0) return undefined;
    const version = this.table.lastVer(this.id) ? this.app.update!.version : this.app.version;
    return stepOf(this.model, node, this.table.lastAt(this.id), version, null);
  }
}
