/**
 * Thresholds, in the spirit of k6: a scenario lists checks that turn a run into pass or fail.
 *
 *   thresholds:
 *     - latency.ack.p99 < 250ms
 *     - latency.ack.p99 over 10s < 500ms          # every 10 s sliding window of the run
 *     - throughput.eventsPerSec > 2000
 *     - errors.rate < 0.1%
 *     - { check: "errors.count over 5s < 50", abortOnFail: true }
 *     - reconciliation: exact
 *     - reconciliation.settle < 5s                 # a target's counts matched within 5 s of the last ack
 *     - latency.ack.p99{platform:ios} < 200ms          # only the events tagged so (k6's tags)
 *     - errors.rate{app:com.acme.mail,cohort:field} < 1%
 *
 * This file parses them (pure; the scenario schema uses it to report a bad check with its line).
 * threshold-check.ts evaluates them. docs/report.md lists every metric.
 */
import { parseDuration } from '../../core/delay.js';
import { InternalError } from '../../protocol/errors.js';
import { suggest } from './suggest.js';

export type Op = '<' | '<=' | '>' | '>=' | '==' | '!=';
/** What the limit is measured in: ms (latencies), a ratio 0..1, a count, events per second. */
export type ThresholdUnit = 'ms' | 'ratio' | 'count' | 'perSec' | 'exact';

/** A threshold as the scenario file writes it. */
export type ThresholdInput = string | { check: string; abortOnFail?: boolean } | { reconciliation: 'exact' };

/** What every event is tagged with: its device's platform and cohort, and its app. */
export const TAG_KEYS = ['platform', 'app', 'cohort'] as const;
export type TagKey = (typeof TAG_KEYS)[number];
/** A threshold's tags: the events that carry every one of them. */
export type TagFilter = Partial<Record<TagKey, string>>;

export interface Threshold {
  /** The check as written, e.g. "latency.ack.p99 over 10s < 500ms". */
  check: string;
  /** The metric, e.g. "latency.ack.p99". */
  metric: string;
  /** Only the events carrying these tags ("{platform:ios}"); absent for every event. */
  tags?: TagFilter;
  /** Sliding window length in ms; absent for a whole-run check. */
  windowMs?: number;
  op: Op;
  /** The limit in `unit`s (ms, a ratio, a count, events/s; 1 for "exact"). */
  limit: number;
  unit: ThresholdUnit;
  abortOnFail: boolean;
  /** Added by fleetsim, not written in the scenario (errors.count == 0 when no errors check is set). */
  implicit?: boolean;
}

export const LATENCY_KINDS = ['ack', 'e2e'] as const;
const LATENCY_ALIASES: Record<string, 'ack' | 'e2e'> = { ack: 'ack', e2e: 'e2e', endToEnd: 'e2e' };
const EVENT_COUNTERS = ['offered', 'sent', 'acked', 'failed', 'retried'];

/** "p99" -> 99, "p999" -> 99.9, "p99.9" -> 99.9, "p50" -> 50; undefined if not a percentile. */
export function percentileOf(stat: string): number | undefined {
  const m = /^p(\d+(?:\.\d+)?)$/.exec(stat);
  if (!m) return undefined;
  const digits = m[1]!;
  const p =
    digits === '100'
      ? 100
      : digits.includes('.') || digits.length <= 2
        ? Number(digits)
        : Number(`${digits.slice(0, 2)}.${digits.slice(2)}`);
  return p > 0 && p <= 100 ? p : undefined;
}

/** Whole metric names, for "did you mean" (latency ones with their usual statistics). */
const METRIC_NAMES = [
  'throughput.eventsPerSec',
  'errors.rate',
  'errors.count',
  ...EVENT_COUNTERS.map((c) => `events.${c}`),
  ...LATENCY_KINDS.flatMap((k) =>
    ['min', 'mean', 'max', 'p50', 'p90', 'p95', 'p99', 'p999'].map((s) => `latency.${k}.${s}`),
  ),
  'reconciliation',
  'reconciliation.settle',
];

const METRIC_HELP =
  'latency.ack.<stat>, latency.e2e.<stat> (stat: min, mean, max, p50, p90, p95, p99, p999...), throughput.eventsPerSec, errors.rate, errors.count, events.<offered|sent|acked|failed|retried>, reconciliation, reconciliation.settle';

function metricUnit(metric: string): { unit: ThresholdUnit; windowable: boolean } | string {
  const parts = metric.split('.');
  if (parts[0] === 'latency') {
    const kind = LATENCY_ALIASES[parts[1] ?? ''];
    const stat = parts.slice(2).join('.');
    if (!kind || parts.length < 3)
      return `unknown metric "${metric}"; latency metrics are latency.ack.<stat> and latency.e2e.<stat>`;
    if (!['min', 'mean', 'max'].includes(stat) && percentileOf(stat) === undefined)
      return `unknown statistic "${stat}" in "${metric}"; expected min, mean, max or a percentile such as p50, p99, p999`;
    return { unit: 'ms', windowable: kind === 'ack' };
  }
  if (metric === 'throughput.eventsPerSec') return { unit: 'perSec', windowable: true };
  // time to consistency: last acknowledgement -> the tally read that matched (docs/targets.md)
  if (metric === 'reconciliation.settle') return { unit: 'ms', windowable: false };
  if (metric === 'errors.rate') return { unit: 'ratio', windowable: true };
  if (metric === 'errors.count') return { unit: 'count', windowable: true };
  if (parts[0] === 'events' && parts.length === 2 && EVENT_COUNTERS.includes(parts[1]!))
    return { unit: 'count', windowable: false };
  return `unknown metric "${metric}"${suggest(metric, METRIC_NAMES)}; expected one of ${METRIC_HELP}`;
}

function parseLimit(text: string, unit: ThresholdUnit, metric: string): number | string {
  const m = /^(-?\d+(?:\.\d+)?)\s*(us|µs|ms|s|m|%|\/s)?$/.exec(text.trim());
  if (!m) return `"${text}" is not a limit for ${metric}; ${limitHint(unit)}`;
  const n = Number(m[1]);
  const suffix = m[2];
  if (unit === 'ms') {
    const scale: Record<string, number> = { us: 0.001, µs: 0.001, ms: 1, s: 1000, m: 60_000 };
    if (suffix === undefined) return n;
    if (suffix in scale) return n * scale[suffix]!;
  } else if (unit === 'ratio') {
    if (suffix === '%') return n / 100;
    if (suffix === undefined) return n;
  } else if (unit === 'perSec') {
    if (suffix === undefined || suffix === '/s') return n;
  } else if (unit === 'count') {
    if (suffix === undefined) return n;
  }
  return `"${text}" is not a limit for ${metric}; ${limitHint(unit)}`;
}

function limitHint(unit: ThresholdUnit): string {
  if (unit === 'ms') return 'expected a duration such as 250ms, 1.5s or 800us';
  if (unit === 'ratio') return 'expected a percentage such as 0.1% or a fraction such as 0.001';
  if (unit === 'perSec') return 'expected events per second such as 2000 or 2000/s';
  return 'expected a number';
}

const SHAPE = /^\s*([A-Za-z][\w.]*)\s*(?:\{([^}]*)\}\s*)?(?:over\s+(\S+)\s*)?(<=|>=|==|!=|<|>)\s*(.+?)\s*$/;

/** Metrics counted per tag: ack latency, errors, event counters but retried, throughput. */
function taggable(metric: string): boolean {
  if (metric.startsWith('latency.')) return LATENCY_ALIASES[metric.split('.')[1] ?? ''] === 'ack';
  return !['events.retried', 'reconciliation'].includes(metric);
}

/** "platform:ios, app:com.x" -> { platform: "ios", app: "com.x" }, or what is wrong with it. */
export function parseTags(text: string, metric: string): TagFilter | string {
  const out: TagFilter = {};
  const pairs = text.split(',').map((p) => p.trim());
  for (const pair of pairs) {
    const m = /^([A-Za-z]+)\s*:\s*(?:"([^"]+)"|'([^']+)'|([^\s"']+))$/.exec(pair);
    if (!m)
      return `tag "${pair}" in "${metric}{${text}}" is not key:value; expected e.g. {platform:ios} or {app:com.acme.mail,cohort:field}`;
    const key = m[1]!;
    if (!(TAG_KEYS as readonly string[]).includes(key))
      return `unknown tag "${key}" in "${metric}{${text}}"${suggest(key, TAG_KEYS)}; events are tagged with ${TAG_KEYS.join(', ')}`;
    if (out[key as TagKey] !== undefined) return `tag "${key}" is given twice in "${metric}{${text}}"`;
    out[key as TagKey] = m[2] ?? m[3] ?? m[4]!;
  }
  return out;
}

/** Parses one threshold as the scenario writes it; returns a message when it cannot be used. */
export function parseThreshold(input: unknown): Threshold | string {
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const o = input as Record<string, unknown>;
    const keys = Object.keys(o);
    if ('reconciliation' in o) {
      if (keys.length !== 1 || o.reconciliation !== 'exact')
        return 'expected "reconciliation: exact" (the only reconciliation check: every tally matches)';
      return {
        check: 'reconciliation: exact',
        metric: 'reconciliation',
        op: '==',
        limit: 1,
        unit: 'exact',
        abortOnFail: false,
      };
    }
    if (
      typeof o.check !== 'string' ||
      keys.some((k) => k !== 'check' && k !== 'abortOnFail') ||
      (o.abortOnFail !== undefined && typeof o.abortOnFail !== 'boolean')
    ) {
      return 'expected a check such as "latency.ack.p99 < 250ms", or { check: "...", abortOnFail: true }, or "reconciliation: exact"';
    }
    const t = parseThreshold(o.check);
    if (typeof t === 'string') return t;
    return { ...t, abortOnFail: o.abortOnFail === true };
  }
  if (typeof input !== 'string')
    return 'expected a check such as "latency.ack.p99 < 250ms", or { check: "...", abortOnFail: true }, or "reconciliation: exact"';
  const text = input.trim();
  if (/^reconciliation\s*(:|==)\s*exact$/.test(text)) return parseThreshold({ reconciliation: 'exact' });
  const m = SHAPE.exec(text);
  if (!m)
    return `"${text}" is not a check; expected "<metric> [over <window>] <op> <limit>", e.g. "latency.ack.p99 < 250ms" or "latency.ack.p99 over 10s < 500ms"`;
  const [, metric, tagText, window, op, limitText] = m as unknown as [
    string,
    string,
    string | undefined,
    string | undefined,
    Op,
    string,
  ];
  const mu = metricUnit(metric);
  if (typeof mu === 'string') return mu;
  const out: Threshold = { check: text, metric, op, limit: 0, unit: mu.unit, abortOnFail: false };
  if (tagText !== undefined) {
    if (!taggable(metric))
      return `"${metric}" is not counted per tag; tags work for latency.ack.*, errors.rate, errors.count, events.offered/sent/acked/failed and throughput.eventsPerSec`;
    if (window !== undefined)
      return `"${metric}{${tagText}}" cannot be checked "over" a window: tagged checks cover the whole run (drop "over ${window}")`;
    const tags = parseTags(tagText, metric);
    if (typeof tags === 'string') return tags;
    out.tags = tags;
  }
  if (window !== undefined) {
    if (!mu.windowable)
      return `"${metric}" has no per-second figures, so it cannot be checked "over" a window; sliding windows work for latency.ack.*, throughput.eventsPerSec, errors.rate and errors.count`;
    const w = parseDuration(window);
    if (w === undefined || w < 1000)
      return `window "${window}" is not a duration of at least 1s, such as "10s" or "1m"`;
    out.windowMs = Math.ceil(w / 1000) * 1000;
  }
  const limit = parseLimit(limitText, mu.unit, metric);
  if (typeof limit === 'string') return limit;
  out.limit = limit;
  return out;
}

/** Parses every threshold of a scenario, adding the implicit "errors.count == 0" when no errors check is set. */
export function thresholdsOf(inputs: readonly unknown[] | undefined): Threshold[] {
  const out: Threshold[] = [];
  for (const i of inputs ?? []) {
    const t = parseThreshold(i);
    if (typeof t === 'string') throw new InternalError(`threshold ${JSON.stringify(i)} was not validated: ${t}`);
    out.push(t);
  }
  if (!out.some((t) => t.metric.startsWith('errors.') || t.metric === 'events.failed')) {
    out.push({
      check: 'errors.count == 0',
      metric: 'errors.count',
      op: '==',
      limit: 0,
      unit: 'count',
      abortOnFail: false,
      implicit: true,
    });
  }
  return out;
}

export function compare(observed: number, op: Op, limit: number): boolean {
  switch (op) {
    case '<':
      return observed < limit;
    case '<=':
      return observed <= limit;
    case '>':
      return observed > limit;
    case '>=':
      return observed >= limit;
    case '==':
      return observed === limit;
    case '!=':
      return observed !== limit;
  }
}
