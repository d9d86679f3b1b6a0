/**
 * The embedded endpoint's share of a run's faults: refusing-endpoint and slow-endpoint windows
 * turned from the plan (wall ms from the drive's start) into the endpoint's own wall times, and
 * what the endpoint counted turned back into per-fault counts for the report.
 */
import type { FaultPlan } from '../agent/faults/plan.js';
import type { EndpointFaultWindow, EndpointFaults } from '../broker/endpoint-faults.js';
import { parseDuration } from '../core/delay.js';
import type { FaultReport } from '../result/fault-report.js';
import { notInjectedText } from './fault-not-injected.js';

export function endpointWindows(plan: FaultPlan, driveStartMs: number): EndpointFaultWindow[] {
  const out: EndpointFaultWindow[] = [];
  for (const f of plan.faults) {
    const s = f.spec;
    if (s.kind !== 'refusing-endpoint' && s.kind !== 'slow-endpoint') continue;
    const base = { index: f.index, from: driveStartMs + f.from, to: driveStartMs + f.to };
    if (s.kind === 'slow-endpoint') out.push({ ...base, kind: 'stop-reading' });
    else
      out.push({
        ...base,
        kind: 'refuse',
        status: s.status,
        retryAfterS: Math.max(1, Math.round(parseDuration(s.retryAfter)! / 1000)),
      });
  }
  return out;
}

/** The endpoint's counts as a list by fault index, for the report. */
export function endpointCounts(plan: FaultPlan, faults: EndpointFaults | undefined): Record<string, number>[] {
  return plan.faults.map((f) => ({ ...(faults?.counts[f.index] ?? {}) }));
}

/** Adds the endpoint's counts into a merged result's faults (workers: the parent holds the endpoint). */
export function addEndpointCounts(faults: FaultReport[] | undefined, counts: readonly Record<string, number>[]): void {
  faults?.forEach((f, i) => {
    for (const [k, n] of Object.entries(counts[i] ?? {})) f.injected[k] = (f.injected[k] ?? 0) + n;
  });
}

/** The endpoint's windows that opened after the drive ended (`endedAt`, wall ms from its start), by fault index. */
export function endpointNotInjected(plan: FaultPlan, endedAt: number): Map<number, string> {
  const out = new Map<number, string>();
  for (const f of plan.faults)
    if ((f.kind === 'refusing-endpoint' || f.kind === 'slow-endpoint') && f.from > endedAt)
      out.set(f.index, notInjectedText(endedAt, 'window', f.from));
  return out;
}
