/**
 * Static checks of a lifecycle model against the catalogue and the modelling rules (model.ts):
 * used by the tests and when a scenario's overrides are compiled.
 */
import { CATALOGUE, findState } from '../../protocol/catalogue/catalogue.js';
import { END, type LifecycleModel } from './model.js';

export function checkModel(model: LifecycleModel): string[] {
  const problems: string[] = [];
  const has = (n: string) => model.nodes[n] !== undefined;
  if (!has(model.start)) problems.push(`start node "${model.start}" does not exist`);
  const reported = new Set<string>();
  for (const [name, n] of Object.entries(model.nodes)) {
    if (n.status !== undefined || n.state !== undefined) {
      if (!n.status || !n.state || !findState(model.platform, n.status, n.state)) {
        problems.push(
          `node "${name}" reports ${n.status}/${n.state}, which is not in the ${CATALOGUE[model.platform].label} catalogue`,
        );
      } else reported.add(`${n.status}/${n.state}`);
    }
    const out = n.out ?? [];
    const guarded = out.filter((t) => t.when).length;
    if (guarded > 0 && guarded < out.length) problems.push(`node "${name}" mixes guarded and weighted transitions`);
    for (const t of out) {
      if (t.to !== END && !has(t.to)) problems.push(`transition ${name}->${t.to} leads to no node`);
      if (t.retry && !has(t.retry.to)) problems.push(`retry of ${name}->${t.to} leads to no node "${t.retry.to}"`);
      if (t.weight !== undefined && !(t.weight >= 0))
        problems.push(`transition ${name}->${t.to} has a negative weight`);
    }
    if (n.onUpdate && !has(n.onUpdate)) problems.push(`onUpdate of "${name}" leads to no node "${n.onUpdate}"`);
  }
  for (const s of CATALOGUE[model.platform].statuses) {
    for (const st of s.states) {
      if (!reported.has(`${s.id}/${st.id}`)) problems.push(`no node reports ${s.id}/${st.id}`);
    }
  }
  return problems;
}
