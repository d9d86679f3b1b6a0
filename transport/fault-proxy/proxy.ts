/**
 * The fault proxy: a small TCP proxy on node:net that fleetsim starts on loopback in front of a
 * broker or HTTP service it does not own, so network faults reach systems it cannot kill or slow
 * itself. Toxiproxy is the anchor for what each fault means (docs/faults.md): `cut` resets
 * connections (its `reset_peer`), a `refuse` partition resets every connect of its scope (its
 * proxy `down`, per cohort), a `blackhole` partition holds connections open and passes nothing
 * (its `timeout` with timeout 0), and a shaping adds latency, jitter and a bandwidth limit
 * (its `latency` and `bandwidth`). Toxiproxy itself is a Go server that Debian does not package,
 * and the npm proxies found do plain forwarding; what fleetsim needs on top is knowing whose
 * connection is whose (the MQTT CONNECT's client id, or the source port), which none offers.
 */
import { createServer, connect as netConnect, type AddressInfo, type Server, type Socket } from 'node:net';
import { systemClock, type Clock } from '../../core/clock.js';
import { Lane, type Shaping } from './lane.js';
import { connectClientId, firstFrameLength, PublishCounter } from './mqtt-scan.js';
import type { FaultProxyOptions, Lifting, PartitionMode, ProxyCounters, ProxyScope } from './types.js';

export type { Shaping } from './lane.js';
export type { FaultProxyOptions, Lifting, PartitionMode, ProxyCounters, ProxyScope } from './types.js';

interface Conn {
  client: Socket;
  upstream: Socket;
  sourcePort: number;
  identity: string | undefined;
  /** Bytes from the client held until its CONNECT is read (MQTT). */
  held: Buffer | undefined;
  up: Lane;
  down: Lane;
  publishes: PublishCounter | undefined;
}

interface Rule<T> {
  scope: ProxyScope | undefined;
  value: T;
}

export class FaultProxy {
  private readonly server: Server;
  private readonly conns = new Set<Conn>();
  private readonly partitions: Rule<PartitionMode>[] = [];
  private readonly shapings: Rule<{ shaping: Shaping; direction: 'up' | 'down' | 'both' }>[] = [];
  private readonly clock: Clock;
  private readonly random: () => number;
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
    this.random = opts.random ?? Math.random;
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

  /** Resets every connection in scope now; returns the client ids (or source ports) it cut. */
  cut(scope?: ProxyScope): string[] {
    const cut: string[] = [];
    for (const conn of [...this.conns]) {
      if (!this.matches(scope, conn)) continue;
      cut.push(conn.identity ?? `port ${conn.sourcePort}`);
      this.reset(conn);
      this.c.connectionsCut++;
    }
    return cut;
  }

  /** The scope cannot reach the target until lifted: `refuse` resets its connections and every
   * new connect, `blackhole` keeps them open and passes nothing either way. */
  partition(scope: ProxyScope | undefined, mode: PartitionMode): Lifting {
    const rule: Rule<PartitionMode> = { scope, value: mode };
    this.partitions.push(rule);
    if (mode === 'refuse') this.cut(scope);
    else this.restate();
    return { lift: () => this.remove(this.partitions, rule) };
  }

  /** Latency, jitter and bandwidth on the scope's connections, `up` (to the target), `down` or both. */
  shape(scope: ProxyScope | undefined, shaping: Shaping, direction: 'up' | 'down' | 'both' = 'both'): Lifting {
    const rule = { scope, value: { shaping, direction } };
    this.shapings.push(rule);
    this.restate();
    return { lift: () => this.remove(this.shapings, rule) };
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

  private remove<T>(rules: Rule<T>[], rule: Rule<T>): void {
    const i = rules.indexOf(rule);
    if (i >= 0) rules.splice(i, 1);
    this.restate();
  }

  private accept(client: Socket): void {
    this.c.accepted++;
    const sourcePort = client.remotePort ?? 0;
    const mqtt = this.opts.protocol === 'mqtt';
    const upstream = netConnect({ host: this.opts.target.host, port: this.opts.target.port });
    const conn: Conn = {
      client,
      upstream,
      sourcePort,
      identity: undefined,
      held: mqtt ? Buffer.alloc(0) : undefined,
      up: new Lane(client, upstream, true, this.c, this.clock, this.random),
      down: new Lane(upstream, client, false, this.c, this.clock, this.random),
      publishes: mqtt ? new PublishCounter() : undefined,
    };
    this.conns.add(conn);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const gone = () => this.gone(conn);
    client.on('error', gone).on('close', gone);
    upstream.on('error', gone).on('close', gone);
    upstream.on('data', (b: Buffer) => conn.down.push(b));
    client.on('data', (b: Buffer) => this.fromClient(conn, b));
    if (!mqtt && this.refused(conn)) return;
    this.state(conn);
  }

  private fromClient(conn: Conn, b: Buffer): void {
    if (conn.held) {
      const held = Buffer.concat([conn.held, b]);
      // not a CONNECT (TLS, WebSocket): pass it on unread
      if (held[0]! >> 4 !== 1) conn.publishes = undefined;
      else if (firstFrameLength(held) === 0) {
        conn.held = held;
        return;
      } else conn.identity = connectClientId(held);
      conn.held = undefined;
      if (this.refused(conn)) return;
      this.state(conn);
      b = held;
    }
    conn.publishes?.feed(b);
    conn.up.push(b);
  }

  /** A refuse partition covers this new connection: reset it before anything reaches the target. */
  private refused(conn: Conn): boolean {
    if (!this.partitions.some((r) => r.value === 'refuse' && this.matches(r.scope, conn))) return false;
    this.c.refusedConnects++;
    this.reset(conn);
    return true;
  }

  private restate(): void {
    for (const conn of this.conns) if (!conn.held) this.state(conn);
  }

  /** Applies the blackholes and shapings that cover the connection (the latest shaping wins). */
  private state(conn: Conn): void {
    const hole = this.partitions.some((r) => r.value === 'blackhole' && this.matches(r.scope, conn));
    conn.up.blackhole(hole);
    conn.down.blackhole(hole);
    conn.up.shaping = undefined;
    conn.down.shaping = undefined;
    for (const r of this.shapings) {
      if (!this.matches(r.scope, conn)) continue;
      if (r.value.direction !== 'down') conn.up.shaping = r.value.shaping;
      if (r.value.direction !== 'up') conn.down.shaping = r.value.shaping;
    }
    conn.up.unshaped();
    conn.down.unshaped();
  }

  private matches(scope: ProxyScope | undefined, conn: Conn): boolean {
    if (!scope || (!scope.ids && !scope.ports)) return true;
    if (scope.ports?.has(conn.sourcePort)) return true;
    return conn.identity !== undefined && scope.ids?.has(conn.identity) === true;
  }

  /** A TCP RST to the client, as a dropped link looks to a device; the target's side just closes. */
  private reset(conn: Conn): void {
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
