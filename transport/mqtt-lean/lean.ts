/**
 * The lean MQTT transport: device connections written on mqtt-packet frames straight to sockets,
 * as autocannon writes its own HTTP client. Same contract as the mqtt.js transport (one
 * connection per device with its clientId, will, keepalive, clean or persistent session, or a
 * few shared connections; QoS 0/1/2; reconnect with backoff and resend with DUP; TLS; WebSocket),
 * at a fraction of the memory and CPU per device. One timer sweeps every connection for
 * acknowledgement deadlines and keepalive.
 */
import { hash32 } from '../../core/rng.js';
import { TargetUnreachableError } from '../../protocol/errors.js';
import { presenceTopic, statusTopic } from '../../protocol/topics.js';
import { backoffDelay, type BackoffOptions } from '../backoff.js';
import { ConnectGate } from '../connect-gate.js';
import { parseMqttTarget, type MqttTarget } from '../mqtt/connect.js';
import type { Socket } from 'node:net';
import {
  emptyStats,
  SendError,
  type PayloadWriter,
  type SendDone,
  type SocketClaims,
  type Transport,
  type TransportStats,
} from '../types.js';
import { LeanConnection, State, type LeanHost, type OfflineQueue } from './connection.js';
import { connectFrame, publishFrame, statusPublishFrame, topicBytes, type Payload } from './frames.js';
import { openWire, type Wire } from './wire.js';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { OutageLog } from '../outages.js';
import type { TlsSettings } from '../tls/tls-options.js';

/** The preflight probe presents a minted identity as a device would; with certificates read from
 * files there is none for it, and it connects without one. */
function probeIdentity(tls: TlsSettings | undefined, id: string): { cert: string; key: string } | undefined {
  try {
    return tls?.identityFor?.(id);
  } catch {
    return undefined;
  }
}

/** `address` or `address:port` (IPv4) on the target's protocol. */
function destination(target: MqttTarget, to: string): MqttTarget {
  const [host, port] = to.split(':');
  return { ...target, host: host!, ...(port ? { port: Number(port) } : {}) };
}

const TLS_TROUBLE = /CERT|SSL|TLS|self.signed|certificate|alert/i;

export interface LeanMqttOptions {
  url: string;
  /** @default 1 */
  qos?: 0 | 1 | 2;
  /** @default 60 */
  keepaliveSec?: number;
  /** false keeps a persistent session on the broker between a device's connections. @default true */
  clean?: boolean;
  /** A last will on `devices/{id}/presence`. @default true */
  will?: boolean;
  username?: string;
  password?: string;
  credentials?: (clientId: string) => { username: string; password: string };
  /** Bind connections to these source addresses, round-robin; by default connect() chooses. */
  localAddresses?: string[];
  /** Spread connections over these destinations, round-robin: addresses on the target's port, or
   * `address:port` entries (its protocol stays). One source address reaches one destination
   * through ~28,000 ephemeral ports. */
  targetAddresses?: string[];
  sharedConnections?: number;
  /** @default 30000 */
  ackTimeoutMs?: number;
  /** A connection not answered with CONNACK within this is dropped and retried. @default 30000 */
  connectTimeoutMs?: number;
  /** Handshakes in progress at once, apart from the event window. @default 256 */
  maxConnecting?: number;
  /** @default { baseMs: 500, maxMs: 30000 } */
  reconnect?: BackoffOptions;
  insecureTls?: boolean;
  ca?: Buffer | string;
  /** A target's TLS: CA bundle, server check and a client certificate per device; wins over ca/insecureTls. */
  tls?: TlsSettings | undefined;
  /** Where each device's socket is claimed as its (the fault proxy's port owners). */
  portOwners?: SocketClaims | undefined;
  /** The client id of a device's connection (a target's clientId pattern). @default the device id */
  clientIdFor?: ((deviceId: string) => string) | undefined;
  /** A device's username and password (a target's patterns); wins over `credentials`. */
  deviceCredentials?:
    | ((deviceId: string) => { username?: string | undefined; password?: string | undefined })
    | undefined;
  /** Extra headers on the WebSocket upgrade (ws, wss). */
  headers?: Record<string, string> | undefined;
  /** The sweep and reconnect delays, and `now` for deadlines. @default systemClock */
  clock?: Clock;
  /** Bound reports waiting on a device while it is offline (see OfflineQueue). @default unbounded, deadline running */
  offlineQueue?: OfflineQueue;
}

export class LeanMqttTransport implements Transport, LeanHost {
  readonly kind = 'mqtt' as const;
  readonly keepaliveMs: number;
  readonly offlineQueue: OfflineQueue | undefined;
  private readonly target: MqttTarget;
  private readonly targets: MqttTarget[];
  private nextTarget = 0;
  private readonly qos: 0 | 1 | 2;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly devices = new Map<string, LeanConnection>();
  private readonly shared: (LeanConnection | undefined)[] = [];
  private readonly live = new Set<LeanConnection>();
  private readonly gate: ConnectGate<LeanConnection>;
  private readonly counters: TransportStats = emptyStats();
  private readonly outages: OutageLog;
  private readonly closeWaiters: (() => void)[] = [];
  private sweepTimer: TimerHandle | undefined;
  private nextAddress = 0;
  private open_ = 0;
  onCongestion?: (() => void) | undefined;

  constructor(private readonly opts: LeanMqttOptions) {
    this.target = parseMqttTarget(opts.url);
    const spread =
      this.target.protocol === 'mqtt' || this.target.protocol === 'mqtts' ? opts.targetAddresses : undefined;
    this.targets = spread?.length ? spread.map((to) => destination(this.target, to)) : [this.target];
    this.qos = opts.qos ?? 1;
    this.keepaliveMs = (opts.keepaliveSec ?? 60) * 1000;
    this.timeoutMs = opts.ackTimeoutMs ?? 30_000;
    this.clock = opts.clock ?? systemClock;
    this.outages = new OutageLog(() => this.clock.now());
    this.offlineQueue = opts.offlineQueue;
    this.gate = new ConnectGate(opts.maxConnecting ?? 256, (c) => this.startConn(c));
  }

  now(): number {
    return this.clock.now();
  }

  async preflight(): Promise<void> {
    const probe = new LeanConnection(this, `fleetsim-preflight-${process.pid}`, false);
    const ok = await new Promise<string | undefined>((resolve) => {
      const probeHost: LeanHost = {
        ...this.hostFns(),
        released: () => undefined,
        connected: () => resolve(undefined),
        dropped: (_c, err) =>
          resolve(
            err?.message ?? 'connection closed before CONNACK (is it an MQTT broker? are the credentials right?)',
          ),
        closed: () => resolve(probe.refusal ?? 'connection closed before CONNACK'),
        settled: () => undefined,
        resent: () => undefined,
      };
      (probe as { host: LeanHost }).host = probeHost;
      probe.start();
    });
    probe.end();
    this.opts.tls?.forget(probe.clientId);
    if (ok !== undefined) {
      throw new TargetUnreachableError(
        this.target.protocol !== 'mqtt' && TLS_TROUBLE.test(ok)
          ? `The TLS handshake with ${this.opts.url} failed: ${ok}. Give the CA that signed the broker's certificate in tls.ca, check the client certificates (tls.clientCerts), or set tls.insecure for a test system.`
          : `Cannot reach the MQTT target ${this.opts.url}: ${ok}. Check that a broker listens there (fleetsim serve starts one), or run without --target to use the embedded endpoint.`,
      );
    }
  }

  private hostFns(): Pick<LeanHost, 'keepaliveMs' | 'now' | 'open' | 'connectFrameOf'> {
    return {
      keepaliveMs: this.keepaliveMs,
      now: () => this.now(),
      open: (c) => this.open(c),
      connectFrameOf: (c) => this.connectFrameOf(c),
    };
  }

  open(conn: LeanConnection): Wire {
    const addrs = this.opts.localAddresses;
    const tls = this.opts.tls;
    const me = tls && (conn.device ? tls.identityFor?.(conn.clientId) : probeIdentity(tls, conn.clientId));
    return openWire(
      this.targets[this.nextTarget++ % this.targets.length]!,
      {
        localAddress: addrs?.length ? addrs[this.nextAddress++ % addrs.length] : undefined,
        insecureTls: tls ? !tls.rejectUnauthorized : (this.opts.insecureTls ?? false),
        ca: tls?.ca ?? this.opts.ca,
        ...(me ? { cert: me.cert, key: me.key } : {}),
        ...(this.opts.headers ? { headers: this.opts.headers } : {}),
        ...(this.opts.portOwners && conn.device
          ? { claim: (sock: Socket) => this.opts.portOwners!.claim(sock, conn.clientId) }
          : {}),
      },
      conn,
    );
  }

  /** `conn.clientId` is the device's id (its presence topic, its certificate); the CONNECT may
   * carry another client id and per-device credentials from the target's patterns. */
  connectFrameOf(conn: LeanConnection): Buffer {
    const id = conn.clientId;
    const clientId = (conn.device && this.opts.clientIdFor?.(id)) || id;
    const cred = this.opts.credentials?.(clientId);
    const own = conn.device ? this.opts.deviceCredentials?.(id) : undefined;
    return connectFrame({
      clientId,
      keepaliveSec: this.keepaliveMs / 1000,
      clean: this.opts.clean ?? true,
      username: own?.username ?? (cred ? cred.username : this.opts.username),
      password: own?.password ?? (cred ? cred.password : this.opts.password),
      will:
        conn.device && (this.opts.will ?? true)
          ? {
              topic: presenceTopic(id),
              payload: Buffer.from(`{"deviceId":${JSON.stringify(id)},"online":false}`),
              qos: 1,
              retain: false,
            }
          : undefined,
    });
  }

  private startConn(c: LeanConnection): void {
    if (c.state !== State.Idle) return this.gate.release();
    this.open_++;
    if (this.open_ > this.counters.peakConnections) this.counters.peakConnections = this.open_;
    c.start();
    this.ensureSweep();
  }

  resent(n: number): void {
    this.counters.retries += n;
    this.outages.resent(n);
  }

  released(): void {
    this.gate.release();
  }

  connected(c: LeanConnection, again: boolean, sessionPresent: boolean): void {
    this.outages.up(c.clientId);
    if (again) {
      this.counters.reconnects++;
      if (sessionPresent) this.counters.sessionsResumed = (this.counters.sessionsResumed ?? 0) + 1;
    }
  }

  dropped(c: LeanConnection): void {
    this.open_--;
    this.outages.down(c.clientId);
    const delay = backoffDelay(c.attempt++, this.opts.reconnect ?? {});
    c.reconnectTimer = this.clock
      .setTimeout(() => {
        c.reconnectTimer = undefined;
        if (c.state === State.Idle) this.gate.enter(c);
      }, delay)
      .unref();
  }

  closed(c: LeanConnection, hadWire: boolean): void {
    if (c.reconnectTimer !== undefined) this.clock.clearTimeout(c.reconnectTimer);
    if (hadWire) this.open_--;
    this.outages.gone(c.clientId);
    this.live.delete(c);
    this.gate.drop(c);
    c.failAll(new SendError(`connection of ${c.clientId} closed with the event unacknowledged`, 'network'));
    if (this.devices.get(c.clientId) === c) {
      this.devices.delete(c.clientId);
      this.opts.tls?.forget(c.clientId);
    }
    if (this.live.size === 0) for (const w of this.closeWaiters.splice(0)) w();
  }

  queuedOffline(c: LeanConnection, dropped: SendDone | undefined): void {
    if (!dropped) {
      this.counters.offlineQueued = (this.counters.offlineQueued ?? 0) + 1;
      return;
    }
    this.counters.offlineDropped = (this.counters.offlineDropped ?? 0) + 1;
    const q = this.offlineQueue!;
    dropped(
      new SendError(
        `a report of ${c.clientId} was dropped on the device: its offline queue was full (${q.max} reports; overflow ${q.overflow})`,
        'dropped',
      ),
    );
  }

  settled(_c: LeanConnection, done: SendDone, err: Error | undefined, queuedMs?: number): void {
    done(err, queuedMs);
  }

  private conn(deviceId: string): LeanConnection {
    const n = this.opts.sharedConnections;
    if (n !== undefined) {
      const k = hash32(deviceId) % n;
      let c = this.shared[k];
      if (!c) {
        c = new LeanConnection(this, `fleetsim-${process.pid}-shared-${k}`, false);
        this.shared[k] = c;
        this.admit(c);
      }
      return c;
    }
    let c = this.devices.get(deviceId);
    if (!c) {
      c = new LeanConnection(this, deviceId, true);
      this.devices.set(deviceId, c);
      this.admit(c);
    }
    return c;
  }

  private admit(c: LeanConnection): void {
    this.live.add(c);
    this.gate.enter(c);
  }

  /** `route` is the event's topic from the target's wire; fleetsim's own topic otherwise. */
  send(deviceId: string, appId: string, payload: string, done: SendDone, route?: string): void {
    this.publish(deviceId, appId, payload, done, route);
  }

  sendBytes(deviceId: string, appId: string, payload: PayloadWriter, done: SendDone): void {
    this.publish(deviceId, appId, payload, done, undefined);
  }

  private publish(deviceId: string, appId: string, payload: Payload, done: SendDone, route: string | undefined): void {
    const c = this.conn(deviceId);
    const id = this.qos ? c.id() : 0;
    let frame: Buffer;
    if (c.device || route !== undefined) {
      let topic: Buffer;
      // the cache key is the app, or the wire's topic itself (a template may name more than the app)
      const key = route ?? appId;
      if (c.device && c.topicApp === key && c.topic) topic = c.topic;
      else {
        topic = topicBytes(route ?? statusTopic(deviceId, appId));
        if (c.device) {
          c.topicApp = key;
          c.topic = topic;
        }
      }
      frame = publishFrame(topic, payload, this.qos, id);
    } else frame = statusPublishFrame(deviceId, appId, payload, this.qos, id);
    c.send(frame, this.qos, id, done);
  }

  deviceDone(deviceId: string): void {
    if (this.opts.sharedConnections !== undefined) return;
    const c = this.devices.get(deviceId);
    if (!c) return;
    c.finished = true;
    if (c.inflight.live === 0) c.end();
  }

  private ensureSweep(): void {
    if (this.sweepTimer !== undefined) return;
    const every = Math.max(10, Math.min(this.timeoutMs, this.keepaliveMs || this.timeoutMs) / 4);
    // unref: a sweep alone must not keep the process alive
    this.sweepTimer = this.clock.setInterval(() => this.sweep(), every).unref();
  }

  /** Deadlines and keepalive for every connection, and the connect timeout for those opening. */
  sweep(): void {
    const now = this.now();
    const deadline = now - this.timeoutMs;
    let expired = 0;
    const err = () => new SendError(`no acknowledgement within ${this.timeoutMs} ms from ${this.opts.url}`, 'timeout');
    for (const c of this.live) {
      if (c.inflight.live) expired += c.expire(deadline, err);
      c.keepalive(now);
    }
    if (expired) {
      this.counters.timeouts += expired;
      this.onCongestion?.();
    }
  }

  /** Connections open or opening; a device whose link is down waiting for its reconnect is not. */
  connections(): number {
    const all = this.opts.sharedConnections !== undefined ? this.shared.filter(Boolean).length : this.devices.size;
    return Math.max(0, all - this.outages.downNow());
  }

  stats(): TransportStats {
    const outages = this.outages.outages();
    return { ...this.counters, ...(outages.length ? { outages, devicesDown: this.outages.downNow() } : {}) };
  }

  async close(): Promise<void> {
    for (const c of [...this.live]) {
      c.finished = true;
      if (c.inflight.live === 0 || c.state !== State.Connected) c.end();
    }
    this.shared.length = 0;
    if (this.live.size) await new Promise<void>((r) => this.closeWaiters.push(r));
    if (this.sweepTimer !== undefined) this.clock.clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }
}
