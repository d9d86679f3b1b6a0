/**
 * The pieces of a run that scale it out: the drive options that come from the scenario's load
 * model, and the reconciliation a shard or worker leaves for the merge to do once.
 */
import { parseDuration } from '../core/delay.js';
import type { Fleet } from '../agent/fleet/fleet.js';
import { holdUntil } from '../agent/fleet/arrivals.js';
import type { Reconciliation } from '../reconcile/reconcile.js';
import type { DriveOptions } from '../drive/drive.js';
import type { Scenario } from '../agent/scenario/schema.js';
import type { AppTallies } from '../protocol/tally.js';

/** Window, pacing and hold from the scenario's `load`. */
export function driveLoadOptions(
  scenario: Scenario,
  fleet: Fleet,
  simStartMs: number,
): Pick<DriveOptions, 'window' | 'rate' | 'holdUntilSimMs'> {
  const load = scenario.load;
  const out: Pick<DriveOptions, 'window' | 'rate' | 'holdUntilSimMs'> = { window: load?.window ?? 'adaptive' };
  if (load?.rate !== undefined) out.rate = load.rate;
  let lastArrival = load?.rampUp !== undefined ? parseDuration(load.rampUp)! : 0;
  if (load?.rampUp === undefined)
    for (const d of fleet.devices) if (d.arrivalMs > lastArrival) lastArrival = d.arrivalMs;
  const hold = holdUntil(load, lastArrival);
  if (hold !== undefined) out.holdUntilSimMs = simStartMs + hold;
  return out;
}

/** A shard's reconciliation, left to `fleetsim merge`: the expected tallies, nothing counted yet. */
export function deferredReconciliation(
  expected: AppTallies[],
  shard: { index: number; count: number } | undefined,
): Reconciliation {
  const where = shard ? `shard ${shard.index + 1}/${shard.count}` : 'this worker';
  return {
    checked: false,
    match: false,
    reason: `${where} ran part of the fleet; fleetsim merge reconciles the whole fleet once`,
    apps: expected.map((e) => ({
      appId: e.appId,
      expected: e,
      counted: { appId: e.appId, total: 0, statuses: {}, platforms: {} },
      match: false,
    })),
    differences: [],
  };
}
