/**
 * The ways out of a node for one traits object, found once: with no quota restricting a walk,
 * which transitions may be taken out of a node depends only on the node and the installation's
 * traits (interned: one object per distinct set), yet the engine tested every guard and weight
 * of every way at every hop. The lists keep the transitions' order and their totals are summed
 * in it, so a pick from them is bit for bit the pick the full test makes.
 */
import type { CNode, CTrans } from './compile.js';
import { guardHolds, type Traits } from './model.js';

/** The admissible ways out of one node, in the node's order, with their total weights. */
export interface Choice {
  readonly any: readonly CTrans[];
  readonly anyTotal: number;
  /** Those not decided by a device fact. */
  readonly byChance: readonly CTrans[];
  readonly byChanceTotal: number;
  /** Those decided by a device fact whose guard holds. */
  readonly byFact: readonly CTrans[];
}

/** One Choice per node of a model, made when the walk first leaves the node (per traits object). */
export type Choices = (Choice | undefined)[];

export function choiceOf(n: CNode, traits: Traits): Choice {
  const any: CTrans[] = [];
  const byChance: CTrans[] = [];
  const byFact: CTrans[] = [];
  let anyTotal = 0;
  let byChanceTotal = 0;
  for (const t of n.out) {
    const guarded = guardHolds(t.when, traits);
    if (t.device !== undefined && guarded) byFact.push(t);
    if (!(t.weight > 0) || !guarded) continue;
    any.push(t);
    anyTotal += t.weight;
    if (t.device === undefined) {
      byChance.push(t);
      byChanceTotal += t.weight;
    }
  }
  return { any, anyTotal, byChance, byChanceTotal, byFact };
}

/** This hop's three uniform draws (choice, then the delay's two): in a typed array, not boxed as arguments. */
export const DRAWS = new Float64Array(3);

/** `pick` over the ways already known admissible (all of them, or those chance decides), by DRAWS[0]. */
export function pickFrom(ch: Choice, byChance: boolean): CTrans | undefined {
  const ways = byChance ? ch.byChance : ch.any;
  const total = byChance ? ch.byChanceTotal : ch.anyTotal;
  if (total <= 0) return undefined;
  let x = DRAWS[0]! * total;
  let last: CTrans | undefined;
  for (const t of ways) {
    last = t;
    if (x < t.weight) return t;
    x -= t.weight;
  }
  return last;
}
