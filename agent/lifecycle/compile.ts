/**
 * Compiles a lifecycle model (plus a scenario's overrides for one platform / cohort / app) into
 * the indexed form the engine walks: nodes and transitions by number, ids built once, weights
 * final. Pure; a fleet compiles one variant per (cohort, app) that has overrides.
 */
import { findState } from '../../protocol/catalogue/catalogue.js';
import { ModelError } from '../../protocol/errors.js';
import type { Delay } from '../../core/delay.js';
import {
  CHECK_IN,
  END,
  PUSHED,
  transitionId,
  type DeviceCondition,
  type DeviceWait,
  type Guard,
  type LifecycleModel,
  type Transition,
} from './model.js';

export interface CTrans {
  readonly index: number;
  /** "from->to" as scenarios and traces name it; "installed->update_offered (update)" for updates. */
  readonly id: string;
  readonly from: number;
  /** Target node index, or -1 for END. */
  readonly to: number;
  weight: number;
  delay: Delay | undefined;
  readonly when: Guard | undefined;
  readonly why: string;
  readonly retryCounter: number;
  readonly retryMax: number;
  readonly retryTo: number;
  /** The delay is the device's next check-in (a device agent parks the installation there). */
  readonly checkIn: boolean;
  /** The check-in follows a push the server sends for a command it queued. */
  readonly push: boolean;
  readonly device: DeviceCondition | undefined;
  readonly until: DeviceWait | undefined;
  readonly isUpdate: boolean;
}

export interface CNode {
  readonly index: number;
  readonly name: string;
  readonly status: string | undefined;
  readonly state: string | undefined;
  /** The native code reported: the node's own, else the catalogue's for its state. */
  readonly native: string | undefined;
  readonly reports: boolean;
  readonly out: CTrans[];
  /** Some transition out of it is decided by a fact of the device. */
  readonly byDevice: boolean;
  /** The forced hop taken when a newer version is distributed (see LifecycleNode.onUpdate). */
  readonly update: CTrans | undefined;
}

export interface CompiledModel {
  readonly platform: LifecycleModel['platform'];
  readonly source: LifecycleModel;
  readonly start: number;
  readonly nodes: CNode[];
  readonly transitions: CTrans[];
  readonly byName: ReadonlyMap<string, number>;
  readonly byTransition: ReadonlyMap<string, CTrans>;
  readonly counters: readonly string[];
  readonly checkIn: Delay;
}

/** One override as the scenario resolved it (delays compiled, scope already matched). */
export interface ModelOverride {
  transition?: string;
  probability?: number;
  weight?: number;
  delay?: Delay;
  checkIn?: Delay;
}

export function compileModel(model: LifecycleModel, overrides: readonly ModelOverride[] = []): CompiledModel {
  const names = Object.keys(model.nodes);
  const byName = new Map(names.map((n, i) => [n, i] as const));
  let checkIn = model.checkIn;
  for (const o of overrides) if (o.checkIn) checkIn = o.checkIn;
  const b: Building = {
    model,
    idx: (name, what) => {
      const i = byName.get(name);
      if (i === undefined) throw new ModelError(`${model.platform} model: ${what} names no node "${name}"`);
      return i;
    },
    counters: [],
    transitions: [],
    checkIn,
  };
  const nodes: CNode[] = names.map((name, index) => compileNode(b, name, index));
  const byTransition = new Map(b.transitions.map((t) => [t.id, t] as const));
  applyOverrides(model, nodes, byTransition, overrides);
  return {
    platform: model.platform,
    source: model,
    start: b.idx(model.start, 'start'),
    nodes,
    transitions: b.transitions,
    byName,
    byTransition,
    counters: b.counters,
    checkIn,
  };
}

/** A model while it compiles: node indexes by name, retry counters and transitions as they are met. */
interface Building {
  model: LifecycleModel;
  idx(name: string, what: string): number;
  counters: string[];
  transitions: CTrans[];
  checkIn: Delay;
}

function compileNode(b: Building, name: string, index: number): CNode {
  const n = b.model.nodes[name]!;
  const out = (n.out ?? []).map((t) => compileTransition(b, name, index, t));
  const update = n.onUpdate ? updateTransition(b, name, index, n.onUpdate) : undefined;
  return {
    index,
    name,
    status: n.status,
    state: n.state,
    // null: this node reports no native code even where the catalogue's state has one
    native:
      n.native === null
        ? undefined
        : (n.native ?? (n.status && n.state ? findState(b.model.platform, n.status, n.state)?.native : undefined)),
    reports: n.status !== undefined,
    out,
    byDevice: out.some((t) => t.device !== undefined),
    update,
  };
}

function compileTransition(b: Building, name: string, index: number, t: Transition): CTrans {
  let retryCounter = -1;
  if (t.retry) {
    retryCounter = b.counters.indexOf(t.retry.counter);
    if (retryCounter < 0) retryCounter = b.counters.push(t.retry.counter) - 1;
  }
  const tr: CTrans = {
    index: b.transitions.length,
    id: transitionId(name, t.to),
    from: index,
    to: t.to === END ? -1 : b.idx(t.to, `transition ${name}->${t.to}`),
    weight: t.weight ?? 1,
    delay: t.delay === CHECK_IN || t.delay === PUSHED ? b.checkIn : t.delay,
    when: t.when,
    why: t.why,
    retryCounter,
    retryMax: t.retry?.max ?? 0,
    retryTo: t.retry ? b.idx(t.retry.to, `retry of ${name}->${t.to}`) : -1,
    checkIn: t.delay === CHECK_IN || t.delay === PUSHED,
    push: t.delay === PUSHED,
    device: t.device,
    until: t.until,
    isUpdate: false,
  };
  b.transitions.push(tr);
  return tr;
}

/** The way out of a node when a new app version is distributed (its onUpdate). */
function updateTransition(b: Building, name: string, index: number, onUpdate: string): CTrans {
  const update: CTrans = {
    index: b.transitions.length,
    id: `${transitionId(name, onUpdate)} (update)`,
    from: index,
    to: b.idx(onUpdate, `onUpdate of ${name}`),
    weight: 1,
    delay: undefined,
    when: undefined,
    why: 'a new app version was distributed',
    retryCounter: -1,
    retryMax: 0,
    retryTo: -1,
    checkIn: false,
    push: false,
    device: undefined,
    until: undefined,
    isUpdate: true,
  };
  b.transitions.push(update);
  return update;
}

function applyOverrides(
  model: LifecycleModel,
  nodes: CNode[],
  byId: Map<string, CTrans>,
  overrides: readonly ModelOverride[],
): void {
  // probability overrides per node: transition index -> p (later overrides win)
  const probs = new Map<number, Map<number, number>>();
  const setProb = (t: CTrans, p: number) => {
    let m = probs.get(t.from);
    if (!m) probs.set(t.from, (m = new Map()));
    m.set(t.index, p);
  };
  for (const o of overrides) {
    if (!o.transition) continue;
    const t = byId.get(o.transition);
    if (!t || t.isUpdate) throw new ModelError(`${model.platform} model has no transition "${o.transition}"`);
    if (o.weight !== undefined) t.weight = o.weight;
    if (o.delay) t.delay = o.delay;
    if (o.probability !== undefined) setProb(t, o.probability);
  }
  for (const [from, m] of probs) {
    const out = nodes[from]!.out;
    let p = 0;
    for (const v of m.values()) p += v;
    if (p > 1 + 1e-9)
      throw new ModelError(
        `${model.platform} model: probabilities out of "${nodes[from]!.name}" add up to ${p}, more than 1`,
      );
    let rest = 0;
    for (const t of out) if (!m.has(t.index)) rest += t.weight;
    for (const t of out) {
      const q = m.get(t.index);
      if (q !== undefined) t.weight = q;
      else t.weight = rest > 0 ? (t.weight * (1 - p)) / rest : 0;
    }
  }
}

/** Ids of every transition of a model (update hops excluded), for validation messages. */
export function transitionIds(model: LifecycleModel): string[] {
  const out: string[] = [];
  for (const [name, n] of Object.entries(model.nodes)) for (const t of n.out ?? []) out.push(transitionId(name, t.to));
  return out;
}

/** The nodes of a model that report (status, state), by node name. */
export function nodesReporting(model: LifecycleModel, status: string, state?: string): string[] {
  return Object.entries(model.nodes)
    .filter(([, n]) => n.status === status && (state === undefined || n.state === state))
    .map(([name]) => name);
}
