/**
 * Semantic checks of a scenario's lifecycle controls (overrides, quotas, updates, connectivity)
 * against the platform models and the catalogue: unknown transitions, states or nodes, quotas
 * larger than their cohort, probabilities that add up to more than 1. Each problem names the
 * field; load.ts adds file:line.
 */
import { CATALOGUE, PLATFORMS, type Platform } from '../../protocol/catalogue/catalogue.js';
import { transitionIds } from '../lifecycle/compile.js';
import { hasLicencePool, licencePoolApps, MODELS, takesPoolLicence } from '../platforms/registry.js';
import { END } from '../lifecycle/model.js';
import { quotaApp, resolveState } from './models.js';
import type { Problem } from './load.js';
import type { Scenario } from './schema.js';

type Suggest = (word: string, known: readonly string[]) => string;

function appsOf(s: Scenario, cohortName: string): string[] {
  const c = s.cohorts.find((x) => x.name === cohortName);
  if (!c) return [];
  return c.apps ?? s.apps.filter((a) => a.platforms.includes(c.platform)).map((a) => a.id);
}

/** What every check reads: the scenario, its cohorts and apps by name, and where problems go. */
interface Ctx {
  readonly s: Scenario;
  readonly suggest: Suggest;
  readonly cohorts: ReadonlyMap<string, Scenario['cohorts'][number]>;
  readonly cohortNames: readonly string[];
  readonly appIds: readonly string[];
  /** Overrides with a probability, per (scope, from node): the sum must not pass 1. */
  readonly sums: Map<string, { total: number; index: number; byTransition: Map<string, number> }>;
  readonly problems: Problem[];
}

export function checkLifecycleControls(s: Scenario, suggest: Suggest): Problem[] {
  const cohorts = new Map(s.cohorts.map((c) => [c.name, c]));
  const ctx: Ctx = {
    s,
    suggest,
    cohorts,
    cohortNames: [...cohorts.keys()],
    appIds: s.apps.map((a) => a.id),
    sums: new Map(),
    problems: [],
  };
  s.overrides.forEach((o, i) => {
    checkOverride(ctx, o, i);
  });
  s.quotas.forEach((q, i) => {
    checkQuota(ctx, q, i);
  });
  checkUpdatesAndPools(ctx);
  return ctx.problems;
}

/** One override: its scope exists, it changes something, its transition is one of its platform's
 * and is decided by chance, and the probabilities out of one node stay within 1. */
function checkOverride(ctx: Ctx, o: Scenario['overrides'][number], i: number): void {
  const { problems } = ctx;
  const at = (field: string) => ['overrides', i, field];
  const platform = overrideScope(ctx, o, i);
  if (platform === false) return;
  const changes = [o.probability, o.weight, o.delay, o.checkIn].filter((x) => x !== undefined).length;
  if (changes === 0) {
    problems.push({
      path: ['overrides', i],
      message: 'an override changes something: give probability, weight or delay (with a transition), or checkIn',
    });
    return;
  }
  if (o.transition === undefined) {
    if (o.probability !== undefined || o.weight !== undefined || o.delay !== undefined) {
      problems.push({
        path: ['overrides', i],
        message:
          'probability, weight and delay apply to a transition: add transition: "from->to" (docs/lifecycles.md lists them)',
      });
    }
    return;
  }
  if (!platform) {
    problems.push({
      path: at('transition'),
      message: `transition "${o.transition}" needs a platform: add platform (${orList(PLATFORMS)}) or a cohort`,
    });
    return;
  }
  checkOverriddenTransition(ctx, o, i, platform, o.transition);
}

/** The override's cohort and app exist and agree with its platform: the platform it is for, or false. */
function overrideScope(ctx: Ctx, o: Scenario['overrides'][number], i: number): Platform | undefined | false {
  const { suggest, cohorts, cohortNames, appIds, problems } = ctx;
  const at = (field: string) => ['overrides', i, field];
  const cohort = o.cohort !== undefined ? cohorts.get(o.cohort) : undefined;
  if (o.cohort !== undefined && !cohort) {
    problems.push({
      path: at('cohort'),
      message: `no cohort "${o.cohort}"${suggest(o.cohort, cohortNames)}; known cohorts: ${cohortNames.join(', ')}`,
    });
    return false;
  }
  if (cohort && o.platform && cohort.platform !== o.platform) {
    problems.push({
      path: at('platform'),
      message: `cohort "${cohort.name}" is ${cohort.platform}, not ${o.platform}`,
    });
    return false;
  }
  if (o.app !== undefined && !appIds.includes(o.app)) {
    problems.push({
      path: at('app'),
      message: `no app "${o.app}"${suggest(o.app, appIds)}; known apps: ${appIds.join(', ')}`,
    });
  }
  return o.platform ?? cohort?.platform;
}

/** The overridden transition is its platform's, decided by chance, and the probabilities out of its
 * node stay within 1 in the override's scope. */
function checkOverriddenTransition(
  ctx: Ctx,
  o: Scenario['overrides'][number],
  i: number,
  platform: Platform,
  transition: string,
): void {
  const { suggest, sums, problems } = ctx;
  const at = (field: string) => ['overrides', i, field];
  const ids = transitionIds(MODELS[platform]);
  if (!ids.includes(transition)) {
    problems.push({
      path: at('transition'),
      message: `the ${platform} model has no transition "${transition}"${suggest(transition, ids)}; transitions are "from->to" as docs/lifecycles.md lists them`,
    });
    return;
  }
  const [from] = transition.split('->') as [string];
  const siblings = MODELS[platform].nodes[from]!.out ?? [];
  if ((o.probability !== undefined || o.weight !== undefined) && siblings.some((t) => t.when)) {
    problems.push({
      path: at(o.probability !== undefined ? 'probability' : 'weight'),
      message: `"${transition}" is decided by the device's traits (OS version, enrollment, supervision...), not by chance: change the cohort or app instead`,
    });
    return;
  }
  if (o.probability !== undefined) {
    const key = `${o.platform ?? ''}|${o.cohort ?? ''}|${o.app ?? ''}|${platform}|${from}`;
    const e = sums.get(key) ?? { total: 0, index: i, byTransition: new Map<string, number>() };
    e.byTransition.set(transition, o.probability);
    e.total = [...e.byTransition.values()].reduce((a, b) => a + b, 0);
    e.index = i;
    sums.set(key, e);
    if (e.total > 1 + 1e-9) {
      problems.push({
        path: at('probability'),
        message: `probabilities of the transitions out of "${from}" add up to ${+e.total.toFixed(6)} in this scope; at most 1`,
      });
    }
  }
}

/** One quota: its cohort and app exist, it names an end or a path the model has, and it fits. */
function checkQuota(ctx: Ctx, q: Scenario['quotas'][number], i: number): void {
  const { s, suggest, cohorts, cohortNames, problems } = ctx;
  const at = (...p: (string | number)[]) => ['quotas', i, ...p];
  const cohort = cohorts.get(q.cohort);
  if (!cohort) {
    problems.push({
      path: at('cohort'),
      message: `no cohort "${q.cohort}"${suggest(q.cohort, cohortNames)}; known cohorts: ${cohortNames.join(', ')}`,
    });
    return;
  }
  const apps = appsOf(s, cohort.name);
  if (q.app !== undefined && !apps.includes(q.app)) {
    problems.push({
      path: at('app'),
      message: `cohort "${cohort.name}" does not install "${q.app}"${suggest(q.app, apps)}; its apps: ${apps.join(', ')}`,
    });
    return;
  }
  if (!quotaApp(s, q)) {
    problems.push({
      path: ['quotas', i],
      message: `cohort "${cohort.name}" installs ${apps.length} apps (${apps.join(', ')}): name one with app`,
    });
    return;
  }
  if (!q.end && !q.path) {
    problems.push({
      path: ['quotas', i],
      message: 'a quota needs end: { status, state } (where the devices end) or path: [nodes] (what they go through)',
    });
    return;
  }
  if (q.count > cohort.count) {
    problems.push({
      path: at(q.exact ? 'count' : 'atLeast'),
      message: `a quota of ${q.count} devices is larger than cohort "${cohort.name}" (${cohort.count} devices)`,
    });
  }
  const model = MODELS[cohort.platform];
  if (q.end) {
    const statuses = CATALOGUE[cohort.platform].statuses;
    const st = resolveState(cohort.platform, q.end.status);
    if (!st) {
      const known = statuses.map((x) => x.id);
      problems.push({
        path: at('end', 'status'),
        message: `no status "${q.end.status}" on ${cohort.platform}${suggest(q.end.status, known)}; known: ${known.join(', ')}`,
      });
    } else if (q.end.state !== undefined && !resolveState(cohort.platform, q.end.status, q.end.state)) {
      const known = statuses.find((x) => x.id === st.status)!.states.map((x) => x.id);
      problems.push({
        path: at('end', 'state'),
        message: `no state "${q.end.state}" under ${cohort.platform} status "${st.status}"${suggest(q.end.state, known)}; known: ${known.join(', ')}`,
      });
    }
  }
  const nodes = Object.keys(model.nodes);
  const transitions = transitionIds(model).filter((id) => !id.endsWith(`->${END}`));
  (q.path ?? []).forEach((name, j) => {
    if (name.includes('->')) {
      if (!transitions.includes(name))
        problems.push({
          path: at('path', j),
          message: `the ${cohort.platform} model has no transition "${name}"${suggest(name, transitions)}; transitions are listed in docs/lifecycles.md`,
        });
    } else if (!nodes.includes(name)) {
      problems.push({
        path: at('path', j),
        message: `the ${cohort.platform} model has no node "${name}"${suggest(name, nodes)}; nodes are listed in docs/lifecycles.md`,
      });
    }
  });
}

/** Updates name a new version; a licence pool is for one iOS VPP app. */
function checkUpdatesAndPools(ctx: Ctx): void {
  const { s, suggest, appIds, problems } = ctx;
  s.apps.forEach((a, i) => {
    if (a.update && a.update.version === a.version) {
      problems.push({
        path: ['apps', i, 'update', 'version'],
        message: `the update's version equals the app's version ${a.version}; give the new version`,
      });
    }
  });
  s.causes.forEach((c, i) => {
    if (c.kind !== 'vpp-pool') return;
    const app = s.apps.find((a) => a.id === c.app);
    if (!app)
      problems.push({
        path: ['causes', i, 'app'],
        message: `no app "${c.app}"${suggest(c.app, appIds)}; known apps: ${appIds.join(', ')}`,
      });
    else if (!app.platforms.some((p) => takesPoolLicence(p, app))) {
      const pooled = licencePoolApps();
      problems.push({
        path: ['causes', i, 'app'],
        message: `app "${c.app}" is not ${pooled.apps}: a licence pool is for apps with ${pooled.declared}`,
      });
    } else if (s.causes.some((o, j) => j < i && o.kind === 'vpp-pool' && o.app === c.app))
      problems.push({ path: ['causes', i, 'app'], message: `app "${c.app}" already has a licence pool` });
  });
  checkPoolQuotas(ctx);
}

/**
 * A quota on an app whose iOS licences come from a pool contradicts the pool: the pool gives its
 * licences to the first devices to check in, a quota picks its devices by a hash of their ids and
 * forces their path, licence or not, so the two would disagree on who installs (and a quota of
 * installs could pass the pool's size). Refused rather than letting one silently win.
 */
function checkPoolQuotas(ctx: Ctx): void {
  const { s, cohorts, problems } = ctx;
  s.quotas.forEach((q, i) => {
    const cohort = cohorts.get(q.cohort);
    const app = quotaApp(s, q);
    if (!cohort || !hasLicencePool(cohort.platform) || !app) return;
    const p = s.causes.findIndex((c) => c.kind === 'vpp-pool' && c.app === app);
    if (p < 0) return;
    const pool = s.causes[p] as Extract<Scenario['causes'][number], { kind: 'vpp-pool' }>;
    problems.push({
      path: ['quotas', i],
      message: `this quota on "${app}" in iOS cohort "${cohort.name}" contradicts the VPP licence pool at causes[${p}] ('${pool.name ?? pool.kind}', ${pool.licences} licences): the pool gives licences to the first devices to check in, the quota would force the devices it picks whether or not they hold one. Size the pool to get a number of licensed installs, or put the quota on a cohort or app without a pool`,
    });
  });
}

/** "a, b, c or d". */
function orList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
