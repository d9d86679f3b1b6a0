/**
 * HTTP transport: an undici Pool with keep-alive (and pipelining, when asked) to the ingestion
 * endpoint, `POST /v1/events`. With `batch > 1` the events sent in one turn of the event loop go
 * out together as a JSON array, up to `batch` per request. 429 and 503 answers, timeouts and
 * dropped connections are retried with backoff, honouring Retry-After; ingestion is idempotent by
 * (device, app, seq), so a retry can never count an event twice.
 */
import { Pool, type Dispatcher } from 'undici';
import { HTTP_EVENTS_PATH } from '../../protocol/topics.js';
import { TargetUnreachableError, UsageError } from '../../protocol/errors.js';
import { backoffDelay, retryAfterMs, type BackoffOptions } from '../backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { emptyStats, SendError, type SendDone, type Transport, type TransportStats } from '../types.js';

export interface HttpTransportOptions {
  /** Origin of the endpoint, e.g. http://127.0.0.1:8080 */
  url: string;
  /** @default 64 */
  connections?: number;
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
}

/** Events that travel in one request, and how often it has been tried. */
export interface Batch {
  body: string;
  /** Headers of this request when they differ per device; the transport's own otherwise. */
  headers?: string[];
  dones: SendDone[];
  attempt: number;
}

const RETRY_STATUS = new Set([429, 503]);

export class HttpTransport implements Transport {
  readonly kind = 'http' as const;
  private readonly pool: Pool;
  private readonly headerList: string[];
  private readonly origin: string;
  private readonly batchMax: number;
  private readonly counters: TransportStats = emptyStats();
  private payloads: string[] = [];
  private dones: SendDone[] = [];
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
    const connections = opts.connections ?? 64;
    this.pool = new Pool(this.origin, {
      connections,
      pipelining: opts.pipelining ?? 1,
      headersTimeout: opts.timeoutMs ?? 30_000,
      bodyTimeout: opts.timeoutMs ?? 30_000,
      keepAliveTimeout: 60_000,
    });
    this.counters.peakConnections = connections;
    // A flat list, built once: undici takes it as is.
    this.headerList = ['content-type', 'application/json'];
    if (opts.token) this.headerList.push('authorization', `Bearer ${opts.token}`);
    this.batchMax = Math.max(1, opts.batch ?? 1);
    if (opts.bearerFor && this.batchMax > 1) {
      throw new UsageError(
        `HTTP batches of ${this.batchMax} events cannot carry per-device tokens: with auth mode "device" use batch 1, or auth mode "fleet" to batch.`,
      );
    }
  }

  async preflight(): Promise<void> {
    try {
      const res = await this.pool.request({ method: 'GET', path: '/healthz' });
      await res.body.dump();
    } catch (err) {
      throw new TargetUnreachableError(
        `Cannot reach the HTTP target ${this.origin}: ${(err as Error).message}. Check that an ingestion endpoint listens there (fleetsim serve starts one), or run without --target to use the embedded endpoint.`,
      );
    }
  }

  send(deviceId: string, _appId: string, payload: string, done: SendDone): void {
    if (this.batchMax === 1) {
      const bearer = this.opts.bearerFor?.(deviceId);
      this.post({
        body: payload,
        dones: [done],
        attempt: 0,
        ...(bearer ? { headers: [...this.headerList, 'authorization', `Bearer ${bearer}`] } : {}),
      });
      return;
    }
    this.payloads.push(payload);
    this.dones.push(done);
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
    this.payloads = [];
    this.dones = [];
    this.post({ body, dones, attempt: 0 });
  }

  /** One request per batch through undici's dispatch API: no promise or stream per request. */
  private post(b: Batch): void {
    this.pool.dispatch(
      { method: 'POST', path: HTTP_EVENTS_PATH, headers: b.headers ?? this.headerList, body: b.body },
      new PostHandler(this, b) as unknown as Dispatcher.DispatchHandler,
    );
  }

  /** The answer to one request (PostHandler calls it once). */
  answered(b: Batch, status: number, retryAfter: string | undefined, text: string): void {
    if (status >= 200 && status < 300) {
      for (const d of b.dones) d(undefined);
      return;
    }
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
        new SendError(`HTTP ${status} from ${this.origin}${HTTP_EVENTS_PATH}: ${text.slice(0, 200)}`, 'overload'),
      );
    }
    this.fail(
      b,
      new SendError(`HTTP ${status} from ${this.origin}${HTTP_EVENTS_PATH}: ${text.slice(0, 300)}`, 'refused'),
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
    );
  }

  private retry(b: Batch, delayMs: number | undefined, err: SendError): void {
    if (b.attempt >= (this.opts.maxRetries ?? 5)) return this.fail(b, err);
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
    for (const d of b.dones) d(err);
  }

  deviceDone(): void {
    // connections are pooled, not per device
  }

  connections(): number {
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
      await this.pool.close();
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
