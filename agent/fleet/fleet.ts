/**
 * The fleet: a scenario's cohorts expanded into devices and their installations (one per app).
 * A device's id, traits and arrival come from (seed, deviceId) alone, so a device is the same
 * device in a fleet of 100 or of 1,000,000, in any shard or worker.
 */
import type { Platform } from '../../protocol/catalogue/catalogue.js';
import { compileDelay, parseDuration } from '../../core/delay.js';
import { ScenarioError } from '../../protocol/errors.js';
import { assignQuotas } from '../lifecycle/quotas.js';
import { ScenarioModels } from '../scenario/models.js';
import { positionsOf, where } from '../scenario/positions.js';
export { compileDelay };
import { MODELS, platformDef } from '../platforms/registry.js';
import type { LifecycleModel, Traits } from '../lifecycle/model.js';
import type { AppSpec, CohortSpec, Scenario } from '../scenario/schema.js';
import { arrivalFunction } from './arrivals.js';
import { CohortDevices, deviceId } from './cohort-devices.js';

export { deviceId };

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
  /** Quota roles by app id: the quota index this device meets, or -1 (in a quota's scope, meets
   * none). Absent for apps no quota is about. */
  quotaRoles?: Record<string, number>;
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

/** Traits of one app on one device: the device's, the app's, and what follows from both. */
export function installTraits(device: DeviceSpec, app: AppSpec): Traits {
  return platformDef(device.platform).installTraits(device.traits, app[device.platform]);
}

export interface Fleet {
  /** The scenario the fleet was built from. */
  scenario: Scenario;
  devices: DeviceSpec[];
  total: number;
  /** The scenario's models with overrides, quota goals and plans. */
  models: ScenarioModels;
  /** Simulated epoch of the scenario start, ms. */
  startMs: number;
  /** The options it was built with (a VPP pool rebuilds the cohorts it spans, whatever the shard). */
  options: FleetOptions;
}

export interface FleetOptions {
  /** Replace the scenario's total device count (cohorts scaled in proportion). */
  devices?: number;
  /** Keep only devices whose index % count === index (a shard or a worker). */
  shard?: { index: number; count: number };
  /** Keep only this device (trace). */
  onlyDevice?: string;
  /** Seed for traits, arrivals and quota choices. @default the scenario's */
  seed?: number | string;
  /** Keep only devices of these cohorts. */
  cohorts?: readonly string[];
}

export function buildFleet(scenario: Scenario, opts: FleetOptions = {}): Fleet {
  const seed = opts.seed ?? scenario.seed;
  const counts =
    opts.devices !== undefined
      ? scaleCounts(
          scenario.cohorts.map((c) => c.count),
          opts.devices,
        )
      : scenario.cohorts.map((c) => c.count);
  const models = new ScenarioModels(scenario);
  const startMs = Date.parse(scenario.startTime);
  const perPrefix = new Map<string, number>();
  // Load model: arrivals set by rate or ramp, by fleet index, so shards agree.
  const arrivalOf = arrivalFunction(
    scenario.load,
    counts.reduce((a, b) => a + b, 0),
  );
  const devices: DeviceSpec[] = [];
  let index = 0;
  scenario.cohorts.forEach((cohort, ci) => {
    const prefix = cohort.idPrefix ?? cohort.platform;
    const apps = cohort.apps
      ? scenario.apps.filter((a) => cohort.apps!.includes(a.id))
      : scenario.apps.filter((a) => a.platforms.includes(cohort.platform));
    const first = (perPrefix.get(prefix) ?? 0) + 1;
    const n = counts[ci]!;
    perPrefix.set(prefix, first + n - 1);
    const firstIndex = index;
    index += n;
    const maker = new CohortDevices(cohort, seed, firstIndex, first, apps, arrivalOf);
    const make = (k: number): DeviceSpec => maker.make(k);
    // a traced device can only be the one whose number its id names (no id of the others written to compare)
    const only = opts.onlyDevice;
    const onlyK =
      only !== undefined && isInRange(only, prefix, first, n) ? Number(only.slice(prefix.length + 1)) - first : -1;
    const keep = (k: number) => {
      if (opts.cohorts && !opts.cohorts.includes(cohort.name)) return false;
      if (opts.shard && (firstIndex + k) % opts.shard.count !== opts.shard.index) return false;
      return only === undefined || (k === onlyK && maker.idOf(k) === only);
    };
    // a trace of one device needs the quota choice of its own cohort only
    const wanted =
      (opts.onlyDevice === undefined || isInRange(opts.onlyDevice, prefix, first, n)) &&
      (opts.cohorts === undefined || opts.cohorts.includes(cohort.name));
    const roles = wanted
      ? assignCohortQuotas(scenario, models, seed, startMs, cohort, apps, n, make)
      : new Map<string, Record<string, number>>();
    for (let k = 0; k < n; k++) {
      if (!keep(k)) continue;
      const d = make(k);
      const r = roles.get(d.id);
      if (r) d.quotaRoles = r;
      devices.push(d);
    }
  });
  return { scenario, devices, total: index, models, startMs, options: opts };
}

function isInRange(id: string, prefix: string, first: number, n: number): boolean {
  if (!id.startsWith(`${prefix}-`)) return false;
  const k = Number(id.slice(prefix.length + 1));
  return Number.isInteger(k) && k >= first && k < first + n;
}

/** Quota roles for every device of one cohort (all of them, whatever the shard: the choice must
 * not depend on it). Throws a ScenarioError when a quota cannot be met. */
function assignCohortQuotas(
  scenario: Scenario,
  models: ScenarioModels,
  seed: number | string,
  _startMs: number,
  cohort: CohortSpec,
  apps: AppSpec[],
  n: number,
  make: (k: number) => DeviceSpec,
): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  const scopes = apps
    .map((a) => ({ app: a, scope: models.quotasInScope(cohort.name, a.id) }))
    .filter((x) => x.scope.length > 0);
  if (scopes.length === 0) return out;
  const all: DeviceSpec[] = [];
  for (let k = 0; k < n; k++) all.push(make(k));
  for (const { app, scope } of scopes) {
    const counts = scope.map((q) => scenario.quotas[q]!.count);
    const candidates = all.map((d) => {
      const traits = installTraits(d, app);
      const pending = app.update !== undefined && d.arrivalMs < parseDuration(app.update.at)!;
      return {
        id: d.id,
        feasible: (role: number) => models.plan(cohort.name, app.id, traits, scope, role, pending).feasible,
      };
    });
    const res = assignQuotas(seed, scope, counts, candidates);
    if (!(res instanceof Map)) throw quotaError(scenario, res.quota, cohort, n, res.possible, res.forcedDevice);
    for (const [id, role] of res) {
      const r = out.get(id) ?? {};
      r[app.id] = role;
      out.set(id, r);
    }
  }
  return out;
}

function quotaError(
  scenario: Scenario,
  qi: number,
  cohort: CohortSpec,
  size: number,
  possible: number,
  forced?: string,
): ScenarioError {
  const q = scenario.quotas[qi]!;
  const what = q.end
    ? `end in ${q.end.status}${q.end.state ? `/${q.end.state}` : ''}`
    : `take the path ${q.path!.join(' -> ')}`;
  const src = positionsOf(scenario);
  const key = q.exact ? 'count' : 'atLeast';
  const line = where(src, ['quotas', qi, key]);
  const file = src?.file ?? scenario.name;
  const field = `quotas[${qi}].${key}`;
  const why = forced
    ? `device ${forced} of cohort "${cohort.name}" cannot avoid it (its traits leave no other way), so more devices than ${q.count} must ${what}`
    : q.count > size
      ? `cohort "${cohort.name}" has only ${size} devices`
      : `only ${possible} of cohort "${cohort.name}"'s ${size} devices can ${what} given their traits (OS version and their platform's: enrollment, supervision, method...) and the other quotas`;
  return new ScenarioError(
    `Invalid scenario ${file}: ${file}${line ? `:${line}` : ''}: ${field}: a quota of ${q.count} devices cannot be met: ${why}. Lower the count, enlarge the cohort, or change its traits.`,
    file,
    line,
    field,
  );
}

export function modelFor(platform: Platform): LifecycleModel {
  return MODELS[platform];
}
