/**
 * Merges run results (from workers, shards or machines) into one, exactly: counters add,
 * histograms add bucket by bucket (so merged percentiles equal those of one histogram of all
 * samples), timelines add second by second (epoch seconds line up across processes), expected
 * tallies add and are reconciled again, thresholds are evaluated again on the merged figures.
 * Pure: no I/O. `fleetsim merge` reads files and calls `mergeResults`.
 */
import { mergeCoverage, type Coverage } from './coverage.js';
import { mergeFaultReports } from './fault-report.js';
import { addWindowNotes, DIFFERENCE_STARTS_KEPT } from './fault-window.js';
import { mergeLostEvents } from './lost-events.js';
import { mergeDeviceReconciliations } from '../reconcile/devices.js';
import { UsageError } from '../protocol/errors.js';
import { TallyBook, type AppTallies } from '../protocol/tally.js';
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { sortLinks, type FlowLink, type LifecycleDuration } from '../drive/lifecycle-metrics.js';
import {
  hdrUnitOf,
  decodeHistogram,
  newDurationHistogram,
  newLatencyHistogram,
  summarise,
  type Histogram,
  type HistogramSummary,
  type TimelinePoint,
} from '../drive/metrics.js';
import { reconcile, type Reconciliation } from '../reconcile/reconcile.js';
import { reconcileReading, type TallyReading, withDevices } from '../reconcile/reading.js';
import { mergeFailureReasons } from '../drive/failure-reasons.js';
import { RESULT_SCHEMA, verdictOf, type RunResult } from './result.js';
import { checkThresholds } from './thresholds.js';
import { mergeTagRows, rowsTagged } from './tag-figures.js';
import type { Threshold } from '../agent/scenario/thresholds.js';
import { mergeConnectivity } from './connectivity.js';

export interface MergeOptions {
  /**
   * The parts ran against one shared endpoint, so each part's counted tallies (and end-to-end
   * histogram) already cover every part: take them from the part that finished last instead of
   * adding them. @default false (each part had its own endpoint)
   */
  sharedTarget?: boolean;
  /**
   * The endpoint's tallies as read once after every part finished (parts that deferred
   * reconciliation: shards, workers), or why they could not be. When given, the parts' expected
   * tallies are reconciled against this reading, whatever the parts did.
   */
  tallies?: Exclude<TallyReading, { kind: 'deferred' }>;
  /** What the parts sent to, as the whole run saw it. @default the first part's */
  target?: RunResult['target'];
  /** Merges the parts' lifecycle coverage (owned by the scenario/coverage code). */
  mergeCoverage?: (parts: Coverage[]) => Coverage;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** Adds histograms (compressed base64) and summarises the sum. */
export function mergeHistograms(parts: readonly HistogramSummary[]): HistogramSummary {
  const unit = parts[0] ? hdrUnitOf(parts[0]) : 'us';
  const sum = unit === 'us' ? newLatencyHistogram() : newDurationHistogram();
  for (const p of parts) {
    if (hdrUnitOf(p) !== unit) throw new UsageError(`Cannot merge a histogram in ${hdrUnitOf(p)} with one in ${unit}.`);
    sum.add(decodeHistogram(p.hdr));
  }
  return summarise(sum, unit);
}

export function mergeTimelines(parts: readonly TimelinePoint[][]): TimelinePoint[] {
  const byT = new Map<number, { p: TimelinePoint; h?: Histogram }>();
  for (const points of parts) {
    for (const q of points) {
      let e = byT.get(q.t);
      if (!e) byT.set(q.t, (e = { p: { t: q.t, ms: q.ms, offered: 0, sent: 0, acked: 0, failed: 0, retried: 0 } }));
      const p = e.p;
      p.ms = Math.max(p.ms, q.ms);
      p.offered += q.offered;
      p.sent += q.sent;
      p.acked += q.acked;
      p.failed += q.failed;
      p.retried += q.retried;
      if (q.ack) (e.h ??= newLatencyHistogram()).add(decodeHistogram(q.ack));
    }
  }
  return [...byT.values()]
    .sort((a, b) => a.p.t - b.p.t)
    .map(({ p, h }) => {
      if (h && h.totalCount > 0) {
        const s = summarise(h, 'us');
        p.p50 = s.p50;
        p.p99 = s.p99;
        p.ack = s.hdr;
      }
      return p;
    });
}

/** Sums per-app tallies cell by cell. */
export function addTallies(parts: readonly AppTallies[][]): AppTallies[] {
  const book = new TallyBook();
  const ids = new Set<string>();
  for (const apps of parts) {
    for (const app of apps) {
      ids.add(app.appId);
      for (const [platform, statuses] of Object.entries(app.platforms)) {
        for (const [status, states] of Object.entries(statuses ?? {})) {
          for (const [state, n] of Object.entries(states)) book.add(app.appId, platform as Platform, status, state, n);
        }
      }
    }
  }
  return [...ids].sort().map((id) => book.get(id));
}

function mergeReconciliation(
  results: readonly RunResult[],
  sharedTarget: boolean,
  last: RunResult,
  reading?: TallyReading,
): Reconciliation {
  if (reading)
    return reconcileReading(addTallies(results.map((r) => r.reconciliation.apps.map((a) => a.expected))), reading);
  const unchecked = results.find((r) => !r.reconciliation.checked);
  if (unchecked)
    return {
      checked: false,
      match: false,
      reason: `part ${results.indexOf(unchecked) + 1} was not reconciled: ${unchecked.reconciliation.reason ?? 'no tallies'}`,
      apps: [],
      differences: [],
    };
  const expected = addTallies(results.map((r) => r.reconciliation.apps.map((a) => a.expected)));
  const counted = sharedTarget
    ? last.reconciliation.apps.map((a) => a.counted)
    : addTallies(results.map((r) => r.reconciliation.apps.map((a) => a.counted)));
  return reconcile(expected, counted);
}

function mergeDurations(results: readonly RunResult[]): LifecycleDuration[] {
  const groups = new Map<string, LifecycleDuration[]>();
  for (const r of results) {
    for (const d of r.lifecycle.durations) {
      const k = `${d.platform}\u0000${d.status}\u0000${d.state}`;
      (groups.get(k) ?? groups.set(k, []).get(k)!).push(d);
    }
  }
  return [...groups.values()]
    .map((ds) => ({
      platform: ds[0]!.platform,
      status: ds[0]!.status,
      state: ds[0]!.state,
      duration: mergeHistograms(ds.map((d) => d.duration)),
    }))
    .sort(
      (a, b) =>
        a.platform.localeCompare(b.platform) || a.status.localeCompare(b.status) || a.state.localeCompare(b.state),
    );
}

function mergeFlows(results: readonly RunResult[]): FlowLink[] {
  const links = new Map<string, FlowLink>();
  for (const r of results) {
    for (const l of r.lifecycle.flows) {
      const k = `${l.platform}\u0000${l.from}\u0000${l.to}`;
      const have = links.get(k);
      if (have) have.count += l.count;
      else links.set(k, { ...l });
    }
  }
  return sortLinks([...links.values()]);
}

function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, n] of Object.entries(b)) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** Peak events/s over full seconds of a timeline. */
export function peakPerSec(points: readonly TimelinePoint[]): number {
  let peak = 0;
  for (const p of points) if (p.ms >= 500) peak = Math.max(peak, (p.acked / p.ms) * 1000);
  return round1(peak);
}

export function mergeResults(results: readonly RunResult[], opts: MergeOptions = {}): RunResult {
  if (results.length === 0) throw new UsageError('Nothing to merge: give at least one report.json.');
  results.forEach((r, i) => {
    if (r?.schema !== RESULT_SCHEMA)
      throw new UsageError(
        `Part ${i + 1} is not a ${RESULT_SCHEMA} result (its schema is ${JSON.stringify(r?.schema)}); merge only results written by this fleetsim version.`,
      );
  });
  const first = results[0]!;
  const byFinish = [...results].sort((a, b) => Date.parse(a.finishedAt) - Date.parse(b.finishedAt));
  const last = byFinish[byFinish.length - 1]!;
  const sent = results.filter((r) => r.window.firstSendAt > 0);
  const firstSendAt = sent.length ? Math.min(...sent.map((r) => r.window.firstSendAt)) : 0;
  const lastSettledAt = sent.length ? Math.max(...sent.map((r) => r.window.lastSettledAt)) : 0;
  const durationMs = Math.max(0, lastSettledAt - firstSendAt);
  const sum = (f: (r: RunResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const events: RunResult['events'] = {
    offered: sum((r) => r.events.offered),
    sent: sum((r) => r.events.sent),
    acked: sum((r) => r.events.acked),
    failed: sum((r) => r.events.failed),
    // results written before the give-up count have none
    gaveUp: sum((r) => r.events.gaveUp ?? 0),
    retried: sum((r) => r.events.retried),
  };
  const lastError = [...byFinish].reverse().find((r) => r.events.lastError)?.events.lastError;
  if (lastError) events.lastError = lastError;
  const reasons = mergeFailureReasons(results.map((r) => r.events.failureReasons));
  if (reasons.length) events.failureReasons = reasons;
  const points = mergeTimelines(results.map((r) => r.timeline.points));
  const ack = mergeHistograms(results.map((r) => r.latency.ack));
  const e2eParts = opts.sharedTarget
    ? last.latency.endToEnd
      ? [last.latency.endToEnd]
      : []
    : results.map((r) => r.latency.endToEnd).filter((h): h is HistogramSummary => h !== null);
  const endToEnd =
    e2eParts.length && (opts.sharedTarget || e2eParts.length === results.length) ? mergeHistograms(e2eParts) : null;
  const reconciliation = withDevices(
    mergeReconciliation(results, opts.sharedTarget ?? false, last, opts.tallies),
    mergeDeviceReconciliations(results.map((r) => r.reconciliation.devices)),
  );
  const definitions: Threshold[] = first.thresholds.map(({ observed: _o, passed: _p, detail: _d, ...t }) => t);
  const tags = mergeTagRows(results.map((r) => r.tags));
  const thresholds = checkThresholds(definitions, {
    events,
    durationMs,
    points,
    reconciliation,
    ...(tags ? { tagged: rowsTagged(tags) } : {}),
    ack: decodeHistogram(ack.hdr),
    ...(endToEnd ? { e2e: decodeHistogram(endToEnd.hdr) } : {}),
  });
  const aborted = results.find((r) => r.aborted)?.aborted;
  const merged: RunResult = {
    schema: RESULT_SCHEMA,
    ...verdictOf(reconciliation, thresholds, events.gaveUp ?? 0),
    scenario: first.scenario,
    seed: first.seed,
    transport: first.transport,
    target: opts.target ?? first.target,
    timeScale: first.timeScale,
    startedAt: new Date(Math.min(...results.map((r) => Date.parse(r.startedAt)))).toISOString(),
    finishedAt: last.finishedAt,
    durationMs: Math.round(durationMs),
    window: { firstSendAt, lastSettledAt },
    parts: sum((r) => r.parts),
    environment: first.environment,
    devices: {
      total: sum((r) => r.devices.total),
      byPlatform: results.reduce((acc, r) => addCounts(acc, r.devices.byPlatform), {} as Record<string, number>),
      installations: sum((r) => r.devices.installations),
    },
    events,
    ...connectivityOfParts(results),
    throughput: {
      eventsPerSec: durationMs ? round1((events.acked / durationMs) * 1000) : 0,
      peakPerSec: peakPerSec(points),
    },
    latency: {
      ack,
      endToEnd,
      endToEndSource: endToEnd
        ? `${opts.sharedTarget ? 'the last part' : `${e2eParts.length} parts`}: ${first.latency.endToEndSource}`
        : 'not reported by every part',
    },
    lifecycle: { durations: mergeDurations(results), flows: mergeFlows(results) },
    timeline: { intervalMs: 1000, points },
    reconciliation,
    thresholds,
    ...(aborted ? { aborted } : {}),
    ...(events.gaveUp
      ? {
          gaveUp: {
            events: events.gaveUp,
            reason: results
              .filter((r) => r.gaveUp)
              .map((r) =>
                results.length > 1 ? `part ${results.indexOf(r) + 1}: ${r.gaveUp!.reason}` : r.gaveUp!.reason,
              )
              .join('; '),
          },
        }
      : {}),
    ...(tags ? { tags } : {}),
  };
  if (results.some((r) => r.faults?.length))
    merged.faults = mergeFaultReports(
      results.map((r) => r.faults ?? []),
      reconciliation.checked ? reconciliation.match : null,
      merged.devices.total,
    );
  const starts = results.flatMap((r) => r.differenceStarts ?? []).slice(0, DIFFERENCE_STARTS_KEPT);
  if (starts.length) merged.differenceStarts = starts;
  addWindowNotes(merged.faults, reconciliation, starts);
  const lost = mergeLostEvents(results.map((r) => r.lostEvents));
  if (lost) merged.lostEvents = lost;
  if (results.every((r) => r.coverage !== undefined))
    merged.coverage = (opts.mergeCoverage ?? mergeCoverage)(results.map((r) => r.coverage!));
  return merged;
}

/** The parts' reconnects and outages as one (absent when no part lost its link). */
function connectivityOfParts(results: readonly RunResult[]): Pick<RunResult, 'connectivity'> {
  const c = mergeConnectivity(results.map((r) => r.connectivity));
  return c ? { connectivity: c } : {};
}
