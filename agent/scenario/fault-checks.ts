/**
 * Semantic checks of a scenario's faults against its cohorts and apps: a scope that names a
 * cohort or app the scenario lacks, a platform the cohort is not, a count larger than the scope,
 * a moment kind whose window is wall time where trace needs simulated time. Each problem names
 * the field; load.ts adds file:line.
 */
import type { Problem } from './load.js';
import type { Scenario } from './schema.js';

type Suggest = (word: string, known: readonly string[]) => string;

/** Kinds the simulator applies: their moments must be simulated time. */
const SIM_ONLY = new Set(['stuck', 'factory-reset', 'clock-skew']);

export function checkFaults(s: Scenario, suggest: Suggest): Problem[] {
  const problems: Problem[] = [];
  const cohortNames = s.cohorts.map((c) => c.name);
  const appIds = s.apps.map((a) => a.id);
  s.faults.forEach((f, i) => {
    const at = (field: string) => ['faults', i, field];
    const cohort = f.cohort !== undefined ? s.cohorts.find((c) => c.name === f.cohort) : undefined;
    if (f.cohort !== undefined && !cohort)
      problems.push({
        path: at('cohort'),
        message: `no cohort "${f.cohort}"${suggest(f.cohort, cohortNames)}; known cohorts: ${cohortNames.join(', ')}`,
      });
    if (cohort && f.platform && cohort.platform !== f.platform)
      problems.push({
        path: at('platform'),
        message: `cohort "${cohort.name}" is ${cohort.platform}, not ${f.platform}`,
      });
    if (f.app !== undefined && !appIds.includes(f.app))
      problems.push({
        path: at('app'),
        message: `no app "${f.app}"${suggest(f.app, appIds)}; known apps: ${appIds.join(', ')}`,
      });
    if (SIM_ONLY.has(f.kind) && f.clock !== 'sim')
      problems.push({
        path: at('clock'),
        message: `a ${f.kind} fault changes what the devices report, so its window is simulated time: drop clock or set it to "sim"`,
      });
    if ((f.kind === 'slow-endpoint' || f.kind === 'refusing-endpoint') && f.clock !== 'wall')
      problems.push({
        path: at('clock'),
        message: `a ${f.kind} fault acts on the endpoint, which has no simulated clock: drop clock or set it to "wall"`,
      });
    if (f.count !== undefined) {
      const scope = s.cohorts
        .filter((c) => (f.cohort === undefined || c.name === f.cohort) && (!f.platform || c.platform === f.platform))
        .reduce((n, c) => n + c.count, 0);
      if (f.count > scope)
        problems.push({
          path: at('count'),
          message: `a count of ${f.count} devices is larger than the fault's scope (${scope} devices)`,
        });
    }
  });
  return problems;
}
