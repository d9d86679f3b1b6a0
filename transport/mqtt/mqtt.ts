/**
 * MQTT transport. By default one mqtt.js client per device (its own clientId, keepalive, clean
 * or persistent session, a last will on its presence topic), so the endpoint sees what a real
 * fleet looks like: a device connects on its first event and disconnects after its last.
 * `sharedConnections` instead carries every device's events over a few connections, for raw
 * ingestion throughput. Every publish has an acknowledgement deadline, so nothing stalls silently.
 */
import type { MqttClient } from 'mqtt';
import { systemClock } from '../../core/clock.js';
import { hash32 } from '../../core/rng.js';
import { presenceTopic, statusTopic } from '../../protocol/topics.js';
import { type Deadline, Deadlines } from '../deadlines.js';
import { OutageLog } from '../outages.js';
import { emptyStats, SendError, type SendDone, type Transport, type TransportStats } from '../types.js';
import { MqttClients } from './clients.js';
import { type MqttTarget, parseMqttTarget } from './connect.js';
import type { MqttTransportOptions } from './options.js';
import { droppedError, overflow, type Waiting } from './offline-queue.js';

export { presenceTopic };
export type { MqttTransportOptions } from './options.js';

function newConn(id: string, client: MqttClient): Conn {
  return { id, client, pending: 0, finished: false, closedOnce: false, ending: false, offline: [], closedAt: 0 };
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
  /** When its link was last lost: an event sent before and acknowledged after is no latency sample. */
  closedAt: number;
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
  private readonly clients: MqttClients;
  /** Events sent and not yet settled (acknowledged, failed, or expired at their deadline). */
  private unsettled = 0;
  private onSettled: (() => void) | undefined;
  private closingAll: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: MqttTransportOptions) {
    this.target = parseMqttTarget(opts.url);
    this.qos = opts.qos ?? 1;
    this.clients = new MqttClients(opts, this.target, this.counters);
    const clock = opts.clock ?? systemClock;
    this.now = () => clock.now();
    this.outages = new OutageLog(this.now);
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

  preflight(): Promise<void> {
    return this.clients.preflight();
  }

  private conn(deviceId: string): Conn {
    const n = this.opts.sharedConnections;
    if (n !== undefined) {
      const k = hash32(deviceId) % n;
      let c = this.shared[k];
      if (!c) {
        c = newConn('', this.clients.client(`fleetsim-${process.pid}-shared-${k}`, false));
        this.shared[k] = c;
        this.notePeak();
        this.watch(c);
      }
      return c;
    }
    let conn = this.devices.get(deviceId);
    if (!conn) {
      conn = newConn(deviceId, this.clients.client(deviceId, true));
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
      conn.closedAt = this.now();
      atDrop = conn.pending - conn.offline.length;
      if (!conn.ending) this.outages.down(id);
    });
    conn.client.on('connect', () => {
      this.counters.retries += atDrop;
      this.outages.up(id);
      this.outages.resent(atDrop);
      atDrop = 0;
      // they waited out the outage: no latency sample either
      for (const q of conn.offline.splice(0)) this.publish(conn, q.topic, q.payload, q.done, true);
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

  /** Hands one report to mqtt.js, its acknowledgement deadline running from now. One that
   * straddled a lost link (sent while it was down, queued offline, or resent by mqtt.js after the
   * reconnect) is settled with a NaN wait, as the lean client does: its latency measures the
   * outage (Karn's rule). mqtt.js emits 'connect' only after replaying its store, so the close
   * is the mark, not the reconnect. */
  private publish(conn: Conn, topic: string, payload: string, done: SendDone, straddled = false): void {
    const d: Deadline = this.deadlines.add(done);
    const sentAt = this.now();
    const whileDown = straddled || (conn.closedOnce && !conn.client.connected);
    conn.client.publish(topic, payload, { qos: this.qos }, (err) => {
      conn.pending--;
      const lost = whileDown || sentAt < conn.closedAt;
      this.settle(d, err ? new SendError(err.message, 'network') : undefined, lost ? Number.NaN : undefined);
      if (conn.finished && conn.pending === 0) this.end(conn.id, conn);
    });
  }

  private settle(d: Deadline, err: Error | undefined, queuedMs?: number): void {
    if (this.deadlines.settle(d, err, queuedMs) && --this.unsettled === 0) this.onSettled?.();
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
