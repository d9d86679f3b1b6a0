/**
 * HTTP transport: an undici Pool with keep-alive (and pipelining, when asked) to the ingestion
 * endpoint, `POST /v1/events` or the method and path of the target's wire. With `batch > 1` the
 * events sent in one turn of the event loop go out together as a JSON array, up to `batch` per
 * request. 429 and 503 answers, timeouts and dropped connections are retried with backoff,
 * honouring Retry-After; ingestion is idempotent by (device, app, seq), so a retry can never
 * count an event twice. A device has one report in flight at a time, in seq order, as a real
 * agent does (device-order.ts). With a client certificate per device, each device has its own
 * connection presenting its own identity.
 */
import type { Socket } from 'node:net';
import { buildConnector, Client, Pool, type Dispatcher } from 'undici';
import { HTTP_EVENTS_PATH } from '../../protocol/topics.js';
import { TargetUnreachableError, UsageError } from '../../protocol/errors.js';
import { backoffDelay, retryAfterMs, type BackoffOptions } from '../backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import {
  emptyStats,
  SendError,
  type SendDone,
  type SocketClaims,
  type Transport,
  type TransportStats,
} from '../types.js';
import type { TlsSettings } from '../tls/tls-options.js';
import { DeviceOrder } from './device-order.js';

export interface HttpTransportOptions {
  /** Origin of the endpoint, e.g. http://127.0.0.1:8080 */
  url: string;
  /** @default 64 */
  connections?: number;
  /** The group whose own pool a device's requests go in (devices a network fault strikes apart
   * from the rest); undefined, the shared pool. */
  groupOf?: ((deviceId: string) => string | undefined) | undefined;
  /** Where every socket is claimed as its group's (or device's): the fault proxy's port owners. */
  portOwners?: SocketClaims | undefined;
  /** Requests in flight per connection. @default 1 */
  pipelining?: number;
  token?: string;
  /** A bearer token per device (scenario auth, mode device); needs batch 1. */
  bearerFor?: (deviceId: string) => string;
  /** Per-request timeout for the headers and for the body. @default 30000 */
  timeoutMs?: number;
  /** Most events per POST; 1 sends each event alone. @default 1 */
  batch?: number;
  /** Attempts after the first for 429/503, timeouts and dropped connections. @default 5 */
  maxRetries?: number;
  /** @default { baseMs: 200, maxMs: 10000 } */
  retryBackoff?: BackoffOptions;
  /** Longest Retry-After honoured, ms; a longer one fails the event. @default 60000 */
  maxRetryAfterMs?: number;
  /** Times retries and reads the date a Retry-After is relative to. @default systemClock */
  clock?: Clock;
  /** @default "POST" */
  method?: string;
  /** The path of every request, unless `send` is given one. @default "/v1/events" */
  path?: string;
  /** @default "application/json" */
  contentType?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  /** CA bundle, server check, client certificates per device. */
  tls?: TlsSettings;
  /** One report in flight per device, in seq order. false only for fault injection. @default true */
  ordered?: boolean;
  /** A device that cannot reach the target (connection refused or reset) keeps its report and
   * tries again with backoff for as long as that lasts, as an agent's offline queue does, instead
   * of giving up after maxRetries; timeouts and 429/503 still count. @default false */
  retryWhileOffline?: boolean;
}

/** Errors that say the target cannot be reached now, not that it is slow or refused the report. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/** A report waiting for its device's previous one. */
interface Queued {
  payload: string;
  done: SendDone;
  path: string;
}

/** Events that travel in one request, and how often it has been tried. */
export interface Batch {
  body: string;
  path: string;
  /** Headers of this request when they differ per device; the transport's own otherwise. */
  headers?: string[];
  dones: SendDone[];
  /** The device of each report, to release its next one once this is settled. */
  devices: string[];
  /** The device whose own connection carries this request (client certificates). */
  via?: string;
  attempt: number;
}

const RETRY_STATUS = new Set([429, 503]);

export class HttpTransport implements Transport {
  readonly kind = 'http' as const;
  /** DeviceOrder keeps one request in flight per device and batches what waits (device-order.ts). */
  readonly ordersDevices = true;
  private readonly pool: Pool;
  /** A pool per group of devices a network fault strikes apart from the rest. */
  private readonly groups = new Map<string, Pool>();
  private readonly headerList: string[];
  private readonly origin: string;
  private readonly batchMax: number;
  private readonly counters: TransportStats = emptyStats();
  private payloads: string[] = [];
  private dones: SendDone[] = [];
  private batchDevices: string[] = [];
  private readonly method: string;
  private readonly path: string;
  private readonly order: DeviceOrder<Queued> | undefined;
  /** Each device's own connection, when devices present their own certificates. */
  private readonly deviceClients = new Map<string, { client: Client; finished: boolean }>();
  private flushScheduled = false;
  /** Batches waiting to be tried again, by their timer. */
  private readonly retryTimers = new Map<TimerHandle, Batch>();
  private closing: Promise<void> | undefined;
  private readonly clock: Clock;
  onCongestion: (() => void) | undefined;

  constructor(private readonly opts: HttpTransportOptions) {
    const u = new URL(opts.url);
    this.clock = opts.clock ?? systemClock;
    this.origin = u.origin;
    this.method = opts.method ?? 'POST';
    this.path = opts.path ?? HTTP_EVENTS_PATH;
    const connections = opts.connections ?? 64;
    this.pool = new Pool(this.origin, {
      connections,
      pipelining: opts.pipelining ?? 1,
      headersTimeout: opts.timeoutMs ?? 30_000,
      bodyTimeout: opts.timeoutMs ?? 30_000,
      keepAliveTimeout: 60_000,
      ...(opts.tls ? { connect: this.tlsConnect(undefined) } : {}),
    });
    this.counters.peakConnections = opts.tls?.identityFor ? 0 : connections;
    // A flat list, built once: undici takes it as is.
    this.headerList = ['content-type', opts.contentType ?? 'application/json'];
    for (const [k, v] of Object.entries(opts.headers ?? {})) this.headerList.push(k.toLowerCase(), v);
    if (opts.token) this.headerList.push('authorization', `Bearer ${opts.token}`);
    this.batchMax = Math.max(1, opts.batch ?? 1);
    if (opts.bearerFor && this.batchMax > 1) {
      throw new UsageError(
        `HTTP batches of ${this.batchMax} events cannot carry per-device tokens: with auth mode "device" use batch 1, or auth mode "fleet" to batch.`,
      );
    }
    if (opts.tls?.identityFor && this.batchMax > 1) {
      throw new UsageError(
        `HTTP batches of ${this.batchMax} events cannot carry a client certificate per device (a batch rides one connection, one identity): use batch 1 with tls.clientCerts.`,
      );
    }
    this.order =
      opts.ordered === false ? undefined : new DeviceOrder((id, q) => this.start(id, q.payload, q.done, q.path));
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
        connections: Math.max(2, Math.ceil((this.opts.connections ?? 64) / 4)),
        pipelining: this.opts.pipelining ?? 1,
        headersTimeout: this.opts.timeoutMs ?? 30_000,
        bodyTimeout: this.opts.timeoutMs ?? 30_000,
        keepAliveTimeout: 60_000,
        connect: this.connectOf(g, undefined),
      });
      this.groups.set(g, p);
    }
    return p;
  }

  /** The dispatcher a device's request goes through: its own connection, or a pool. */
  private dispatcher(b: Batch): Dispatcher {
    if (b.via === undefined) return this.poolOf(b.devices[0]);
    let c = this.deviceClients.get(b.via);
    if (!c) {
      c = {
        client: new Client(this.origin, {
          pipelining: 1,
          headersTimeout: this.opts.timeoutMs ?? 30_000,
          bodyTimeout: this.opts.timeoutMs ?? 30_000,
          keepAliveTimeout: 60_000,
          connect: this.connectOf(b.via, b.via),
        }),
        finished: false,
      };
      this.deviceClients.set(b.via, c);
      if (this.deviceClients.size > this.counters.peakConnections)
        this.counters.peakConnections = this.deviceClients.size;
    }
    return c.client;
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

  send(deviceId: string, _appId: string, payload: string, done: SendDone, path?: string): void {
    if (this.order) this.order.submit(deviceId, { payload, done, path: path ?? this.path });
    else this.start(deviceId, payload, done, path ?? this.path);
  }

  /** The device's report goes out now: alone, or into the batch being filled. */
  private start(deviceId: string, payload: string, done: SendDone, path: string): void {
    if (this.batchMax === 1) {
      const bearer = this.opts.bearerFor?.(deviceId);
      this.post({
        body: payload,
        path,
        dones: [done],
        devices: [deviceId],
        attempt: 0,
        ...(bearer ? { headers: [...this.headerList, 'authorization', `Bearer ${bearer}`] } : {}),
        ...(this.opts.tls?.identityFor ? { via: deviceId } : {}),
      });
      return;
    }
    this.payloads.push(payload);
    this.dones.push(done);
    this.batchDevices.push(deviceId);
    if (this.payloads.length >= this.batchMax) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.payloads.length === 0) return;
    const body = this.payloads.length === 1 ? this.payloads[0]! : `[${this.payloads.join(',')}]`;
    const dones = this.dones;
    const devices = this.batchDevices;
    this.payloads = [];
    this.dones = [];
    this.batchDevices = [];
    this.post({ body, path: this.path, dones, devices, attempt: 0 });
  }

  /** One request per batch through undici's dispatch API: no promise or stream per request. */
  private post(b: Batch): void {
    if (this.order) for (const id of b.devices) this.order.dispatched(id);
    this.dispatcher(b).dispatch(
      { method: this.method, path: b.path, headers: b.headers ?? this.headerList, body: b.body },
      new PostHandler(this, b) as unknown as Dispatcher.DispatchHandler,
    );
  }

  /** Settles every report of a batch and lets each device's next report go. */
  private settle(b: Batch, err: SendError | undefined): void {
    for (const d of b.dones) d(err);
    if (this.order) for (const id of b.devices.length > 1 ? new Set(b.devices) : b.devices) this.order.settled(id);
    if (b.via !== undefined) {
      const c = this.deviceClients.get(b.via);
      if (c?.finished && (!this.order || this.order.idle(b.via))) this.endDevice(b.via);
    }
  }

  /** The answer to one request (PostHandler calls it once). */
  answered(b: Batch, status: number, retryAfter: string | undefined, text: string): void {
    if (status >= 200 && status < 300) return this.settle(b, undefined);
    if (RETRY_STATUS.has(status)) {
      this.onCongestion?.();
      const asked = retryAfterMs(retryAfter, this.clock.now());
      const cap = this.opts.maxRetryAfterMs ?? 60_000;
      if (asked !== undefined && asked > cap) {
        return this.fail(
          b,
          new SendError(
            `HTTP ${status} from ${this.origin}: Retry-After ${Math.round(asked / 1000)} s is over the ${cap / 1000} s limit`,
            'overload',
          ),
        );
      }
      return this.retry(
        b,
        asked,
        new SendError(`HTTP ${status} from ${this.origin}${b.path}: ${text.slice(0, 200)}`, 'overload'),
      );
    }
    this.fail(
      b,
      new SendError(`HTTP ${status} from ${this.method} ${this.origin}${b.path}: ${text.slice(0, 300)}`, 'refused'),
    );
  }

  /** The request failed before an answer: a timeout, a dropped connection, a closed pool. */
  errored(b: Batch, err: Error & { code?: string }): void {
    const timeout = err.code === 'UND_ERR_HEADERS_TIMEOUT' || err.code === 'UND_ERR_BODY_TIMEOUT';
    if (timeout) {
      this.counters.timeouts++;
      this.onCongestion?.();
    }
    if (err.code === 'UND_ERR_DESTROYED' || err.code === 'UND_ERR_CLOSED')
      return this.fail(b, new SendError(err.message, 'network'));
    this.retry(
      b,
      undefined,
      new SendError(`${err.code ?? 'error'} from ${this.origin}: ${err.message}`, timeout ? 'timeout' : 'network'),
      this.opts.retryWhileOffline === true && UNREACHABLE.has(err.code ?? ''),
    );
  }

  private retry(b: Batch, delayMs: number | undefined, err: SendError, offline = false): void {
    if (!offline && b.attempt >= (this.opts.maxRetries ?? 5)) return this.fail(b, err);
    const wait = delayMs ?? backoffDelay(b.attempt, this.opts.retryBackoff ?? { baseMs: 200, maxMs: 10_000 });
    b.attempt++;
    this.counters.retries++;
    const t = this.clock.setTimeout(() => {
      this.retryTimers.delete(t);
      this.post(b);
    }, wait);
    this.retryTimers.set(t, b);
  }

  private fail(b: Batch, err: SendError): void {
    this.settle(b, err);
  }

  /** Pooled connections stay; a device's own connection goes once its last report is settled. */
  deviceDone(deviceId: string): void {
    const c = this.deviceClients.get(deviceId);
    if (!c) return;
    c.finished = true;
    if (!this.order || this.order.idle(deviceId)) this.endDevice(deviceId);
  }

  private endDevice(deviceId: string): void {
    const c = this.deviceClients.get(deviceId);
    if (!c) return;
    this.deviceClients.delete(deviceId);
    this.opts.tls?.forget(deviceId);
    void c.client.close().catch(() => undefined);
  }

  connections(): number {
    if (this.opts.tls?.identityFor) return this.deviceClients.size;
    return (this.pool.stats as { connected: number }).connected;
  }

  stats(): TransportStats {
    return { ...this.counters };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.flush();
      // A batch waiting for its next attempt fails now: close() settles every event.
      for (const [t, b] of this.retryTimers) {
        this.clock.clearTimeout(t);
        this.fail(b, new SendError('the HTTP transport closed before the next attempt', 'network'));
      }
      this.retryTimers.clear();
      for (const q of this.order?.drain() ?? [])
        q.done(new SendError('the HTTP transport closed before this report could be sent', 'network'));
      await Promise.all([
        this.pool.close(),
        ...[...this.groups.values()].map((p) => p.close()),
        ...[...this.deviceClients.values()].map((c) => c.client.close()),
      ]);
      this.deviceClients.clear();
    })();
    return this.closing;
  }
}

/**
 * undici's core (legacy) dispatch handler for one POST: Pool.dispatch takes this shape as is.
 * It keeps the body only when it explains a failure.
 */
class PostHandler {
  private status = 0;
  private retryAfter: string | undefined;
  private text = '';

  constructor(
    private readonly t: HttpTransport,
    private readonly b: Batch,
  ) {}

  onConnect(): void {}

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.status = statusCode;
    if (statusCode >= 300) {
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        if (rawHeaders[i]!.toString('latin1').toLowerCase() === 'retry-after')
          this.retryAfter = rawHeaders[i + 1]!.toString('latin1');
      }
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.status >= 300 && this.text.length < 1000) this.text += chunk.toString('utf8');
    return true;
  }

  onComplete(): void {
    this.t.answered(this.b, this.status, this.retryAfter, this.text);
  }

  onError(err: Error): void {
    this.t.errored(this.b, err);
  }
}
