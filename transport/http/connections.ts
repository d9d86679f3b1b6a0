/**
 * The HTTP transport's connections: the shared undici Pool, a pool per group of devices a network
 * fault strikes apart from the rest, and with a client certificate per device each device's own
 * connection presenting its own identity. Also the preflight probe, which needs the same TLS.
 */
import type { Socket } from 'node:net';
import { buildConnector, Client, Pool, type Dispatcher } from 'undici';
import { TargetUnreachableError } from '../../protocol/errors.js';
import type { Batch, HttpTransportOptions } from './options.js';

export class HttpConnections {
  readonly origin: string;
  private readonly pool: Pool;
  private readonly groups = new Map<string, Pool>();
  /** Each device's own connection, when devices present their own certificates. */
  private readonly deviceClients = new Map<string, { client: Client; finished: boolean }>();
  /** Most connections open at once (the pool's size, or the most devices with their own). */
  peak: number;

  constructor(private readonly opts: HttpTransportOptions) {
    this.origin = new URL(opts.url).origin;
    const connections = opts.connections ?? 64;
    this.pool = new Pool(this.origin, {
      ...this.timing(),
      connections,
      pipelining: opts.pipelining ?? 1,
      ...(opts.tls ? { connect: this.tlsConnect(undefined) } : {}),
    });
    this.peak = opts.tls?.identityFor ? 0 : connections;
  }

  private timing() {
    const t = this.opts.timeoutMs ?? 30_000;
    return { headersTimeout: t, bodyTimeout: t, keepAliveTimeout: 60_000 };
  }

  /** undici connect options for TLS: the CA bundle, the server check, a device's identity. */
  private tlsConnect(deviceId: string | undefined): Record<string, unknown> {
    const tls = this.opts.tls!;
    const me = deviceId !== undefined ? tls.identityFor?.(deviceId) : undefined;
    return {
      ...(tls.ca ? { ca: tls.ca } : {}),
      rejectUnauthorized: tls.rejectUnauthorized,
      ...(me ? { cert: me.cert, key: me.key } : {}),
    };
  }

  /** undici's connect option, every socket claimed as `owner`'s when the fault proxy asks. */
  private connectOf(owner: string, tlsFor: string | undefined): Record<string, unknown> | buildConnector.connector {
    const tls = this.opts.tls ? this.tlsConnect(tlsFor) : {};
    const claims = this.opts.portOwners;
    if (!claims) return tls;
    const connector = buildConnector(tls);
    return (options, callback) =>
      connector(options, (err, sock) => {
        if (sock) claims.claim(sock as Socket, owner);
        (callback as (e: Error | null, s: typeof sock) => void)(err, sock);
      });
  }

  /** The shared pool, or the pool of the device's group. */
  private poolOf(deviceId: string | undefined): Pool {
    const g = deviceId === undefined ? undefined : this.opts.groupOf?.(deviceId);
    if (g === undefined) return this.pool;
    let p = this.groups.get(g);
    if (!p) {
      p = new Pool(this.origin, {
        ...this.timing(),
        connections: Math.max(2, Math.ceil((this.opts.connections ?? 64) / 4)),
        pipelining: this.opts.pipelining ?? 1,
        connect: this.connectOf(g, undefined),
      });
      this.groups.set(g, p);
    }
    return p;
  }

  /** The dispatcher a batch goes through: its device's own connection, or a pool. */
  of(b: Batch): Dispatcher {
    if (b.via === undefined) return this.poolOf(b.devices[0]);
    let c = this.deviceClients.get(b.via);
    if (!c) {
      c = {
        client: new Client(this.origin, { ...this.timing(), pipelining: 1, connect: this.connectOf(b.via, b.via) }),
        finished: false,
      };
      this.deviceClients.set(b.via, c);
      if (this.deviceClients.size > this.peak) this.peak = this.deviceClients.size;
    }
    return c.client;
  }

  /** Marks a device's own connection as no longer needed; true when it had one. */
  finish(deviceId: string): boolean {
    const c = this.deviceClients.get(deviceId);
    if (c) c.finished = true;
    return c !== undefined;
  }

  /** True when the device's own connection waits only for its last report to be settled. */
  finished(deviceId: string): boolean {
    return this.deviceClients.get(deviceId)?.finished === true;
  }

  /** A device's own connection goes (pooled connections stay). */
  endDevice(deviceId: string): void {
    const c = this.deviceClients.get(deviceId);
    if (!c) return;
    this.deviceClients.delete(deviceId);
    this.opts.tls?.forget(deviceId);
    void c.client.close().catch(() => undefined);
  }

  /** Connections open now. */
  open(): number {
    if (this.opts.tls?.identityFor) return this.deviceClients.size;
    return (this.pool.stats as { connected: number }).connected;
  }

  async close(): Promise<void> {
    await Promise.all([
      this.pool.close(),
      ...[...this.groups.values()].map((p) => p.close()),
      ...[...this.deviceClients.values()].map((c) => c.client.close()),
    ]);
    this.deviceClients.clear();
  }

  /**
   * Any HTTP answer to GET /healthz means the target is there (a service of the user's may well
   * answer 404); a TLS failure says what to fix. With client certificates the probe presents one
   * minted for "fleetsim-preflight", as a device would.
   */
  async preflight(): Promise<void> {
    const minted = this.opts.tls?.identityFor;
    const probe = minted ? new Client(this.origin, { connect: this.tlsConnect('fleetsim-preflight') }) : this.pool;
    try {
      const res = await probe.request({ method: 'GET', path: '/healthz' });
      await res.body.dump();
    } catch (err) {
      const e = err as Error & { code?: string };
      const tls = /CERT|SSL|TLS|self.signed|certificate/i.test(`${e.code ?? ''} ${e.message}`);
      throw new TargetUnreachableError(
        tls
          ? `The TLS handshake with ${this.origin} failed: ${e.message}${e.code ? ` (${e.code})` : ''}. Give the CA that signed the server's certificate in tls.ca, check the client certificates (tls.clientCerts), or set tls.insecure for a test system.`
          : `Cannot reach the HTTP target ${this.origin}: ${e.message}. Check that an ingestion endpoint listens there (fleetsim serve starts one), or run without --target to use the embedded endpoint.`,
      );
    } finally {
      if (probe !== this.pool) await probe.close().catch(() => undefined);
      this.opts.tls?.forget('fleetsim-preflight');
    }
  }
}
