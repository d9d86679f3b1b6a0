/**
 * `fleetsim reconcile <report.json>`: reads the target's counts again for a finished run and
 * reconciles them with the expected tallies its report carries (a pipeline that lagged past the
 * settle timeout, a run sent only). Writes the reconciled report and its renderings next to the
 * original (or in --out) and exits as run does: 0 pass, 1 threshold, 2 mismatch, 3 bad input, and 4
 * when the counts could not be read.
 */
import { dirname, join } from 'node:path';
import { parseDuration } from '../core/delay.js';
import { UsageError } from '../protocol/errors.js';
import { ansi, plain, renderSummary } from '../reports/summary.js';
import { reconcileLater } from '../run/reconcile-later.js';
import { readResult } from './merge-command.js';
import { writeReports } from './write-reports.js';

export interface ReconcileArgs {
  report: string;
  targetFile?: string | undefined;
  talliesUrl?: string | undefined;
  runId?: string | undefined;
  scenario?: string | undefined;
  settle?: string | undefined;
  out?: string | undefined;
}

export async function reconcileCommand(a: ReconcileArgs): Promise<number> {
  const { result: before, file } = readResult(a.report);
  const settleMs = a.settle === undefined ? undefined : parseDuration(a.settle);
  if (settleMs === undefined && a.settle !== undefined)
    throw new UsageError(`--settle ${a.settle} is not a duration; give one such as 30s or 2m.`);
  const result = await reconcileLater(before, {
    targetFile: a.targetFile,
    talliesUrl: a.talliesUrl,
    runId: a.runId,
    scenarioFile: a.scenario,
    settleMs,
  });
  const dir = a.out ?? join(dirname(file), 'reconciled');
  const written = writeReports(dir, result);
  process.stdout.write(`${renderSummary(result, process.stdout.isTTY ? ansi : plain)}\n`);
  process.stdout.write(`\nreconciled again at ${result.reconciliation.reconciledAt}; report: ${written.json}\n`);
  // reading the counts again is the whole point: counts that cannot be read are no pass
  const devices = result.reconciliation.devices;
  if (result.shard && devices?.checked) return devices.differing > 0 ? 2 : result.exitCode;
  if (!result.reconciliation.checked) {
    process.stderr.write(`fleetsim: the counts could not be read: ${result.reconciliation.reason}\n`);
    return 4;
  }
  return result.exitCode;
}
