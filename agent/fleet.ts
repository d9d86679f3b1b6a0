/**
 * The fleet: a scenario's cohorts expanded into devices and their installations (one per app).
 * A device's id, traits and arrival come from (seed, deviceId) alone, so a device is the same
 * device in a fleet of 100 or of 1,000,000, in any shard or worker.
 */
import type { Platform } from '../protocol/catalogue.js';
import { parseDuration, type Delay } from './delay.js';
import { MODELS } from './lifecycle/index.js';
import type { LifecycleModel, Traits } from './lifecycle/model.js';
import { deviceRng, Rng } from './rng.js';
import type { AppSpec, CohortSpec, Scenario } from './scenario/schema.js';
import { sample } from './delay.js';
import { arrivalFunction } from './load-model.js';

export interface DeviceSpec {
  /** Position in the whole fleet (cohort order, then number); shards split on it. */
  index: number;
  id: string;
  cohort: string;
  platform: Platform;
  traits: Traits;
  /** Simulated ms after the scenario start when the device comes online. */
  arrivalMs: number;
  apps: AppSpec[];
}

export function compileDelay(spec: unknown): Delay {
  if (typeof spec === 'string' || typeof spec === 'number') return { kind: 'fixed', ms: parseDuration(spec)! };
  const o = spec as Record<string, unknown>;
  if ('fixed' in o) return { kind: 'fixed', ms: parseDuration(o.fixed as string)! };
  if ('uniform' in o) {
    const [a, b] = o.uniform as [string, string];
    return { kind: 'uniform', minMs: parseDuration(a)!, maxMs: parseDuration(b)! };
  }
  if ('exponential' in o) return { kind: 'exponential', meanMs: parseDuration(o.exponential as string)! };
  const ln = o.lognormal as { median: string; sigma: number };
  return { kind: 'lognormal', medianMs: parseDuration(ln.median)!, sigma: ln.sigma };
}

/** Scales cohort counts to a new total, largest remainder first, ties by cohort order. */
export function scaleCounts(counts: readonly number[], total: number): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum === 0) return counts.map(() => 0);
  const exact = counts.map((c) => (c * total) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => [x - Math.floor(x), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    out[i]! += 1;
    left--;
  }
  return out;
}

export function deviceId(prefix: string, n: number): string {
  return `${prefix}-${String(n).padStart(6, '0')}`;
}

function pickWeighted(weights: Record<string, number>, rng: Rng): string {
  const entries = Object.entries(weights).sort(([a], [b]) => a.localeCompare(b));
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let x = rng.next() * total;
  for (const [k, w] of entries) {
    if (x < w) return k;
    x -= w;
  }
  return entries[entries.length - 1]![0];
}

/** Device-level traits, drawn in a fixed order from the device's own Rng. */
export function deviceTraits(cohort: CohortSpec, rng: Rng): Record<string, string | number | boolean> {
  const osMajor = Number(pickWeighted(cohort.osVersions ?? { '99': 1 }, rng));
  const supU = rng.next();
  const methodU = rng.next();
  const supervised = typeof cohort.supervised === 'boolean' ? cohort.supervised : supU < cohort.supervised;
  const method = typeof cohort.method === 'string' ? cohort.method : methodU < cohort.method ? 'oma-dm' : 'download-link';
  const hasUser = cohort.hasUser ?? cohort.enrollment !== 'shared';
  return { platform: cohort.platform, osMajor, supervised, enrollment: cohort.enrollment, hasUser, method };
}

/** Traits of one app on one device: the device's, the app's, and what follows from both. */
export function installTraits(device: DeviceSpec, app: AppSpec): Traits {
  const t = device.traits;
  const osMajor = t.osMajor as number;
  switch (device.platform) {
    case 'ios': {
      const { kind, licence, minOs } = app.ios;
      // Device criteria (seed 001): device licence on a user enrollment, user licence with no
      // user, a non-licensed store app on a shared device.
      const deviceOk = !(
        (kind === 'vpp' && licence === 'device' && t.enrollment === 'user') ||
        (kind === 'vpp' && licence === 'user' && t.hasUser === false) ||
        ((kind === 'free' || kind === 'paid') && t.enrollment === 'shared')
      );
      return { ...t, appKind: kind, licence, osOk: osMajor >= minOs, deviceOk };
    }
    case 'android':
      return { ...t, osOk: osMajor >= app.android.minOs };
    case 'windows':
      return { ...t, relevant: osMajor >= app.windows.minOs };
    case 'dme':
      return { ...t, software: app.dme.software };
  }
}

export interface Fleet {
  devices: DeviceSpec[];
  total: number;
}

export interface FleetOptions {
  /** Replace the scenario's total device count (cohorts scaled in proportion). */
  devices?: number;
  /** Keep only devices whose index % count === index (a shard or a worker). */
  shard?: { index: number; count: number };
  /** Keep only this device (trace). */
  onlyDevice?: string;
}

export function buildFleet(scenario: Scenario, opts: FleetOptions = {}): Fleet {
  const counts = opts.devices !== undefined
    ? scaleCounts(scenario.cohorts.map((c) => c.count), opts.devices)
    : scenario.cohorts.map((c) => c.count);
  const perPrefix = new Map<string, number>();
  // Load model (issue 6): arrivals set by rate or ramp, by fleet index, so shards agree.
  const arrivalOf = arrivalFunction(scenario.load, counts.reduce((a, b) => a + b, 0));
  const devices: DeviceSpec[] = [];
  let index = 0;
  let total = 0;
  scenario.cohorts.forEach((cohort, ci) => {
    const prefix = cohort.idPrefix ?? cohort.platform;
    const apps = cohort.apps
      ? scenario.apps.filter((a) => cohort.apps!.includes(a.id))
      : scenario.apps.filter((a) => a.platforms.includes(cohort.platform));
    const arrival = compileDelay(cohort.arrival);
    for (let k = 0; k < counts[ci]!; k++) {
      const n = (perPrefix.get(prefix) ?? 0) + 1;
      perPrefix.set(prefix, n);
      const id = deviceId(prefix, n);
      const i = index++;
      total++;
      if (opts.shard && i % opts.shard.count !== opts.shard.index) continue;
      if (opts.onlyDevice !== undefined && id !== opts.onlyDevice) continue;
      const rng = deviceRng(scenario.seed, id);
      const traits = deviceTraits(cohort, rng);
      const sampled = sample(arrival, rng);
      const arrivalMs = arrivalOf ? arrivalOf(i) : sampled;
      devices.push({ index: i, id, cohort: cohort.name, platform: cohort.platform, traits, arrivalMs, apps });
    }
  });
  return { devices, total };
}

export function modelFor(platform: Platform): LifecycleModel {
  return MODELS[platform];
}
