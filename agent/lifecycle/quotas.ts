/**
 * Choosing which devices meet a quota, exactly and deterministically. Within one (cohort, app)
 * scope every device gets a role: one quota it must meet, or none (then it must meet none of
 * the scope's quotas). Devices are ranked per quota by a hash of (seed, quota, deviceId), so the
 * choice depends on the cohort's device ids alone: not on order, shard, worker or transport.
 */
import { hash32 } from '../../core/rng.js';

export interface QuotaCandidate {
  id: string;
  /** Can this device walk with role `role` (quota index, or -1 for none)? */
  feasible(role: number): boolean;
}

export interface QuotaShortfall {
  quota: number;
  /** How many devices could have met it. */
  possible: number;
  /** A device that could not avoid it, when that is the cause. */
  forcedDevice?: string;
}

/** Returns deviceId -> role for every candidate, or the first quota that cannot be met. */
export function assignQuotas(
  seed: number | string,
  scope: readonly number[],
  counts: readonly number[],
  candidates: readonly QuotaCandidate[],
): Map<string, number> | QuotaShortfall {
  const role = new Map<string, number>();
  const forced = candidates.filter((c) => !c.feasible(-1));
  scope.forEach((q, i) => {
    const want = counts[i]!;
    const rank = (c: QuotaCandidate) => hash32(`${seed}|quota|${q}|${c.id}`);
    const byRank = (a: QuotaCandidate, b: QuotaCandidate) => rank(a) - rank(b) || (a.id < b.id ? -1 : 1);
    // devices that cannot avoid every quota must take one: they go first
    const pools = [
      forced.filter((c) => !role.has(c.id) && c.feasible(q)).sort(byRank),
      candidates.filter((c) => !role.has(c.id) && c.feasible(-1) && c.feasible(q)).sort(byRank),
    ];
    let taken = 0;
    for (const pool of pools) {
      for (const c of pool) {
        if (taken >= want) break;
        role.set(c.id, q);
        taken++;
      }
    }
  });
  for (let i = 0; i < scope.length; i++) {
    let n = 0;
    for (const r of role.values()) if (r === scope[i]) n++;
    if (n < counts[i]!) {
      const possible = candidates.filter((c) => c.feasible(scope[i]!)).length;
      return { quota: scope[i]!, possible };
    }
  }
  const stuck = forced.find((c) => !role.has(c.id));
  if (stuck) {
    const q = scope.find((s) => stuck.feasible(s)) ?? scope[0]!;
    return { quota: q, possible: counts[scope.indexOf(q)]!, forcedDevice: stuck.id };
  }
  for (const c of candidates) if (!role.has(c.id)) role.set(c.id, -1);
  return role;
}
