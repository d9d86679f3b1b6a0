/**
 * The device agents of a fleet: one per device, holding what its apps share. Its check-in
 * schedule (a push after a command is queued, else its own sessions), its connectivity (outages
 * on its own clock), a locked screen that answers NotNow, and the DME bootstrap, drawn once.
 * The simulator parks an installation that waits for a check-in on its device; at the check-in
 * every parked installation of the device goes on, so one check-in drains the device's queue.
 *
 * One object for the whole fleet, its state in one 64-byte record per device slot (given when
 * the device comes online), so a device costs one cache line and no object; the record also holds
 * what the simulator keeps per device (its fleet position, its installations, how many are active,
 * silenced, its enrolment), since an event touches all of it at once. It is also the engine's
 * DeviceFacts for the device `current` points at.
 */
import { sampleFrom, type Delay } from '../../core/delay.js';
import { RECORDS_AT, recordBuffer } from '../../core/record-buffer.js';
import { type KeyHead, RngSlots, unitAt } from '../../core/rng.js';
import type { CNode, CTrans } from '../lifecycle/compile.js';
import type { Cursor, DeviceFacts } from '../lifecycle/engine.js';
import type { DeviceCondition, DeviceWait } from '../lifecycle/model.js';
import type { ForceTable } from './causes.js';
import type { DeviceConfig } from './config.js';
import { offlineAt, onlineFrom } from './connectivity.js';

const CAUSE_SALT = 0x63617573;
// the record: doubles next check-in, next own session, bootstrap end; int32 words 6-9 the
// generator, 10 key, 11 config, 12 fleet position, 13 first installation slot; uint16 28 the
// enrolment; bytes 58 bootstrap outcome, 59 apps, 60 active apps, 61 silent
const BYTES = 64;
const F = BYTES / 8;
const W = BYTES / 4;
const H = BYTES / 2;
const NEXT = 0;
const SESSION = 1;
const BOOT_AT = 2;
const RNG = 6;
const KEY = 10;
const CFG = 11;
const POS = 12;
const FIRST = 13;
const ENROL = 28;
const BOOT = 58;
const APPS = 59;
const ACTIVE = 60;
const SILENT = 61;
const BOOTSTRAP_OK = 1;
const BOOTSTRAP_FAILED = 2;

/** What a check-in found: the device answered (its queue drained), or NotNow (nothing moved). */
export const CHECKED_IN = 0;
export const NOT_NOW = 1;

export class DeviceAgents implements DeviceFacts {
  /** The device slot the engine's questions are about. */
  current = 0;
  /** The causes of the installation the engine walks now (its cohort and app), or null. */
  forcing: ForceTable | null = null;
  forcedWhy = '';
  /** Whether the installation walked now holds a VPP licence (the simulator sets it; true outside a pool). */
  licensed = true;
  /** Whether the installation walked now is of an app with a VPP licence pool (the simulator sets it). */
  pooled = false;
  /** When the engine last asked whether the installation holds a licence (NaN: not since reset). */
  licenceAskedAt = Number.NaN;
  private size = 0;
  private cap: number;
  private f: Float64Array;
  private w: Int32Array;
  private u: Uint32Array;
  private b: Uint8Array;
  private h: Uint16Array;
  private readonly rng: RngSlots;
  checkIns = 0;
  notNows = 0;

  constructor(
    private readonly configs: readonly DeviceConfig[],
    capacity = 1024,
    /** The most devices it will hold (it never grows past them). */
    private readonly limit = Infinity,
  ) {
    this.cap = Math.max(16, Math.min(capacity, limit));
    this.f = new Float64Array(0);
    this.w = new Int32Array(0);
    this.u = new Uint32Array(0);
    this.b = new Uint8Array(0);
    this.h = new Uint16Array(0);
    this.view(recordBuffer(this.cap * BYTES), this.cap * BYTES);
    this.rng = new RngSlots(this.cap, W, RNG, this.w);
  }

  private view(buf: ArrayBuffer, bytes: number): void {
    this.f = new Float64Array(buf, RECORDS_AT, bytes / 8);
    this.w = new Int32Array(buf, RECORDS_AT, bytes / 4);
    this.u = new Uint32Array(buf, RECORDS_AT, bytes / 4);
    this.b = new Uint8Array(buf, RECORDS_AT, bytes);
    this.h = new Uint16Array(buf, RECORDS_AT, bytes / 2);
  }

  get count(): number {
    return this.size;
  }

  private grow(): void {
    // by four up to the limit: a fleet coming online copies a third of its records once, not all of them
    this.cap = Math.max(this.cap + 1, Math.min(this.cap * 4, this.limit));
    const bytes = this.cap * BYTES;
    const buf = recordBuffer(bytes);
    new Uint8Array(buf, RECORDS_AT, bytes).set(this.b);
    this.view(buf, bytes);
    this.rng.rebind(this.w);
  }

  // --- what the simulator keeps per device, in the same record ---

  /** The device's fleet position. */
  pos(d: number): number {
    return this.w[d * W + POS]!;
  }

  /** Its first installation slot; its installations are `first(d)` .. `first(d) + apps(d) - 1`. */
  first(d: number): number {
    return this.w[d * W + FIRST]!;
  }

  apps(d: number): number {
    return this.b[d * BYTES + APPS]!;
  }

  place(d: number, pos: number, first: number, apps: number): void {
    this.w[d * W + POS] = pos;
    this.w[d * W + FIRST] = first;
    this.b[d * BYTES + APPS] = apps;
  }

  /** Installations of the device not yet final. */
  active(d: number): number {
    return this.b[d * BYTES + ACTIVE]!;
  }

  setActive(d: number, n: number): void {
    this.b[d * BYTES + ACTIVE] = n;
  }

  /** 1 once a stuck fault silenced the device. */
  silent(d: number): number {
    return this.b[d * BYTES + SILENT]!;
  }

  setSilent(d: number, v: number): void {
    this.b[d * BYTES + SILENT] = v;
  }

  /** Its enrolment: 0 until a factory reset, then 1, 2... */
  enrolment(d: number): number {
    return this.h[d * H + ENROL]!;
  }

  setEnrolment(d: number, n: number): void {
    this.h[d * H + ENROL] = n;
  }

  /**
   * A device comes online at `at`: its facts are drawn, in a fixed order, from its own generator.
   * `head` is its key's head `${seed}|${deviceId}`, hashed (its apps' keys begin the same way).
   */
  add(head: KeyHead, config: number, at: number): number {
    if (this.size === this.cap) this.grow();
    const d = this.size++;
    const rng = this.rng;
    // the key `${seed}|${deviceId}|device`, hashed without being built
    this.u[d * W + KEY] = rng.seedTail(d, head, '|device');
    this.w[d * W + CFG] = config;
    this.f[d * F + NEXT] = Infinity;
    const c = this.configs[config]!;
    this.f[d * F + SESSION] = at + this.draw(d, c.session);
    const b = c.bootstrap;
    const failed = rng.at(d).next() < (b?.failure ?? 0);
    const delay = failed ? b?.failed : b?.ok;
    this.f[d * F + BOOT_AT] = at + (delay ? this.draw(d, delay) : 0);
    this.b[d * BYTES + BOOT] = failed ? BOOTSTRAP_FAILED : BOOTSTRAP_OK;
    return d;
  }

  private draw(d: number, delay: Delay): number {
    const rng = this.rng.at(d);
    return sampleFrom(delay, rng.next(), rng.next());
  }

  config(d: number): DeviceConfig {
    return this.configs[this.w[d * W + CFG]!]!;
  }

  nextCheckIn(d: number): number {
    return this.f[d * F + NEXT]!;
  }

  /** The device's first own session at or after `at` (asked in time order, as the device lives). */
  private sessionFrom(d: number, at: number): number {
    const c = this.config(d);
    let s = this.f[d * F + SESSION]!;
    while (s < at) s += Math.max(1, this.draw(d, c.session));
    this.f[d * F + SESSION] = s;
    return s;
  }

  /**
   * An installation of device `d` waits, from `at`, for a check-in; `push` when the server has
   * just queued its command. The device's next check-in becomes the earliest of the one already
   * scheduled, the push's, and its own next session, put off while it is offline.
   */
  requestCheckIn(d: number, at: number, push: boolean): void {
    const c = this.config(d);
    const key = this.u[d * W + KEY]!;
    const wait = c.checkInsWait;
    let when = this.sessionFrom(d, at);
    if (push && c.push) {
      // APNs and its kin keep a push for an offline device and deliver it when it is back
      const pushed = (wait ? onlineFrom(c.outages, key, at) : at) + this.draw(d, c.push);
      if (pushed < when) when = pushed;
    }
    if (wait) when = onlineFrom(c.outages, key, when);
    if (when < this.f[d * F + NEXT]!) this.f[d * F + NEXT] = when;
  }

  /**
   * The device checks in at `at`: CHECKED_IN, and the simulator moves every parked installation;
   * or NOT_NOW (the device is locked), and it polls again after the unlock.
   */
  checkIn(d: number, at: number): number {
    const c = this.config(d);
    this.f[d * F + NEXT] = Infinity;
    this.checkIns++;
    if (c.locked > 0 && this.rng.at(d).next() < c.locked) {
      this.notNows++;
      const retry = at + Math.max(1, this.draw(d, c.unlock!));
      this.f[d * F + NEXT] = c.checkInsWait ? onlineFrom(c.outages, this.u[d * W + KEY]!, retry) : retry;
      return NOT_NOW;
    }
    return CHECKED_IN;
  }

  // --- the engine's questions (DeviceFacts), about device `current` ---

  holds(cond: DeviceCondition, at: number): boolean {
    const d = this.current;
    switch (cond) {
      case 'offline':
        return offlineAt(this.config(d).outages, this.u[d * W + KEY]!, at);
      case 'bootstrap-ok':
        return this.b[d * BYTES + BOOT] === BOOTSTRAP_OK;
      case 'bootstrap-failed':
        return this.b[d * BYTES + BOOT] === BOOTSTRAP_FAILED;
      case 'pooled':
        return this.pooled;
      case 'licensed':
        this.licenceAskedAt = at;
        return this.licensed;
      case 'no-licence':
        this.licenceAskedAt = at;
        return !this.licensed;
    }
  }

  waitMs(wait: DeviceWait, at: number): number {
    const d = this.current;
    switch (wait) {
      case 'online':
        return onlineFrom(this.config(d).outages, this.u[d * W + KEY]!, at) - at;
      case 'bootstrap':
        return Math.max(0, this.f[d * F + BOOT_AT]! - at);
      case 'licence':
        return 0;
    }
  }

  // the cursor, not its time: a time passed to a call that is not inlined is a number boxed on the heap, once per hop
  forced(node: CNode, c: Cursor): CTrans | null {
    const list = this.forcing?.[node.index];
    if (!list) return null;
    const at = c.at;
    for (const e of list) {
      if (e.version !== undefined && c.version !== e.version) continue;
      if (at < e.from || at >= e.to) continue;
      if (e.share < 1 && unitAt(this.u[this.current * W + KEY]!, e.salt, CAUSE_SALT) >= e.share) continue;
      this.forcedWhy = e.why;
      return e.trans;
    }
    return null;
  }
}
