/**
 * MQTT transport. By default one mqtt.js client per device (its own clientId, keepalive, clean
 * or persistent session, a last will on its presence topic), so the endpoint sees what a real
 * fleet looks like: a device connects on its first event and disconnects after its last.
 * `sharedConnections` instead carries every device's events over a few connections, for raw
 * ingestion throughput. Every publish has an acknowledgement deadline, so nothing stalls silently.
 */
import type { MqttClient } from 'mqtt';
import { presenceTopic, statusTopic } from '../../protocol/topics.js';
import { TargetUnreachableError } from '../../protocol/errors.js';
import { hash32 } from '../../core/rng.js';
import type { BackoffOptions } from '../backoff.js';
import { Deadlines, type Deadline } from '../deadlines.js';
import { systemClock, type Clock } from '../../core/clock.js';
import { OutageLog } from '../outages.js';
import { createMqttClient, parseMqttTarget, type ClientSpec, type MqttTarget } from './connect.js';
import type { Socket } from 'node:net';
import {
  emptyStats,
  SendError,
  type SendDone,
  type SocketClaims,
  type Transport,
  type TransportStats,
} from '../types.js';
import type { TlsSettings } from '../tls/tls-options.js';
import type { OfflineQueue } from '../mqtt-lean/connection.js';
import { droppedError, overflow, type Waiting } from './offline-queue.js';

export interface MqttTransportOptions {
  url: string;
  /** @default 1 */
  qos?: 0 | 1 | 2;
  /** @default 60 */
  keepaliveSec?: number;
  /** false keeps a persistent session on the broker between a device's connections. @default true */
  clean?: boolean;
  /** Register a last will on `devices/{id}/presence` (sent by the broker if the device vanishes). @default true */
  will?: boolean;
  username?: string;
  password?: string;
  /** Per-client credentials (scenario auth); wins over username/password. */
  credentials?: (clientId: string) => { username: string; password: string };
  /** Spread connections over these source addresses, round-robin. @default the OS's choice */
  localAddresses?: string[];
  /** Carry every device's events over this many connections instead of one per device. */
  sharedConnections?: number;
  /** Fail an event when its PUBACK (QoS 1) or PUBCOMP (QoS 2) takes longer. @default 30000 */
  ackTimeoutMs?: number;
  /** @default 30000 */
  connectTimeoutMs?: number;
  /** @default { baseMs: 500, maxMs: 30000 } */
  reconnect?: BackoffOptions;
  insecureTls?: boolean;
  /** Times the acknowledgement deadlines. @default systemClock */
  clock?: Clock;
  /** The client id of a device's connection (a target's clientId pattern). @default the device id */
  clientIdFor?: (deviceId: string) => string;
  /** A device's username and password (a target's patterns); wins over `credentials`. */
  deviceCredentials?: (deviceId: string) => { username?: string | undefined; password?: string | undefined };
  /** CA bundle, server check and a client certificate per device (mqtts, wss). */
  tls?: TlsSettings;
  /** Extra headers on the WebSocket upgrade (ws, wss). */
  headers?: Record<string, string>;
  /** Set: while a device's connection is down after it was up (or an attempt failed), its
   * reports wait in this bounded queue, in order, and are handed to mqtt.js on CONNACK; their
   * acknowledgement deadline starts then. Unset: mqtt.js's own queue, unbounded. */
  offlineQueue?: OfflineQueue | undefined;
  /** Where each device's socket is claimed as its (the fault proxy's port owners). */
  portOwners?: SocketClaims | undefined;
}

export { presenceTopic };

function newConn(id: string, client: MqttClient): Conn {
  return { id, client, pending: 0, finished: false, closedOnce: false, ending: false, offline: [] };
}

/** The preflight probe presents a minted identity as a device would; with certificates read from
 * files there is none for it, and it connects without one. */
function probeIdentity(tls: TlsSettings | undefined, id: string): { cert: string; key: string } | undefined {
  try {
    return tls?.identityFor?.(id);
  } catch {
    return undefined;
  }
}

/** A connection, how many of its events are still unsettled (queued offline included), and the
 * reports waiting for it to come back. */
interface Conn {
  /** The device it is for ('' for a shared connection). */
  id: string;
  client: MqttClient;
  pending: number;
  finished: boolean;
  /** It has closed once: a connection that is not up now is an outage, not a first handshake. */
  closedOnce: boolean;
  /** The run ends it: its close is no outage. */
  ending: boolean;
  offline: Waiting[];
}

export class MqttTransport implements Transport {
  readonly kind = 'mqtt' as const;
  private readonly target: MqttTarget;
  private readonly devices = new Map<string, Conn>();
  private readonly shared: Conn[] = [];
  private readonly qos: 0 | 1 | 2;
  private readonly closing = new Set<Promise<void>>();
  private readonly deadlines: Deadlines;
  private readonly counters: TransportStats = emptyStats();
  private readonly outages: OutageLog;
  private nextAddress = 0;
  /** Events sent and not yet settled (acknowledged, failed, or expired at their deadline). */
  private unsettled = 0;
  private onSettled: (() => void) | undefined;
  private closingAll: Promise<void> | undefined;

  constructor(private readonly opts: MqttTransportOptions) {
    this.target = parseMqttTarget(opts.url);
    this.qos = opts.qos ?? 1;
    const clock = opts.clock ?? systemClock;
    this.outages = new OutageLog(() => clock.now());
    const timeout = opts.ackTimeoutMs ?? 30_000;
    this.deadlines = new Deadlines(
      timeout,
      (d) => {
        this.counters.timeouts++;
        this.settle(d, new SendError(`no acknowledgement within ${timeout} ms from ${this.opts.url}`, 'timeout'));
      },
      opts.clock,
    );
  }

  async preflight(): Promise<void> {
    const probe = `fleetsim-preflight-${process.pid}`;
    const client = this.client(probe, false);
    client.options.reconnectPeriod = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () =>
          reject(
            new SendError(
              'connection closed before CONNACK (is it an MQTT broker? are the credentials right?)',
              'network',
            ),
          ),
        );
      });
    } catch (err) {
      const e = err as Error & { code?: string };
      throw new TargetUnreachableError(
        /CERT|SSL|TLS|self.signed|certificate/i.test(`${e.code ?? ''} ${e.message}`)
          ? `The TLS handshake with ${this.opts.url} failed: ${e.message}${e.code ? ` (${e.code})` : ''}. Give the CA that signed the broker's certificate in tls.ca, check the client certificates (tls.clientCerts), or set tls.insecure for a test system.`
          : `Cannot reach the MQTT target ${this.opts.url}: ${e.message}. Check that a broker listens there (fleetsim serve starts one), or run without --target to use the embedded endpoint.`,
      );
    } finally {
      this.opts.tls?.forget(probe);
      await client.endAsync(true).catch(() => undefined);
    }
  }

  /** A connection as `deviceId` (a device, or the preflight probe, which presents an identity as a device would). */
  private client(deviceId: string, device: boolean): MqttClient {
    const addrs = this.opts.localAddresses;
    const clientId = this.opts.clientIdFor?.(deviceId) ?? deviceId;
    const cred = this.opts.credentials?.(clientId);
    const own = this.opts.deviceCredentials?.(deviceId);
    const tls = this.opts.tls;
    const me = device ? tls?.identityFor?.(deviceId) : probeIdentity(tls, deviceId);
    const spec: ClientSpec = {
      clientId,
      keepaliveSec: this.opts.keepaliveSec ?? 60,
      clean: this.opts.clean ?? true,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? 30_000,
      username: own?.username ?? (cred ? cred.username : this.opts.username),
      password: own?.password ?? (cred ? cred.password : this.opts.password),
      localAddress: addrs?.length ? addrs[this.nextAddress++ % addrs.length] : undefined,
      reconnect: this.opts.reconnect ?? {},
      insecureTls: tls ? !tls.rejectUnauthorized : (this.opts.insecureTls ?? false),
      ...(tls ? { tls: { ca: tls.ca, cert: me?.cert, key: me?.key } } : {}),
      ...(this.opts.headers ? { headers: this.opts.headers } : {}),
      ...(device && this.opts.portOwners
        ? { claim: (sock: Socket) => this.opts.portOwners!.claim(sock, deviceId) }
        : {}),
      onReconnected: (resumed) => {
        this.counters.reconnects++;
        if (resumed) this.counters.sessionsResumed = (this.counters.sessionsResumed ?? 0) + 1;
      },
    };
    if (device && (this.opts.will ?? true)) {
      spec.will = {
        topic: presenceTopic(deviceId),
        payload: Buffer.from(`{"deviceId":${JSON.stringify(deviceId)},"online":false}`),
        qos: 1,
        retain: false,
      };
    }
    return createMqttClient(this.target, spec);
  }

  private conn(deviceId: string): Conn {
    const n = this.opts.sharedConnections;
    if (n !== undefined) {
      const k = hash32(deviceId) % n;
      let c = this.shared[k];
      if (!c) {
        c = newConn('', this.client(`fleetsim-${process.pid}-shared-${k}`, false));
        this.shared[k] = c;
        this.notePeak();
        this.watch(c);
      }
      return c;
    }
    let conn = this.devices.get(deviceId);
    if (!conn) {
      conn = newConn(deviceId, this.client(deviceId, true));
      this.devices.set(deviceId, conn);
      this.notePeak();
      this.watch(conn);
    }
    return conn;
  }

  /** What was in flight when a connection dropped goes again when it is back (mqtt.js resends
   * its store); what waited in the offline queue goes then, in order. */
  private watch(conn: Conn): void {
    let atDrop = 0;
    const id = conn.id || conn.client.options.clientId || '';
    conn.client.on('close', () => {
      conn.closedOnce = true;
      atDrop = conn.pending - conn.offline.length;
      if (!conn.ending) this.outages.down(id);
    });
    conn.client.on('connect', () => {
      this.counters.retries += atDrop;
      this.outages.up(id);
      this.outages.resent(atDrop);
      atDrop = 0;
      for (const q of conn.offline.splice(0)) this.publish(conn, q.topic, q.payload, q.done);
    });
  }

  private notePeak(): void {
    const n = this.connections();
    if (n > this.counters.peakConnections) this.counters.peakConnections = n;
  }

  /** `topic` comes from the target's wire template; fleetsim's own topic otherwise. */
  send(deviceId: string, appId: string, payload: string, done: SendDone, topic?: string): void {
    const conn = this.conn(deviceId);
    const to = topic ?? statusTopic(deviceId, appId);
    const limit = this.opts.offlineQueue;
    if (limit && conn.closedOnce && !conn.client.connected) {
      const item = { topic: to, payload, done };
      const o = overflow(conn.offline, conn.pending, limit, item);
      if (o.dropped) {
        this.counters.offlineDropped = (this.counters.offlineDropped ?? 0) + 1;
        if (o.dropped !== item) {
          conn.pending--;
          this.unsettled--;
        }
        o.dropped.done(droppedError(deviceId, limit));
      }
      if (!o.queue) return;
      this.counters.offlineQueued = (this.counters.offlineQueued ?? 0) + 1;
      conn.pending++;
      this.unsettled++;
      conn.offline.push(item);
      return;
    }
    conn.pending++;
    this.unsettled++;
    this.publish(conn, to, payload, done);
  }

  /** Hands one report to mqtt.js, its acknowledgement deadline running from now. */
  private publish(conn: Conn, topic: string, payload: string, done: SendDone): void {
    const d: Deadline = this.deadlines.add(done);
    conn.client.publish(topic, payload, { qos: this.qos }, (err) => {
      conn.pending--;
      this.settle(d, err ? new SendError(err.message, 'network') : undefined);
      if (conn.finished && conn.pending === 0) this.end(conn.id, conn);
    });
  }

  private settle(d: Deadline, err: Error | undefined): void {
    if (this.deadlines.settle(d, err) && --this.unsettled === 0) this.onSettled?.();
  }

  /** Ends the device's connection once every event of it is acknowledged: ending while still
   * connecting would drop what mqtt.js queued offline. */
  deviceDone(deviceId: string): void {
    if (this.opts.sharedConnections !== undefined) return;
    const conn = this.devices.get(deviceId);
    if (!conn) return;
    conn.finished = true;
    if (conn.pending === 0) this.end(deviceId, conn);
  }

  /** A graceful end waits for in-flight acknowledgements; events still pending at close have
   * already failed at their deadline, so those connections are closed at once. */
  private end(deviceId: string, conn: Conn): void {
    conn.ending = true;
    this.outages.gone(conn.id || conn.client.options.clientId || '');
    if (this.devices.get(deviceId) === conn) this.devices.delete(deviceId);
    this.opts.tls?.forget(deviceId);
    const p = conn.client
      .endAsync(conn.pending > 0)
      .catch(() => undefined)
      .finally(() => this.closing.delete(p));
    this.closing.add(p);
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

  /** Waits until every event sent is settled (acknowledged, or failed at its deadline), then ends
   * every connection. */
  close(): Promise<void> {
    this.closingAll ??= (async () => {
      if (this.unsettled > 0) await new Promise<void>((resolve) => (this.onSettled = resolve));
      for (const [id, conn] of [...this.devices]) this.end(id, conn);
      for (const c of this.shared.splice(0)) if (c) this.end('', c);
      await Promise.all([...this.closing]);
      this.deadlines.stop();
    })();
    return this.closingAll;
  }
}
