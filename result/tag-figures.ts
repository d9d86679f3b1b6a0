/**
 * A result's figures per tag (platform, app, cohort), as k6 reports per-tag metrics: rows per
 * (cohort, app) as the drive counted them (drive/tag-metrics.ts), summed per value of a tag for
 * the reports, selected by a threshold's tags (`latency.ack.p99{platform:ios}`), and merged row
 * by row across workers and shards (counters add, histograms add bucket by bucket). Pure.
 */
import type { TagFilter, TagKey } from '../agent/scenario/thresholds.js';
import {
  decodeHistogram,
  type Histogram,
  type HistogramSummary,
  newLatencyHistogram,
  summarise,
} from '../drive/metrics.js';
import type { Tags, TagCounters } from '../drive/tag-metrics.js';

export interface TagEvents {
  offered: number;
  sent: number;
  acked: number;
  failed: number;
}

/** One (cohort, app) row of a result. */
export interface TagRow extends Tags {
  events: TagEvents;
  /** Send to acknowledgement of this row's events. */
  ack: HistogramSummary;
}

/** Figures summed over the rows a filter selects. */
export interface Tagged {
  events: TagEvents;
  ack: Histogram;
}

/** Looks up the figures of the events carrying every tag of a filter; undefined when none does. */
export type TaggedLookup = (filter: TagFilter) => Tagged | undefined;

const byCohortApp = (a: Tags, b: Tags) => a.cohort.localeCompare(b.cohort) || a.app.localeCompare(b.app);
const matches = (row: Tags, filter: TagFilter) => Object.entries(filter).every(([k, v]) => row[k as TagKey] === v);

/** The result's rows from the drive's counters. */
export function tagRowsOf(t: TagCounters): TagRow[] {
  return t.rows
    .map((tags, i) => ({
      ...tags,
      events: { offered: t.offered[i]!, sent: t.sent[i]!, acked: t.acked[i]!, failed: t.failed[i]! },
      ack: summarise(t.ack[i]!),
    }))
    .sort(byCohortApp);
}

/** Lookup over the live counters (abortOnFail thresholds during a run). */
export function liveTagged(t: TagCounters): TaggedLookup {
  return (filter) => {
    let out: Tagged | undefined;
    t.rows.forEach((row, i) => {
      if (!matches(row, filter)) return;
      out ??= { events: { offered: 0, sent: 0, acked: 0, failed: 0 }, ack: newLatencyHistogram() };
      out.events.offered += t.offered[i]!;
      out.events.sent += t.sent[i]!;
      out.events.acked += t.acked[i]!;
      out.events.failed += t.failed[i]!;
      out.ack.add(t.ack[i]!);
    });
    return out;
  };
}

function addRow(into: Tagged, row: TagRow): void {
  into.events.offered += row.events.offered;
  into.events.sent += row.events.sent;
  into.events.acked += row.events.acked;
  into.events.failed += row.events.failed;
  if (row.ack.count > 0) into.ack.add(decodeHistogram(row.ack.hdr));
}

/** Lookup over a result's rows. */
export function rowsTagged(rows: readonly TagRow[]): TaggedLookup {
  return (filter) => {
    let out: Tagged | undefined;
    for (const row of rows) {
      if (!matches(row, filter)) continue;
      out ??= { events: { offered: 0, sent: 0, acked: 0, failed: 0 }, ack: newLatencyHistogram() };
      addRow(out, row);
    }
    return out;
  };
}

/** One value of a tag, its rows summed: what the reports show per platform, app or cohort. */
export interface TagValueFigures {
  value: string;
  events: TagEvents;
  /** failed / (acked + failed); 0 when nothing settled. */
  errorRate: number;
  ack: HistogramSummary;
}

export function tagView(rows: readonly TagRow[], key: TagKey): TagValueFigures[] {
  const values = [...new Set(rows.map((r) => r[key]))].sort();
  const lookup = rowsTagged(rows);
  return values.map((value) => {
    const t = lookup({ [key]: value })!;
    const settled = t.events.acked + t.events.failed;
    return { value, events: t.events, errorRate: settled ? t.events.failed / settled : 0, ack: summarise(t.ack) };
  });
}

/** Rows of several results added by (cohort, app); undefined when no part had rows (older results). */
export function mergeTagRows(parts: readonly (readonly TagRow[] | undefined)[]): TagRow[] | undefined {
  if (parts.every((p) => p === undefined)) return undefined;
  const sums = new Map<string, { tags: Tags; t: Tagged }>();
  for (const rows of parts)
    for (const row of rows ?? []) {
      const key = `${row.cohort}\u0000${row.app}`;
      let e = sums.get(key);
      if (!e)
        sums.set(
          key,
          (e = {
            tags: { platform: row.platform, app: row.app, cohort: row.cohort },
            t: { events: { offered: 0, sent: 0, acked: 0, failed: 0 }, ack: newLatencyHistogram() },
          }),
        );
      addRow(e.t, row);
    }
  return [...sums.values()]
    .map(({ tags, t }) => ({ ...tags, events: t.events, ack: summarise(t.ack) }))
    .sort(byCohortApp);
}
