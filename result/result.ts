/**
 * The run result: one plain JSON document (report.json), versioned. docs/report.md is its
 * contract. Reports (reports/) only render it; agent/merge.ts combines several exactly.
 */
import type { TransportKind } from '../transport/kinds/kinds.js';
import type { Connectivity } from './connectivity.js';
import type { Coverage } from './coverage.js';
import type { FaultReport } from './fault-report.js';
import type { DifferenceStartRow } from './fault-window.js';
import type { LifecycleDuration, FlowLink } from '../drive/lifecycle-metrics.js';
import type { FailureReason } from '../drive/failure-reasons.js';
import type { HistogramSummary, TimelinePoint } from '../drive/metrics.js';
import type { Reconciliation } from '../reconcile/reconcile.js';
import type { ThresholdResult } from './thresholds.js';
import type { TagRow } from './tag-figures.js';

export const RESULT_SCHEMA = 'fleetsim.result/1';

export type Verdict = 'passed' | 'thresholds failed' | 'reconciliation mismatch' | 'gave up';

export interface RunResult {
  schema: typeof RESULT_SCHEMA;
  /** True when every check passed: reconciliation (where checked) and every threshold. */
  passed: boolean;
  verdict: Verdict;
  /** 0 passed, 1 thresholds failed, 2 reconciliation mismatch, 4 the simulator gave up on events. */
  exitCode: 0 | 1 | 2 | 4;
  scenario: { name: string; file: string; description?: string };
  seed: number | string;
  transport: TransportKind;
  /** `file`: the target description the run was given (--target-file), as given; fleetsim reconcile reads it again. */
  target: { kind: 'embedded' | 'external'; url: string; file?: string };
  /** The run's id, when it ran against a target description (its namespace suffix; docs/targets.md). */
  runId?: string;
  /** The run's device ids carried its run id on the wire (a run namespace): it counts only its own. */
  namespaced?: boolean;
  timeScale: number | 'asap';
  startedAt: string;
  finishedAt: string;
  /** Wall time from the first event sent to the last one settled, ms. */
  durationMs: number;
  /** The same as epoch ms, so merged results know their overall span. 0 when nothing was sent. */
  window: { firstSendAt: number; lastSettledAt: number };
  /** How many results this one combines (1 for a single run; see agent/merge.ts). */
  parts: number;
  environment: { node: string; platform: string; arch: string; cpus: number; hostname: string; fleetsim: string };
  devices: { total: number; byPlatform: Record<string, number>; installations: number };
  /**
   * `gaveUp`: of the failed, those given up with no answer (retries spent, or the run gave up);
   * absent in results written before it was counted.
   */
  events: {
    offered: number;
    sent: number;
    acked: number;
    failed: number;
    gaveUp?: number;
    retried: number;
    lastError?: string;
    /** Why events failed, by kind, most common first (drive/failure-reasons.ts); absent when none failed. */
    failureReasons?: FailureReason[];
  };
  /** Present when the simulator gave up on events: how many and why (the give-up rule, docs/report.md). */
  gaveUp?: { events: number; reason: string };
  /** Worker processes that died before their result, and the devices they had: the figures are the others'. */
  lostWorkers?: { workers: string[]; devices: number };
  /** With network faults, the events sent that the endpoint's history lacks (run/lost-events.ts). */
  lostEvents?: LostEvents;
  /** With faults and device differences: where each listed difference began, judged by the part
   * that sent it against its fault windows (result/fault-window.ts); what `fleetsim merge` and the
   * parent of --workers make the "only in this fault's window" notes from. */
  differenceStarts?: DifferenceStartRow[];
  /** Present when devices lost their link to the target: reconnects, and each outage (result/connectivity.ts). */
  connectivity?: Connectivity;
  throughput: { eventsPerSec: number; peakPerSec: number };
  latency: {
    /** Send to transport acknowledgement (MQTT PUBACK / PUBCOMP, HTTP response). */
    ack: HistogramSummary;
    /** Event created (wallTs) to counted by the endpoint; null when the endpoint does not report it. */
    endToEnd: HistogramSummary | null;
    /** Where endToEnd came from, or why it is missing. */
    endToEndSource: string;
  };
  lifecycle: { durations: LifecycleDuration[]; flows: FlowLink[] };
  /** One point per wall second (epoch second `t`). */
  timeline: { intervalMs: 1000; points: TimelinePoint[] };
  reconciliation: Reconciliation;
  thresholds: ThresholdResult[];
  /** The shard this result covers (`--shard i/N`, index from 0); absent for a whole run. */
  shard?: { index: number; count: number };
  /** Present when the run stopped early: an abortOnFail threshold, a signal (Ctrl-C, SIGTERM) or --duration. */
  aborted?: { at: string; reason: string; by?: 'threshold' | 'signal' | 'duration' };
  /** Lifecycle coverage per platform: catalogue states and model transitions visited, and never. */
  coverage?: Coverage;
  /** Per scenario fault, in order: what it injected and whether the tallies stayed exact (docs/faults.md). */
  faults?: FaultReport[];
  /** Events and ack latency per (cohort, app), which also fixes the platform: the per-platform,
   * per-app and per-cohort figures and tagged thresholds are sums of these rows. Absent in
   * results written before tags. */
  tags?: TagRow[];
}

/**
 * The verdict from the checks. Events the simulator gave up on outrank everything: the endpoint
 * never answered them, so their missing counts are no verdict on it. Then a reconciliation
 * mismatch outranks failed thresholds.
 */
export function verdictOf(
  reconciliation: Pick<Reconciliation, 'checked' | 'match'>,
  thresholds: readonly Pick<ThresholdResult, 'passed'>[],
  gaveUp = 0,
): { passed: boolean; verdict: Verdict; exitCode: 0 | 1 | 2 | 4 } {
  if (gaveUp > 0) return { passed: false, verdict: 'gave up', exitCode: 4 };
  if (reconciliation.checked && !reconciliation.match)
    return { passed: false, verdict: 'reconciliation mismatch', exitCode: 2 };
  if (thresholds.some((t) => !t.passed)) return { passed: false, verdict: 'thresholds failed', exitCode: 1 };
  return { passed: true, verdict: 'passed', exitCode: 0 };
}

/** The give-up in words, for every rendering: what happened, and what it means for the tallies. */
export function gaveUpSentence(r: Pick<RunResult, 'gaveUp'>): string | undefined {
  if (!r.gaveUp) return undefined;
  const n = r.gaveUp.events.toLocaleString('en-US');
  const what = r.gaveUp.events ? `${n} event${r.gaveUp.events === 1 ? '' : 's'}` : 'part of the run';
  return `The simulator gave up on ${what}: ${r.gaveUp.reason}. The endpoint never answered all of it, so the reconciliation below is no verdict on its counting.`;
}

/** One event the run sent that the endpoint never took in. */
export interface LostEvent {
  deviceId: string;
  appId: string;
  seq: number;
  status: string;
  state: string;
  /** Absent for 0 (before any factory reset). */
  enrolment?: number;
  /** The event's simulated time (ISO 8601). */
  simTs: string;
  /** When it was handed to the transport, ms from the drive's start (the network faults' clock). */
  sentAtMs: number;
  /** The faults whose window (and devices) it was sent in. */
  faults?: string[];
}

export interface LostEvents {
  /** (device, app) pairs whose history was read and compared. */
  pairsChecked: number;
  /** Pairs not compared (past the read bound, or longer than the endpoint's history). */
  pairsNotChecked: number;
  /** Events missing, all of them; `events` lists the first LOST_LISTED. */
  lost: number;
  events: LostEvent[];
  /** Why the check is partial or was not made. */
  reason?: string;
}
