/**
 * The fault proxy: a small TCP proxy on node:net that fleetsim starts on loopback in front of a
 * broker or HTTP service it does not own, so network faults reach systems it cannot kill or slow
 * itself. Toxiproxy is the anchor for what each fault means (docs/faults.md): `cut` resets
 * connections (its `reset_peer`), a `refuse` partition resets every connect of its scope (its
 * proxy `down`, per cohort), a `blackhole` partition holds connections open and passes nothing
 * (its `timeout` with timeout 0), and a shaping adds latency, jitter and a bandwidth limit
 * (its `latency` and `bandwidth`). Toxiproxy itself is a Go server that Debian does not package,
 * and the npm proxies found do plain forwarding; what fleetsim needs on top is knowing whose
 * connection is whose (the MQTT CONNECT's client id, or the source port the devices' transport
 * says is a device's), which none offers, and which fault a reconnect followed.
 */
import { createServer, connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { systemClock, type Clock } from '../../core/clock.js';
import { CauseBook } from './causes.js';
import { firstChunk, openConn, type Conn } from './conn.js';
import type { Shaping } from './lane.js';
import { inScope, ProxyRules, type Direction, type Scoped } from './rules.js';
import type { CauseCounters, FaultProxyOptions, Lifting, PartitionMode, ProxyCounters, ProxyScope } from './types.js';

export type { Shaping } from './lane.js';
export type * from './types.js';

export class FaultProxy {
  private readonly server: Server;
  private readonly conns = new Set<Conn>();
  private readonly rules = new ProxyRules();
  private readonly clock: Clock;
  private readonly randomFor: ((key: string) => () => number) | undefined;
  private readonly causes = new CauseBook();
  /** Connections of each owner so far (a lane's seeded jitter is keyed by it). */
  private readonly ordinals = new Map<string, number>();
  /** The target's side closing a connection now is this fault's doing (an endpoint restart). */
  private upstreamBlame: number | undefined;
  private readonly c: Omit<ProxyCounters, 'open' | 'publishes' | 'dupPublishes'> = {
    accepted: 0,
    connectionsCut: 0,
    refusedConnects: 0,
    bytesUp: 0,
    bytesDown: 0,
    delayedChunks: 0,
    delayedBytes: 0,
    blackholedBytes: 0,
  };
  /** PUBLISH counts of connections already closed. */
  private closedPublishes = { publishes: 0, dupPublishes: 0 };

  private constructor(private readonly opts: FaultProxyOptions) {
    this.clock = opts.clock ?? systemClock;
    this.randomFor = opts.randomFor;
    this.server = createServer((s) => this.accept(s));
  }

  static async start(opts: FaultProxyOptions): Promise<FaultProxy> {
    const p = new FaultProxy(opts);
    await new Promise<void>((resolve, reject) => {
      p.server.once('error', reject);
      p.server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
        p.server.off('error', reject);
        resolve();
      });
    });
    return p;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get host(): string {
    return this.opts.host ?? '127.0.0.1';
  }

  /** The target URL with its host and port replaced by the proxy's. */
  urlFor(targetUrl: string): string {
    const u = new URL(targetUrl);
    u.hostname = this.host;
    u.port = String(this.port);
    return u.toString().replace(/\/$/, targetUrl.endsWith('/') ? '/' : '');
  }

  /** Resets every connection in scope now; returns the client ids (or source ports) it cut.
   * `cause` (a fault's index) is what the owners' reconnects are counted under. */
  cut(scope?: ProxyScope, cause?: number): string[] {
    const cut: string[] = [];
    for (const conn of [...this.conns]) {
      if (!inScope(scope, this.scoped(conn))) continue;
      cut.push(this.owner(conn) ?? `port ${conn.sourcePort}`);
      this.blame(conn, cause);
      this.reset(conn);
      this.c.connectionsCut++;
    }
    return cut;
  }

  /** The owners of the connections in scope now, each with when its oldest one opened (the
   * clock's ms): what a fault striking them now catches in flight was sent since. */
  openSince(scope?: ProxyScope): Map<string, number> {
    const out = new Map<string, number>();
    for (const conn of this.conns) {
      const owner = this.owner(conn);
      if (owner === undefined || !inScope(scope, this.scoped(conn))) continue;
      out.set(owner, Math.min(out.get(owner) ?? Number.POSITIVE_INFINITY, conn.openedAt));
    }
    return out;
  }

  /** The scope cannot reach the target until lifted: `refuse` resets its connections and every
   * new connect, `blackhole` keeps them open and passes nothing either way. */
  partition(scope: ProxyScope | undefined, mode: PartitionMode, cause?: number): Lifting {
    const remove = this.rules.partition({ scope, value: mode, cause });
    if (mode === 'refuse') this.cut(scope, cause);
    else this.restate();
    return { lift: () => this.lifted(remove) };
  }

  /** Until called again with undefined, a connection the target closes (or cannot be opened to)
   * is `cause`'s doing: an endpoint restart. */
  blameUpstream(cause: number | undefined): void {
    this.upstreamBlame = cause;
  }

  /** Reconnects and DUP resends that followed each fault, by the cause it was given. */
  byCause(): ReadonlyMap<number, Readonly<CauseCounters>> {
    return this.causes.all();
  }

  /** Latency, jitter and bandwidth on the scope's connections, `up` (to the target), `down` or both. */
  shape(scope: ProxyScope | undefined, shaping: Shaping, direction: Direction = 'both'): Lifting {
    const remove = this.rules.shape({ scope, value: { shaping, direction } });
    this.restate();
    return { lift: () => this.lifted(remove) };
  }

  counters(): ProxyCounters {
    const live = { ...this.closedPublishes };
    for (const conn of this.conns) {
      live.publishes += conn.publishes?.publishes ?? 0;
      live.dupPublishes += conn.publishes?.dupPublishes ?? 0;
    }
    return { ...this.c, open: this.conns.size, ...live };
  }

  async close(): Promise<void> {
    for (const conn of [...this.conns]) this.reset(conn);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private lifted(remove: () => void): void {
    remove();
    this.restate();
  }

  private accept(client: Socket): void {
    this.c.accepted++;
    const sourcePort = client.remotePort ?? 0;
    const mqtt = this.opts.protocol === 'mqtt';
    const upstream = netConnect({ host: this.opts.target.host, port: this.opts.target.port });
    const conn = openConn(client, upstream, sourcePort, mqtt, this.c, this.clock);
    this.conns.add(conn);
    const gone = () => {
      // a device that gave up on a silent link and closed it: the blackhole's doing
      if (this.conns.has(conn)) this.blame(conn, conn.holeCause);
      this.gone(conn);
    };
    const upstreamGone = () => {
      if (this.conns.has(conn)) this.blame(conn, this.upstreamBlame);
      this.gone(conn);
    };
    client.on('error', gone).on('close', gone);
    upstream.on('error', upstreamGone).on('close', upstreamGone);
    upstream.on('data', (b: Buffer) => {
      if (conn.cause !== undefined && !conn.answered) this.causes.confirmed(this.owner(conn), conn.cause);
      conn.answered = true;
      conn.down.push(b);
    });
    client.on('data', (b: Buffer) => this.fromClient(conn, b));
  }

  /** The first chunk says whose the connection is (an MQTT CONNECT is read whole first; TLS,
   * WebSocket and HTTP are looked up by source port); until then nothing is passed on. */
  private fromClient(conn: Conn, b: Buffer): void {
    if (conn.held) {
      const held = firstChunk(conn, b);
      if (!held) return;
      if (this.refused(conn)) return;
      this.live(conn);
      this.state(conn);
      b = held;
    }
    const p = conn.publishes;
    if (p) {
      const dups = p.dupPublishes;
      p.feed(b);
      if (conn.cause !== undefined && p.dupPublishes > dups) this.causes.resent(conn.cause, p.dupPublishes - dups);
    }
    conn.up.push(b);
  }

  /** A refuse partition covers this new connection: reset it before anything reaches the target. */
  private refused(conn: Conn): boolean {
    const rule = this.rules.refusing(this.scoped(conn));
    if (!rule) return false;
    this.c.refusedConnects++;
    this.blame(conn, rule.cause);
    this.reset(conn);
    return true;
  }

  /** The connection got through: a reconnect of the fault that closed its owner's last one, and
   * its lanes' jitter drawn from the owner's own seeded stream. */
  private live(conn: Conn): void {
    const owner = this.owner(conn);
    conn.cause = this.causes.peek(owner);
    if (!this.randomFor) return;
    const key = owner ?? `port ${conn.sourcePort}`;
    const n = (this.ordinals.get(key) ?? 0) + 1;
    this.ordinals.set(key, n);
    conn.up.random = this.randomFor(`${key}#${n}/up`);
    conn.down.random = this.randomFor(`${key}#${n}/down`);
  }

  /** Whose connection it is: the CONNECT's client id, or what the transport says of its port. */
  private owner(conn: Conn): string | undefined {
    // the transport's claim first: a CONNECT's client id may follow a target's pattern
    conn.owner ??= this.opts.owners?.ownerOf(conn.sourcePort);
    return conn.owner ?? conn.identity;
  }

  /** The connection is closed by `cause`: its owner's next connection that gets through is a reconnect of it. */
  private blame(conn: Conn, cause: number | undefined): void {
    if (cause !== undefined) this.causes.closed(this.owner(conn), cause, conn.answered);
  }

  private restate(): void {
    for (const conn of this.conns) if (!conn.held) this.state(conn);
  }

  /** Applies the blackholes and shapings that cover the connection (the latest shaping wins). */
  private state(conn: Conn): void {
    const c = this.scoped(conn);
    const hole = this.rules.blackholing(c);
    conn.holeCause = hole?.cause;
    conn.up.blackhole(hole !== undefined);
    conn.down.blackhole(hole !== undefined);
    const shaping = this.rules.shapingOf(c);
    conn.up.shaping = shaping.up;
    conn.down.shaping = shaping.down;
    conn.up.unshaped();
    conn.down.unshaped();
  }

  private scoped(conn: Conn): Scoped {
    return { sourcePort: conn.sourcePort, owner: this.owner(conn) };
  }

  /** A TCP RST to the client, as a dropped link looks to a device; the target's side just closes. */
  private reset(conn: Conn): void {
    conn.holeCause = undefined;
    if (!conn.client.destroyed) conn.client.resetAndDestroy();
    conn.upstream.destroy();
    this.gone(conn);
  }

  private gone(conn: Conn): void {
    if (!this.conns.delete(conn)) return;
    conn.up.close();
    conn.down.close();
    conn.client.destroy();
    conn.upstream.destroy();
    this.closedPublishes.publishes += conn.publishes?.publishes ?? 0;
    this.closedPublishes.dupPublishes += conn.publishes?.dupPublishes ?? 0;
  }
}
