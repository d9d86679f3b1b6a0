/**
 * Quota walks. A goal is a sequence of steps the walk must take in order (a path): reach one of a
 * set of nodes, or take one transition ("from->to": that node reached straight from that one), where
 * `end` also requires it to finish in the last set. A device in a quota's scope has a role per
 * goal: `hit` (it must satisfy the goal) or avoid (it must not). A plan is the set of product
 * states (node, update pending, progress on every goal) from which the walk can still finish with
 * every role kept; the engine then only offers transitions that stay inside the plan. Exploring
 * the product graph is a small breadth-first search, cached per (model, traits, roles).
 *
 * Retry counters are part of the product state (they are small: the MSI CSP's 3 retries), so a
 * plan is exact: every state it keeps can still finish well.
 */
import type { CompiledModel } from './compile.js';
import type { CTrans } from './compile.js';
import type { WalkConstraint } from './engine.js';
import { guardHolds, type Traits } from './model.js';

export interface Goal {
  /** Visited in this order (greedy subsequence match). */
  readonly sets: readonly GoalStep[];
  /** The walk must end in the last set. */
  readonly end: boolean;
}

export interface GoalStep {
  /** Node indices, any of which matches. */
  readonly nodes: readonly number[];
  /** When set, the node must be reached straight from this one (a transition). */
  readonly from?: number;
}

const matches = (g: GoalStep, from: number, dest: number) =>
  g.nodes.includes(dest) && (g.from === undefined || g.from === from);

export interface Role {
  readonly goal: Goal;
  readonly hit: boolean;
}

interface PState {
  node: number;
  upd: 0 | 1;
  ks: number[];
  cs: number[];
}

const keyOf = (node: number, upd: number, ks: readonly number[], cs: readonly number[]) =>
  `${node}:${upd}:${ks.join(',')}:${cs.join(',')}`;

/** Where `t` leads with counters `cs`, and the counters after it (as the engine does it). */
function follow(t: CTrans, cs: readonly number[]): { dest: number; cs: readonly number[] } {
  if (t.retryTo >= 0 && cs[t.retryCounter]! < t.retryMax) {
    const next = cs.slice();
    next[t.retryCounter]!++;
    return { dest: t.retryTo, cs: next };
  }
  return { dest: t.to, cs };
}

function step(roles: readonly Role[], ks: readonly number[], from: number, dest: number): number[] {
  const out = ks.slice();
  roles.forEach((r, i) => {
    const k = out[i]!;
    if (k < r.goal.sets.length && matches(r.goal.sets[k]!, from, dest)) out[i] = k + 1;
  });
  return out;
}

function accepts(roles: readonly Role[], ks: readonly number[], node: number): boolean {
  for (let i = 0; i < roles.length; i++) {
    const g = roles[i]!.goal;
    const m = g.sets.length;
    const sat = ks[i] === m && (!g.end || g.sets[m - 1]!.nodes.includes(node));
    if (sat !== roles[i]!.hit) return false;
  }
  return true;
}

export interface Plan {
  readonly roles: readonly Role[];
  /** Product-state keys from which an accepting end is reachable. */
  readonly good: ReadonlySet<string>;
  readonly startKey: string;
  /** True when the walk can start at all with these roles. */
  readonly feasible: boolean;
}

/** Explores the product graph from the model's start and keeps the states that can finish well. */
export function makePlan(cm: CompiledModel, traits: Traits, roles: readonly Role[], updatePending: boolean): Plan {
  const ks0 = step(
    roles,
    roles.map(() => 0),
    -1,
    cm.start,
  );
  const start: PState = { node: cm.start, upd: updatePending ? 1 : 0, ks: ks0, cs: cm.counters.map(() => 0) };
  const startKey = keyOf(start.node, start.upd, start.ks, start.cs);
  const states = new Map<string, PState>([[startKey, start]]);
  const preds = new Map<string, string[]>();
  const accepting: string[] = [];
  const queue = [startKey];
  const link = (from: string, s: PState) => {
    const k = keyOf(s.node, s.upd, s.ks, s.cs);
    let p = preds.get(k);
    if (!p) preds.set(k, (p = []));
    p.push(from);
    if (!states.has(k)) {
      states.set(k, s);
      queue.push(k);
    }
  };
  while (queue.length) {
    const key = queue.pop()!;
    const s = states.get(key)!;
    const n = cm.nodes[s.node]!;
    if (n.update && s.upd) {
      // the update is a new job: its retry counters start again (engine.ts)
      link(key, { node: n.update.to, upd: 0, ks: step(roles, s.ks, s.node, n.update.to), cs: s.cs.map(() => 0) });
      continue;
    }
    let ends = true;
    for (const t of n.out) {
      // a way a device fact decides is possible whatever its weight (the engine alone never takes it)
      if (!(t.weight > 0 || t.device !== undefined) || !guardHolds(t.when, traits)) continue;
      if (t.to < 0) continue; // END: handled below as an end here
      ends = false;
      const f = follow(t, s.cs);
      link(key, { node: f.dest, upd: s.upd, ks: step(roles, s.ks, s.node, f.dest), cs: f.cs as number[] });
    }
    const canEnd = ends || n.out.some((t) => t.to < 0 && t.weight > 0 && guardHolds(t.when, traits));
    if (canEnd && accepts(roles, s.ks, s.node)) accepting.push(key);
  }
  const good = new Set<string>(accepting);
  const stack = [...accepting];
  while (stack.length) {
    const k = stack.pop()!;
    for (const p of preds.get(k) ?? []) {
      if (!good.has(p)) {
        good.add(p);
        stack.push(p);
      }
    }
  }
  return { roles, good, startKey, feasible: good.has(startKey) };
}

/** One installation's walk under a plan: its progress on every goal. */
export class PlannedWalk implements WalkConstraint {
  private ks: number[];
  private upd: 0 | 1;
  private node = -1;

  constructor(
    private readonly plan: Plan,
    updatePending: boolean,
  ) {
    this.ks = plan.roles.map(() => 0);
    this.upd = updatePending ? 1 : 0;
  }

  allows(node: number, t: CTrans, counters: readonly number[] | null): boolean {
    const f = follow(t, counters ?? []);
    if (f.dest < 0) return accepts(this.plan.roles, this.ks, node);
    return this.plan.good.has(keyOf(f.dest, this.upd, step(this.plan.roles, this.ks, node, f.dest), f.cs));
  }

  moved(dest: number): void {
    this.ks = step(this.plan.roles, this.ks, this.node, dest);
    this.node = dest;
  }

  updated(): void {
    this.upd = 0;
  }

  /** Whether the walk, ended where it stands now, kept every role (tests use it). */
  satisfied(): boolean {
    return this.node >= 0 && accepts(this.plan.roles, this.ks, this.node);
  }
}
