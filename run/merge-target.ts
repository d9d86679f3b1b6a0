/**
 * The workers' parent (and `fleetsim merge --target-file`): the parts' results merged and
 * reconciled once through the target's tally source, read until settled. Each part checked its
 * own devices through the same source. A baseline run compares `after - before` against the
 * change its parts added up, with the counts the parent read before any part sent.
 */
import type { Clock } from '../core/clock.js';
import { isFleetsimError } from '../protocol/errors.js';
import { reconcileMapped } from '../reconcile/labels.js';
import type { Reconciliation } from '../reconcile/reconcile.js';
import { mergeResults } from '../result/merge.js';
import type { RunResult } from '../result/result.js';
import { baselineOfParts, judgeBaseline } from './read-baseline.js';
import type { HeldBefore } from './read-before.js';
import { type CountsReading, inverseOf, openTallySource, readContext, settleCounts } from './tally-read.js';
import { redact } from './target-shown.js';
import { SENT_ONLY, unchecked, uncheckedBaseline } from './unchecked.js';
import type { RunTarget } from './run-target.js';

export async function mergeThroughTarget(
  rt: RunTarget,
  parts: RunResult[],
  clock: Clock,
  before?: HeldBefore,
): Promise<RunResult> {
  // an empty reading makes the merge add up the parts' expected tallies (a baseline's: changes)
  const base = mergeResults(parts, { sharedTarget: true, tallies: { kind: 'counted', tallies: [] } });
  const expected = base.reconciliation.apps.map((a) => a.expected);
  const appIds = expected.map((e) => e.appId);
  const lastAckAt = Math.max(0, ...parts.map((p) => p.window.lastSettledAt));
  const baseline = rt.baseline && before?.counts ? baselineOfParts(parts, expected, before) : undefined;
  const finish = (reconciliation: Reconciliation) =>
    mergeResults(parts, {
      sharedTarget: true,
      tallies: {
        kind: 'reconciled',
        reconciliation:
          baseline && !reconciliation.baseline
            ? uncheckedBaseline(baseline, reconciliation.reason ?? 'not reconciled', reconciliation.source)
            : reconciliation,
      },
    });
  if (rt.tallies.source === 'none') return finish(unchecked(expected, SENT_ONLY));
  let source;
  try {
    source = openTallySource(rt);
  } catch (err) {
    return finish(unchecked(expected, redact((err as Error).message, rt.secrets)));
  }
  try {
    const inverse = inverseOf(rt, source);
    const judge = (c: CountsReading) =>
      baseline ? judgeBaseline(baseline, c, appIds, inverse) : reconcileMapped(expected, c, inverse);
    const { reading, settle: report } = await settleCounts(
      rt,
      source,
      readContext(rt, appIds),
      clock,
      lastAckAt,
      (c) => judge(c).match,
    );
    const r = judge(reading);
    const empty = !r.match && source.emptyNote?.();
    return finish({
      ...r,
      settle: report,
      source: source.describe,
      ...(empty ? { sourceNote: redact(empty, rt.secrets) } : {}),
    });
  } catch (err) {
    const why = isFleetsimError(err) ? err.message : `the tally source failed: ${(err as Error).message}`;
    return finish(unchecked(expected, redact(why, rt.secrets), source.describe));
  } finally {
    await source.close().catch(() => undefined);
  }
}
