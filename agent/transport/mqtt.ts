/**
 * MQTT transport: one mqtt.js client per device (its own clientId and session), QoS 1 by
 * default, so the endpoint sees what a real fleet looks like: many connections, each publishing
 * its own status topic. A device connects on its first event and disconnects after its last.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { statusTopic } from '../../protocol/topics.js';
import { TargetUnreachableError } from '../../protocol/errors.js';
import type { SendDone, Transport } from './types.js';

export interface MqttTransportOptions {
  url: string;
  qos?: 0 | 1 | 2;
  /** @default 60 */
  keepaliveSec?: number;
  username?: string;
  password?: string;
}

/** A device's connection and how many of its events are still unacknowledged. */
interface DeviceConn {
  client: MqttClient;
  pending: number;
  finished: boolean;
}

export class MqttTransport implements Transport {
  readonly kind = 'mqtt' as const;
  private readonly clients = new Map<string, DeviceConn>();
  private readonly qos: 0 | 1 | 2;
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly opts: MqttTransportOptions) {
    this.qos = opts.qos ?? 1;
  }

  async preflight(): Promise<void> {
    const client = mqtt.connect(this.opts.url, {
      clientId: `fleetsim-preflight-${process.pid}`, reconnectPeriod: 0, connectTimeout: 5_000,
      ...(this.opts.username ? { username: this.opts.username, password: this.opts.password } : {}),
    });
    try {
      await new Promise<void>((resolve, reject) => {
        client.once('connect', () => resolve());
        client.once('error', reject);
        client.once('close', () => reject(new Error('connection closed before CONNACK')));
      });
    } catch (err) {
      throw new TargetUnreachableError(`Cannot reach the MQTT target ${this.opts.url}: ${(err as Error).message}. Check that a broker listens there (fleetsim serve starts one), or run without --target to use the embedded endpoint.`);
    } finally {
      await client.endAsync(true).catch(() => undefined);
    }
  }

  private conn(deviceId: string): DeviceConn {
    let conn = this.clients.get(deviceId);
    if (!conn) {
      const c = mqtt.connect(this.opts.url, {
        clientId: deviceId,
        clean: true,
        keepalive: this.opts.keepaliveSec ?? 60,
        reconnectPeriod: 1_000,
        connectTimeout: 30_000,
        ...(this.opts.username ? { username: this.opts.username, password: this.opts.password } : {}),
      });
      // Errors surface through the publish callbacks; without a listener mqtt.js would throw.
      c.on('error', () => undefined);
      conn = { client: c, pending: 0, finished: false };
      this.clients.set(deviceId, conn);
    }
    return conn;
  }

  send(deviceId: string, appId: string, payload: string, done: SendDone): void {
    const conn = this.conn(deviceId);
    conn.pending++;
    conn.client.publish(statusTopic(deviceId, appId), payload, { qos: this.qos }, (err) => {
      conn.pending--;
      done(err ?? undefined);
      if (conn.finished && conn.pending === 0) this.end(deviceId, conn);
    });
  }

  /** Ends the connection once every event of the device has been acknowledged: ending while
   * still connecting would drop what mqtt.js queued offline. */
  deviceDone(deviceId: string): void {
    const conn = this.clients.get(deviceId);
    if (!conn) return;
    conn.finished = true;
    if (conn.pending === 0) this.end(deviceId, conn);
  }

  private end(deviceId: string, conn: DeviceConn): void {
    if (this.clients.get(deviceId) === conn) this.clients.delete(deviceId);
    const p = conn.client.endAsync(false).catch(() => undefined).finally(() => this.closing.delete(p));
    this.closing.add(p);
  }

  connections(): number {
    return this.clients.size;
  }

  async close(): Promise<void> {
    for (const [id, conn] of [...this.clients]) this.end(id, conn);
    await Promise.all([...this.closing]);
  }
}
