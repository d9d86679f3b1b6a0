/**
 * Lifecycle coverage: which catalogue states and which model transitions a run visited, per
 * platform, and which it never visited. Counts add up across workers and shards (merge them by
 * summing), so the result stays exact when runs are combined.
 */
import { CATALOGUE, PLATFORMS, type Platform } from '../protocol/catalogue/catalogue.js';
import type { Simulator } from '../agent/sim/simulator.js';

export interface PlatformCoverage {
  /** "status/state" -> times reported. Every catalogue state of the platform is a key. */
  states: Record<string, number>;
  /** Model transition id -> times taken. Every transition of the model is a key. */
  transitions: Record<string, number>;
  statesVisited: number;
  statesTotal: number;
  transitionsVisited: number;
  transitionsTotal: number;
  /** Catalogue states never reported ("status/state"). */
  statesNever: string[];
  /** Model transitions never taken. */
  transitionsNever: string[];
}

export type Coverage = Partial<Record<Platform, PlatformCoverage>>;

/** Coverage of the platforms present in a simulator's fleet. */
export function coverageOf(sim: Simulator): Coverage {
  const out: Coverage = {};
  for (const [model, visits] of sim.visits) {
    const cov = (out[model.platform] ??= emptyCoverage(
      model.platform,
      model.transitions.map((t) => t.id),
    ));
    model.nodes.forEach((n, i) => {
      if (n.reports && visits.nodes[i]) cov.states[`${n.status}/${n.state}`]! += visits.nodes[i]!;
    });
    model.transitions.forEach((t, i) => {
      if (visits.transitions[i]) cov.transitions[t.id] = (cov.transitions[t.id] ?? 0) + visits.transitions[i]!;
    });
  }
  for (const p of PLATFORMS) if (out[p]) finish(out[p]!);
  return out;
}

function emptyCoverage(platform: Platform, transitionIds: string[]): PlatformCoverage {
  const states: Record<string, number> = {};
  for (const s of CATALOGUE[platform].statuses) for (const st of s.states) states[`${s.id}/${st.id}`] = 0;
  const transitions: Record<string, number> = {};
  for (const id of transitionIds) transitions[id] = 0;
  return {
    states,
    transitions,
    statesVisited: 0,
    statesTotal: 0,
    transitionsVisited: 0,
    transitionsTotal: 0,
    statesNever: [],
    transitionsNever: [],
  };
}

function finish(c: PlatformCoverage): void {
  const s = Object.entries(c.states);
  const t = Object.entries(c.transitions);
  c.statesTotal = s.length;
  c.statesNever = s.filter(([, n]) => n === 0).map(([k]) => k);
  c.statesVisited = c.statesTotal - c.statesNever.length;
  c.transitionsTotal = t.length;
  c.transitionsNever = t.filter(([, n]) => n === 0).map(([k]) => k);
  c.transitionsVisited = c.transitionsTotal - c.transitionsNever.length;
}

/** Sums coverages (workers, shards) exactly. */
export function mergeCoverage(parts: readonly Coverage[]): Coverage {
  const out: Coverage = {};
  for (const part of parts) {
    for (const p of PLATFORMS) {
      const c = part[p];
      if (!c) continue;
      const o = (out[p] ??= emptyCoverage(p, Object.keys(c.transitions)));
      for (const [k, n] of Object.entries(c.states)) o.states[k] = (o.states[k] ?? 0) + n;
      for (const [k, n] of Object.entries(c.transitions)) o.transitions[k] = (o.transitions[k] ?? 0) + n;
    }
  }
  for (const p of PLATFORMS) if (out[p]) finish(out[p]!);
  return out;
}
