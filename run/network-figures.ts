/**
 * What each network fault did, as the run counted it (the fault proxy on the wire, the endpoint's
 * restart, the hook), and how those figures become the report's per-fault counters.
 */
import type { FaultProxy } from '../transport/fault-proxy/proxy.js';
import type { TransportStats } from '../transport/types.js';
import type { RestartFigures } from './endpoint-process.js';
import type { NetworkFault } from './network-faults.js';
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
  restarts: (RestartFigures & { downMs: number })[];
  hooks: HookOutcome[];
  /** Set when the fault could not be applied as asked (a hook failed, a restart did not come back). */
  error: string | undefined;
}

/** Run-wide counts the figures are read with: the devices' transport and the fault proxy. */
export interface RunWide {
  reconnects: number;
  offlineQueued: number;
  offlineDropped: number;
  /** PUBLISH frames sent again with DUP, seen by the proxy; undefined without one. */
  resentWithDup: number | undefined;
}

/** The run-wide counts from the devices' transport and the proxy. */
export function runWide(stats: TransportStats, proxy: FaultProxy | undefined): RunWide {
  return {
    reconnects: stats.reconnects,
    offlineQueued: stats.offlineQueued ?? 0,
    offlineDropped: stats.offlineDropped ?? 0,
    resentWithDup: proxy?.counters().dupPublishes,
  };
}

/**
 * The figures as the report's counters (by fault index, by name). A fault's own counts are its
 * own; the run-wide ones (reconnects, the offline queue, resends seen on the wire) go to every
 * fault that causes them, since a device does not say which fault it reconnected after.
 */
export function countFigures(
  figures: readonly NetworkFaultFigures[],
  wide: RunWide,
  add: (fault: number, what: string, n: number) => void,
): void {
  for (const f of figures) {
    const own = OWN[f.kind];
    const put = (what: string, n: number | undefined) => {
      if (own.includes(what) && n !== undefined && n > 0) add(f.index, what, n);
    };
    put('struck', f.struck);
    put('connectionsCut', f.connectionsCut);
    put('notConnected', f.notConnected);
    put('refusedConnects', f.refusedConnects);
    put('blackholedBytes', f.blackholedBytes);
    put('delayedBytes', f.delayedBytes);
    put('restarts', f.restarts.length);
    put(
      'replayed',
      f.restarts.reduce((n, r) => n + r.replayed, 0),
    );
    put('downMs', Math.round(f.restarts.reduce((n, r) => n + r.downMs, 0)));
    put('hooksRun', f.hooks.length);
    put('hookFailed', f.error ? 1 : 0);
    put('queued', wide.offlineQueued);
    put('overflowed', wide.offlineDropped);
    put('reconnects', wide.reconnects);
    put('resentWithDup', wide.resentWithDup);
  }
}

/** The counters each kind reports: what it does, not what an overlapping fault did in its window. */
const OWN: Record<NetworkFault['kind'], readonly string[]> = {
  'connection-drop': ['struck', 'connectionsCut', 'notConnected', 'blackholedBytes', 'reconnects', 'resentWithDup'],
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
    'reconnects',
    'resentWithDup',
  ],
};

/** The figures as one record of counters per fault index (`faults` long), for the report. */
export function countsByFault(
  figures: readonly NetworkFaultFigures[],
  wide: RunWide,
  faults: number,
): Record<string, number>[] {
  const out = Array.from({ length: faults }, () => ({}) as Record<string, number>);
  countFigures(figures, wide, (i, what, n) => {
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
