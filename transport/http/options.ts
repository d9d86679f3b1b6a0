/**
 * What the HTTP transport is given (its options), and the shapes its parts pass between them:
 * a report waiting for its device's previous one, and a batch of reports that travel in one request.
 */
import type { BackoffOptions } from '../backoff.js';
import type { Clock } from '../../core/clock.js';
import type { SendDone, SocketClaims } from '../types.js';
import type { TlsSettings } from '../tls/tls-options.js';

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
export const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** A report waiting for its device's previous one. */
export interface Queued {
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
  /** Retried after the target was unreachable: its latency holds the outage (SendDone's NaN). */
  lostLink?: boolean;
}
