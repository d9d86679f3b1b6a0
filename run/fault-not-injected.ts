/**
 * What of a network fault the drive ended before: a fault whose moment (or window) came after the
 * run's end was not injected at all, and the report says so with both times rather than showing
 * an empty line; a drop some of whose devices' moments came after the end counts them.
 */
import { planFaults } from '../agent/faults/plan.js';
import { positionsOf, where } from '../agent/scenario/positions.js';
import type { Scenario } from '../agent/scenario/schema.js';
import type { NetworkFaultFigures } from './network-figures.js';
import type { NetworkFault } from './network-fault-types.js';

/**
 * Notes on `fig` what the drive's end at `endedAt` (wall ms from its start) kept the fault from
 * doing. `unreached`: the drop's own devices whose moment never came.
 */
export function noteNotInjected(
  f: NetworkFault,
  fig: NetworkFaultFigures,
  endedAt: number,
  unreached: number,
  firstMoment: number,
): void {
  // the process that applies it says (the parent of --workers, shard 1 with a hook)
  if (f.kind === 'endpoint-restart' && f.elsewhere) return;
  if (f.kind === 'connection-drop' && f.devices) fig.afterRunEnd = unreached;
  if (fig.struck > 0) return;
  const moment = f.kind === 'connection-drop' && f.devices ? firstMoment : f.from;
  if (!Number.isFinite(moment)) return;
  const what = f.kind === 'partition' || f.kind === 'delay' || f.kind === 'bandwidth' ? 'window' : 'moment';
  fig.notInjected = notInjectedText(endedAt, what, moment);
}

/** The report's sentence for a fault due at `dueAt` in a drive that ended at `endedAt` (wall ms from its start). */
export function notInjectedText(endedAt: number, what: 'moment' | 'window', dueAt: number): string {
  return `not injected: the run ended at ${seconds(endedAt)} (wall time from the drive's start), before the fault's ${what} at ${seconds(dueAt)}; make the run last longer (more devices, a lower load.rate, a slower timeScale) or move the fault earlier`;
}

function seconds(ms: number): string {
  return `${(Math.max(0, ms) / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/**
 * What can be known before the run: a wall-clock fault whose window opens at or after the run's
 * --duration cannot be injected. One warning each, with its file:line; the run goes on (the
 * report says it again).
 */
export function faultsPastDuration(scenario: Scenario, durationMs: number | undefined): string[] {
  if (durationMs === undefined || scenario.faults.length === 0) return [];
  const positions = positionsOf(scenario);
  const out: string[] = [];
  for (const f of planFaults(scenario, { seed: scenario.seed }).faults) {
    if (f.clock !== 'wall' || f.from < durationMs) continue;
    const line = where(positions, ['faults', f.index]);
    const at = positions ? `${positions.file}${line ? `:${line}` : ''}: ` : '';
    out.push(
      `${at}fault '${f.name}' (${f.kind}) is due at ${seconds(f.from)} of wall time from the drive's start, but --duration stops the run at ${seconds(durationMs)}: it will not be injected. Move it earlier or give a longer --duration.`,
    );
  }
  return out;
}
