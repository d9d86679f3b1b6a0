/**
 * What the installations of a fleet share, found once: per (model, app, traits) a shape (the hot
 * path reads it by index from each installation's record), per model variant its visit counts,
 * scratch counters and cause table, per cohort its device config, and per traits object what a
 * device starts with. Trait objects are interned: installations with equal traits share one
 * object, so the walk's per-traits caches are shared too.
 */
import type { ForceTable } from '../device/causes.js';
import { forceRules, forceTable, type ForceRule } from '../device/causes.js';
import { deviceConfig, type DeviceConfig } from '../device/config.js';
import { installTraits, type DeviceSpec, type Fleet } from '../fleet/fleet.js';
import type { Choices } from '../lifecycle/choice.js';
import type { CompiledModel } from '../lifecycle/compile.js';
import type { Visits } from '../lifecycle/engine.js';
import type { Traits } from '../lifecycle/model.js';
import type { AppSpec } from '../scenario/schema.js';
import { LifecycleError } from '../../protocol/errors.js';
import { MAX_SHAPES } from './installs.js';
import type { PoolSpec } from './licence-pool.js';

/** What the installations of one (model, app, traits) share: the hot path reads it by index. */
export interface Shape {
  readonly model: CompiledModel;
  readonly app: AppSpec;
  readonly traits: Traits;
  readonly v: Variant;
  /** `|${app.id}`: the tail of its installations' generator keys. */
  readonly appKey: string;
  /** The app has a VPP licence pool. */
  readonly pooled: boolean;
  /** The ways out of each node for these traits, as the walks find them. */
  readonly choices: Choices;
}

/** What a device starts with. */
export interface Arrival {
  readonly apps: readonly AppSpec[];
  /** The shape of each of the apps. */
  readonly shapes: readonly number[];
  /** The device config's index. */
  readonly config: number;
}

export interface Variant {
  readonly visits: Visits;
  /** The scratch cursor's retry counters for this model (null when it has none). */
  readonly counters: number[] | null;
  readonly force: ForceTable | null;
}

export class Shapes {
  /** Every shape, by index. */
  readonly list: Shape[] = [];
  /** Coverage counts per compiled model variant. */
  readonly visits = new Map<CompiledModel, Visits>();
  /** Each cohort's device config (DeviceAgents reads them by index). */
  readonly configs: DeviceConfig[] = [];
  /** What every device with a given traits object (one cohort's) starts with: its shapes and config. */
  private readonly arrivals = new Map<Traits, Arrival>();
  private readonly configIndex = new Map<string, number>();
  private readonly traitPool = new Map<string, Traits>();
  private readonly traitCache = new Map<Traits, Map<AppSpec, Traits>>();
  /** Per model variant: its visit counts, scratch counters and cause table. */
  private readonly variants = new Map<CompiledModel, Variant>();
  private readonly shapeIndex = new Map<Variant, Map<Traits, Map<AppSpec, number>>>();
  private readonly rules: readonly ForceRule[];

  constructor(
    private readonly fleet: Fleet,
    /** The scenario's VPP pools by app id. */
    private readonly pools: ReadonlyMap<string, PoolSpec>,
  ) {
    for (const cohort of fleet.scenario.cohorts) {
      const first = fleet.devices.find((d) => d.cohort === cohort.name)?.apps[0];
      const model = first ? fleet.models.model(cohort.name, first.id) : undefined;
      this.configIndex.set(cohort.name, this.configs.push(deviceConfig(fleet.scenario, cohort, model)) - 1);
    }
    this.rules = forceRules(fleet.scenario);
  }

  /** The shapes and config a device starts with, found once per traits object (one per cohort's combination). */
  arrivalOf(device: DeviceSpec): Arrival {
    const have = this.arrivals.get(device.traits);
    if (have && have.apps === device.apps) return have;
    const shapes = device.apps.map((app) => {
      const model = this.fleet.models.model(device.cohort, app.id);
      return this.shapeOf(model, this.variant(model, device, app), this.traitsOf(device, app), app);
    });
    const start = { apps: device.apps, shapes, config: this.configIndex.get(device.cohort)! };
    if (!have) this.arrivals.set(device.traits, start);
    return start;
  }

  /** The index of the shape (model, app, traits), made the first time. */
  private shapeOf(model: CompiledModel, v: Variant, traits: Traits, app: AppSpec): number {
    let byTraits = this.shapeIndex.get(v);
    if (!byTraits) this.shapeIndex.set(v, (byTraits = new Map()));
    let byApp = byTraits.get(traits);
    if (!byApp) byTraits.set(traits, (byApp = new Map()));
    let k = byApp.get(app);
    if (k === undefined) {
      if (this.list.length >= MAX_SHAPES)
        throw new LifecycleError(`more than ${MAX_SHAPES} distinct (model, app, traits) installations in one fleet`);
      const pooled = this.pools.has(app.id);
      k = this.list.push({ model, app, traits, v, appKey: flat(`|${app.id}`), pooled, choices: [] }) - 1;
      byApp.set(app, k);
    }
    return k;
  }

  /** The per-simulator data of one model variant (a (cohort, app) pair), made the first time. */
  private variant(model: CompiledModel, device: DeviceSpec, app: AppSpec): Variant {
    let v = this.variants.get(model);
    if (!v) {
      const visits = {
        nodes: new Uint32Array(model.nodes.length),
        transitions: new Uint32Array(model.transitions.length),
      };
      this.visits.set(model, visits);
      v = {
        visits,
        counters: model.counters.length ? new Array<number>(model.counters.length).fill(0) : null,
        force: forceTable(this.rules, model, device.cohort, app),
      };
      this.variants.set(model, v);
    }
    return v;
  }

  /** One shared object per distinct set of traits (a fleet has a few dozen at most), found
   * through the device's own traits object, which the fleet shares between equal devices. */
  private traitsOf(device: DeviceSpec, app: AppSpec): Traits {
    let byApp = this.traitCache.get(device.traits);
    if (!byApp) this.traitCache.set(device.traits, (byApp = new Map()));
    let t = byApp.get(app);
    if (t) return t;
    t = installTraits(device, app);
    let key = '';
    for (const k in t) key += `${k}=${String(t[k])};`;
    const have = this.traitPool.get(key);
    if (have) t = have;
    else this.traitPool.set(key, t);
    byApp.set(app, t);
    return t;
  }
}

/** The same text as one flat string (a concatenation is a rope, slower to hash character by character). */
function flat(text: string): string {
  return [text].join('');
}
