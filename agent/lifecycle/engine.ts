/**
 * The one lifecycle engine. An installation (one app on one device) is a cursor into a compiled
 * model plus its own Rng; `walk` takes hops until the next reported node, the end, or (with a
 * device) a check-in wait, where the device agent parks the installation until its next check-in.
 *
 * Determinism: every hop consumes exactly three draws (one for the choice, two for the delay),
 * whatever the guards, weights, delay kinds, device facts, causes, overrides or quota
 * constraints, so a device's path depends only on (seed, deviceId, appId, traits, the device's
 * own facts, model + overrides [+ its quota role]).
 *
 * The walk allocates nothing unless it is given a log (trace and recorded paths want `via` and
 * `why`; a run does not).
 */
import { sampleDrawn } from '../../core/delay.js';
import { LifecycleError } from '../../protocol/errors.js';
import type { RandomSource as Rng } from '../../core/rng.js';
import type { CNode, CompiledModel, CTrans } from './compile.js';
import { choiceOf, DRAWS, pickFrom, type Choice, type Choices } from './choice.js';
import { guardHolds, type DeviceCondition, type DeviceWait, type Traits } from './model.js';

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
  /** The check-in transition the walk stopped at (it parked), else null. */
  parked: CTrans | null;
}

/**
 * What a device tells the engine (agent/device). Without one the engine walks a model alone:
 * check-ins and device-decided ways are drawn delays and weighted choices.
 */
export interface DeviceFacts {
  /** Does the device fact hold for this installation at `at`? */
  holds(cond: DeviceCondition, at: number): boolean;
  /** Simulated ms from `at` until the fact holds; Infinity when it never will. */
  waitMs(wait: DeviceWait, at: number): number;
  /** The transition a cause forces out of `node` at the cursor's time (its why in `forcedWhy`), or null. */
  forced(node: CNode, c: Cursor): CTrans | null;
  readonly forcedWhy: string;
}

/** Visit counts for coverage, one slot per node and per transition of a compiled model. */
export interface Visits {
  nodes: Uint32Array;
  transitions: Uint32Array;
}

/** Where a walk writes what it went through (trace, recorded paths); absent on the hot path. */
export interface WalkLog {
  via: string[];
  why: string;
}

/** The walk ended: the installation stays where it is. */
export const WALK_END = 0;
/** The walk reached a reported node: `c.node` at `c.at`. */
export const WALK_REPORT = 1;
/** The walk waits for the device's next check-in: `c.parked` is the transition it will take. */
export const WALK_PARK = 2;
export type WalkResult = typeof WALK_END | typeof WALK_REPORT | typeof WALK_PARK;

const MAX_SILENT_HOPS = 64;
const ANY = 0;
const NOT_BY_DEVICE = 1;

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
    parked: null,
  };
}

/** Where a transition really leads given the retry counters. */
export function destination(t: CTrans, c: Cursor): number {
  if (t.retryTo >= 0 && c.counters![t.retryCounter]! < t.retryMax) return t.retryTo;
  return t.to;
}

function admissible(t: CTrans, traits: Traits, c: Cursor, n: CNode, mode: number): boolean {
  if (!(t.weight > 0) || !guardHolds(t.when, traits)) return false;
  if (mode === NOT_BY_DEVICE && t.device !== undefined) return false;
  const k = c.constraint;
  return !k || k.allows(n.index, t, c.counters);
}

/** Picks one applicable transition by weight from a single uniform draw. */
function pick(n: CNode, traits: Traits, c: Cursor, u: number, mode: number): CTrans | undefined {
  let total = 0;
  for (const t of n.out) if (admissible(t, traits, c, n, mode)) total += t.weight;
  if (total <= 0) return undefined;
  let x = u * total;
  let last: CTrans | undefined;
  for (const t of n.out) {
    if (!admissible(t, traits, c, n, mode)) continue;
    last = t;
    if (x < t.weight) return t;
    x -= t.weight;
  }
  return last;
}

/** Whether the last `choose` took a transition a cause forced (a module cell: no object per hop). */
let chosenByCause = false;

/** `choose` with no quota, from the node's Choice. */
function chooseKnown(ch: Choice, n: CNode, traits: Traits, c: Cursor, facts: DeviceFacts | null): CTrans | undefined {
  chosenByCause = false;
  if (facts) {
    if (n.byDevice) for (const t of ch.byFact) if (facts.holds(t.device!, c.at)) return t;
    const f = facts.forced(n, c);
    if (f && guardHolds(f.when, traits)) {
      chosenByCause = true;
      return f;
    }
    if (n.byDevice) return pickFrom(ch, true);
  }
  return pickFrom(ch, false);
}

/** The way out of `n`: a device fact first, then a cause, then chance (DRAWS[0]); a quota overrides both. */
function choose(
  n: CNode,
  traits: Traits,
  c: Cursor,
  facts: DeviceFacts | null,
  choices: Choices | null,
): CTrans | undefined {
  const k = c.constraint;
  if (!k && choices) return chooseKnown((choices[n.index] ??= choiceOf(n, traits)), n, traits, c, facts);
  const u = DRAWS[0]!;
  chosenByCause = false;
  if (facts) {
    if (n.byDevice) {
      for (const t of n.out) {
        if (t.device === undefined || !guardHolds(t.when, traits)) continue;
        if (facts.holds(t.device, c.at) && (!k || k.allows(n.index, t, c.counters))) return t;
      }
    }
    const f = facts.forced(n, c);
    if (f && guardHolds(f.when, traits) && (!k || k.allows(n.index, f, c.counters))) {
      chosenByCause = true;
      return f;
    }
    if (n.byDevice) {
      const t = pick(n, traits, c, u, NOT_BY_DEVICE);
      // a quota's role wins over what the device's facts would have chosen
      return t ?? (k ? pick(n, traits, c, u, ANY) : undefined);
    }
  }
  return pick(n, traits, c, u, ANY);
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

function note(log: WalkLog | null, id: string, reason: string): void {
  if (!log) return;
  log.via.push(id);
  log.why = log.why ? `${log.why}; ${reason}` : reason;
}

/** Moves the cursor onto `dest`; true when `dest` reports. */
function arrive(cm: CompiledModel, c: Cursor, dest: number, visits: Visits | null): boolean {
  c.node = dest;
  c.constraint?.moved(dest);
  const reports = cm.nodes[dest]!.reports;
  if (reports && visits) visits.nodes[dest]!++;
  return reports;
}

/** The first step of an installation: its start node, reported when it reports, else the walk from it. */
export function startWalk(
  cm: CompiledModel,
  c: Cursor,
  traits: Traits,
  rng: Rng,
  facts: DeviceFacts | null,
  visits: Visits | null,
  log: WalkLog | null,
  choices: Choices | null = null,
): WalkResult {
  c.constraint?.moved(c.node);
  if (cm.nodes[c.node]!.reports) {
    if (visits) visits.nodes[c.node]!++;
    return WALK_REPORT;
  }
  return walk(cm, c, traits, rng, facts, visits, log, null, choices);
}

/**
 * Takes hops from the cursor until a reporting node is reached, the installation ends, or (with
 * device facts) it parks for the device's check-in. `resume` is a parked check-in transition the
 * device's check-in now takes, at `c.at`. `choices`, when given, caches the ways out of each node
 * for `traits` (one array per (model, traits) pair).
 */
export function walk(
  cm: CompiledModel,
  c: Cursor,
  traits: Traits,
  rng: Rng,
  facts: DeviceFacts | null,
  visits: Visits | null,
  log: WalkLog | null,
  resume: CTrans | null,
  choices: Choices | null = null,
): WalkResult {
  if (resume) {
    c.parked = null;
    if (visits) visits.transitions[resume.index]!++;
    if (resume.to < 0) return WALK_END;
    note(log, resume.id, resume.why);
    if (arrive(cm, c, resume.to, visits)) return WALK_REPORT;
  }
  for (let hop = 0; hop < MAX_SILENT_HOPS; hop++) {
    const n = cm.nodes[c.node]!;
    DRAWS[0] = rng.next();
    DRAWS[1] = rng.next();
    DRAWS[2] = rng.next();
    let t: CTrans | undefined;
    let dest: number;
    let reason = '';
    if (n.update && c.updateAt !== Infinity) {
      t = n.update;
      dest = t.to;
      if (c.updateAt > c.at) c.at = c.updateAt;
      c.updateAt = Infinity;
      c.version = c.nextVersion;
      // a new job: the CSP's (and Play's) retry counts start again
      if (c.counters) c.counters.fill(0);
      if (log) reason = `version ${c.version} was distributed`;
      c.constraint?.updated();
    } else {
      t = choose(n, traits, c, facts, choices);
      const forced = chosenByCause;
      if (!t) {
        if (n.reports && (isDeadEnd(n, traits) || !c.constraint)) return WALK_END;
        throw new LifecycleError(
          `${cm.platform} model: no transition out of "${n.name}" applies to traits ${JSON.stringify(traits)}${c.constraint ? ' under its quota' : ''}`,
        );
      }
      if (facts && t.checkIn) {
        c.parked = t;
        return WALK_PARK;
      }
      dest = destination(t, c);
      // the counters are read before this hop's retry counts, as `choose` read them
      if (log) {
        reason = forced ? facts!.forcedWhy : t.why;
        if (quotaRuledOut(n, traits, c)) reason = `${reason} (its quota ruled out the other ways)`;
      }
      if (dest !== t.to) {
        const k = ++c.counters![t.retryCounter]!;
        if (log) reason = `${reason}; retry ${k} of ${t.retryMax}`;
      }
      if (facts && t.until) {
        const ms = facts.waitMs(t.until, c.at);
        if (ms === Infinity) return WALK_END;
        c.at += ms;
      } else if (t.delay) c.at += sampleDrawn(t.delay, DRAWS);
    }
    if (visits) visits.transitions[t.index]!++;
    if (dest < 0) return WALK_END; // END: the installation stays where it is
    note(log, t.id, reason);
    if (arrive(cm, c, dest, visits)) return WALK_REPORT;
  }
  throw new LifecycleError(
    `${cm.platform} model: more than ${MAX_SILENT_HOPS} silent hops from "${cm.nodes[c.node]!.name}"`,
  );
}

/** The via of a step when nothing was logged (shared: nobody writes to it). */
const NO_VIA = Object.freeze([]) as unknown as string[];

/** The step a cursor on a reported node stands for. */
export function stepOf(cm: CompiledModel, node: number, at: number, version: string, log: WalkLog | null): Step {
  const n = cm.nodes[node]!;
  const step: Step = {
    at,
    node: n.name,
    status: n.status!,
    state: n.state!,
    version,
    via: log ? log.via : NO_VIA,
    why: log ? log.why : '',
  };
  if (n.native) step.native = n.native;
  return step;
}

/**
 * The engine alone, one step at a time (tests, model checks): the next reported step, or
 * undefined when the installation has ended. With `fromStart`, a reporting start node is itself
 * the first step. Check-ins are drawn delays and device-decided ways weighted choices.
 */
export function advance(
  cm: CompiledModel,
  c: Cursor,
  traits: Traits,
  rng: Rng,
  visits?: Visits,
  fromStart = false,
): Step | undefined {
  const log: WalkLog = { via: [], why: '' };
  const r = fromStart
    ? startWalk(cm, c, traits, rng, null, visits ?? null, log)
    : walk(cm, c, traits, rng, null, visits ?? null, log, null);
  return r === WALK_REPORT ? stepOf(cm, c.node, c.at, c.version, log) : undefined;
}
