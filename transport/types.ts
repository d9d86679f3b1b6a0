/**
 * What the run loop needs from a transport. Callback-style on the hot path: no promise or
 * closure per event beyond the one completion callback.
 */
import type { IngestSink } from '../protocol/ingest-sink.js';
import type { RunAuth } from './credentials.js';
import type { OfflineQueue } from './mqtt-lean/connection.js';
import type { TransportKind, TransportOptions } from './kinds/kinds.js';

import type { TlsSettings } from './tls/tls-options.js';
import type { Outage } from './outages.js';

/** `queuedMs`: how long the event waited for its connection's handshake before it could go, so
 * flow control can tell handshake time (a check-in storm) from queueing at the endpoint; NaN when
 * the event straddled a lost link (resent after a reconnect, waiting out an outage, retried
 * after the target was unreachable): its latency measures the outage, and by Karn's rule it
 * is no latency sample at all. */
export type SendDone = (err: Error | undefined, queuedMs?: number) => void;

// Why an event was not acknowledged; coded like every other error (protocol/errors.ts).
export { SendError, type SendErrorKind } from '../protocol/errors.js';

/** Transport-level counters, read once at the end of a run. */
export interface TransportStats {
  /** Requests sent again after a 429/503 or a network error (HTTP). */
  retries: number;
  /** Events failed because no acknowledgement came within the timeout. */
  timeouts: number;
  /** Connections re-established after they dropped (MQTT). */
  reconnects: number;
  /** Most connections open at once. */
  peakConnections: number;
  /** Reconnects on which the broker still had the device's persistent session (MQTT). */
  sessionsResumed?: number;
  /** Reports that waited on their device for its connection (a device's offline queue). */
  offlineQueued?: number;
  /** Reports a full offline queue dropped (its overflow rule), never sent. */
  offlineDropped?: number;
  /** Spans in which devices had lost their link to the target (outages.ts), oldest first. */
  outages?: Outage[];
  /** Devices whose link is down now (for progress). */
  devicesDown?: number;
}

export function emptyStats(): TransportStats {
  return { retries: 0, timeouts: 0, reconnects: 0, peakConnections: 0 };
}

/** A payload that writes its own bytes (the event JSON from cached fragments, drive/encode-bytes.ts):
 * a transport that lays out its own frames reads its length, then has it written in place. */
export interface PayloadWriter {
  readonly byteLength: number;
  /** Writes the payload's `byteLength` bytes at `offset`. */
  writeTo(buf: Buffer, offset: number): void;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Checks that the target answers before any device starts; throws TargetUnreachableError. */
  preflight(): Promise<void>;
  /** Sends one encoded event for a device; `done` runs once, on acknowledgement or failure.
   * `route` is the event's topic (MQTT) or path (HTTP) from the target's wire, when it has one. */
  send(deviceId: string, appId: string, payload: string, done: SendDone, route?: string): void;
  /** As `send` with fleetsim's own wire, the payload written straight into the transport's frame
   * (no string per event); `payload` is reused by the caller once this returns. Optional. */
  sendBytes?(deviceId: string, appId: string, payload: PayloadWriter, done: SendDone): void;
  /** The device has nothing more to send: its connection may go once its events are acked. */
  deviceDone(deviceId: string): void;
  /** Ends every connection once in-flight events are settled. */
  close(): Promise<void>;
  /** Connections open now (for progress and reports). */
  connections(): number;
  /** Counters of what the transport did beyond sending (retries, timeouts, reconnects). */
  stats(): TransportStats;
  /**
   * True when the transport itself keeps a device's reports in order (HTTP: one request in flight
   * per device, the reports that wait behind it batched; unordered only as a fault): the drive loop
   * then hands it every report when due. Otherwise the drive loop holds a device's next report
   * until the previous one is answered. @default false
   */
  readonly ordersDevices?: boolean;
  /** Set by the run loop: called when the target signals overload (429/503, a timeout), so the
   * in-flight window can shrink before events fail. */
  onCongestion?: (() => void) | undefined;
}

/** What a transport's factory gets: the target, its validated options, the run's credentials. */
export interface TransportContext<K extends TransportKind = TransportKind> {
  url: string;
  options: TransportOptions<K>;
  auth?: RunAuth | undefined;
  /** The embedded endpoint's ingest seam, for a transport that runs in process (memory). */
  sink?: IngestSink | undefined;
  /** What a target of the user's own needs beyond the URL (run/run-target.ts resolves it). */
  wiring?: TargetWiring | undefined;
  /** How devices behave while offline (a scenario's network faults ask for it). */
  device?: DeviceBehaviour | undefined;
}

/** A target's TLS, headers, fixed method and path, and per-device patterns. */
export interface TargetWiring {
  tls?: TlsSettings | undefined;
  headers?: Record<string, string> | undefined;
  method?: string | undefined;
  path?: string | undefined;
  contentType?: string | undefined;
  clientIdFor?: ((deviceId: string) => string) | undefined;
  deviceCredentials?:
    | ((deviceId: string) => { username?: string | undefined; password?: string | undefined })
    | undefined;
  /** fleetsim's presence will (docs/protocol.md); off for a broker of someone else's. */
  will?: boolean | undefined;
}

/** What the run asks of every device's transport beyond the scenario's transport options. */
export interface DeviceBehaviour {
  /** Reports wait on the device while it is offline, bounded (both MQTT clients). */
  offlineQueue?: OfflineQueue | undefined;
  /** Every socket opened for a device is claimed here as that device's (or its group's), so the
   * fault proxy can tell whose a connection is where it cannot read a client id. */
  portOwners?: SocketClaims | undefined;
  /** HTTP: the group a device's requests go in, on sockets of their own (devices a network
   * fault strikes apart from the rest); undefined, the shared pool. */
  groupOf?: ((deviceId: string) => string | undefined) | undefined;
}

/** Where sockets are claimed as a device's. */
export interface SocketClaims {
  claim(sock: import('node:net').Socket, owner: string): void;
}

export type TransportFactory<K extends TransportKind = TransportKind> = (ctx: TransportContext<K>) => Transport;
