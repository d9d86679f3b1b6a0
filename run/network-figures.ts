/**
 * What each network fault did, as the run counted it (the fault proxy on the wire, the endpoint's
 * restart, the hook), and how those figures become the report's per-fault counters.
 */
import type { FaultReport } from '../result/fault-report.js';
import type { FaultProxy } from '../transport/fault-proxy/proxy.js';
import type { TransportStats } from '../transport/types.js';
import type { RestartFigures } from './endpoint-process.js';
import type { NetworkFault } from './network-fault-types.js';
import type { NetworkFaults } from './network-faults.js';
import type { HookOutcome } from './restart-hook.js';

/** What one fault did. Counts from the proxy are its counters' change over the fault's window
 * (an overlapping fault's effect on the same counter shows in both). */
export interface NetworkFaultFigures {
  index: number;
  name: string;
  kind: NetworkFault['kind'];
  /** Devices in its scope (undefined: every connection). */
  devices: number | undefined;
  /** Times it struck (cut passes, a partition or shaping started, restarts). */
  struck: number;
  connectionsCut: number;
  /** Devices whose moment came while they had no connection open (nothing to cut). */
  notConnected: number;
  refusedConnects: number;
  blackholedBytes: number;
  delayedBytes: number;
  /** A drop's own devices whose moment came after the drive ended (never struck). */
  afterRunEnd: number;
  restarts: (RestartFigures & { downMs: number })[];
  hooks: HookOutcome[];
  /** Set when the fault could not be applied as asked (a hook failed, a restart did not come back). */
  error: string | undefined;
  /** Set when the drive ended before the fault's moment or window: it did nothing. */
  notInjected: string | undefined;
  /** Each time it struck: when (wall ms from the drive's start), whom (undefined: every device),
   * and the devices with a live connection then, each with when that connection opened. */
  strikes: Strike[];
  /** When it was in force in fact, wall ms from the drive's start (a loaded machine fires timers late). */
  active: { from: number; to: number } | undefined;
}

/** One strike of a fault on the wire: what was in flight on whose connections. */
export interface Strike {
  at: number;
  devices: ReadonlySet<string> | undefined;
  open: ReadonlyMap<string, number>;
}

/** What followed each fault, by its index: the reconnects and DUP resends the proxy saw on
 * connections that came back after the fault closed their owner's last one, and the reports
 * that waited in (or were dropped from) the devices' offline queues between the fault striking
 * and the next disruption. */
export interface Followed {
  reconnects: number;
  resentWithDup: number;
  queued: number;
  overflowed: number;
}

/** Each fault's share of what followed, from the proxy's causes and the runner's queue reads. */
export function followed(
  proxy: FaultProxy | undefined,
  faults: NetworkFaults,
  stats: TransportStats,
): Map<number, Followed> {
  const out = new Map<number, Followed>();
  const of = (i: number) => {
    let f = out.get(i);
    if (!f) out.set(i, (f = { reconnects: 0, resentWithDup: 0, queued: 0, overflowed: 0 }));
    return f;
  };
  for (const [i, c] of proxy?.byCause() ?? []) {
    of(i).reconnects += c.reconnects;
    of(i).resentWithDup += c.dupPublishes;
  }
  const final = { queued: stats.offlineQueued ?? 0, dropped: stats.offlineDropped ?? 0 };
  for (const [i, q] of faults.queueCounts(final)) {
    of(i).queued += q.queued;
    of(i).overflowed += q.dropped;
  }
  return out;
}

/** The figures as the report's counters (by fault index, by name): each kind's own counts. */
export function countFigures(
  figures: readonly NetworkFaultFigures[],
  after: ReadonlyMap<number, Followed>,
  add: (fault: number, what: string, n: number) => void,
): void {
  for (const f of figures) {
    const own = OWN[f.kind];
    const wide = after.get(f.index);
    const put = (what: string, n: number | undefined) => {
      if (own.includes(what) && n !== undefined && n > 0) add(f.index, what, n);
    };
    put('struck', f.struck);
    put('connectionsCut', f.connectionsCut);
    put('notConnected', f.notConnected);
    put('refusedConnects', f.refusedConnects);
    put('blackholedBytes', f.blackholedBytes);
    put('delayedBytes', f.delayedBytes);
    put('afterRunEnd', f.afterRunEnd);
    put('restarts', f.restarts.length);
    put(
      'replayed',
      f.restarts.reduce((n, r) => n + r.replayed, 0),
    );
    put('downMs', Math.round(f.restarts.reduce((n, r) => n + r.downMs, 0)));
    put('hooksRun', f.hooks.length);
    put('hookFailed', f.error ? 1 : 0);
    put('queued', wide?.queued);
    put('overflowed', wide?.overflowed);
    put('reconnects', wide?.reconnects);
    put('resentWithDup', wide?.resentWithDup);
  }
}

/** The counters each kind reports: what it does, not what an overlapping fault did in its window. */
const OWN: Record<NetworkFault['kind'], readonly string[]> = {
  'connection-drop': [
    'struck',
    'connectionsCut',
    'notConnected',
    'afterRunEnd',
    'blackholedBytes',
    'queued',
    'overflowed',
    'reconnects',
    'resentWithDup',
  ],
  partition: [
    'struck',
    'connectionsCut',
    'refusedConnects',
    'blackholedBytes',
    'queued',
    'overflowed',
    'reconnects',
    'resentWithDup',
  ],
  delay: ['struck', 'delayedBytes'],
  bandwidth: ['struck', 'delayedBytes'],
  'endpoint-restart': [
    'struck',
    'restarts',
    'replayed',
    'downMs',
    'hooksRun',
    'hookFailed',
    'queued',
    'overflowed',
    'reconnects',
    'resentWithDup',
  ],
};

/** The figures as one record of counters per fault index (`faults` long), for the report. */
export function countsByFault(
  figures: readonly NetworkFaultFigures[],
  after: ReadonlyMap<number, Followed>,
  faults: number,
): Record<string, number>[] {
  const out = Array.from({ length: faults }, () => ({}) as Record<string, number>);
  countFigures(figures, after, (i, what, n) => {
    const c = out[i];
    if (c) c[what] = (c[what] ?? 0) + n;
  });
  return out;
}

/** Two runs of per-fault counters added, fault by fault (the endpoint's and the network's). */
export function plusCounts(
  a: readonly Record<string, number>[],
  b: readonly Record<string, number>[] | undefined,
): Record<string, number>[] {
  const out = a.map((c) => ({ ...c }));
  b?.forEach((c, i) => {
    const into = (out[i] ??= {});
    for (const [k, n] of Object.entries(c)) into[k] = (into[k] ?? 0) + n;
  });
  return out;
}

/** Each network fault's span in force, by its index, for the "only in this fault's window" note. */
export function activeSpans(figures: readonly NetworkFaultFigures[]): Map<number, { from: number; to: number }> {
  return new Map(figures.flatMap((f) => (f.active ? [[f.index, f.active] as const] : [])));
}

/** Each network fault the drive ended before, by its index: what the report says of it. */
export function notInjectedOf(figures: readonly NetworkFaultFigures[]): Map<number, string> {
  return new Map(figures.flatMap((f) => (f.notInjected ? [[f.index, f.notInjected] as const] : [])));
}

/** Says, in a merged result's faults, which the parent's own faults (a --workers run's restarts,
 * the endpoint's windows) did not inject. */
export function addNotInjected(faults: FaultReport[] | undefined, missed: ReadonlyMap<number, string>): void {
  for (const [i, why] of missed) {
    const f = faults?.[i];
    if (f && !f.injected.struck) f.notInjected = why;
  }
}

/** Each network fault's strikes, by its index (lost-event attribution). */
export function strikesOf(figures: readonly NetworkFaultFigures[]): Map<number, readonly Strike[]> {
  return new Map(figures.flatMap((f) => (f.strikes.length ? [[f.index, f.strikes] as const] : [])));
}
