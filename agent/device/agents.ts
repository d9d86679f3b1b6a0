/**
 * The device agents of a fleet: one per device, holding what its apps share. Its check-in
 * schedule (a push after a command is queued, else its own sessions), its connectivity (outages
 * on its own clock), a locked screen that answers NotNow, and the DME bootstrap, drawn once.
 * The simulator parks an installation that waits for a check-in on its device; at the check-in
 * every parked installation of the device goes on, so one check-in drains the device's queue.
 *
 * One object for the whole fleet, its state in typed arrays indexed by a device slot (given
 * when the device comes online), so a device costs a few dozen bytes and no object. It is also
 * the engine's DeviceFacts for the device `current` points at.
 */
import { sampleFrom, type Delay } from '../../core/delay.js';
import { hash32, RngSlots, unitAt } from '../../core/rng.js';
import type { CNode, CTrans } from '../lifecycle/compile.js';
import type { Cursor, DeviceFacts } from '../lifecycle/engine.js';
import type { DeviceCondition, DeviceWait } from '../lifecycle/model.js';
import type { ForceTable } from './causes.js';
import type { DeviceConfig } from './config.js';
import { offlineAt, onlineFrom } from './connectivity.js';

const CAUSE_SALT = 0x63617573;
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
  private size = 0;
  private key: Uint32Array;
  private cfg: Uint16Array;
  /** Next scheduled check-in; Infinity when none is. */
  private next: Float64Array;
  /** The device's next own session (generated forward as time passes). */
  private session: Float64Array;
  private bootAt: Float64Array;
  private boot: Uint8Array;
  private readonly rng: RngSlots;
  checkIns = 0;
  notNows = 0;

  constructor(
    private readonly configs: readonly DeviceConfig[],
    private readonly seed: number | string,
    capacity = 1024,
  ) {
    this.key = new Uint32Array(capacity);
    this.cfg = new Uint16Array(capacity);
    this.next = new Float64Array(capacity);
    this.session = new Float64Array(capacity);
    this.bootAt = new Float64Array(capacity);
    this.boot = new Uint8Array(capacity);
    this.rng = new RngSlots(capacity);
  }

  get count(): number {
    return this.size;
  }

  private grow(): void {
    const n = this.key.length * 2;
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    const key = new Uint32Array(n);
    key.set(this.key);
    this.key = key;
    const cfg = new Uint16Array(n);
    cfg.set(this.cfg);
    this.cfg = cfg;
    const boot = new Uint8Array(n);
    boot.set(this.boot);
    this.boot = boot;
    this.next = f64(this.next);
    this.session = f64(this.session);
    this.bootAt = f64(this.bootAt);
    this.rng.reserve(n);
  }

  /** A device comes online at `at`: its facts are drawn, in a fixed order, from its own generator. */
  add(deviceId: string, config: number, at: number): number {
    if (this.size === this.key.length) this.grow();
    const d = this.size++;
    const name = `${this.seed}|${deviceId}|device`;
    this.key[d] = hash32(name);
    this.cfg[d] = config;
    this.next[d] = Infinity;
    const c = this.configs[config]!;
    const rng = this.rng;
    rng.seed(d, name);
    this.session[d] = at + this.draw(d, c.session);
    const b = c.bootstrap;
    const failed = rng.at(d).next() < (b?.failure ?? 0);
    const delay = failed ? b?.failed : b?.ok;
    this.bootAt[d] = at + (delay ? this.draw(d, delay) : 0);
    this.boot[d] = failed ? BOOTSTRAP_FAILED : BOOTSTRAP_OK;
    return d;
  }

  private draw(d: number, delay: Delay): number {
    const rng = this.rng.at(d);
    return sampleFrom(delay, rng.next(), rng.next());
  }

  config(d: number): DeviceConfig {
    return this.configs[this.cfg[d]!]!;
  }

  nextCheckIn(d: number): number {
    return this.next[d]!;
  }

  /** The device's first own session at or after `at` (asked in time order, as the device lives). */
  private sessionFrom(d: number, at: number): number {
    const c = this.config(d);
    let s = this.session[d]!;
    while (s < at) s += Math.max(1, this.draw(d, c.session));
    this.session[d] = s;
    return s;
  }

  /**
   * An installation of device `d` waits, from `at`, for a check-in; `push` when the server has
   * just queued its command. The device's next check-in becomes the earliest of the one already
   * scheduled, the push's, and its own next session, put off while it is offline.
   */
  requestCheckIn(d: number, at: number, push: boolean): void {
    const c = this.config(d);
    const key = this.key[d]!;
    const wait = c.checkInsWait;
    let when = this.sessionFrom(d, at);
    if (push && c.push) {
      // APNs and its kin keep a push for an offline device and deliver it when it is back
      const pushed = (wait ? onlineFrom(c.outages, key, at) : at) + this.draw(d, c.push);
      if (pushed < when) when = pushed;
    }
    if (wait) when = onlineFrom(c.outages, key, when);
    if (when < this.next[d]!) this.next[d] = when;
  }

  /**
   * The device checks in at `at`: CHECKED_IN, and the simulator moves every parked installation;
   * or NOT_NOW (the device is locked), and it polls again after the unlock.
   */
  checkIn(d: number, at: number): number {
    const c = this.config(d);
    this.next[d] = Infinity;
    this.checkIns++;
    if (c.locked > 0 && this.rng.at(d).next() < c.locked) {
      this.notNows++;
      const retry = at + Math.max(1, this.draw(d, c.unlock!));
      this.next[d] = c.checkInsWait ? onlineFrom(c.outages, this.key[d]!, retry) : retry;
      return NOT_NOW;
    }
    return CHECKED_IN;
  }

  // --- the engine's questions (DeviceFacts), about device `current` ---

  holds(cond: DeviceCondition, at: number): boolean {
    const d = this.current;
    switch (cond) {
      case 'offline':
        return offlineAt(this.config(d).outages, this.key[d]!, at);
      case 'bootstrap-ok':
        return this.boot[d] === BOOTSTRAP_OK;
      case 'bootstrap-failed':
        return this.boot[d] === BOOTSTRAP_FAILED;
      case 'licensed':
        return this.licensed;
      case 'no-licence':
        return !this.licensed;
    }
  }

  waitMs(wait: DeviceWait, at: number): number {
    const d = this.current;
    switch (wait) {
      case 'online':
        return onlineFrom(this.config(d).outages, this.key[d]!, at) - at;
      case 'bootstrap':
        return Math.max(0, this.bootAt[d]! - at);
      case 'licence':
        return 0;
    }
  }

  forced(node: CNode, at: number, c: Cursor): CTrans | null {
    const list = this.forcing?.[node.index];
    if (!list) return null;
    for (const e of list) {
      if (e.version !== undefined && c.version !== e.version) continue;
      if (at < e.from || at >= e.to) continue;
      if (e.share < 1 && unitAt(this.key[this.current]!, e.salt, CAUSE_SALT) >= e.share) continue;
      this.forcedWhy = e.why;
      return e.trans;
    }
    return null;
  }
}
