/**
 * Two results side by side, for regressions across releases: throughput, latency percentiles,
 * errors, reconciliation and thresholds, each with its delta and, where a direction is better,
 * a verdict against a tolerance. Pure: two results in, rows out (reports/compare.ts renders them).
 */
import { UsageError } from '../protocol/errors.js';
import type { RunResult } from './result.js';

export type Better = 'higher' | 'lower' | 'none';

/** How far a figure may move the wrong way before it is a regression. */
export interface Tolerance {
  /** Relative, as a fraction of the baseline (0.1 = 10 %). */
  relative?: number;
  /** Absolute, in the metric's unit. Both given: a regression must exceed both. */
  absolute?: number;
}

export interface CompareRow {
  metric: string;
  label: string;
  unit: 'perSec' | 'ms' | 'count' | 'ratio' | 'differences';
  better: Better;
  base: number | null;
  next: number | null;
  /** next - base; null when either is missing. */
  delta: number | null;
  /** delta / base; null when base is 0 or missing. */
  relative: number | null;
  tolerance?: Tolerance;
  verdict: 'better' | 'worse' | 'ok' | 'regression' | 'info' | 'missing';
}

export interface Comparison {
  base: { scenario: string; startedAt: string; file?: string };
  next: { scenario: string; startedAt: string; file?: string };
  rows: CompareRow[];
  regressions: number;
  /** Why the two may not be comparable (other scenario, other size, other transport). */
  notes: string[];
}

interface MetricDef {
  metric: string;
  label: string;
  unit: CompareRow['unit'];
  better: Better;
  get: (r: RunResult) => number | null;
}

const latency = (kind: 'ack' | 'e2e', stat: 'p50' | 'p90' | 'p99' | 'p999' | 'max'): MetricDef => ({
  metric: `latency.${kind}.${stat}`,
  label: `${kind === 'ack' ? 'ack' : 'end-to-end'} latency ${stat}`,
  unit: 'ms',
  better: 'lower',
  get: (r) => {
    const h = kind === 'ack' ? r.latency.ack : r.latency.endToEnd;
    return h && h.count > 0 ? h[stat] : null;
  },
});

export const COMPARED: readonly MetricDef[] = [
  {
    metric: 'throughput.eventsPerSec',
    label: 'throughput',
    unit: 'perSec',
    better: 'higher',
    get: (r) => r.throughput.eventsPerSec,
  },
  {
    metric: 'throughput.peakPerSec',
    label: 'peak second',
    unit: 'perSec',
    better: 'higher',
    get: (r) => r.throughput.peakPerSec,
  },
  latency('ack', 'p50'),
  latency('ack', 'p90'),
  latency('ack', 'p99'),
  latency('ack', 'p999'),
  latency('ack', 'max'),
  latency('e2e', 'p50'),
  latency('e2e', 'p99'),
  { metric: 'errors.count', label: 'failed events', unit: 'count', better: 'lower', get: (r) => r.events.failed },
  {
    metric: 'errors.rate',
    label: 'error rate',
    unit: 'ratio',
    better: 'lower',
    get: (r) => (r.events.sent > 0 ? r.events.failed / r.events.sent : 0),
  },
  {
    metric: 'reconciliation.differences',
    label: 'reconciliation differences',
    unit: 'differences',
    better: 'lower',
    get: (r) =>
      r.reconciliation.checked
        ? r.reconciliation.differences.length + (r.reconciliation.devices?.differing ?? 0)
        : null,
  },
  {
    metric: 'thresholds.failed',
    label: 'thresholds failed',
    unit: 'count',
    better: 'lower',
    get: (r) => r.thresholds.filter((t) => !t.passed).length,
  },
  { metric: 'events.sent', label: 'events sent', unit: 'count', better: 'none', get: (r) => r.events.sent },
  { metric: 'devices.total', label: 'devices', unit: 'count', better: 'none', get: (r) => r.devices.total },
  { metric: 'durationMs', label: 'wall time', unit: 'ms', better: 'none', get: (r) => r.durationMs },
];

/**
 * Defaults: throughput may drop 10 %; a latency may rise 20 % and 1 ms (so 0.1 -> 0.15 ms is
 * noise, not a regression); errors, differences and failed thresholds may not rise at all.
 */
export function defaultTolerance(metric: string): Tolerance | undefined {
  if (metric.startsWith('throughput.')) return { relative: 0.1 };
  if (metric.startsWith('latency.')) return { relative: 0.2, absolute: 1 };
  if (metric === 'errors.count' || metric === 'reconciliation.differences' || metric === 'thresholds.failed')
    return { absolute: 0 };
  if (metric === 'errors.rate') return { absolute: 0.0001 };
  return undefined;
}

/** `latency.ack.p99=10%`, `latency.ack.p99=5ms`, `errors.count=3`, `throughput=5%` (a prefix names a group). */
export function parseTolerance(text: string): { prefix: string; tolerance: Tolerance } {
  const m = /^\s*([A-Za-z][\w.]*)\s*=\s*(\d+(?:\.\d+)?)\s*(%|ms|s|\/s)?\s*$/.exec(text);
  const known = COMPARED.filter((d) => d.better !== 'none').map((d) => d.metric);
  if (!m || !known.some((k) => k === m[1] || k.startsWith(`${m[1]}.`)))
    throw new UsageError(
      `--tolerance "${text}" is not a tolerance; expected <metric>=<limit> such as latency.ack.p99=10%, latency=5ms, throughput.eventsPerSec=5% or errors.count=0 (metrics: ${known.join(', ')}).`,
    );
  const n = Number(m[2]);
  const tolerance: Tolerance = m[3] === '%' ? { relative: n / 100 } : { absolute: m[3] === 's' ? n * 1000 : n };
  return { prefix: m[1]!, tolerance };
}

function judge(def: MetricDef, base: number | null, next: number | null, tol: Tolerance | undefined): CompareRow {
  const delta = base !== null && next !== null ? next - base : null;
  const relative = delta !== null && base ? delta / base : null;
  let verdict: CompareRow['verdict'];
  if (base === null || next === null) verdict = 'missing';
  else if (def.better === 'none') verdict = 'info';
  else {
    const worse = def.better === 'higher' ? -delta! : delta!;
    if (worse <= 0) verdict = worse < 0 ? 'better' : 'ok';
    else {
      const overRel = tol?.relative === undefined || (base !== 0 ? worse / Math.abs(base) > tol.relative : true);
      const overAbs = tol?.absolute === undefined || worse > tol.absolute;
      verdict = tol && overRel && overAbs ? 'regression' : 'worse';
    }
  }
  return {
    metric: def.metric,
    label: def.label,
    unit: def.unit,
    better: def.better,
    base,
    next,
    delta,
    relative,
    ...(tol ? { tolerance: tol } : {}),
    verdict,
  };
}

/** Compares `next` with `base`; `tolerances` (by metric or prefix, longest wins) replace the defaults. */
export function compareResults(
  base: RunResult,
  next: RunResult,
  tolerances: readonly { prefix: string; tolerance: Tolerance }[] = [],
): Comparison {
  const tolFor = (metric: string) => {
    const given = tolerances
      .filter((t) => metric === t.prefix || metric.startsWith(`${t.prefix}.`))
      .sort((a, b) => b.prefix.length - a.prefix.length)[0];
    return given?.tolerance ?? defaultTolerance(metric);
  };
  const rows = COMPARED.map((d) =>
    judge(d, d.get(base), d.get(next), d.better === 'none' ? undefined : tolFor(d.metric)),
  );
  // A run that reconciled before and now does not is a regression whatever the counts say.
  const rec = rows.find((r) => r.metric === 'reconciliation.differences')!;
  if (base.reconciliation.checked && !next.reconciliation.checked) rec.verdict = 'regression';
  const notes: string[] = [];
  if (base.scenario.name !== next.scenario.name)
    notes.push(`different scenarios: ${base.scenario.name} and ${next.scenario.name}`);
  if (base.devices.total !== next.devices.total)
    notes.push(`different fleet sizes: ${base.devices.total} and ${next.devices.total} devices`);
  if (base.transport !== next.transport) notes.push(`different transports: ${base.transport} and ${next.transport}`);
  if (String(base.seed) !== String(next.seed)) notes.push(`different seeds: ${base.seed} and ${next.seed}`);
  if (base.target.kind !== next.target.kind)
    notes.push(`different targets: ${base.target.kind} and ${next.target.kind}`);
  return {
    base: { scenario: base.scenario.name, startedAt: base.startedAt },
    next: { scenario: next.scenario.name, startedAt: next.startedAt },
    rows,
    regressions: rows.filter((r) => r.verdict === 'regression').length,
    notes,
  };
}
