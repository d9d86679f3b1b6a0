/**
 * VPP licence pools (the scenario's `vpp-pool` causes): a finite number of licences for an iOS VPP
 * app, shared by every device that installs it. Licences go to devices in the order they check in
 * (the server assigns one when the device checks in after the push for the new assignment); a
 * device that checks in when the pool is used up gets none and its install fails; a device that
 * removes the app returns its licence, which the next device to check in takes. A licence stays
 * with its device through a factory reset (Apple's device assignment belongs to the device, not
 * the install); a wiped device that had none asks again when it re-enrols and checks in.
 *
 * Which devices hold a licence is decided before the run, identically in every process: the
 * pools' cohorts are rebuilt whole (whatever the shard, worker or traced device), their devices
 * walked (device faults included) to learn when each asks for a licence and when it removes the
 * app, and each pool replayed in check-in order. What a device does after its ask depends on the
 * answer (a refused install ends; a licensed one may be removed, and its check-ins move, so a
 * second pooled app or a later enrolment asks at another moment): the walk and the replay are
 * repeated until the outcome no longer changes. That fixed point is the exact one: an ask's
 * answer depends only on the asks before it, so each round settles at least one more. A device's
 * path stays a function of (seed, scenario, fleet size): a pool is one of the few things where
 * the fleet's size matters, as it does for a real one.
 */
import { TimeHeap } from '../../core/heap.js';
import { buildFleet, installTraits, type DeviceSpec, type Fleet } from '../fleet/fleet.js';
import { hasLicencePool, takesPoolLicence } from '../platforms/registry.js';
import type { CauseSpec } from '../scenario/causes-schema.js';

/** The installations ("deviceId|appId") that get no licence; null when the scenario has no pool. */
export type LicencePlan = ReadonlySet<string> | null;

/** An installation's key in a plan; after a factory reset, its ask at that enrolment. */
export const licenceKey = (deviceId: string, appId: string, enrolment = 0) =>
  enrolment === 0 ? `${deviceId}|${appId}` : `${deviceId}|${appId}|${enrolment}`;

export type PoolSpec = Extract<CauseSpec, { kind: 'vpp-pool' }>;

/** What a walk of the pools' devices under a plan showed (absolute ms). */
export interface LicenceWalk {
  /** When each installation asked for a licence, by licenceKey (with its enrolment). */
  asked: Map<string, number>;
  /** When each installation ("deviceId|appId") removed its app, in time order. */
  removed: Map<string, number[]>;
}

/** A walk of the pools' devices under a plan (the installations without a licence). */
export type RemovalWalk = (fleet: Fleet, unlicensed: ReadonlySet<string>) => LicenceWalk;

export function poolsOf(fleet: Fleet): PoolSpec[] {
  return fleet.scenario.causes.flatMap((c) => (c.kind === 'vpp-pool' ? [c] : []));
}

/** The installations of `appId` that reach the licence step: a pooled app (ios: { kind: vpp }) on a platform
 * with licence pools, OS and device criteria met. */
function poolDevices(devices: readonly DeviceSpec[], appId: string): DeviceSpec[] {
  const out: DeviceSpec[] = [];
  for (const d of devices) {
    if (!hasLicencePool(d.platform)) continue;
    const app = d.apps.find((a) => a.id === appId);
    if (!app || !takesPoolLicence(d.platform, app)) continue;
    const t = installTraits(d, app);
    if (t.osOk && t.deviceOk) out.push(d);
  }
  return out;
}

interface Ask {
  at: number;
  device: DeviceSpec;
  enrolment: number;
  key: string;
}

/** A pool's asks in check-in order (ties: fleet order, then enrolment). */
function asksOf(pool: PoolSpec, devices: readonly DeviceSpec[], asked: ReadonlyMap<string, number>): Ask[] {
  const out: Ask[] = [];
  for (const device of devices)
    for (let enrolment = 0; ; enrolment++) {
      const key = licenceKey(device.id, pool.app, enrolment);
      const at = asked.get(key);
      if (at === undefined) break;
      out.push({ at, device, enrolment, key });
    }
  return out.sort((a, b) => a.at - b.at || a.device.index - b.device.index || a.enrolment - b.enrolment);
}

/** One pool replayed in check-in order against a walk: who gets no licence. */
function replay(pool: PoolSpec, devices: readonly DeviceSpec[], walk: LicenceWalk, into: Set<string>): void {
  const returned = new TimeHeap();
  const holders = new Set<number>();
  let free = pool.licences;
  for (const ask of asksOf(pool, devices, walk.asked)) {
    while (returned.size > 0 && returned.peekTime()! <= ask.at) {
      holders.delete(returned.pop()!);
      free++;
    }
    if (holders.has(ask.device.index)) continue;
    if (free === 0) {
      into.add(ask.key);
      continue;
    }
    free--;
    holders.add(ask.device.index);
    // held until the device next removes the app
    const r = walk.removed.get(licenceKey(ask.device.id, pool.app))?.find((t) => t >= ask.at);
    if (r !== undefined) returned.push(r, ask.device.index);
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
    .filter((c) => hasLicencePool(c.platform) && (c.apps ?? [...apps]).some((a) => apps.has(a)))
    .map((c) => c.name);
  const { shard: _s, onlyDevice: _o, ...whole } = fleet.options;
  const all = buildFleet(fleet.scenario, { ...whole, cohorts });
  const members = pools.map((p) => poolDevices(all.devices, p.app));
  const inPools = new Map<string, number>();
  for (const list of members) for (const d of list) inPools.set(d.id, (inPools.get(d.id) ?? 0) + 1);
  const walked = { ...all, devices: all.devices.filter((d) => inPools.has(d.id)) };
  let plan = new Set<string>();
  let walk = removals(walked, plan);
  for (let round = 0; round <= walk.asked.size; round++) {
    const next = new Set<string>();
    for (let p = 0; p < pools.length; p++) replay(pools[p]!, members[p]!, walk, next);
    if (sameSet(next, plan)) return next;
    plan = next;
    walk = removals(walked, plan);
  }
  return plan;
}
