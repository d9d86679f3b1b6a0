/**
 * Reconciliations that could not be made (no counts read back, a source that failed, a shard
 * waiting for its merge): the expected tallies kept, so that report.json always carries them and
 * `fleetsim reconcile` can judge them later.
 */
import type { AppTallies } from '../protocol/tally.js';
import type { Reconciliation } from '../reconcile/reconcile.js';
import type { BaselineInput } from './read-baseline.js';

/** A reconciliation that could not be made: expected tallies kept, nothing counted. */
export function unchecked(expected: readonly AppTallies[], reason: string, source?: string): Reconciliation {
  return {
    checked: false,
    match: false,
    reason,
    apps: expected.map((e) => ({
      appId: e.appId,
      expected: e,
      counted: { appId: e.appId, total: 0, statuses: {}, platforms: {} },
      match: false,
    })),
    differences: [],
    ...(source ? { source } : {}),
  };
}

/** A baseline run whose counts could not be read after it: its change and the counts before kept,
 * so that `fleetsim reconcile` can judge after - before later. */
export function uncheckedBaseline(b: BaselineInput, reason: string, source?: string): Reconciliation {
  return {
    ...unchecked(b.change, reason, source),
    baseline: {
      ...b.report,
      before: b.before,
      ...(b.unmappedChange.length ? { unmappedChange: b.unmappedChange } : {}),
    },
  };
}

export const SENT_ONLY =
  'the target reads no counts back (tallies.source: none): sent only; report.json has the expected tallies to compare by hand, or run fleetsim reconcile later';
