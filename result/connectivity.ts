/**
 * What the devices' links to the target went through: how often they reconnected, and each
 * outage (a span in which devices had lost their link; transport/outages.ts) with when it began
 * and ended, how many devices it struck, how long they were down and what was sent again. Pure:
 * built from the transport's counters, merged across workers and shards by overlapping spans.
 */
import type { Outage } from '../transport/outages.js';
import type { TransportStats } from '../transport/types.js';

export type { Outage } from '../transport/outages.js';

export interface Connectivity {
  /** Connections re-established after they had been up (MQTT) or devices answered again (HTTP). */
  reconnects: number;
  /** Of the MQTT reconnects, those on which the broker still had the device's session. */
  sessionsResumed?: number;
  /** Oldest first; times are epoch ms (the report's window is the origin to show them from). */
  outages: Outage[];
}

/** The run's connectivity from its transport's final counters; undefined when the links never dropped. */
export function connectivityOf(stats: TransportStats): Connectivity | undefined {
  // whole ms: the clock may read fractions
  const outages = (stats.outages ?? []).map((o) => ({
    ...o,
    from: Math.round(o.from),
    to: Math.round(o.to),
    longestDownMs: Math.round(o.longestDownMs),
  }));
  const reconnects = Math.max(
    stats.reconnects,
    outages.reduce((n, o) => n + o.reconnects, 0),
  );
  if (reconnects === 0 && outages.length === 0) return undefined;
  return {
    reconnects,
    ...(stats.sessionsResumed ? { sessionsResumed: stats.sessionsResumed } : {}),
    outages,
  };
}

/** Several parts' connectivity as one: counts added, overlapping outages joined into one. */
export function mergeConnectivity(parts: readonly (Connectivity | undefined)[]): Connectivity | undefined {
  const some = parts.filter((p): p is Connectivity => p !== undefined);
  if (some.length === 0) return undefined;
  const resumed = some.reduce((n, p) => n + (p.sessionsResumed ?? 0), 0);
  return {
    reconnects: some.reduce((n, p) => n + p.reconnects, 0),
    ...(resumed ? { sessionsResumed: resumed } : {}),
    outages: joinOutages(some.flatMap((p) => p.outages)),
  };
}

/** Outages that overlap in time (one broker outage seen by several workers) as one. */
export function joinOutages(all: readonly Outage[]): Outage[] {
  const out: Outage[] = [];
  for (const o of [...all].sort((a, b) => a.from - b.from)) {
    const prev = out[out.length - 1];
    if (!prev || o.from > prev.to) {
      out.push({ ...o });
      continue;
    }
    prev.to = Math.max(prev.to, o.to);
    prev.devices += o.devices;
    prev.reconnects += o.reconnects;
    prev.resent += o.resent;
    prev.longestDownMs = Math.max(prev.longestDownMs, o.longestDownMs);
    const still = (prev.stillDown ?? 0) + (o.stillDown ?? 0);
    if (still) prev.stillDown = still;
  }
  return out;
}

/** The outages that overlap a span (a fault's window in force, epoch ms): what it did to the links. */
export function outagesDuring(c: Connectivity | undefined, from: number, to: number): Outage[] {
  return (c?.outages ?? []).filter((o) => o.to >= from && o.from <= to);
}
