/**
 * The read step: once every event settled, what the endpoint says it counted (tallies, each
 * device's row, its end-to-end latency). The single run and the workers' parent read tallies the
 * same way. Comparing is reconcile/'s job; this only reads.
 */
import type { Installation } from '../agent/sim/simulator.js';
import { fetchAllDeviceRows } from '../endpoint-client/devices.js';
import { readEndToEnd } from '../endpoint-client/stats.js';
import { fetchTallies } from '../endpoint-client/tallies.js';
import { TargetUnreachableError } from '../protocol/errors.js';
import {
  type DeviceReconciliation,
  deviceCheckSkipped,
  reconcileDevices,
  uncheckedDevices,
} from '../reconcile/devices.js';
import { NO_TALLIES_REASON, type TallyReading } from '../reconcile/reading.js';
import type { ResultInput } from '../result/build.js';

/**
 * The endpoint's tallies of these apps; a run that cannot read them fails as unreachable. After
 * the simulator gave up on events (`gaveUp`), the target is likely gone or overloaded: the
 * tallies are then unchecked with the reason, and the run still reports what it did.
 */
export async function readTallies(
  talliesUrl: string | undefined,
  appIds: readonly string[],
  gaveUp = false,
): Promise<Exclude<TallyReading, { kind: 'deferred' }>> {
  if (!talliesUrl) return { kind: 'unavailable', reason: NO_TALLIES_REASON };
  try {
    return { kind: 'counted', tallies: await fetchTallies(talliesUrl, appIds) };
  } catch (err) {
    const why = `Cannot read tallies from ${talliesUrl}: ${(err as Error).message}`;
    if (gaveUp) return { kind: 'unavailable', reason: `${why} (after the simulator gave up on events)` };
    throw new TargetUnreachableError(why);
  }
}

/** Device by device: never fails the run, an unreadable list is an unchecked check with the reason. */
export async function readDevices(
  talliesUrl: string,
  appIds: readonly string[],
  installs: readonly Installation[],
): Promise<DeviceReconciliation> {
  const skipped = deviceCheckSkipped(installs);
  if (skipped) return uncheckedDevices(skipped);
  try {
    return reconcileDevices(appIds, installs, await fetchAllDeviceRows(talliesUrl, appIds));
  } catch (err) {
    return uncheckedDevices(`the endpoint's device list could not be read: ${(err as Error).message}`);
  }
}

export interface EndpointReading {
  tallies: TallyReading;
  devices: DeviceReconciliation | undefined;
  endToEnd: ResultInput['endToEnd'];
}

/**
 * Everything a single run reads. A shard or worker leaves the tallies to the merge but checks its
 * own devices, which are final once its own events are acknowledged.
 */
export async function readEndpoint(
  talliesUrl: string | undefined,
  appIds: readonly string[],
  installs: readonly Installation[],
  opts: {
    deferReconcile: boolean;
    shard: { index: number; count: number } | undefined;
    devices: boolean;
    gaveUp: boolean;
  },
): Promise<EndpointReading> {
  const tallies: TallyReading = opts.deferReconcile
    ? { kind: 'deferred', shard: opts.shard }
    : await readTallies(talliesUrl, appIds, opts.gaveUp);
  const devices = talliesUrl && opts.devices ? await readDevices(talliesUrl, appIds, installs) : undefined;
  const endToEnd = talliesUrl ? await readEndToEnd(talliesUrl) : 'no tallies/stats API to read it from';
  return { tallies, devices, endToEnd };
}
