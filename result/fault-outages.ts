/**
 * What a fault did to the devices' links: the reconnect outages (result/connectivity.ts) that
 * in its window, so each fault's section says how many devices it took down, for how long,
 * how many came back and what was sent again. Only faults on the wall clock (the network and
 * endpoint kinds), which is the outages' clock; a fault on simulated time has no wall window.
 * Pure.
 */
import type { PlannedFault } from '../agent/faults/plan.js';
import { parseDuration } from '../core/delay.js';
import { type Connectivity, joinOutages, type Outage, outagesDuring } from './connectivity.js';

/** A device notices a cut or a killed endpoint within this (its socket closes, its ack times out
 * later than that, but then the outage began in the window anyway). */
const NOTICE_MS = 1000;

export interface FaultOutagesInput {
  connectivity: Connectivity | undefined;
  /** Epoch ms of the drive's start: the wall windows' origin. */
  driveStartAt: number;
  /** Epoch ms of the drive's end: the end of a window that runs to the end. */
  endAt: number;
  /** When the fault was in force in fact, wall ms from the drive's start (late timers shift it). */
  active?: { from: number; to: number } | undefined;
}

/** The outages in the fault's window (widened by what keeps a link down after it:
 * a drop's silent time, a restart's down time), oldest first; empty for a simulated-time fault. */
export function outagesOfFault(f: PlannedFault, r: FaultOutagesInput): Outage[] {
  if (f.clock !== 'wall' || !r.connectivity) return [];
  const spec = f.spec as { silentFor?: string | number; down?: string | number };
  const after = (parseDuration(spec.silentFor ?? 0) ?? 0) + (parseDuration(spec.down ?? 0) ?? 0) + NOTICE_MS;
  let from = r.driveStartAt + f.from;
  let to = Number.isFinite(f.to) ? r.driveStartAt + f.to : r.endAt;
  if (r.active) {
    from = Math.min(from, r.driveStartAt + r.active.from);
    to = Math.max(to, r.driveStartAt + r.active.to);
  }
  // overlapping, not begun in it: a part of --workers whose drive started after the parent's
  // restart (timed from the first worker's drive) sees the outage begin before its own window
  return outagesDuring(r.connectivity, from, to + after);
}

/** Several parts' outages of one fault as one: those that overlap (one outage seen by several
 * workers or shards) joined. */
export function mergeFaultOutages(parts: readonly (readonly Outage[] | undefined)[]): Outage[] {
  return joinOutages(parts.flatMap((p) => p ?? []));
}
