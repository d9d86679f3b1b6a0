/**
 * The per-tag table every rendering shows (terminal, summary.md, report.html): events, errors and
 * ack latency per platform, per app and per cohort, from the result's (cohort, app) rows. Pure;
 * each renderer draws the same cells in its own table.
 */
import type { TagKey } from '../agent/scenario/thresholds.js';
import type { RunResult } from '../result/result.js';
import { tagView } from '../result/tag-figures.js';

const fmt = (n: number) => n.toLocaleString('en-US');
const pct = (x: number) => `${Math.round(x * 10_000) / 100}%`;

export const BY_TAG_HEAD = ['tag', 'offered', 'sent', 'acked', 'failed', 'errors', 'ack p50 ms', 'ack p99 ms'];
/** Columns holding numbers (right-aligned). */
export const BY_TAG_NUMERIC = [1, 2, 3, 4, 5, 6, 7];

const KEYS: readonly TagKey[] = ['platform', 'app', 'cohort'];

/** One row per tag value (`platform:ios`); undefined when the result has no per-tag figures. */
export function byTagRows(r: RunResult): string[][] | undefined {
  const rows = r.tags;
  if (!rows || rows.length === 0) return undefined;
  const out: string[][] = [];
  for (const key of KEYS)
    for (const v of tagView(rows, key))
      out.push([
        `${key}:${v.value}`,
        fmt(v.events.offered),
        fmt(v.events.sent),
        fmt(v.events.acked),
        fmt(v.events.failed),
        pct(v.errorRate),
        v.ack.count ? String(v.ack.p50) : '-',
        v.ack.count ? String(v.ack.p99) : '-',
      ]);
  return out;
}
