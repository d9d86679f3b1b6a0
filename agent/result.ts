/**
 * The run result: one plain JSON document (report.json), versioned. docs/report.md is its
 * contract. Reports (reports/) only render it; `fleetsim merge` combines several exactly.
 */
import type { Coverage } from './coverage.js';
import type { LatencySummary } from './metrics.js';
import type { Reconciliation } from './reconcile.js';

export const RESULT_SCHEMA = 'fleetsim.result/1';

export interface RunResult {
  schema: typeof RESULT_SCHEMA;
  /** True when every check passed: reconciliation matched (and thresholds, where set). */
  passed: boolean;
  scenario: { name: string; file: string; description?: string };
  seed: number | string;
  transport: 'mqtt' | 'http';
  target: { kind: 'embedded' | 'external'; url: string };
  timeScale: number | 'asap';
  startedAt: string;
  finishedAt: string;
  /** Wall time from the first event sent to the last one settled, ms. */
  durationMs: number;
  environment: { node: string; platform: string; arch: string; cpus: number; hostname: string; fleetsim: string };
  devices: { total: number; byPlatform: Record<string, number>; installations: number };
  events: { offered: number; sent: number; acked: number; failed: number };
  throughput: { eventsPerSec: number };
  latency: { ack: LatencySummary };
  reconciliation: Reconciliation;
  /** Lifecycle coverage per platform: catalogue states and model transitions visited, and never. */
  coverage?: Coverage;
}
