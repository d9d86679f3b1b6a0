/** What the mqtt.js transport is given: the target, the session, credentials, deadlines, TLS and the faults' hooks. */
import type { Clock } from '../../core/clock.js';
import type { BackoffOptions } from '../backoff.js';
import type { OfflineQueue } from '../mqtt-lean/connection.js';
import type { TlsSettings } from '../tls/tls-options.js';
import type { SocketClaims } from '../types.js';

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
