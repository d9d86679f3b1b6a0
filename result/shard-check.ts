/**
 * Before results of shards are merged: they must be shards of one run (same scenario and seed)
 * and cover it exactly once, so that the merged result is the whole fleet, no device twice.
 */
import { UsageError } from '../protocol/errors.js';
import type { RunResult } from './result.js';

export function checkShards(parts: readonly RunResult[]): void {
  const first = parts[0];
  if (!first) return;
  for (const p of parts) {
    if (p.scenario.name !== first.scenario.name || String(p.seed) !== String(first.seed)) {
      throw new UsageError(
        `cannot merge results of different runs: "${first.scenario.name}" seed ${first.seed} and "${p.scenario.name}" seed ${p.seed}.`,
      );
    }
  }
  const shards = parts.map((p) => p.shard);
  if (shards.every((s) => s === undefined)) return;
  const count = shards[0]?.count;
  const seen = new Set<number>();
  for (const s of shards) {
    if (!s || s.count !== count)
      throw new UsageError(
        `cannot merge: every result must be a shard of the same split; found ${s ? `${s.index + 1}/${s.count}` : 'an unsharded result'} beside shards of ${count}.`,
      );
    if (seen.has(s.index)) throw new UsageError(`cannot merge: shard ${s.index + 1}/${count} is given twice.`);
    seen.add(s.index);
  }
  const missing = Array.from({ length: count! }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length)
    throw new UsageError(
      `cannot merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i + 1}/${count}`).join(', ')} missing; the union of all ${count} shards is the whole fleet.`,
    );
}

/** Every app id the parts expected, sorted. */
export function appIdsOf(parts: readonly RunResult[]): string[] {
  return [...new Set(parts.flatMap((p) => p.reconciliation.apps.map((a) => a.appId)))].sort();
}
