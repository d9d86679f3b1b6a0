/**
 * What a run keeps to say what its faults did to the events: the sent log of the devices a fault
 * strikes, and from it, once the endpoint has been read, where each difference began (for the
 * "only in this fault's window" note) and, with network faults, which events the endpoint never
 * took in, each with the faults whose window and devices it was sent in.
 */
import type { FaultPlan, PlannedFault } from '../agent/faults/plan.js';
import type { Clock } from '../core/clock.js';
import { parseDuration } from '../core/delay.js';
import type { DeviceReconciliation } from '../reconcile/devices.js';
import type { DifferenceStart } from '../result/fault-report.js';
import type { LostEvents } from '../result/result.js';
import { findLostEvents } from './lost-events.js';
import type { Strike } from './network-figures.js';
import { SentLog } from './sent-log.js';

/** A sent log of the struck devices (every device when a fault strikes them all); none without faults. */
export function sentLogFor(plan: FaultPlan, clock: Clock, fleetSize: number): SentLog | undefined {
  if (plan.faults.length === 0) return undefined;
  if (plan.faults.some((f) => f.devices.size >= fleetSize)) return new SentLog(clock, undefined);
  const devices = new Set<string>();
  for (const f of plan.faults) for (const id of f.devices) devices.add(id);
  return new SentLog(clock, devices);
}

export interface FaultEvidence {
  differenceAt: Map<string, DifferenceStart & { seq: number }>;
  lostEvents: LostEvents | undefined;
}

export async function faultEvidence(
  log: SentLog,
  plan: FaultPlan,
  devices: DeviceReconciliation | undefined,
  /** fleetsim's read API of the target, when lost events are to be looked for (network faults). */
  historyUrl: string | undefined,
  /** When each network fault was in force in fact (wall ms from the drive's start). */
  active?: ReadonlyMap<number, { from: number; to: number }>,
  /** Per network fault, its strikes on the wire: whom, and whose connections were open since when. */
  strikes?: ReadonlyMap<number, readonly Strike[]>,
): Promise<FaultEvidence> {
  const differenceAt = new Map<string, DifferenceStart & { seq: number }>();
  const nameOf = (i: number) => plan.faults[i]?.name ?? '';
  for (const d of devices?.differences ?? []) {
    const first = log.firstMissing(d.deviceId, d.appId, d.counted?.seq);
    if (!first) continue;
    // in flight when a fault struck its device: that fault's, as for a lost event
    const struck = firstStruckAfter(strikes, d.deviceId, first.wallMs).map(nameOf);
    differenceAt.set(`${d.deviceId}\u0000${d.appId}`, {
      seq: first.seq,
      simAt: first.simAt,
      wallMs: first.wallMs,
      ...(struck.length ? { faults: struck } : {}),
    });
  }
  if (!historyUrl) return { differenceAt, lostEvents: undefined };
  const lostEvents = await findLostEvents(historyUrl, log, devices?.differences ?? []);
  for (const e of lostEvents.events) {
    const first = firstStruckAfter(strikes, e.deviceId, e.sentAtMs);
    const names = plan.faults
      .filter(
        (f) =>
          f.devices.has(e.deviceId) &&
          (sentIn(f, Date.parse(e.simTs), e.sentAtMs, active?.get(f.index)) || first.includes(f.index)),
      )
      .map((f) => f.name);
    if (names.length > 0) e.faults = names;
  }
  return { differenceAt, lostEvents };
}

/** Sent while the fault's window was open, in its own clock (a silent link swallows `silentFor` longer). */
function sentIn(f: PlannedFault, simAt: number, wallMs: number, active?: { from: number; to: number }): boolean {
  if (active && wallMs >= active.from && wallMs <= active.to) return true;
  const silent = f.spec.kind === 'connection-drop' ? (parseDuration(f.spec.silentFor ?? 0) ?? 0) : 0;
  const at = f.clock === 'sim' ? simAt : wallMs;
  return at >= f.from && at <= f.to + silent;
}

/**
 * The faults that struck the event's device first after it was handed over. A device's reports go
 * out in order on the connection it has (or gets) and TCP loses nothing on a live connection, so
 * an event the endpoint lacks was lost at the first disruption of its device after it was handed
 * over: in flight on a connection then cut or silenced (a QoS 0 report written a few ms before the
 * link went silent, read by the proxy after), or waiting for a connection that came up into it.
 */
function firstStruckAfter(
  strikes: ReadonlyMap<number, readonly Strike[]> | undefined,
  deviceId: string,
  wallMs: number,
): number[] {
  let first = Number.POSITIVE_INFINITY;
  let who: number[] = [];
  for (const [index, list] of strikes ?? []) {
    const s = list.find((x) => x.at >= wallMs && (!x.devices || x.devices.has(deviceId)));
    if (!s || s.at > first) continue;
    if (s.at < first) who = [];
    first = s.at;
    who.push(index);
  }
  return who;
}
