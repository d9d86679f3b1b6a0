/**
 * The lost events of a run split over workers or shards, as one: each part compared its own
 * devices' events with the endpoint's history, so the counts add and the lists join, in the
 * order they were sent. Pure.
 */
import type { DeviceDifference } from '../reconcile/devices.js';
import type { DifferenceStart } from './fault-report.js';
import type { LostEvents } from './result.js';

/** Lost events listed in a result at most; `lost` counts them all. */
export const LOST_LISTED = 500;

export function mergeLostEvents(parts: readonly (LostEvents | undefined)[]): LostEvents | undefined {
  const present = parts.filter((p): p is LostEvents => p !== undefined);
  if (present.length === 0) return undefined;
  const events = present
    .flatMap((p) => p.events)
    .sort(
      (a, b) => a.sentAtMs - b.sentAtMs || (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.seq - b.seq),
    );
  const reasons = [...new Set(present.flatMap((p) => (p.reason ? [p.reason] : [])))];
  const out: LostEvents = {
    pairsChecked: sum(present, 'pairsChecked'),
    pairsNotChecked: sum(present, 'pairsNotChecked'),
    lost: sum(present, 'lost'),
    events: events.slice(0, LOST_LISTED),
  };
  if (reasons.length) out.reason = reasons.join('; ');
  if (present.length < parts.length) {
    const missing = parts.length - present.length;
    out.reason = [out.reason, `${missing} of ${parts.length} parts did not compare their events`]
      .filter(Boolean)
      .join('; ');
  }
  return out;
}

function sum(parts: readonly LostEvents[], k: 'pairsChecked' | 'pairsNotChecked' | 'lost'): number {
  return parts.reduce((n, p) => n + p[k], 0);
}

/**
 * Where each differing (device, app) began, from the lost events the parts listed: the first event
 * past the endpoint's row (its lowest seq above the counted one) is one the endpoint lacks. What a
 * split run's parent has in place of the parts' sent logs, for the "only in this fault's window"
 * note; a pair whose events were not listed is left out (the note then says it was not recorded).
 */
export function differenceAtFromLost(
  differences: readonly DeviceDifference[],
  lost: LostEvents | undefined,
): Map<string, DifferenceStart> {
  const out = new Map<string, DifferenceStart>();
  if (!lost) return out;
  const byPair = new Map<string, LostEvents['events']>();
  for (const e of lost.events) {
    const k = `${e.deviceId}\u0000${e.appId}`;
    byPair.set(k, [...(byPair.get(k) ?? []), e]);
  }
  for (const d of differences) {
    const k = `${d.deviceId}\u0000${d.appId}`;
    const after = (byPair.get(k) ?? []).filter((e) => e.seq > (d.counted?.seq ?? 0));
    const first = after.reduce<(typeof after)[number] | undefined>((m, e) => (!m || e.seq < m.seq ? e : m), undefined);
    if (first)
      out.set(k, {
        simAt: Date.parse(first.simTs),
        wallMs: first.sentAtMs,
        ...(first.faults ? { faults: first.faults } : {}),
      });
  }
  return out;
}
