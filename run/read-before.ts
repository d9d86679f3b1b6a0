/**
 * What the target held before the run: a system under test is rarely empty (other devices,
 * earlier runs, other tenants). Read once before any device starts, through the same tally
 * source: the (device, app) pairs it already held for the run's apps (for the hint when a run
 * without a namespace or baseline does not match), and, for a baseline, the counts and each
 * re-used device's previous row (reconcile/baseline.ts).
 */
import { fetchTallies } from '../endpoint-client/tallies.js';
import type { ReadContext, TallySource } from '../endpoint-client/tally-source.js';
import type { AppTallies } from '../protocol/tally.js';
import type { Before, PreviousRows } from '../reconcile/baseline.js';
import type { DeviceRowLike } from '../reconcile/devices.js';
import { mapCounted, mapDeviceRows } from '../reconcile/labels.js';
import { TallySourceError } from '../protocol/errors.js';
import { refuseSourceProblems } from './check-source.js';
import { inverseOf, openTallySource, readContext } from './tally-read.js';
import { redact } from './target-shown.js';
import type { RunTarget } from './run-target.js';

export interface HeldBefore {
  /** (device, app) pairs of the run's apps the target held, as its tally source counts them. */
  pairs: number;
  /** For a baseline: the counts before, in our labels, and those whose labels map to nothing. */
  counts?: Before;
  /** For a baseline where the source lists devices: every device as the target held it, by app and
   * wire device id (the run's installations exist only once its devices come online). */
  previous?: PreviousRows;
}

const pairsOf = (t: readonly AppTallies[]) => t.reduce((n, a) => n + a.total, 0);

/** Before the run, through the target's tally source; undefined when it reads nothing or fails
 * (a baseline that cannot be read is an error: the caller says so). */
export async function readTargetBefore(rt: RunTarget, appIds: readonly string[]): Promise<HeldBefore | undefined> {
  if (rt.tallies.source === 'none') {
    if (rt.baseline) throw new BaselineUnread('the target reads no counts back (tallies: { source: none })');
    return undefined;
  }
  let source: TallySource;
  try {
    source = openTallySource(rt);
  } catch (err) {
    if (rt.baseline) throw new BaselineUnread((err as Error).message);
    return undefined;
  }
  try {
    const ctx = readContext(rt, appIds);
    // a query or mapping that cannot work refuses the run here, baseline or not
    await refuseSourceProblems(rt, source, ctx);
    return await readHeld(rt, source, ctx);
  } finally {
    await source.close().catch(() => undefined);
  }
}

/** The pairs held, and for a baseline its counts and rows; undefined when the read fails (a
 * baseline's failure is thrown: the caller says so). */
async function readHeld(rt: RunTarget, source: TallySource, ctx: ReadContext): Promise<HeldBefore | undefined> {
  const appIds = ctx.appIds;
  try {
    const inverse = inverseOf(rt, source);
    const { counted, unmapped } = mapCounted(await source.readTallies!(ctx), appIds, inverse);
    const held: HeldBefore = { pairs: pairsOf(counted) + unmapped.reduce((n, u) => n + u.count, 0) };
    if (!rt.baseline) return held;
    held.counts = { counted, unmapped };
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
    if (rt.baseline) throw new BaselineUnread((err as Error).message);
    return undefined;
  }
}

/** A baseline that could not be read (the check before it passed). */
class BaselineUnread extends Error {}

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

/** Before any device starts: the pairs the target held (the hint), and a baseline's counts and rows;
 * a baseline that cannot be read stops the run before anything is sent. */
export async function heldBefore(
  rt: RunTarget | undefined,
  target: { kind: 'embedded' | 'external'; talliesUrl: string | undefined },
  appIds: readonly string[],
): Promise<HeldBefore | undefined> {
  if (!rt) return target.kind === 'external' ? readEndpointBefore(target.talliesUrl, appIds) : undefined;
  try {
    return await readTargetBefore(rt, appIds);
  } catch (err) {
    if (!(err instanceof BaselineUnread)) throw err;
    throw new TallySourceError(
      redact(
        `The baseline could not be read before the run, so nothing was sent: ${(err as Error).message}. Check the tally source, or run without a baseline.`,
        rt.secrets,
      ),
    );
  }
}

/** A shard that reads nothing before it sends (its merge reconciles) still checks the tally
 * source first, so a query that cannot work refuses every shard before it sends. */
export async function checkSourceBefore(rt: RunTarget | undefined, appIds: readonly string[]): Promise<void> {
  if (!rt || rt.tallies.source === 'none') return;
  let source: TallySource;
  try {
    source = openTallySource(rt);
  } catch {
    return; // said again after the run, where it does not stop the report
  }
  try {
    await refuseSourceProblems(rt, source, readContext(rt, appIds));
  } finally {
    await source.close().catch(() => undefined);
  }
}
