/**
 * The lost events of a run split over workers or shards, as one: each part compared its own
 * devices' events with the endpoint's history, so the counts add and the lists join, in the
 * order they were sent. Pure.
 */
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
