/**
 * A run's reads of its target's tally source: the source opened from the target description,
 * the read context (a namespaced run counts its own devices only), the labels it answers in
 * mapped back to ours, and the counts read again until they settle or the settle timeout passes.
 */
import type { Clock } from '../core/clock.js';
import { settle } from '../endpoint-client/settle.js';
import { namespaceMembers, type ReadContext, type TallySource } from '../endpoint-client/tally-source.js';
import { createTallySource } from '../endpoint-client/tally-sources.js';
import { PLATFORMS } from '../protocol/catalogue/catalogue.js';
import type { AppTallies } from '../protocol/tally.js';
import { mapCounted, type LabelInverse, type UnmappedRow } from '../reconcile/labels.js';
import type { SettleReport } from '../reconcile/reconcile.js';
import { compileCodes, type CodeTable } from '../transport/wire/codes.js';
import type { RunTarget } from './run-target.js';

export function openTallySource(rt: RunTarget, defaultUrl?: string): TallySource {
  return createTallySource(rt.tallies, {
    defaultUrl: defaultUrl ?? new URL(rt.url).origin,
    source: rt.loaded?.source,
    basePath: [...(rt.loaded?.basePath ?? []), 'tallies'],
  });
}

/** The read context of a run: a namespaced run counts its own devices only. */
export function readContext(rt: RunTarget, appIds: readonly string[]): ReadContext {
  return { appIds, runId: rt.runId, ...(rt.wire.namespaced ? { onlyDevices: namespaceMembers(rt.runId) } : {}) };
}

export function inverseOf(rt: RunTarget, source: TallySource): LabelInverse {
  if (source.labels === 'wire') return rt.wire.codes.inverse();
  return (compileCodes(undefined, PLATFORMS) as CodeTable).inverse();
}

export interface CountsReading {
  counted: AppTallies[];
  unmapped: UnmappedRow[];
}

/** Reads the counts until `accept` says they match, or the settle timeout passes. */
export async function settleCounts(
  rt: RunTarget,
  source: TallySource,
  ctx: ReadContext,
  clock: Clock,
  lastAckAt: number,
  accept: (r: CountsReading) => boolean,
): Promise<{ reading: CountsReading; settle: SettleReport }> {
  const inverse = inverseOf(rt, source);
  const s = await settle(async () => mapCounted(await source.readTallies!(ctx), ctx.appIds, inverse), accept, {
    clock,
    timeoutMs: rt.settle.timeoutMs,
    intervalMs: rt.settle.intervalMs,
    lastAckAt,
  });
  return {
    reading: s.value,
    settle: {
      consistent: s.consistent,
      afterMs: s.afterMs,
      reads: s.reads,
      waitedMs: s.waitedMs,
      timeoutMs: rt.settle.timeoutMs,
    },
  };
}
