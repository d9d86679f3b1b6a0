/**
 * VPP licence pools (the scenario's `vpp-pool` causes): a finite number of licences for an iOS VPP
 * app, shared by every device that installs it. Licences go to devices in the order they come
 * online (the server acquires one when it queues the install); a device that comes online when
 * the pool is used up gets none and its install fails; a device that removes the app returns its
 * licence, which the next device to come online takes.
 *
 * Which devices hold a licence is decided before the run, identically in every process: the
 * pool's cohorts are rebuilt whole (whatever the shard, worker or traced device), their devices
 * walked once as if licensed to learn when each would remove the app, and the pool then replayed
 * in arrival order. A device's path stays a function of (seed, scenario, fleet size): a pool is
 * one of the few things where the fleet's size matters, as it does for a real one.
 */
import { TimeHeap } from '../../core/heap.js';
import { buildFleet, installTraits, type DeviceSpec, type Fleet } from '../fleet/fleet.js';

/** The installations ("deviceId|appId") that get no licence; null when the scenario has no pool. */
export type LicencePlan = ReadonlySet<string> | null;

export const licenceKey = (deviceId: string, appId: string) => `${deviceId}|${appId}`;

/** A walk of the pool's own devices, all licensed: when (absolute ms) each removes the app. */
export type RemovalWalk = (fleet: Fleet, appId: string) => Map<string, number>;

/** The installations of `appId` that reach the licence step: iOS, kind vpp, OS and device criteria met. */
function poolDevices(fleet: Fleet, appId: string): DeviceSpec[] {
  const out: DeviceSpec[] = [];
  for (const d of fleet.devices) {
    if (d.platform !== 'ios') continue;
    const app = d.apps.find((a) => a.id === appId);
    if (!app || app.ios.kind !== 'vpp') continue;
    const t = installTraits(d, app);
    if (t.osOk && t.deviceOk) out.push(d);
  }
  return out.sort((a, b) => a.arrivalMs - b.arrivalMs || a.index - b.index);
}

export function licencePlan(fleet: Fleet, removals: RemovalWalk): LicencePlan {
  const pools = fleet.scenario.causes.flatMap((c) => (c.kind === 'vpp-pool' ? [c] : []));
  if (pools.length === 0) return null;
  const unlicensed = new Set<string>();
  for (const pool of pools) {
    const cohorts = fleet.scenario.cohorts
      .filter((c) => c.platform === 'ios' && (c.apps ?? [pool.app]).includes(pool.app))
      .map((c) => c.name);
    const { shard: _s, onlyDevice: _o, ...whole } = fleet.options;
    const all = buildFleet(fleet.scenario, { ...whole, cohorts });
    const devices = poolDevices(all, pool.app);
    const removedAt = removals({ ...all, devices }, pool.app);
    const returned = new TimeHeap();
    let free = pool.licences;
    for (const d of devices) {
      const at = all.startMs + d.arrivalMs;
      while (returned.size > 0 && returned.peekTime()! <= at) {
        returned.pop();
        free++;
      }
      if (free === 0) {
        unlicensed.add(licenceKey(d.id, pool.app));
        continue;
      }
      free--;
      const r = removedAt.get(d.id);
      if (r !== undefined) returned.push(r, 0);
    }
  }
  return unlicensed;
}
