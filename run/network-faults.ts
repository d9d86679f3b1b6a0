/**
 * Applies a run's network faults on the wall clock of the drive: connection drops (fault-drops.ts),
 * partitions and shapings (latency, jitter, bandwidth) for their window through the fault proxy,
 * and endpoint restarts (fault-restarts.ts). One timer per fault walks its sorted moments, not one
 * per device. What each fault did is kept for the report, counted by the proxy (on the wire) and
 * by the endpoint's restart, never inferred from the plan; what the drive ended before is said.
 */
import type { TimerHandle } from '../core/clock.js';
import type { Lifting, ProxyCounters, ProxyScope } from '../transport/fault-proxy/proxy.js';
import { ownDevices, scheduleDrops } from './fault-drops.js';
import { noteNotInjected } from './fault-not-injected.js';
import { restartNow } from './fault-restarts.js';
import type { NetworkFault, NetworkFaultsDeps, FaultRunner } from './network-fault-types.js';
import type { NetworkFaultFigures } from './network-figures.js';
import { QueueBlame, type QueueCounts } from './offline-queue-blame.js';

export type { NetworkFault, NetworkFaultsDeps } from './network-fault-types.js';
export type { QueueCounts } from './offline-queue-blame.js';

type Window = Pick<ProxyCounters, 'refusedConnects' | 'blackholedBytes' | 'delayedBytes'>;

export class NetworkFaults implements FaultRunner {
  private readonly timers = new Set<TimerHandle>();
  private readonly lifts = new Map<string, Lifting>();
  private readonly figures: NetworkFaultFigures[];
  private readonly windowStart = new Map<string, Window>();
  private readonly pending = new Set<Promise<void>>();
  /** Blackholes of drops whose reset has not come yet. */
  private readonly silences = new Set<{ lift(): void }>();
  /** Per drop fault index: how many of its devices it has struck. */
  private readonly dropsStruck = new Map<number, () => number>();
  private readonly queues = new QueueBlame();
  private t0 = 0;
  private stopped = false;
  private own: ReadonlySet<string> | undefined;

  constructor(
    private readonly faults: readonly NetworkFault[],
    readonly deps: NetworkFaultsDeps,
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
      afterRunEnd: 0,
      strikes: [],
      restarts: [],
      hooks: [],
      error: undefined,
      notInjected: undefined,
      active: undefined,
    }));
  }

  /** Now is within the span the fault was in force. */
  inForce(fig: NetworkFaultFigures): void {
    const now = this.elapsed();
    fig.active = fig.active
      ? { from: Math.min(fig.active.from, now), to: Math.max(fig.active.to, now) }
      : { from: now, to: now };
  }

  private elapsed(): number {
    return this.deps.clock.now() - this.t0;
  }

  /** This part's own devices (a worker or shard of a split run): a drop walks and counts only
   * theirs, the other parts' proxies strike the rest. */
  ownDevices(ids: ReadonlySet<string>): void {
    this.own = ids;
  }

  /** Where the devices' offline-queue counts are read (the run's transport). */
  watchQueues(read: () => QueueCounts): void {
    this.queues.watch(read);
  }

  /** Offline-queue counts by the fault they followed, with `final` the transport's counts at its close. */
  queueCounts(final: QueueCounts): ReadonlyMap<number, QueueCounts> {
    return this.queues.counts(final);
  }

  noteInFlight(fig: NetworkFaultFigures, scope: ProxyScope | undefined): void {
    // over HTTP a connection is a group's, and a request in flight is retried, not lost
    if (this.deps.grouped || !this.deps.proxy) return;
    const open = new Map<string, number>();
    for (const [owner, openedAt] of this.deps.proxy.openSince(scope)) open.set(owner, openedAt - this.t0);
    fig.strikes.push({ at: this.elapsed(), devices: scope?.ids, open });
  }

  blameQueue(index: number): void {
    this.queues.blame(index);
  }

  /** At the drive's start (`t0`, on the clock; default now): every fault scheduled from then. */
  start(t0 = this.deps.clock.now()): void {
    this.t0 = t0;
    for (const [i, f] of this.faults.entries()) this.schedule(f, this.figures[i]!);
  }

  /** At the drive's end: timers cleared, partitions and shapings lifted, a restart under way
   * awaited, and what the end came before noted. */
  async stop(): Promise<NetworkFaultFigures[]> {
    if (this.stopped) {
      await Promise.all([...this.pending]);
      return this.figures;
    }
    this.stopped = true;
    const endedAt = this.elapsed();
    for (const t of this.timers) this.deps.clock.clearTimeout(t);
    this.timers.clear();
    // a drive that ended inside a silence: what it swallowed counts, the reset no longer matters
    for (const silence of [...this.silences]) silence.lift();
    for (const [i, f] of this.faults.entries()) {
      const fig = this.figures[i]!;
      this.endWindow(f, fig);
      this.noteEnd(f, fig, endedAt);
    }
    await Promise.all([...this.pending]);
    for (const fig of this.figures)
      if (fig.notInjected) this.deps.logger?.warn({ fault: fig.name, kind: fig.kind }, fig.notInjected);
    return this.figures;
  }

  private noteEnd(f: NetworkFault, fig: NetworkFaultFigures, endedAt: number): void {
    if (f.kind !== 'connection-drop' || !f.devices) return noteNotInjected(f, fig, endedAt, 0, f.from);
    const mine = ownDevices(f, this.own);
    const struck = this.dropsStruck.get(f.index)?.() ?? 0;
    const first = mine.reduce((m, id) => Math.min(m, f.momentOf(id)), Number.POSITIVE_INFINITY);
    noteNotInjected(f, fig, endedAt, mine.length - struck, first);
  }

  at(wallMs: number, fn: () => void): void {
    if (this.stopped || !Number.isFinite(wallMs)) return;
    this.after(Math.max(0, this.t0 + wallMs - this.deps.clock.now()), fn);
  }

  after(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const t = this.deps.clock.setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  awaitOnStop(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  holdSilence(silence: { lift(): void }): void {
    this.silences.add(silence);
  }

  releaseSilence(silence: { lift(): void }): void {
    this.silences.delete(silence);
  }

  private scope(f: NetworkFault): ProxyScope | undefined {
    return f.devices ? { ids: f.devices } : undefined;
  }

  private schedule(f: NetworkFault, fig: NetworkFaultFigures): void {
    switch (f.kind) {
      case 'connection-drop':
        this.dropsStruck.set(
          f.index,
          scheduleDrops(this, f, fig, this.own, () => this.elapsed()),
        );
        return;
      case 'partition':
        this.at(f.from, () => {
          this.blameQueue(f.index);
          this.noteInFlight(fig, this.scope(f));
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
        this.at(f.from, () => restartNow(this, f, fig));
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
}
