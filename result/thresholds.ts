/**
 * Evaluates thresholds (thresholds.ts) against what a run observed: at the end against the whole
 * result, and once a second during the run for those with abortOnFail. A windowed check holds
 * when it holds in every sliding window of that length (step 1 s); its observed value is the
 * worst window's. Pure: histograms and timeline points come in, verdicts go out.
 */
import {
  decodeHistogram,
  newLatencyHistogram,
  type Counters,
  type Histogram,
  type TimelinePoint,
} from '../drive/metrics.js';
import { compare, percentileOf, type Op, type Threshold } from '../agent/scenario/thresholds.js';
import type { TaggedLookup } from './tag-figures.js';

export interface ThresholdResult extends Threshold {
  /** The figure compared with the limit (in the threshold's unit); null when there was none. */
  observed: number | null;
  passed: boolean;
  /** Where it failed or what it saw, in words (the worst window, why there was no figure). */
  detail?: string;
}

export interface Observed {
  events: Counters;
  /** Wall ms from the first event sent to the last settled. */
  durationMs: number;
  /** Whole-run histograms in µs; e2e is absent when the endpoint does not report it. */
  ack?: Histogram;
  e2e?: Histogram;
  points: readonly TimelinePoint[];
  reconciliation?: {
    checked: boolean;
    match: boolean;
    settle?: { consistent: boolean; afterMs: number | null; timeoutMs: number } | undefined;
  };
  /** The figures of the events carrying given tags (thresholds such as "errors.rate{app:x}"). */
  tagged?: TaggedLookup;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
/** Events/s are reported to 0.1, as in the result's throughput. */
const round1 = (x: number) => Math.round(x * 10) / 10;

/** A latency statistic in ms from a histogram in µs; null when it holds no value. */
export function latencyStat(h: Histogram | undefined, stat: string): number | null {
  if (!h || h.totalCount === 0) return null;
  let us: number;
  if (stat === 'min') us = h.minNonZeroValue;
  else if (stat === 'max' || stat === 'p100') us = h.getValueAtPercentile(100);
  else if (stat === 'mean') us = h.mean;
  else if (stat === 'p0') us = h.getValueAtPercentile(0);
  else us = h.getValueAtPercentile(percentileOf(stat)!);
  return round3(us / 1000);
}

/** The figure of a whole-run metric (of the events carrying the threshold's tags, if it has any). */
function wholeRun(t: Threshold, o: Observed): number | null {
  if (t.tags) {
    const tagged = o.tagged?.(t.tags);
    if (!tagged) return null;
    const { tags: _tags, ...untagged } = t;
    return wholeRun(untagged, {
      events: { ...tagged.events, retried: 0 },
      durationMs: o.durationMs,
      ack: tagged.ack,
      points: [],
    });
  }
  const [group, kind] = t.metric.split('.');
  if (group === 'latency') return latencyStat(kind === 'ack' ? o.ack : o.e2e, t.metric.split('.').slice(2).join('.'));
  if (t.metric === 'throughput.eventsPerSec')
    return o.durationMs > 0 ? round1((o.events.acked / o.durationMs) * 1000) : 0;
  if (t.metric === 'errors.rate') return o.events.sent > 0 ? o.events.failed / o.events.sent : 0;
  if (t.metric === 'errors.count') return o.events.failed;
  if (group === 'events') return o.events[kind as keyof Counters];
  if (t.metric === 'reconciliation') return o.reconciliation?.checked ? (o.reconciliation.match ? 1 : 0) : null;
  if (t.metric === 'reconciliation.settle') return o.reconciliation?.settle?.afterMs ?? null;
  return null;
}

/** Why a time to consistency is missing. */
function noSettle(o: Observed): string {
  const s = o.reconciliation?.settle;
  if (s) return `the counts did not match within the settle timeout (${s.timeoutMs / 1000} s)`;
  if (o.reconciliation && !o.reconciliation.checked) return 'reconciliation was not checked';
  return "the counts were not read until consistent: a target description's tally source with settle (docs/targets.md)";
}

/** Seconds t0..tN with gaps filled by empty seconds, so windows are real lengths of time. */
function contiguous(points: readonly TimelinePoint[]): TimelinePoint[] {
  if (points.length === 0) return [];
  const sorted = [...points].sort((a, b) => a.t - b.t);
  const out: TimelinePoint[] = [];
  for (const p of sorted) {
    const last = out[out.length - 1];
    if (last)
      for (let t = last.t + 1; t < p.t; t++)
        out.push({ t, ms: 1000, offered: 0, sent: 0, acked: 0, failed: 0, retried: 0 });
    out.push(p);
  }
  return out;
}

const worse = (op: Op, a: number, b: number) =>
  op === '<' || op === '<=' ? a > b : op === '>' || op === '>=' ? a < b : a !== b;

/**
 * Every window (or, live, only the latest full one): the worst figure and where it starts.
 * A run shorter than the window is one window. Sums slide: the second entering is added, the
 * one leaving subtracted, so a long run costs two histogram additions per second.
 */
function windowed(t: Threshold, o: Observed, live: boolean): { observed: number | null; at?: number } {
  const pts = contiguous(o.points);
  const w = t.windowMs! / 1000;
  if (pts.length === 0 || (live && pts.length < w)) return { observed: null };
  const first = pts.length <= w ? 0 : live ? pts.length - w : 0;
  const last = pts.length <= w ? 0 : pts.length - w;
  const isLatency = t.metric.startsWith('latency.');
  const stat = t.metric.split('.').slice(2).join('.');
  const sums: Sums = { acked: 0, failed: 0, ms: 0, win: isLatency ? newLatencyHistogram() : undefined };
  for (let i = first; i < Math.min(pts.length, first + w); i++) addPoint(pts[i]!, sums, 1);
  let best: { observed: number | null; at?: number } = { observed: null };
  for (let s = first; s <= last; s++) {
    if (s > first) {
      addPoint(pts[s - 1]!, sums, -1);
      addPoint(pts[s + w - 1]!, sums, 1);
    }
    let v: number | null;
    if (isLatency) v = latencyStat(sums.win, stat === 'min' ? 'p0' : stat === 'max' ? 'p100' : stat);
    else if (t.metric === 'throughput.eventsPerSec') v = sums.ms > 0 ? round1((sums.acked / sums.ms) * 1000) : 0;
    else if (t.metric === 'errors.rate')
      v = sums.acked + sums.failed > 0 ? sums.failed / (sums.acked + sums.failed) : 0;
    else v = sums.failed;
    if (v !== null && (best.observed === null || worse(t.op, v, best.observed))) best = { observed: v, at: pts[s]!.t };
  }
  return best;
}

interface Sums {
  acked: number;
  failed: number;
  ms: number;
  win: Histogram | undefined;
}

function addPoint(p: TimelinePoint, s: Sums, sign: 1 | -1): void {
  s.acked += sign * p.acked;
  s.failed += sign * p.failed;
  s.ms += sign * p.ms;
  if (s.win && p.ack) {
    // subtract() keeps no min/max, so windowed min/max are read as p0/p100 (latencyStat above).
    const h = decodeHistogram(p.ack);
    if (sign > 0) s.win.add(h);
    else s.win.subtract(h);
  }
}

/** Final verdicts for every threshold. */
export function checkThresholds(thresholds: readonly Threshold[], o: Observed): ThresholdResult[] {
  return thresholds.map((t) => {
    if (t.windowMs) {
      const w = windowed(t, o, false);
      if (w.observed === null)
        return { ...t, observed: null, passed: false, detail: 'no figure in any window (nothing was measured)' };
      const passed = compare(w.observed, t.op, t.limit);
      return {
        ...t,
        observed: w.observed,
        passed,
        detail: `worst ${t.windowMs / 1000}s window starts ${new Date(w.at! * 1000).toISOString()}`,
      };
    }
    const v = wholeRun(t, o);
    if (v === null) {
      const why =
        t.metric === 'reconciliation'
          ? 'reconciliation was not checked (no tallies API)'
          : t.metric === 'reconciliation.settle'
            ? noSettle(o)
            : t.tags
              ? `no event carried ${tagText(t)}`
              : t.metric.startsWith('latency.e2e')
                ? 'the endpoint reported no end-to-end latency'
                : 'nothing was measured';
      return { ...t, observed: null, passed: false, detail: why };
    }
    return { ...t, observed: v, passed: compare(v, t.op, t.limit) };
  });
}

/**
 * During a run: the abortOnFail thresholds that already fail. Windowed checks look at the latest
 * full window; latency and error checks at the run so far; the rest wait for the end.
 */
export function liveFailures(thresholds: readonly Threshold[], o: Observed): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const t of thresholds) {
    if (!t.abortOnFail) continue;
    let v: number | null = null;
    if (t.windowMs) v = windowed(t, o, true).observed;
    else if (t.metric.startsWith('latency.') || t.metric.startsWith('errors.')) v = wholeRun(t, o);
    if (v !== null && !compare(v, t.op, t.limit))
      out.push({
        ...t,
        observed: v,
        passed: false,
        detail: t.windowMs ? 'failed in the latest window: run aborted' : 'failed during the run: run aborted',
      });
  }
  return out;
}

const tagText = (t: Threshold) =>
  `{${Object.entries(t.tags ?? {})
    .map(([k, v]) => `${k}:${v}`)
    .join(',')}}`;
