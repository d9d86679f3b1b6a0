/**
 * A scenario's lifecycle models: the platform models with the scenario's overrides compiled in,
 * one variant per (cohort, app), and the quota goals and plans over them. Pure; built once per
 * fleet, so coverage and plans never leak between runs.
 */
import { CATALOGUE, type Platform } from '../../protocol/catalogue/catalogue.js';
import { compileDelay } from '../../core/delay.js';
import type { CohortSpec, OverrideSpec, QuotaSpec, Scenario } from './schema.js';
import { compileModel, type CompiledModel, type ModelOverride } from '../lifecycle/compile.js';
import { makePlan, type Goal, type GoalStep, type Plan } from '../lifecycle/goals.js';
import { MODELS } from '../platforms/registry.js';
import type { Traits } from '../lifecycle/model.js';

/** A status and state as a user may write them: catalogue ids or the seed's labels. */
export function resolveState(
  platform: Platform,
  status: string,
  state?: string,
): { status: string; state?: string } | undefined {
  const norm = (x: string) => x.trim().toLowerCase();
  const st = CATALOGUE[platform].statuses.find((s) => s.id === status || norm(s.label) === norm(status));
  if (!st) return undefined;
  if (state === undefined) return { status: st.id };
  const s = st.states.find((x) => x.id === state || norm(x.label) === norm(state));
  return s ? { status: st.id, state: s.id } : undefined;
}

export function overrideApplies(o: OverrideSpec, cohort: CohortSpec, appId: string): boolean {
  return (
    (o.platform === undefined || o.platform === cohort.platform) &&
    (o.cohort === undefined || o.cohort === cohort.name) &&
    (o.app === undefined || o.app === appId)
  );
}

export function toModelOverride(o: OverrideSpec): ModelOverride {
  const m: ModelOverride = {};
  if (o.transition !== undefined) m.transition = o.transition;
  if (o.probability !== undefined) m.probability = o.probability;
  if (o.weight !== undefined) m.weight = o.weight;
  if (o.delay !== undefined) m.delay = compileDelay(o.delay);
  if (o.checkIn !== undefined) m.checkIn = compileDelay(o.checkIn);
  return m;
}

export class ScenarioModels {
  private readonly compiled = new Map<string, CompiledModel>();
  private readonly plans = new Map<string, Plan>();
  private readonly cohorts: Map<string, CohortSpec>;

  constructor(private readonly scenario: Scenario) {
    this.cohorts = new Map(scenario.cohorts.map((c) => [c.name, c]));
  }

  /** Overrides for one (cohort, app), in file order. (A cohort's connectivity is its devices',
   * agent/device.) */
  overridesFor(cohort: CohortSpec, appId: string): ModelOverride[] {
    const out: ModelOverride[] = [];
    for (const o of this.scenario.overrides) if (overrideApplies(o, cohort, appId)) out.push(toModelOverride(o));
    return out;
  }

  model(cohortName: string, appId: string): CompiledModel {
    const key = `${cohortName}\u0000${appId}`;
    let cm = this.compiled.get(key);
    if (!cm) {
      const cohort = this.cohorts.get(cohortName)!;
      cm = compileModel(MODELS[cohort.platform], this.overridesFor(cohort, appId));
      this.compiled.set(key, cm);
    }
    return cm;
  }

  /** Indices (into scenario.quotas) of the quotas about this cohort's installations of the app. */
  quotasInScope(cohortName: string, appId: string): number[] {
    const out: number[] = [];
    this.scenario.quotas.forEach((q, i) => {
      if (q.cohort === cohortName && quotaApp(this.scenario, q) === appId) out.push(i);
    });
    return out;
  }

  goal(cm: CompiledModel, q: QuotaSpec): Goal {
    // a path item is a node name, or a transition "from->to" (that node reached straight from that one)
    const sets: GoalStep[] = (q.path ?? []).map((item) => {
      const t = cm.byTransition.get(item);
      return t ? { nodes: [t.to], from: t.from } : { nodes: [cm.byName.get(item)!] };
    });
    if (q.end) {
      const want = resolveState(cm.platform, q.end.status, q.end.state)!;
      sets.push({
        nodes: cm.nodes
          .filter((n) => n.status === want.status && (want.state === undefined || n.state === want.state))
          .map((n) => n.index),
      });
    }
    return { sets, end: q.end !== undefined };
  }

  /** The plan for an installation whose role is `role` (a quota index, or -1 for none) among `scope`. */
  plan(
    cohortName: string,
    appId: string,
    traits: Traits,
    scope: readonly number[],
    role: number,
    updatePending: boolean,
  ): Plan {
    const key = `${cohortName}\u0000${appId}\u0000${role}\u0000${updatePending}\u0000${JSON.stringify(traits)}`;
    let p = this.plans.get(key);
    if (!p) {
      const cm = this.model(cohortName, appId);
      // an atLeast quota binds only the devices chosen for it: the others are free to meet it or not
      const roles = scope
        .filter((qi) => qi === role || this.scenario.quotas[qi]!.exact)
        .map((qi) => ({ goal: this.goal(cm, this.scenario.quotas[qi]!), hit: qi === role }));
      p = makePlan(cm, traits, roles, updatePending);
      this.plans.set(key, p);
    }
    return p;
  }

  /** Every compiled variant, for coverage. */
  variants(): CompiledModel[] {
    return [...this.compiled.values()];
  }
}

/** The app a quota is about: its own, or its cohort's only app. */
export function quotaApp(s: Scenario, q: QuotaSpec): string | undefined {
  if (q.app) return q.app;
  const cohort = s.cohorts.find((c) => c.name === q.cohort);
  if (!cohort) return undefined;
  const apps = cohort.apps ?? s.apps.filter((a) => a.platforms.includes(cohort.platform)).map((a) => a.id);
  return apps.length === 1 ? apps[0] : undefined;
}
