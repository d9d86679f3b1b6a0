/**
 * Merges the results of shards or workers into one result, exactly: counters add, latency
 * histograms add bucket by bucket (so merged percentiles equal those of one histogram of every
 * sample), expected tallies add cell by cell. Reconciliation is then done once, for the whole
 * fleet, against the endpoint's tallies. Pure: no I/O.
 */
import type { Platform } from '../protocol/catalogue.js';
import { UsageError } from '../protocol/errors.js';
import { TallyBook, type AppTallies } from '../protocol/tally.js';
import { decodeHistogram, newLatencyHistogram, summarise } from './metrics.js';
import { reconcile } from './reconcile.js';
import type { RunResult } from './result.js';

function addTallies(book: TallyBook, t: AppTallies): void {
  for (const [platform, statuses] of Object.entries(t.platforms)) {
    for (const [status, states] of Object.entries(statuses ?? {})) {
      for (const [state, n] of Object.entries(states)) book.add(t.appId, platform as Platform, status, state, n);
    }
  }
}

/** Checks that the parts are shards of one run and cover it exactly once. */
function checkShards(parts: RunResult[]): void {
  const first = parts[0]!;
  for (const p of parts) {
    if (p.scenario.name !== first.scenario.name || String(p.seed) !== String(first.seed)) {
      throw new UsageError(`cannot merge results of different runs: "${first.scenario.name}" seed ${first.seed} and "${p.scenario.name}" seed ${p.seed}.`);
    }
  }
  const shards = parts.map((p) => p.shard);
  if (shards.every((s) => s === undefined)) return;
  const count = shards[0]?.count;
  const seen = new Set<number>();
  for (const s of shards) {
    if (!s || s.count !== count) throw new UsageError(`cannot merge: every result must be a shard of the same split; found ${s ? `${s.index + 1}/${s.count}` : 'an unsharded result'} beside shards of ${count}.`);
    if (seen.has(s.index)) throw new UsageError(`cannot merge: shard ${s.index + 1}/${count} is given twice.`);
    seen.add(s.index);
  }
  const missing = Array.from({ length: count! }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) throw new UsageError(`cannot merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i + 1}/${count}`).join(', ')} missing; the union of all ${count} shards is the whole fleet.`);
}

/** One result from several; its reconciliation holds the summed expected tallies, not yet checked. */
export function mergeResults(parts: RunResult[]): RunResult {
  if (parts.length === 0) throw new UsageError('nothing to merge: give at least one report.json.');
  checkShards(parts);
  const first = parts[0]!;
  const sum = (f: (r: RunResult) => number) => parts.reduce((a, r) => a + f(r), 0);
  const ack = newLatencyHistogram();
  for (const p of parts) if (p.latency.ack.hdr) ack.add(decodeHistogram(p.latency.ack.hdr));
  const byPlatform: Record<string, number> = {};
  for (const p of parts) for (const [k, n] of Object.entries(p.devices.byPlatform)) byPlatform[k] = (byPlatform[k] ?? 0) + n;
  const expected = new TallyBook();
  for (const p of parts) for (const a of p.reconciliation.apps) addTallies(expected, a.expected);
  const appIds = [...new Set(parts.flatMap((p) => p.reconciliation.apps.map((a) => a.appId)))].sort();
  const events = { offered: sum((r) => r.events.offered), sent: sum((r) => r.events.sent), acked: sum((r) => r.events.acked), failed: sum((r) => r.events.failed) };
  // Shards and workers run side by side: the run lasts as long as its longest part.
  const durationMs = Math.max(...parts.map((p) => p.durationMs));
  const merged: RunResult = {
    ...first,
    passed: false,
    startedAt: parts.map((p) => p.startedAt).sort()[0]!,
    finishedAt: parts.map((p) => p.finishedAt).sort().at(-1)!,
    durationMs,
    devices: { total: sum((r) => r.devices.total), byPlatform, installations: sum((r) => r.devices.installations) },
    events,
    throughput: { eventsPerSec: durationMs ? Math.round((events.acked / durationMs) * 1000 * 10) / 10 : 0 },
    latency: { ack: summarise(ack) },
    reconciliation: {
      checked: false, match: false, reason: 'merged; not reconciled yet', differences: [],
      apps: appIds.map((id) => ({ appId: id, expected: expected.get(id), counted: { appId: id, total: 0, statuses: {}, platforms: {} }, match: false })),
    },
    parts: parts.length,
  };
  delete merged.shard;
  return merged;
}

/** Reconciles a merged result once against what the endpoint counted. */
export function reconcileMerged(merged: RunResult, counted: AppTallies[]): RunResult {
  const reconciliation = reconcile(merged.reconciliation.apps.map((a) => a.expected), counted);
  return { ...merged, reconciliation, passed: reconciliation.match && merged.events.failed === 0 };
}
