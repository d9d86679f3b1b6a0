/**
 * What the target held before the run: a system under test is rarely empty (other devices,
 * earlier runs, other tenants). Read once before any device starts, through the same tally
 * source: the (device, app) pairs it already held for the run's apps (for the hint when a run
 * without a namespace or baseline does not match), and, for a baseline, the counts and each
 * re-used device's previous row (reconcile/baseline.ts).
 */
import { fetchTallies } from '../endpoint-client/tallies.js';
import type { TallySource } from '../endpoint-client/tally-source.js';
import type { AppTallies } from '../protocol/tally.js';
import type { PreviousRows } from '../reconcile/baseline.js';
import type { DeviceRowLike } from '../reconcile/devices.js';
import { mapCounted, mapDeviceRows } from '../reconcile/labels.js';
import { inverseOf, openTallySource, readContext } from './read-target.js';
import type { RunTarget } from './run-target.js';

export interface HeldBefore {
  /** (device, app) pairs of the run's apps the target held, as its tally source counts them. */
  pairs: number;
  /** For a baseline: the counts before, in our labels. */
  tallies?: AppTallies[];
  /** For a baseline where the source lists devices: every device as the target held it, by app and
   * wire device id (the run's installations exist only once its devices come online). */
  previous?: PreviousRows;
}

const pairsOf = (t: readonly AppTallies[]) => t.reduce((n, a) => n + a.total, 0);

/** Before the run, through the target's tally source; undefined when it reads nothing or fails
 * (a baseline that cannot be read is an error: the caller says so). */
export async function readTargetBefore(rt: RunTarget, appIds: readonly string[]): Promise<HeldBefore | undefined> {
  if (rt.tallies.source === 'none') return undefined;
  let source: TallySource;
  try {
    source = openTallySource(rt);
  } catch {
    return undefined;
  }
  try {
    const ctx = readContext(rt, appIds);
    const inverse = inverseOf(rt, source);
    const tallies = mapCounted(await source.readTallies!(ctx), appIds, inverse).counted;
    const held: HeldBefore = { pairs: pairsOf(tallies) };
    if (!rt.baseline) return held;
    held.tallies = tallies;
    if (source.readDevices) {
      const previous = new Map<string, Map<string, DeviceRowLike>>();
      for (const app of appIds) {
        const rows = mapDeviceRows(await source.readDevices(app, ctx), inverse, (w) => w);
        previous.set(app, new Map(rows.map((r) => [r.deviceId, r])));
      }
      held.previous = previous;
    }
    return held;
  } catch (err) {
    if (rt.baseline) throw err;
    return undefined;
  } finally {
    await source.close().catch(() => undefined);
  }
}

/** Before a run against a fleetsim tallies API without a target description. */
export async function readEndpointBefore(
  talliesUrl: string | undefined,
  appIds: readonly string[],
): Promise<HeldBefore | undefined> {
  if (!talliesUrl) return undefined;
  try {
    return { pairs: pairsOf(await fetchTallies(talliesUrl, appIds)) };
  } catch {
    return undefined;
  }
}
