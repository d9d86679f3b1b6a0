/**
 * Connection drops: every struck device's moment, sorted, walked by one timer that cuts what is
 * due in one pass (again every `repeat` within the window); with `silentFor` the link first goes
 * silent (a blackhole) that long before the reset, as a dying link does. Only this part's own
 * devices are walked in a split run (the other parts' proxies strike the rest).
 */
import type { NetworkFaultFigures } from './network-figures.js';
import type { DropFault, FaultRunner } from './network-fault-types.js';

/** Schedules the drop's passes; returns how many of its devices have been struck so far. */
export function scheduleDrops(
  run: FaultRunner,
  f: DropFault,
  fig: NetworkFaultFigures,
  own: ReadonlySet<string> | undefined,
  elapsed: () => number,
): () => number {
  const struck = new Set<string>();
  if (!f.devices) {
    const pass = (at: number) =>
      run.at(at, () => {
        fig.struck++;
        run.blameQueue(f.index);
        dropNow(run, f, fig, undefined);
        if (f.repeatMs && at + f.repeatMs < f.to) pass(at + f.repeatMs);
      });
    pass(f.from);
    return () => 0;
  }
  const due = ownDevices(f, own)
    .map((id) => ({ id, at: f.momentOf(id) }))
    .sort((a, b) => a.at - b.at);
  let k = 0;
  const next = () => {
    if (k >= due.length) return;
    run.at(due[k]!.at, () => {
      const now = elapsed();
      const ids = new Set<string>();
      for (; k < due.length && due[k]!.at <= now; k++) {
        const d = due[k]!;
        ids.add(d.id);
        struck.add(d.id);
        if (f.repeatMs && d.at + f.repeatMs < f.to) insert(due, k + 1, { id: d.id, at: d.at + f.repeatMs });
      }
      fig.struck += ids.size;
      run.blameQueue(f.index);
      dropNow(run, f, fig, ids);
      next();
    });
  };
  next();
  return () => struck.size;
}

/** The devices of the drop this part walks. */
export function ownDevices(f: DropFault, own: ReadonlySet<string> | undefined): string[] {
  const all = [...(f.devices ?? [])];
  return own ? all.filter((id) => own.has(id)) : all;
}

/** Cuts the devices' connections now, or after `silentMs` of a blackhole. */
function dropNow(run: FaultRunner, f: DropFault, fig: NetworkFaultFigures, ids: Set<string> | undefined): void {
  const proxy = run.deps.proxy!;
  const scope = ids ? { ids } : undefined;
  run.inForce(fig);
  run.noteInFlight(fig, scope);
  const cut = () => {
    run.inForce(fig);
    const gone = proxy.cut(scope, f.index);
    fig.connectionsCut += gone.length;
    // over HTTP a group's sockets are known by one of its devices: whose were not open is not known
    if (ids && !run.deps.grouped) fig.notConnected += ids.size - new Set(gone).size;
  };
  if (f.silentMs <= 0) return cut();
  const before = proxy.counters().blackholedBytes;
  const hole = proxy.partition(scope, 'blackhole', f.index);
  const silence = {
    lift: () => {
      run.releaseSilence(silence);
      hole.lift();
      fig.blackholedBytes += proxy.counters().blackholedBytes - before;
    },
  };
  run.holdSilence(silence);
  run.after(f.silentMs, () => {
    silence.lift();
    cut();
  });
}

/** Inserts `item` into `list` (sorted by `at`) at or after `from`. */
function insert(list: { id: string; at: number }[], from: number, item: { id: string; at: number }): void {
  let i = from;
  while (i < list.length && list[i]!.at <= item.at) i++;
  list.splice(i, 0, item);
}
