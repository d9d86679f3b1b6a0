/**
 * The one lifecycle engine. An installation (one app on one device) is a cursor into a model
 * plus its own Rng; `advance` walks silent nodes and returns the next reported step, or
 * undefined at a final node. Every decision consumes the same number of draws, whatever the
 * guards, so a device's path depends only on (seed, deviceId, appId, traits, model).
 */
import { CATALOGUE, findState } from '../../protocol/catalogue.js';
import { sample } from '../delay.js';
import type { Rng } from '../rng.js';
import { guardHolds, transitionId, type LifecycleModel, type Traits, type Transition } from './model.js';

export interface Step {
  /** Simulated time of the change, ms since the epoch. */
  at: number;
  node: string;
  status: string;
  state: string;
  native?: string;
  /** The transitions taken since the previous reported step (silent nodes included). */
  via: string[];
  /** Why, in words, joined from the transitions taken. */
  why: string;
}

const MAX_SILENT_HOPS = 64;

export class LifecycleError extends Error {}

/** Picks one transition among those whose guards hold, by weight, with exactly one draw. */
export function choose(out: readonly Transition[], traits: Traits, rng: Rng): Transition | undefined {
  const u = rng.next();
  let total = 0;
  for (const t of out) if (guardHolds(t.when, traits)) total += t.weight ?? 1;
  if (total <= 0) return undefined;
  let x = u * total;
  let last: Transition | undefined;
  for (const t of out) {
    if (!guardHolds(t.when, traits)) continue;
    const w = t.weight ?? 1;
    if (w <= 0) continue;
    last = t;
    if (x < w) return t;
    x -= w;
  }
  return last;
}

/**
 * From `node` at time `at`, takes transitions until a reporting node is reached.
 * The first call passes the model's start node with `fromStart` so a reporting start node is
 * itself the first step.
 */
export function advance(model: LifecycleModel, node: string, at: number, traits: Traits, rng: Rng, fromStart = false): Step | undefined {
  const via: string[] = [];
  const why: string[] = [];
  let current = node;
  let t = at;
  if (fromStart) {
    const n = model.nodes[current];
    if (n?.status) return toStep(model, current, t, via, why);
  }
  for (let hop = 0; hop < MAX_SILENT_HOPS; hop++) {
    const n = model.nodes[current];
    if (!n) throw new LifecycleError(`${model.platform} model has no node "${current}"`);
    if (!n.out || n.out.length === 0) return undefined;
    const tr = choose(n.out, traits, rng);
    if (!tr) {
      if (n.status) return undefined; // no transition applies: the reported node is final for these traits
      throw new LifecycleError(`${model.platform} model: no transition out of silent node "${current}" applies to traits ${JSON.stringify(traits)}`);
    }
    if (tr.delay) t += sample(tr.delay, rng);
    via.push(transitionId(current, tr.to));
    why.push(tr.why);
    current = tr.to;
    if (model.nodes[current]?.status) return toStep(model, current, t, via, why);
  }
  throw new LifecycleError(`${model.platform} model: more than ${MAX_SILENT_HOPS} silent hops from "${node}"`);
}

function toStep(model: LifecycleModel, node: string, at: number, via: string[], why: string[]): Step {
  const n = model.nodes[node]!;
  const status = n.status!;
  const state = n.state!;
  const native = n.native ?? findState(model.platform, status, state)?.native;
  return { at, node, status, state, ...(native ? { native } : {}), via, why: why.join('; ') };
}

/** Checks a model against the catalogue: every reporting node names a real (status, state),
 * every transition a real node. Used by tests and at scenario load. */
export function checkModel(model: LifecycleModel): string[] {
  const problems: string[] = [];
  if (!model.nodes[model.start]) problems.push(`start node "${model.start}" does not exist`);
  for (const [name, n] of Object.entries(model.nodes)) {
    if (n.status !== undefined || n.state !== undefined) {
      if (!n.status || !n.state || !findState(model.platform, n.status, n.state)) {
        problems.push(`node "${name}" reports ${n.status}/${n.state}, which is not in the ${CATALOGUE[model.platform].label} catalogue`);
      }
    }
    for (const t of n.out ?? []) {
      if (!model.nodes[t.to]) problems.push(`transition ${name}->${t.to} leads to no node`);
      if (t.weight !== undefined && !(t.weight >= 0)) problems.push(`transition ${name}->${t.to} has a negative weight`);
    }
  }
  return problems;
}
