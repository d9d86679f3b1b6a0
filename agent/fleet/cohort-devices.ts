/**
 * One cohort's devices, made one at a time: each device's id, its traits drawn from its own
 * generator (seeded from `${seed}|${deviceId}`), and its arrival. Building a million-device fleet
 * is a wait before anything runs, so what every device of the cohort shares is found once (the
 * OS weights sorted, the id's characters before its number, the trait objects seen so far) and a
 * device costs its spec, its id string and no garbage beyond its traits' draws: no generator
 * object, no key string, no joined pool key. The draws are exactly those of
 * `deviceTraits(cohort, deviceRng(seed, id))`.
 */
import { compileDelay, sample } from '../../core/delay.js';
import { type RandomSource, RngSlots } from '../../core/rng.js';
import type { Traits } from '../lifecycle/model.js';
import { platformDef } from '../platforms/registry.js';
import type { AppSpec, CohortSpec } from '../scenario/schema.js';

/** `${prefix}-${n}`, the number padded to six digits. */
export function deviceId(prefix: string, n: number): string {
  // joined, not concatenated: a concatenation of 13 characters or more is a rope that the first
  // hash of the id flattens into a copy (twice the memory per device, and garbage at a fleet's start)
  return [prefix, String(n).padStart(6, '0')].join('-');
}

/** A weighted pick over the keys of `weights`, in key order (localeCompare), sorted once. */
export function weightedPicker(weights: Record<string, number>): (rng: RandomSource) => string {
  const entries = Object.entries(weights).sort(([a], [b]) => a.localeCompare(b));
  const total = entries.reduce((s, [, w]) => s + w, 0);
  const last = entries[entries.length - 1]![0];
  return (rng) => {
    let x = rng.next() * total;
    for (const [k, w] of entries) {
      if (x < w) return k;
      x -= w;
    }
    return last;
  };
}

/** Device-level traits, drawn in a fixed order: the OS version, then the two draws every
 * platform's device traits take (agent/platforms/platform.ts). */
export function drawTraits(cohort: CohortSpec, pickOs: (rng: RandomSource) => string, rng: RandomSource): Traits {
  const osMajor = Number(pickOs(rng));
  const draws = [rng.next(), rng.next()] as const;
  return { platform: cohort.platform, osMajor, ...platformDef(cohort.platform).deviceTraits(cohort, draws) };
}

/** The same keys with the same values, in the same order. */
function sameTraits(a: Traits, b: Traits): boolean {
  let n = 0;
  for (const k in a) {
    if (a[k] !== b[k]) return false;
    n++;
  }
  for (const _ in b) n--;
  return n === 0;
}

/** What a device spec is made of before its fleet adds its quota roles. */
export interface MadeDevice {
  index: number;
  id: string;
  cohort: string;
  platform: CohortSpec['platform'];
  traits: Traits;
  arrivalMs: number;
  apps: AppSpec[];
}

export class CohortDevices {
  private readonly pickOs: (rng: RandomSource) => string;
  private readonly arrival: ReturnType<typeof compileDelay>;
  /** Devices with equal traits share one object (a cohort has a handful of combinations). */
  private readonly pool: Traits[] = [];
  private readonly rng = new RngSlots(1);
  private readonly seedHead: string;
  private readonly prefix: string;
  private readonly idCodes: number[] = [];
  private readonly idHead: number;

  constructor(
    private readonly cohort: CohortSpec,
    seed: number | string,
    /** Fleet index of the cohort's first device. */
    private readonly firstIndex: number,
    /** The number in the id of the cohort's first device. */
    private readonly firstNumber: number,
    private readonly apps: AppSpec[],
    /** By fleet index, when the load model sets arrivals (else the cohort's arrival delay). */
    private readonly arrivalOf: ((index: number) => number) | undefined,
  ) {
    this.pickOs = weightedPicker(cohort.osVersions ?? { '99': 1 });
    this.arrival = compileDelay(cohort.arrival);
    this.seedHead = `${seed}|`;
    this.prefix = cohort.idPrefix ?? cohort.platform;
    for (let i = 0; i < this.prefix.length; i++) this.idCodes.push(this.prefix.charCodeAt(i));
    this.idCodes.push(45);
    this.idHead = this.idCodes.length;
  }

  /** The id of the cohort's k-th device (from 0). */
  idOf(k: number): string {
    const n = this.firstNumber + k;
    if (!Number.isInteger(n) || n < 0) return deviceId(this.prefix, n);
    // the characters written out and made one flat string at once (a join costs three strings and an array)
    let len = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) len++;
    const width = Math.max(6, len);
    const codes = this.idCodes;
    codes.length = this.idHead + width;
    let v = n;
    for (let j = this.idHead + width - 1; j >= this.idHead; j--) {
      codes[j] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    return String.fromCharCode.apply(null, codes);
  }

  /** The cohort's k-th device (from 0). */
  make(k: number): MadeDevice {
    const id = this.idOf(k);
    const rng = this.rng;
    rng.seed3(0, this.seedHead, id, '');
    const drawn = drawTraits(this.cohort, this.pickOs, rng);
    let traits: Traits | undefined;
    for (const t of this.pool)
      if (sameTraits(t, drawn)) {
        traits = t;
        break;
      }
    if (!traits) this.pool.push((traits = drawn));
    const sampled = sample(this.arrival, rng);
    const index = this.firstIndex + k;
    const arrivalMs = this.arrivalOf ? this.arrivalOf(index) : sampled;
    return { index, id, cohort: this.cohort.name, platform: this.cohort.platform, traits, arrivalMs, apps: this.apps };
  }
}
