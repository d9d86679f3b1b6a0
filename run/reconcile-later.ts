/**
 * Reconciles a finished run again, later: its report.json carries the expected tallies per app
 * and its run id, so the target's counts can be read once more (a pipeline that lagged past the
 * settle timeout, a run that was sent only). The target is found as `run` found it: --target-file,
 * else the description the run was given (report.json's target.file), else the scenario's own
 * `target:` section, else the report's URL; its tally source reads the
 * counts (a fleetsim tallies API with --tallies-url when the description names none). Where the
 * source lists devices, the run's ground truth is simulated again from its scenario and seed and
 * checked device by device, as the live run did. The checks that depend on the counts
 * (reconciliation thresholds) are judged again, the others keep their verdicts.
 */
import { existsSync } from 'node:fs';
import { loadScenario } from '../agent/scenario/load.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { TallySourceConfig } from '../endpoint-client/tally-sources.js';
import type { Platform } from '../protocol/catalogue/catalogue.js';
import { UsageError } from '../protocol/errors.js';
import type { Reconciliation } from '../reconcile/reconcile.js';
import { verdictOf, type RunResult } from '../result/result.js';
import { checkThresholds } from '../result/thresholds.js';
import { talliesAtTarget, type TransportKind } from '../transport/kinds/kinds.js';
import { groundTruthAgain, scenarioFileOf } from './ground-truth-again.js';
import { readThroughTarget, type BaselineInput } from './read-target.js';
import { resolveReportTarget, type RunTarget } from './run-target.js';

export interface ReconcileLaterOptions {
  targetFile?: string | undefined;
  /** A fleetsim tallies API (fleetsim serve's HTTP origin). */
  talliesUrl?: string | undefined;
  /** @default the report's run id */
  runId?: string | undefined;
  /** The run's scenario file. @default the report's scenario.file */
  scenarioFile?: string | undefined;
  /** Read until consistent for at most this long. @default one read */
  settleMs?: number | undefined;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
}

/** The run's scenario, where it can still be read (for its `target:` and its ground truth). */
export function scenarioOfReport(
  result: RunResult,
  opts: Pick<ReconcileLaterOptions, 'scenarioFile'>,
): { scenario: Scenario; file: string } | { reason: string } {
  const file = scenarioFileOf(result, opts.scenarioFile);
  if (!file) {
    if (opts.scenarioFile) throw new UsageError(`--scenario ${opts.scenarioFile}: no such file.`);
    return {
      reason: `the run's scenario ${result.scenario.file} is not there to simulate its ground truth again (give --scenario)`,
    };
  }
  try {
    return { scenario: loadScenario(file), file };
  } catch (err) {
    if (opts.scenarioFile) throw err;
    return { reason: `the run's scenario ${file} no longer loads (${(err as Error).message})` };
  }
}

/** The run's target, with the tally source to read: a description, a tallies URL, or the report's HTTP target. */
export function targetOfReport(result: RunResult, opts: ReconcileLaterOptions, scenario?: Scenario): RunTarget {
  const platforms = Object.keys(result.devices.byPlatform) as Platform[];
  const runId = opts.runId ?? result.runId;
  const described = opts.targetFile !== undefined || scenario?.target !== undefined;
  const rt = resolveReportTarget(
    platforms,
    {
      ...(opts.targetFile ? { targetFile: opts.targetFile } : described ? {} : { target: result.target.url }),
      ...(runId ? { runId } : {}),
      ...(result.namespaced ? { namespace: true } : {}),
      // as in run: the fleetsim API of --tallies-url where the description names no tally source
      ...(opts.talliesUrl && described ? { talliesUrl: opts.talliesUrl } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    },
    opts.targetFile ? undefined : scenario,
  );
  if (!described) {
    const url = opts.talliesUrl ?? talliesAtTarget(result.transport as TransportKind, new URL(result.target.url));
    if (!url || (result.target.kind === 'embedded' && !opts.talliesUrl)) {
      throw new UsageError(
        `${result.target.kind === 'embedded' ? 'the run sent to its embedded endpoint, which is gone' : `the run sent to ${result.target.url}, which has no tallies API`}: give --target-file (a description with its tally source) or --tallies-url http://host:port of a fleetsim serve.`,
      );
    }
    rt.tallies = { source: 'fleetsim', url } satisfies TallySourceConfig;
  }
  if (rt.tallies.source === 'none')
    throw new UsageError(
      `${opts.targetFile ?? `the target: of ${result.scenario.file}`} reads no counts back (tallies: { source: none }): give --tallies-url http://host:port of a fleetsim serve, or --target-file with a description whose tally source reads the counts.`,
    );
  rt.settle = { timeoutMs: opts.settleMs ?? 0, intervalMs: Math.min(rt.settle.intervalMs, 1000) };
  return rt;
}

/** A baseline run's comparison again: after (now) - before (kept in the report) against the change. */
function baselineAgain(result: RunResult): BaselineInput | undefined {
  const b = result.reconciliation.baseline;
  if (!b?.before) return undefined;
  const { before, unmappedChange, unmappedLeftOut: _l, ...report } = b;
  return {
    before,
    change: result.reconciliation.apps.map((a) => a.expected),
    unmappedChange: unmappedChange ?? [],
    report,
  };
}

/** The reconciliation through the target, and the checks that depend on it, judged again. */
export async function reconcileLater(result: RunResult, opts: ReconcileLaterOptions): Promise<RunResult> {
  const clock = opts.clock ?? systemClock;
  const expected = result.reconciliation.apps.map((a) => a.expected);
  if (!expected.length)
    throw new UsageError(
      'the report holds no expected tallies (reconciliation.apps is empty): it was written before fleetsim kept them; run again.',
    );
  if (result.reconciliation.baseline && !result.reconciliation.baseline.before)
    throw new UsageError(
      'the run was reconciled against a baseline, and its report does not keep the counts read before it (written by an older fleetsim): run again.',
    );
  // the description the run was given, where it is still there (--target-file replaces it)
  if (!opts.targetFile && result.target.file && existsSync(result.target.file))
    opts = { ...opts, targetFile: result.target.file };
  const found = scenarioOfReport(result, opts);
  const scenario = 'scenario' in found ? found.scenario : undefined;
  const rt = targetOfReport(result, opts, scenario);
  const truth = 'scenario' in found ? groundTruthAgain(result, found.scenario, found.file) : found;
  const baseline = baselineAgain(result);
  const r: Reconciliation = await readThroughTarget(rt, {
    expected,
    appIds: expected.map((e) => e.appId),
    installs: 'installs' in truth ? truth.installs : undefined,
    devicesSkipped: 'reason' in truth ? truth.reason : undefined,
    // re-used devices that sent nothing newer keep the rows they had, which the report did not keep
    leftToTarget: result.reconciliation.baseline?.notNewer || undefined,
    clock,
    // the time to consistency counts from the run's last acknowledgement, however long ago
    lastAckAt: result.window.lastSettledAt || clock.now(),
    // a shard's tallies are the merge's to reconcile (the target counts every shard): its devices alone
    tallies: !result.shard,
    ...(baseline ? { baseline } : {}),
  });
  if (result.shard)
    r.reason = `shard ${result.shard.index + 1}/${result.shard.count}: its devices are checked one by one here; the tallies are reconciled once the shards are merged (fleetsim merge)`;
  const reconciliation = {
    ...r,
    ...(result.reconciliation.heldBefore !== undefined ? { heldBefore: result.reconciliation.heldBefore } : {}),
    reconciledAt: new Date(clock.now()).toISOString(),
  };
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
