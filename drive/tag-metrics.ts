/**
 * Figures per tag combination, as k6 tags its samples: one row per (cohort, app), which also fixes
 * the platform. Events are counted into flat arrays by a combination index that each installation
 * finds once (then a typed-array read per event); ack latencies reach a per-combination histogram
 * in RunMetrics' bulk flush. Platform, app and cohort views are sums of rows
 * (result/tag-figures.ts), so they merge exactly across workers and shards.
 */
import type { Installation } from '../agent/sim/installs.js';
import { type Histogram, newLatencyHistogram } from './histograms.js';

/** What an event is tagged with. */
export interface Tags {
  platform: string;
  app: string;
  cohort: string;
}

export const TAG_KEYS = ['platform', 'app', 'cohort'] as const;
export type TagKey = (typeof TAG_KEYS)[number];

export class TagCounters {
  readonly rows: Tags[] = [];
  readonly offered: number[] = [];
  readonly sent: number[] = [];
  readonly acked: number[] = [];
  readonly failed: number[] = [];
  /** Sent and not yet settled, per row (so a stopped run fails its in-flight events in their rows). */
  readonly live: number[] = [];
  readonly ack: Histogram[] = [];
  private readonly index = new Map<string, number>();
  /** Installation id -> row + 1 (0: not looked up yet). */
  private byInstall = new Int32Array(1024);

  /** The row of an installation's events. */
  rowOf(inst: Installation): number {
    const id = inst.id;
    if (id >= this.byInstall.length) {
      const grown = new Int32Array(Math.max(id + 1, this.byInstall.length * 2));
      grown.set(this.byInstall);
      this.byInstall = grown;
    }
    const cached = this.byInstall[id]!;
    if (cached > 0) return cached - 1;
    const row = this.rowFor(inst.device.platform, inst.app.id, inst.device.cohort);
    this.byInstall[id] = row + 1;
    return row;
  }

  private rowFor(platform: string, app: string, cohort: string): number {
    const key = `${cohort}\u0000${app}`;
    let row = this.index.get(key);
    if (row === undefined) {
      row = this.rows.length;
      this.index.set(key, row);
      this.rows.push({ platform, app, cohort });
      this.offered.push(0);
      this.sent.push(0);
      this.acked.push(0);
      this.failed.push(0);
      this.live.push(0);
      this.ack.push(newLatencyHistogram());
    }
    return row;
  }
}
