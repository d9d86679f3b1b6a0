/**
 * What the endpoint's tallies said, as the run read them, and the reconciliation that follows:
 * compared cell by cell when they were counted, left for `fleetsim merge` when the run is a shard
 * or a worker, unchecked with the reason when the target has no tallies API. The single run and
 * the workers' merge both go through here. Pure.
 */
import type { AppTallies } from '../protocol/tally.js';
import type { DeviceReconciliation } from './devices.js';
import { reconcile, type Reconciliation } from './reconcile.js';

export type TallyReading =
  | { kind: 'counted'; tallies: AppTallies[] }
  /** A shard or worker: the merge reads the tallies once for the whole fleet. */
  | { kind: 'deferred'; shard: { index: number; count: number } | undefined }
  | { kind: 'unavailable'; reason: string }
  /** Read and reconciled through a target's tally source (run/read-target.ts). */
  | { kind: 'reconciled'; reconciliation: Reconciliation };

/** Why a run against an external MQTT broker without --tallies-url cannot reconcile. */
export const NO_TALLIES_REASON = 'the external MQTT target has no tallies API; pass --tallies-url to reconcile';

export function reconcileReading(expected: AppTallies[], reading: TallyReading): Reconciliation {
  if (reading.kind === 'counted') return reconcile(expected, reading.tallies);
  if (reading.kind === 'deferred') return deferredReconciliation(expected, reading.shard);
  if (reading.kind === 'reconciled') return reading.reconciliation;
  // the expected tallies stay in the report, to compare by hand or reconcile later
  const empty = (appId: string) => ({ appId, total: 0, statuses: {}, platforms: {} });
  return {
    checked: false,
    match: false,
    reason: reading.reason,
    apps: expected.map((e) => ({ appId: e.appId, expected: e, counted: empty(e.appId), match: false })),
    differences: [],
  };
}

/** Adds the device-by-device check: a device that differs fails a reconciliation that was made. */
export function withDevices(r: Reconciliation, devices: DeviceReconciliation | undefined): Reconciliation {
  if (!devices) return r;
  return { ...r, devices, match: r.match && !(devices.checked && devices.differing > 0 && r.checked) };
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
