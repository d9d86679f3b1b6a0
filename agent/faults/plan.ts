/**
 * The fault plan: which devices each of a scenario's faults strikes, when, and which of their
 * events it takes. Pure and computed from (scenario, seed, fleet size) alone, never from a
 * shard's part of the fleet, so a worker, a shard and `trace` of one device agree on every hit.
 *
 * Devices are chosen by id: a share draws each device of the scope by a hash of (seed, fault,
 * id); an exact count takes the scope's `count` devices with the lowest such hash. An event of a
 * struck device is taken by its own (app, seq): every k-th seq, or a share drawn by hash. A moment
 * kind (stuck, factory-reset, connection-drop, endpoint-restart) strikes each device at a point
 * of its window drawn by hash, or at `at` when the window has no length.
 */
import { parseDuration } from '../../core/delay.js';
import { hash32 } from '../../core/rng.js';
import { deviceId, scaleCounts } from '../fleet/fleet.js';
import type { FaultKind, FaultSpec } from '../scenario/faults-schema.js';
import type { Scenario } from '../scenario/schema.js';

/** Applied between the simulator and the transport (drive/), per event. */
export const EVENT_KINDS: ReadonlySet<FaultKind> = new Set(['duplicates', 'reordering', 'delay', 'clock-skew']);
/** Applied by the simulator: they change what a device reports. */
export const DEVICE_KINDS: ReadonlySet<FaultKind> = new Set(['stuck', 'factory-reset']);
/** Applied by the embedded endpoint (broker/), for the whole endpoint. */
export const ENDPOINT_KINDS: ReadonlySet<FaultKind> = new Set(['slow-endpoint', 'refusing-endpoint']);
/** Applied by the fault proxy or the endpoint supervisor (run/, transport/). */
export const NETWORK_KINDS: ReadonlySet<FaultKind> = new Set([
  'connection-drop',
  'partition',
  'bandwidth',
  'endpoint-restart',
]);
/** Kinds that strike each device at one moment of the window rather than all through it. */
export const MOMENT_KINDS: ReadonlySet<FaultKind> = new Set([
  'stuck',
  'factory-reset',
  'connection-drop',
  'endpoint-restart',
]);

export interface PlannedFault {
  /** Position in the scenario's `faults`. */
  readonly index: number;
  /** The scenario's name for it, else "<kind>-<index>". */
  readonly name: string;
  readonly kind: FaultKind;
  readonly spec: FaultSpec;
  readonly clock: 'sim' | 'wall';
  /** The window: simulated ms since the epoch ("sim"), or wall ms from the drive's start ("wall"). */
  readonly from: number;
  readonly to: number;
  /** The devices it strikes (every device of its scope, or the share or count chosen). */
  readonly devices: ReadonlySet<string>;
  /** Salt of every draw of this fault, so two faults strike independently. */
  readonly salt: number;
}

export interface FaultPlan {
  readonly faults: readonly PlannedFault[];
  /** The faults that strike a device, in scenario order. */
  readonly byDevice: ReadonlyMap<string, readonly PlannedFault[]>;
}

export interface PlanOptions {
  seed: number | string;
  /** The run's `--devices`, when given (cohorts scaled as the fleet scales them). */
  devices?: number;
}

export const EMPTY_PLAN: FaultPlan = { faults: [], byDevice: new Map() };

/** The plan of a scenario's faults; EMPTY_PLAN when it has none. */
export function planFaults(scenario: Scenario, opts: PlanOptions): FaultPlan {
  if (scenario.faults.length === 0) return EMPTY_PLAN;
  const counts =
    opts.devices !== undefined
      ? scaleCounts(
          scenario.cohorts.map((c) => c.count),
          opts.devices,
        )
      : scenario.cohorts.map((c) => c.count);
  const startMs = Date.parse(scenario.startTime);
  const faults = scenario.faults.map((spec, index) => {
    const name = spec.name ?? `${spec.kind}-${index}`;
    const salt = hash32(`${opts.seed}|fault|${name}|${index}`);
    const origin = spec.clock === 'sim' ? startMs : 0;
    const from = origin + parseDuration(spec.at)!;
    const to =
      spec.for === undefined ? (MOMENT_KINDS.has(spec.kind) ? from : Infinity) : from + parseDuration(spec.for)!;
    const devices = chooseDevices(scenario, counts, spec, salt);
    return { index, name, kind: spec.kind, spec, clock: spec.clock, from, to, devices, salt } satisfies PlannedFault;
  });
  const byDevice = new Map<string, PlannedFault[]>();
  for (const f of faults)
    for (const id of f.devices) {
      const list = byDevice.get(id);
      if (list) list.push(f);
      else byDevice.set(id, [f]);
    }
  return { faults, byDevice };
}

/** Uniform in [0, 1) from a fault's salt and a key. */
function draw(salt: number, key: string): number {
  return hash32(key, salt) / 4294967296;
}

function chooseDevices(scenario: Scenario, counts: readonly number[], f: FaultSpec, salt: number): Set<string> {
  const scope: string[] = [];
  const perPrefix = new Map<string, number>();
  scenario.cohorts.forEach((c, ci) => {
    const prefix = c.idPrefix ?? c.platform;
    const first = (perPrefix.get(prefix) ?? 0) + 1;
    const n = counts[ci]!;
    perPrefix.set(prefix, first + n - 1);
    if (f.cohort !== undefined && c.name !== f.cohort) return;
    if (f.platform !== undefined && c.platform !== f.platform) return;
    if (f.app !== undefined && !appsOf(scenario, c).includes(f.app)) return;
    for (let k = 0; k < n; k++) scope.push(deviceId(prefix, first + k));
  });
  if (f.count !== undefined) {
    const ranked = scope.map((id) => ({ id, h: hash32(id, salt) })).sort((a, b) => a.h - b.h || cmp(a.id, b.id));
    return new Set(ranked.slice(0, f.count).map((r) => r.id));
  }
  const share = f.share ?? 1;
  return new Set(share >= 1 ? scope : scope.filter((id) => draw(salt, id) < share));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function appsOf(s: Scenario, c: Scenario['cohorts'][number]): string[] {
  return c.apps ?? s.apps.filter((a) => a.platforms.includes(c.platform)).map((a) => a.id);
}

/** The moment a moment kind strikes a device: drawn in the window by hash, or its start. */
export function momentOf(f: PlannedFault, id: string): number {
  if (!Number.isFinite(f.to) || f.to <= f.from) return f.from;
  return f.from + Math.floor(draw(f.salt, `moment|${id}`) * (f.to - f.from));
}

/**
 * Whether event fault `f` takes the event (app, seq) of device `id` reported at simulated time
 * `simTs` (a "wall" window is checked by the drive at send time, not here).
 */
export function takesEvent(f: PlannedFault, id: string, appId: string, seq: number, simTs: number): boolean {
  if (!f.devices.has(id)) return false;
  if (f.spec.app !== undefined && f.spec.app !== appId) return false;
  if (f.clock === 'sim' && (simTs < f.from || simTs >= f.to)) return false;
  const pick = f.spec as { every?: number; fraction?: number };
  if (pick.every !== undefined) return seq % pick.every === 0;
  const fraction = pick.fraction ?? 1;
  return fraction >= 1 || draw(f.salt, `${id}|${appId}|${seq}`) < fraction;
}

/** A uniform in [0, 1) for one event of one fault (delay's latency, jitter). */
export function eventDraw(f: PlannedFault, id: string, appId: string, seq: number, k = 0): number {
  return draw(f.salt, `${k}|${id}|${appId}|${seq}`);
}

/** The faults of the plan that strike device `id`, in scenario order. */
export function faultsOf(plan: FaultPlan, id: string): readonly PlannedFault[] {
  return plan.byDevice.get(id) ?? [];
}
