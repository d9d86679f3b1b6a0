/**
 * The one lifecycle engine. An installation (one app on one device) is a cursor into a compiled
 * model plus its own Rng; `advance` walks silent nodes and returns the next reported step, or
 * undefined when the installation has ended.
 *
 * Determinism: every hop consumes exactly three draws (one for the choice, two for the delay),
 * whatever the guards, weights, delay kinds, overrides or quota constraints, so a device's path
 * depends only on (seed, deviceId, appId, traits, model + overrides [+ its quota role]).
 */
import { sampleFrom } from '../../core/delay.js';
import { LifecycleError } from '../../protocol/errors.js';
import type { Rng } from '../../core/rng.js';
import type { CNode, CompiledModel, CTrans } from './compile.js';
import { guardHolds, type Traits } from './model.js';

export interface Step {
  /** Simulated time of the change, ms since the epoch. */
  at: number;
  node: string;
  status: string;
  state: string;
  native?: string;
  /** App version the device reports with this step. */
  version: string;
  /** The transitions taken since the previous reported step (silent nodes included). */
  via: string[];
  /** Why, in words, joined from the transitions taken. */
  why: string;
}

/** Restricts an installation's choices (quotas): see goals.ts. */
export interface WalkConstraint {
  /** May the walk take `t` from `node`, given the retry counters before it? */
  allows(node: number, t: CTrans, counters: readonly number[] | null): boolean;
  /** The walk went to `dest`. */
  moved(dest: number): void;
  /** The update hop happened. */
  updated(): void;
}

export interface Cursor {
  node: number;
  at: number;
  /** Retry counters by the model's counter index; null when the model has none. */
  counters: number[] | null;
  /** Simulated time a newer version is distributed; Infinity when none is pending. */
  updateAt: number;
  version: string;
  nextVersion: string;
  constraint: WalkConstraint | null;
}

/** Visit counts for coverage, one slot per node and per transition of a compiled model. */
export interface Visits {
  nodes: Uint32Array;
  transitions: Uint32Array;
}

const MAX_SILENT_HOPS = 64;

export function newCursor(
  cm: CompiledModel,
  at: number,
  version: string,
  update?: { at: number; version: string },
): Cursor {
  const pending = update !== undefined && at < update.at;
  return {
    node: cm.start,
    at,
    counters: cm.counters.length ? new Array<number>(cm.counters.length).fill(0) : null,
    updateAt: pending ? update!.at : Infinity,
    // an installation that starts after the new version is out installs it directly
    version: update && !pending ? update.version : version,
    nextVersion: update?.version ?? version,
    constraint: null,
  };
}

/** Where a transition really leads given the retry counters. */
export function destination(t: CTrans, c: Cursor): number {
  if (t.retryTo >= 0 && c.counters![t.retryCounter]! < t.retryMax) return t.retryTo;
  return t.to;
}

/** Picks one applicable transition by weight from a single uniform draw. */
function choose(n: CNode, traits: Traits, c: Cursor, u: number): CTrans | undefined {
  const k = c.constraint;
  let total = 0;
  for (const t of n.out) {
    if (!(t.weight > 0) || !guardHolds(t.when, traits)) continue;
    if (!k || k.allows(n.index, t, c.counters)) total += t.weight;
  }
  if (total <= 0) return undefined;
  let x = u * total;
  let last: CTrans | undefined;
  for (const t of n.out) {
    if (!(t.weight > 0) || !guardHolds(t.when, traits) || (k && !k.allows(n.index, t, c.counters))) continue;
    last = t;
    if (x < t.weight) return t;
    x -= t.weight;
  }
  return last;
}

/** Whether the cursor's quota ruled out a transition out of `n` that the traits allowed (trace says so). */
function quotaRuledOut(n: CNode, traits: Traits, c: Cursor): boolean {
  const k = c.constraint;
  if (!k) return false;
  for (const t of n.out)
    if (t.weight > 0 && guardHolds(t.when, traits) && !k.allows(n.index, t, c.counters)) return true;
  return false;
}

/** True when no transition out of `n` applies to these traits (ignoring constraints). */
function isDeadEnd(n: CNode, traits: Traits): boolean {
  for (const t of n.out) if (t.weight > 0 && guardHolds(t.when, traits)) return false;
  return true;
}

/**
 * Takes hops from the cursor until a reporting node is reached (returned as a Step) or the
 * installation ends (undefined). With `fromStart`, a reporting start node is itself the first step.
 */
export function advance(
  cm: CompiledModel,
  c: Cursor,
  traits: Traits,
  rng: Rng,
  visits?: Visits,
  fromStart = false,
): Step | undefined {
  if (fromStart) {
    c.constraint?.moved(c.node);
    if (cm.nodes[c.node]!.reports) return toStep(cm, c, [], '', visits);
  }
  const via: string[] = [];
  let why = '';
  for (let hop = 0; hop < MAX_SILENT_HOPS; hop++) {
    const n = cm.nodes[c.node]!;
    const u0 = rng.next();
    const u1 = rng.next();
    const u2 = rng.next();
    let t: CTrans | undefined;
    let dest: number;
    let reason: string;
    if (n.update && c.updateAt !== Infinity) {
      t = n.update;
      dest = t.to;
      if (c.updateAt > c.at) c.at = c.updateAt;
      c.updateAt = Infinity;
      c.version = c.nextVersion;
      reason = `version ${c.version} was distributed`;
      c.constraint?.updated();
    } else {
      t = choose(n, traits, c, u0);
      if (!t) {
        if (n.reports && (isDeadEnd(n, traits) || !c.constraint)) return undefined;
        throw new LifecycleError(
          `${cm.platform} model: no transition out of "${n.name}" applies to traits ${JSON.stringify(traits)}${c.constraint ? ' under its quota' : ''}`,
        );
      }
      dest = destination(t, c);
      // the counters are read before this hop's retry counts, as `choose` read them
      reason = quotaRuledOut(n, traits, c) ? `${t.why} (its quota ruled out the other ways)` : t.why;
      if (dest !== t.to) {
        const k = ++c.counters![t.retryCounter]!;
        reason = `${reason}; retry ${k} of ${t.retryMax}`;
      }
      if (t.delay) c.at += sampleFrom(t.delay, u1, u2);
    }
    if (visits) visits.transitions[t.index]!++;
    if (dest < 0) return undefined; // END: the installation stays where it is
    via.push(t.id);
    why = why ? `${why}; ${reason}` : reason;
    c.node = dest;
    c.constraint?.moved(dest);
    if (cm.nodes[dest]!.reports) return toStep(cm, c, via, why, visits);
  }
  throw new LifecycleError(
    `${cm.platform} model: more than ${MAX_SILENT_HOPS} silent hops from "${cm.nodes[c.node]!.name}"`,
  );
}

function toStep(cm: CompiledModel, c: Cursor, via: string[], why: string, visits?: Visits): Step {
  const n = cm.nodes[c.node]!;
  if (visits) visits.nodes[n.index]!++;
  const step: Step = { at: c.at, node: n.name, status: n.status!, state: n.state!, version: c.version, via, why };
  if (n.native) step.native = n.native;
  return step;
}
