/**
 * Which events the endpoint never took in: for each (device, app) a network fault could strike,
 * the events the run sent (run/sent-log.ts) against the endpoint's history of that pair
 * (`GET /v1/apps/{appId}/devices/{deviceId}/history`, docs/protocol.md), event by event. With
 * QoS 0 a report written into a dying link counts as sent and is gone; with QoS 1 nothing
 * acknowledged may be missing. Only where the target serves fleetsim's read API (the embedded
 * endpoint, or a --tallies-url of it); bounded in the pairs it reads.
 */
import { getBounded } from '../endpoint-client/get.js';
import { LOST_LISTED } from '../result/lost-events.js';
import type { LostEvent, LostEvents } from '../result/result.js';
import type { SentLog } from './sent-log.js';

/** Pairs read at most (one GET each), the differing ones first. */
export const LOST_PAIRS_READ = 2000;
/** The endpoint keeps this many accepted events per pair (broker/store.ts): longer pairs are not compared. */
const HISTORY_KEPT = 256;

export async function findLostEvents(
  baseUrl: string,
  log: SentLog,
  differing: readonly { deviceId: string; appId: string }[],
): Promise<LostEvents> {
  const seen = new Set<string>();
  const pairs: { deviceId: string; appId: string }[] = [];
  for (const p of [...differing, ...log.pairKeys()]) {
    const k = `${p.deviceId}\u0000${p.appId}`;
    if (seen.has(k)) continue;
    seen.add(k);
    pairs.push(p);
  }
  const out: LostEvents = { pairsChecked: 0, pairsNotChecked: 0, lost: 0, events: [] };
  if (log.overflowed > 0)
    out.reason = `the run sent more events than are kept for this check; ${log.overflowed} were not recorded`;
  for (const [i, p] of pairs.entries()) {
    const sent = log.eventsOf(p.deviceId, p.appId);
    if (i >= LOST_PAIRS_READ || !sent || sent.length > HISTORY_KEPT) {
      out.pairsNotChecked++;
      continue;
    }
    const got = await historyOf(baseUrl, p.appId, p.deviceId).catch((err: Error) => err);
    if (!got || got instanceof Error) {
      out.reason = got
        ? `the endpoint's history read failed (${got.message}), so the rest of the events were not compared`
        : `the target does not serve fleetsim's history read (GET /v1/apps/{appId}/devices/{deviceId}/history), so lost events cannot be told apart`;
      out.pairsNotChecked += pairs.length - i;
      break;
    }
    out.pairsChecked++;
    const counted = new Map<string, number>();
    for (const h of got) counted.set(eventKey(h), (counted.get(eventKey(h)) ?? 0) + 1);
    for (const e of sent) {
      const n = counted.get(eventKey(e)) ?? 0;
      if (n > 0) {
        counted.set(eventKey(e), n - 1);
        continue;
      }
      out.lost++;
      if (out.events.length < LOST_LISTED) out.events.push(lostOf(p.deviceId, p.appId, e));
    }
  }
  return out;
}

const eventKey = (e: { seq: number; status: string; state: string }) => `${e.seq}|${e.status}|${e.state}`;

function lostOf(
  deviceId: string,
  appId: string,
  e: { seq: number; status: string; state: string; enrolment: number; simAt: number; wallMs: number },
): LostEvent {
  return {
    deviceId,
    appId,
    seq: e.seq,
    status: e.status,
    state: e.state,
    ...(e.enrolment ? { enrolment: e.enrolment } : {}),
    simTs: new Date(e.simAt).toISOString(),
    sentAtMs: Math.round(e.wallMs),
  };
}

/** The pair's accepted events (none when the endpoint has no row for it); undefined when the
 * target does not answer the history read. */
async function historyOf(
  baseUrl: string,
  appId: string,
  deviceId: string,
): Promise<{ seq: number; status: string; state: string }[] | undefined> {
  const u = new URL(`/v1/apps/${encodeURIComponent(appId)}/devices/${encodeURIComponent(deviceId)}/history`, baseUrl);
  const res = await getBounded(u);
  if (res.statusCode === 404) {
    await res.body.dump();
    return [];
  }
  if (res.statusCode !== 200) {
    await res.body.dump();
    return undefined;
  }
  const body = (await res.body.json().catch(() => ({}))) as {
    events?: { seq: number; status: string; state: string }[];
  };
  return Array.isArray(body.events) ? body.events : undefined;
}
