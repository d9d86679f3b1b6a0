/**
 * What the event faults do to one event of a struck device: sent twice, held back behind the
 * installation's next event, delayed, its reported time shifted. Pure: the drive applies it at
 * send time, and trace prints the same effects for the same event, because both ask this.
 */
import { compileDelay, sampleFrom } from '../../core/delay.js';
import { parseDuration } from '../../core/delay.js';
import { parseSignedDuration } from '../scenario/faults-schema.js';
import { EVENT_KINDS, eventDraw, type PlannedFault, takesEvent } from './plan.js';

export interface EventEffects {
  /** The duplicates fault that sends it twice, and the wall ms between original and copy. */
  duplicate?: { fault: PlannedFault; afterMs: number };
  /** The reordering fault that holds it back until the installation's next event is answered. */
  reorder?: PlannedFault;
  /** Added latency before it is sent, ms (the sum of every delay fault that takes it). */
  delayMs: number;
  delayedBy: PlannedFault[];
  /** Shift of the simTs it reports, ms. */
  skewMs: number;
  skewedBy?: PlannedFault;
}

/**
 * The effects on event (app, seq) of device `id` at simulated time `simTs`; `wallMs` is the wall
 * time from the drive's start (undefined in trace, where wall-window faults are left out).
 * Undefined when no fault takes the event.
 */
export function eventEffects(
  faults: readonly PlannedFault[],
  id: string,
  appId: string,
  seq: number,
  simTs: number,
  wallMs: number | undefined,
): EventEffects | undefined {
  let out: EventEffects | undefined;
  for (const f of faults) {
    if (!EVENT_KINDS.has(f.kind)) continue;
    if (f.clock === 'wall' && (wallMs === undefined || wallMs < f.from || wallMs >= f.to)) continue;
    if (!takesEvent(f, id, appId, seq, simTs)) continue;
    out ??= { delayMs: 0, delayedBy: [], skewMs: 0 };
    const s = f.spec;
    switch (s.kind) {
      case 'duplicates':
        out.duplicate ??= { fault: f, afterMs: s.after === undefined ? 0 : parseDuration(s.after)! };
        break;
      case 'reordering':
        out.reorder ??= f;
        break;
      case 'delay': {
        if (s.per !== 'event') break;
        const latency = sampleFrom(
          compileDelay(s.latency),
          eventDraw(f, id, appId, seq, 1),
          eventDraw(f, id, appId, seq, 2),
        );
        const jitter = s.jitter === undefined ? 0 : eventDraw(f, id, appId, seq, 3) * parseDuration(s.jitter)!;
        out.delayMs += Math.round(latency + jitter);
        out.delayedBy.push(f);
        break;
      }
      case 'clock-skew':
        if (!out.skewedBy) {
          out.skewMs = parseSignedDuration(s.offset)!;
          out.skewedBy = f;
        }
        break;
    }
  }
  return out;
}

/** One line per effect, as trace prints them under the event. */
export function describeEffects(e: EventEffects): string[] {
  const lines: string[] = [];
  if (e.skewedBy) lines.push(`reported simTs shifted by ${signed(e.skewMs)} (fault '${e.skewedBy.name}', clock-skew)`);
  if (e.delayedBy.length)
    lines.push(`delayed ${e.delayMs} ms before sending (fault ${e.delayedBy.map((f) => `'${f.name}'`).join(', ')})`);
  if (e.reorder)
    lines.push(`held back and sent after this installation's next event (fault '${e.reorder.name}', reordering)`);
  if (e.duplicate)
    lines.push(
      `sent twice, the copy ${e.duplicate.afterMs ? `${e.duplicate.afterMs} ms after the answer` : 'right after the answer'} (fault '${e.duplicate.fault.name}', duplicates)`,
    );
  return lines;
}

function signed(ms: number): string {
  const abs = Math.abs(ms);
  const text = abs % 3_600_000 === 0 ? `${abs / 3_600_000}h` : abs % 60_000 === 0 ? `${abs / 60_000}m` : `${abs}ms`;
  return `${ms < 0 ? '-' : '+'}${text}`;
}
