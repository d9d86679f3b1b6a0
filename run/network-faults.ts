/**
 * Applies a run's network faults on the wall clock of the drive: connection drops (each struck
 * device's connection cut at its own moment, again every `repeat`), partitions and shapings
 * (latency, jitter, bandwidth) for their window through the fault proxy, and endpoint restarts
 * (the endpoint process killed and started again, or the user's hook). One timer per fault walks
 * its sorted moments, not one per device. What each fault did is kept for the report, counted by
 * the proxy (on the wire) and by the endpoint's restart, never inferred from the plan.
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type {
  FaultProxy,
  Lifting,
  PartitionMode,
  ProxyCounters,
  ProxyScope,
  Shaping,
} from '../transport/fault-proxy/proxy.js';
import type { EndpointProcess } from './endpoint-process.js';
import type { NetworkFaultFigures } from './network-figures.js';
import { runRestartHook } from './restart-hook.js';
import type { RunLogger } from './run-options.js';

/** One network fault, its window in wall ms from the drive's start. */
export type NetworkFault = {
  /** Its index in the scenario's faults (what the report counts by). */
  index: number;
  name: string;
  from: number;
  /** Infinity: to the end of the drive. */
  to: number;
  /** The devices it strikes (MQTT client ids); undefined: every connection. */
  devices: ReadonlySet<string> | undefined;
} & (
  | {
      kind: 'connection-drop';
      momentOf: (id: string) => number;
      repeatMs: number | undefined;
      /** The link goes silent this long before the reset, as a dying link does. */
      silentMs: number;
    }
  | { kind: 'partition'; mode: PartitionMode }
  | { kind: 'bandwidth' | 'delay'; shaping: Shaping }
  | {
      kind: 'endpoint-restart';
      downMs: number;
      hook: string | undefined;
      hookTimeoutMs: number;
      /** Another process restarts it: here its moment only blames what follows. */
      elsewhere: boolean;
    }
);

type Window = Pick<ProxyCounters, 'refusedConnects' | 'blackholedBytes' | 'delayedBytes'>;

export interface NetworkFaultsDeps {
  proxy: FaultProxy | undefined;
  endpoint: EndpointProcess | undefined;
  clock: Clock;
  logger?: RunLogger | undefined;
  /** HTTP devices in pools of their own per group (network-plan.ts): a cut names the group. */
  grouped?: boolean;
}

export class NetworkFaults {
  private readonly timers = new Set<TimerHandle>();
  private readonly lifts = new Map<string, Lifting>();
  private readonly figures: NetworkFaultFigures[];
  private readonly windowStart = new Map<string, Window>();
  private readonly pending = new Set<Promise<void>>();
  /** Blackholes of drops whose reset has not come yet. */
  private readonly silences = new Set<Lifting>();
  private t0 = 0;
  private stopped = false;
  private own: ReadonlySet<string> | undefined;
  /** The devices' offline-queue counts, read at each disruption: what queued after a fault struck
   * and before the next one is the first's (a device does not say why it was offline). */
  private queueRead: (() => QueueCounts) | undefined;
  private readonly queueShare = new Map<number, QueueCounts>();
  private blamed: { index: number; at: QueueCounts } | undefined;

  constructor(
    private readonly faults: readonly NetworkFault[],
    private readonly deps: NetworkFaultsDeps,
  ) {
    this.figures = faults.map((f) => ({
      index: f.index,
      name: f.name,
      kind: f.kind,
      devices: f.devices?.size,
      struck: 0,
      connectionsCut: 0,
      notConnected: 0,
      refusedConnects: 0,
      blackholedBytes: 0,
      delayedBytes: 0,
      restarts: [],
      hooks: [],
      error: undefined,
      active: undefined,
    }));
  }

  /** Now is within the span the fault was in force. */
  private inForce(fig: NetworkFaultFigures): void {
    const now = this.deps.clock.now() - this.t0;
    fig.active = fig.active
      ? { from: Math.min(fig.active.from, now), to: Math.max(fig.active.to, now) }
      : { from: now, to: now };
  }

  /** This part's own devices (a worker or shard of a split run): a drop walks and counts only
   * theirs, the other parts' proxies strike the rest. */
  ownDevices(ids: ReadonlySet<string>): void {
    this.own = ids;
  }

  /** Where the devices' offline-queue counts are read (the run's transport). */
  watchQueues(read: () => QueueCounts): void {
    this.queueRead = read;
  }

  /** Offline-queue counts by the fault they followed, with `final` the transport's counts at its close. */
  queueCounts(final: QueueCounts): ReadonlyMap<number, QueueCounts> {
    const out = new Map([...this.queueShare].map(([i, q]) => [i, { ...q }]));
    if (this.blamed) addQueue(out, this.blamed.index, final, this.blamed.at);
    return out;
  }

  private blameQueue(index: number): void {
    const now = this.queueRead?.();
    if (!now) return;
    if (this.blamed) addQueue(this.queueShare, this.blamed.index, now, this.blamed.at);
    this.blamed = { index, at: now };
  }

  /** At the drive's start: every fault scheduled from now. */
  start(): void {
    this.t0 = this.deps.clock.now();
    for (const [i, f] of this.faults.entries()) this.schedule(f, this.figures[i]!);
  }

  /** At the drive's end: timers cleared, partitions and shapings lifted, a restart under way awaited. */
  async stop(): Promise<NetworkFaultFigures[]> {
    this.stopped = true;
    for (const t of this.timers) this.deps.clock.clearTimeout(t);
    this.timers.clear();
    // a drive that ended inside a silence: what it swallowed counts, the reset no longer matters
    for (const silence of [...this.silences]) silence.lift();
    for (const [i, f] of this.faults.entries()) this.endWindow(f, this.figures[i]!);
    await Promise.all([...this.pending]);
    return this.figures;
  }

  private at(wallMs: number, fn: () => void): void {
    if (this.stopped || !Number.isFinite(wallMs)) return;
    const t = this.deps.clock.setTimeout(
      () => {
        this.timers.delete(t);
        if (!this.stopped) fn();
      },
      Math.max(0, this.t0 + wallMs - this.deps.clock.now()),
    );
    this.timers.add(t);
  }

  private scope(f: NetworkFault): ProxyScope | undefined {
    return f.devices ? { ids: f.devices } : undefined;
  }

  private schedule(f: NetworkFault, fig: NetworkFaultFigures): void {
    switch (f.kind) {
      case 'connection-drop':
        return this.scheduleDrops(f, fig);
      case 'partition':
        this.at(f.from, () => {
          this.blameQueue(f.index);
          this.open(f, fig, () => this.deps.proxy!.partition(this.scope(f), f.mode, f.index));
        });
        this.at(f.to, () => this.endWindow(f, fig));
        return;
      case 'bandwidth':
      case 'delay':
        this.at(f.from, () => this.open(f, fig, () => this.deps.proxy!.shape(this.scope(f), f.shaping)));
        this.at(f.to, () => this.endWindow(f, fig));
        return;
      case 'endpoint-restart':
        this.at(f.from, () => this.restart(f, fig));
        return;
    }
  }

  /** A window opens: the proxy's counters are read now, and its change is the fault's at the end. */
  private open(f: NetworkFault, fig: NetworkFaultFigures, apply: () => Lifting): void {
    const before = this.deps.proxy!.counters();
    this.windowStart.set(f.name, before);
    this.lifts.set(f.name, apply());
    this.inForce(fig);
    fig.struck++;
    fig.connectionsCut += this.deps.proxy!.counters().connectionsCut - before.connectionsCut;
    this.deps.logger?.info({ fault: f.name, kind: f.kind, devices: fig.devices ?? 'all' }, 'fault window opens');
  }

  private endWindow(f: NetworkFault, fig: NetworkFaultFigures): void {
    const lift = this.lifts.get(f.name);
    const before = this.windowStart.get(f.name);
    if (!lift || !before) return;
    lift.lift();
    this.inForce(fig);
    this.lifts.delete(f.name);
    this.windowStart.delete(f.name);
    const now = this.deps.proxy!.counters();
    fig.refusedConnects += now.refusedConnects - before.refusedConnects;
    fig.blackholedBytes += now.blackholedBytes - before.blackholedBytes;
    fig.delayedBytes += now.delayedBytes - before.delayedBytes;
    this.deps.logger?.info({ fault: f.name, kind: f.kind }, 'fault window closes');
  }

  /** Every struck device's moment, sorted; one timer walks them, cutting what is due in one pass. */
  private scheduleDrops(f: Extract<NetworkFault, { kind: 'connection-drop' }>, fig: NetworkFaultFigures): void {
    if (!f.devices) {
      const pass = (at: number) =>
        this.at(at, () => {
          fig.struck++;
          this.blameQueue(f.index);
          this.dropNow(f, fig, undefined);
          if (f.repeatMs && at + f.repeatMs < f.to) pass(at + f.repeatMs);
        });
      return pass(f.from);
    }
    const mine = this.own ? [...f.devices].filter((id) => this.own!.has(id)) : [...f.devices];
    const due = mine.map((id) => ({ id, at: f.momentOf(id) })).sort((a, b) => a.at - b.at);
    let k = 0;
    const next = () => {
      if (k >= due.length) return;
      this.at(due[k]!.at, () => {
        const now = this.deps.clock.now() - this.t0;
        const ids = new Set<string>();
        for (; k < due.length && due[k]!.at <= now; k++) {
          const d = due[k]!;
          ids.add(d.id);
          if (f.repeatMs && d.at + f.repeatMs < f.to) insert(due, k + 1, { id: d.id, at: d.at + f.repeatMs });
        }
        fig.struck += ids.size;
        this.blameQueue(f.index);
        this.dropNow(f, fig, ids);
        next();
      });
    };
    next();
  }

  /** Cuts the devices' connections now, or after `silentMs` of a blackhole. */
  private dropNow(
    f: Extract<NetworkFault, { kind: 'connection-drop' }>,
    fig: NetworkFaultFigures,
    ids: Set<string> | undefined,
  ): void {
    const proxy = this.deps.proxy!;
    const scope = ids ? { ids } : undefined;
    this.inForce(fig);
    const cut = () => {
      this.inForce(fig);
      const gone = proxy.cut(scope, f.index);
      fig.connectionsCut += gone.length;
      // over HTTP a group's sockets are known by one of its devices: whose were not open is not known
      if (ids && !this.deps.grouped) fig.notConnected += ids.size - new Set(gone).size;
    };
    if (f.silentMs <= 0) return cut();
    const before = proxy.counters().blackholedBytes;
    const hole = proxy.partition(scope, 'blackhole', f.index);
    const silence = {
      lift: () => {
        this.silences.delete(silence);
        hole.lift();
        fig.blackholedBytes += proxy.counters().blackholedBytes - before;
      },
    };
    this.silences.add(silence);
    const t = this.deps.clock.setTimeout(() => {
      this.timers.delete(t);
      silence.lift();
      cut();
    }, f.silentMs);
    this.timers.add(t);
  }

  /** Another process kills and restarts the endpoint now: what the proxy sees close meanwhile is its doing. */
  private restartElsewhere(f: Extract<NetworkFault, { kind: 'endpoint-restart' }>): void {
    this.blameQueue(f.index);
    this.deps.proxy?.blameUpstream(f.index);
    const t = this.deps.clock.setTimeout(() => {
      this.timers.delete(t);
      this.deps.proxy?.blameUpstream(undefined);
    }, f.downMs + RESTART_GRACE_MS);
    this.timers.add(t);
  }

  private restart(f: Extract<NetworkFault, { kind: 'endpoint-restart' }>, fig: NetworkFaultFigures): void {
    if (f.elsewhere) return this.restartElsewhere(f);
    fig.struck++;
    const log = this.deps.logger;
    const p = (async () => {
      if (f.hook !== undefined) {
        log?.warn({ fault: f.name, hook: f.hook }, 'endpoint restart: running the hook');
        this.blameQueue(f.index);
        this.deps.proxy?.blameUpstream(f.index);
        const o = await runRestartHook(f.hook, f.hookTimeoutMs, this.deps.clock);
        this.deps.proxy?.blameUpstream(undefined);
        fig.hooks.push(o);
        if (o.error) {
          fig.error = o.error;
          log?.warn({ fault: f.name, exitCode: o.exitCode, timedOut: o.timedOut, stderr: o.stderr }, o.error);
        }
        return;
      }
      const ep = this.deps.endpoint!;
      log?.warn({ fault: f.name, downMs: f.downMs }, 'endpoint restart: SIGKILL');
      this.inForce(fig);
      this.blameQueue(f.index);
      this.deps.proxy?.blameUpstream(f.index);
      try {
        const r = await ep.restart(f.downMs);
        this.inForce(fig);
        this.deps.proxy?.blameUpstream(undefined);
        fig.restarts.push({ ...r, downMs: r.upAt - r.killedAt });
        log?.info({ fault: f.name, replayed: r.replayed, downMs: r.upAt - r.killedAt }, 'endpoint restarted');
      } catch (err) {
        this.deps.proxy?.blameUpstream(undefined);
        fig.error = `the endpoint did not come back after its restart: ${(err as Error).message}`;
        log?.warn({ fault: f.name }, fig.error);
      }
    })();
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }
}

export interface QueueCounts {
  queued: number;
  dropped: number;
}

function addQueue(into: Map<number, QueueCounts>, index: number, now: QueueCounts, from: QueueCounts): void {
  const q = into.get(index) ?? { queued: 0, dropped: 0 };
  q.queued += now.queued - from.queued;
  q.dropped += now.dropped - from.dropped;
  into.set(index, q);
}

/** How long after a restart elsewhere is due its connections closing are still its doing: its
 * down time, and the time it takes to come back (the process start and its journal). */
const RESTART_GRACE_MS = 5000;

/** Inserts `item` into `list` (sorted by `at`) at or after `from`. */
function insert(list: { id: string; at: number }[], from: number, item: { id: string; at: number }): void {
  let i = from;
  while (i < list.length && list[i]!.at <= item.at) i++;
  list.splice(i, 0, item);
}
