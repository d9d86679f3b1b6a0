/**
 * VPP licence pools (the scenario's `vpp-pool` causes): a finite number of licences for an iOS VPP
 * app, shared by every device that installs it. Licences go to devices in the order they come
 * online (the server acquires one when it queues the install); a device that comes online when
 * the pool is used up gets none and its install fails; a device that removes the app returns its
 * licence, which the next device to come online takes.
 *
 * Which devices hold a licence is decided before the run, identically in every process: the
 * pools' cohorts are rebuilt whole (whatever the shard, worker or traced device), their devices
 * walked to learn when each removes a pooled app, and each pool replayed in arrival order. A
 * device that holds two pooled apps walks differently when it lacks one licence (its check-ins
 * change), so the removal times depend on the outcome: the walk and the replay are repeated until
 * the outcome no longer changes. That fixed point is the exact one: the k-th device's licence
 * depends only on devices online before it, so each round settles at least one more device.
 * A device's path stays a function of (seed, scenario, fleet size): a pool is one of the few
 * things where the fleet's size matters, as it does for a real one.
 */
import { TimeHeap } from '../../core/heap.js';
import { buildFleet, installTraits, type DeviceSpec, type Fleet } from '../fleet/fleet.js';
import type { CauseSpec } from '../scenario/causes-schema.js';

/** The installations ("deviceId|appId") that get no licence; null when the scenario has no pool. */
export type LicencePlan = ReadonlySet<string> | null;

export const licenceKey = (deviceId: string, appId: string) => `${deviceId}|${appId}`;

export type PoolSpec = Extract<CauseSpec, { kind: 'vpp-pool' }>;

/**
 * A walk of the pools' devices under a plan (the installations without a licence): when
 * (absolute ms) each installation ("deviceId|appId") removes its app.
 */
export type RemovalWalk = (fleet: Fleet, unlicensed: ReadonlySet<string>) => Map<string, number>;

export function poolsOf(fleet: Fleet): PoolSpec[] {
  return fleet.scenario.causes.flatMap((c) => (c.kind === 'vpp-pool' ? [c] : []));
}

/** The installations of `appId` that reach the licence step: iOS, kind vpp, OS and device criteria met. */
function poolDevices(devices: readonly DeviceSpec[], appId: string): DeviceSpec[] {
  const out: DeviceSpec[] = [];
  for (const d of devices) {
    if (d.platform !== 'ios') continue;
    const app = d.apps.find((a) => a.id === appId);
    if (!app || app.ios.kind !== 'vpp') continue;
    const t = installTraits(d, app);
    if (t.osOk && t.deviceOk) out.push(d);
  }
  return out.sort((a, b) => a.arrivalMs - b.arrivalMs || a.index - b.index);
}

/** One pool replayed in arrival order against known removal times: who gets no licence. */
function replay(
  pool: PoolSpec,
  devices: readonly DeviceSpec[],
  startMs: number,
  removedAt: ReadonlyMap<string, number>,
  into: Set<string>,
): void {
  const returned = new TimeHeap();
  let free = pool.licences;
  for (const d of devices) {
    const at = startMs + d.arrivalMs;
    while (returned.size > 0 && returned.peekTime()! <= at) {
      returned.pop();
      free++;
    }
    const key = licenceKey(d.id, pool.app);
    if (free === 0) {
      into.add(key);
      continue;
    }
    free--;
    const r = removedAt.get(key);
    if (r !== undefined) returned.push(r, 0);
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const k of a) if (!b.has(k)) return false;
  return true;
}

export function licencePlan(fleet: Fleet, removals: RemovalWalk): LicencePlan {
  const pools = poolsOf(fleet);
  if (pools.length === 0) return null;
  const apps = new Set(pools.map((p) => p.app));
  const cohorts = fleet.scenario.cohorts
    .filter((c) => c.platform === 'ios' && (c.apps ?? [...apps]).some((a) => apps.has(a)))
    .map((c) => c.name);
  const { shard: _s, onlyDevice: _o, ...whole } = fleet.options;
  const all = buildFleet(fleet.scenario, { ...whole, cohorts });
  const members = pools.map((p) => poolDevices(all.devices, p.app));
  const inPools = new Map<string, number>();
  for (const list of members) for (const d of list) inPools.set(d.id, (inPools.get(d.id) ?? 0) + 1);
  const walked = { ...all, devices: all.devices.filter((d) => inPools.has(d.id)) };
  // no device holds two pooled apps: a device's removal time does not depend on the outcome
  const coupled = [...inPools.values()].some((n) => n > 1);
  let plan = new Set<string>();
  let removedAt = removals(walked, plan);
  for (let round = 0; round <= walked.devices.length; round++) {
    const next = new Set<string>();
    for (let p = 0; p < pools.length; p++) replay(pools[p]!, members[p]!, all.startMs, removedAt, next);
    if (!coupled || (round > 0 && sameSet(next, plan))) return next;
    plan = next;
    removedAt = removals(walked, plan);
  }
  return plan;
}
