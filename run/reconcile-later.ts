/**
 * Reconciles a finished run again, later: its report.json carries the expected tallies per app
 * and its run id, so the target's counts can be read once more (a pipeline that lagged past the
 * settle timeout, a run that was sent only). The counts come through a target description's tally
 * source, or a fleetsim tallies API; the checks that depend on them (reconciliation thresholds)
 * are judged again, the others keep their verdicts.
 */
import { systemClock, type Clock } from '../core/clock.js';
import type { TallySourceConfig } from '../endpoint-client/tally-sources.js';
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { UsageError } from '../protocol/errors.js';
import type { Reconciliation } from '../reconcile/reconcile.js';
import { verdictOf, type RunResult } from '../result/result.js';
import { checkThresholds } from '../result/thresholds.js';
import { talliesAtTarget, type TransportKind } from '../transport/kinds/kinds.js';
import { readThroughTarget } from './read-target.js';
import { resolveReportTarget, type RunTarget } from './run-target.js';

export interface ReconcileLaterOptions {
  targetFile?: string | undefined;
  /** A fleetsim tallies API (fleetsim serve's HTTP origin). */
  talliesUrl?: string | undefined;
  /** @default the report's run id */
  runId?: string | undefined;
  /** Read until consistent for at most this long. @default one read */
  settleMs?: number | undefined;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
}

/** The run's target, with the tally source to read: a description, a tallies URL, or the report's HTTP target. */
export function targetOfReport(result: RunResult, opts: ReconcileLaterOptions): RunTarget {
  const platforms = Object.keys(result.devices.byPlatform) as Platform[];
  const runId = opts.runId ?? result.runId;
  const rt = resolveReportTarget(platforms, {
    ...(opts.targetFile ? { targetFile: opts.targetFile } : { target: result.target.url }),
    ...(runId ? { runId } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
  if (opts.talliesUrl) rt.tallies = { source: 'fleetsim', url: opts.talliesUrl } satisfies TallySourceConfig;
  else if (!opts.targetFile) {
    const url = talliesAtTarget(result.transport as TransportKind, new URL(result.target.url));
    if (!url || result.target.kind === 'embedded') {
      throw new UsageError(
        `${result.target.kind === 'embedded' ? 'the run sent to its embedded endpoint, which is gone' : `the run sent to ${result.target.url}, which has no tallies API`}: give --target-file (a description with its tally source) or --tallies-url http://host:port of a fleetsim serve.`,
      );
    }
    rt.tallies = { source: 'fleetsim', url };
  }
  rt.settle = { timeoutMs: opts.settleMs ?? 0, intervalMs: Math.min(rt.settle.intervalMs, 1000) };
  return rt;
}

/** The reconciliation through the target, and the checks that depend on it, judged again. */
export async function reconcileLater(result: RunResult, opts: ReconcileLaterOptions): Promise<RunResult> {
  const clock = opts.clock ?? systemClock;
  const rt = targetOfReport(result, opts);
  const expected = result.reconciliation.apps.map((a) => a.expected);
  if (!expected.length)
    throw new UsageError(
      'the report holds no expected tallies (reconciliation.apps is empty): it was written before fleetsim kept them; run again.',
    );
  const r: Reconciliation = await readThroughTarget(rt, {
    expected,
    appIds: expected.map((e) => e.appId),
    installs: undefined,
    clock,
    // the time to consistency counts from the run's last acknowledgement, however long ago
    lastAckAt: result.window.lastSettledAt || clock.now(),
    tallies: true,
  });
  const reconciliation = { ...r, reconciledAt: new Date(clock.now()).toISOString() };
  const thresholds = result.thresholds.map((t) => {
    if (!t.metric.startsWith('reconciliation')) return t;
    const { observed: _o, passed: _p, detail: _d, ...def } = t;
    return checkThresholds([def], {
      events: result.events,
      durationMs: result.durationMs,
      points: [],
      reconciliation,
    })[0]!;
  });
  const runId = opts.runId ?? result.runId;
  return {
    ...result,
    ...verdictOf(reconciliation, thresholds),
    reconciliation,
    thresholds,
    ...(runId ? { runId } : {}),
  };
}
