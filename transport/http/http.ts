/**
 * HTTP transport: an undici Pool with keep-alive (and pipelining, when asked) to the ingestion
 * endpoint, `POST /v1/events` or the method and path of the target's wire. With `batch > 1` the
 * events sent in one turn of the event loop go out together as a JSON array, up to `batch` per
 * request. 429 and 503 answers, timeouts and dropped connections are retried with backoff,
 * honouring Retry-After (answers.ts); ingestion is idempotent by (device, app, seq), so a retry
 * can never count an event twice. A device has one report in flight at a time, in seq order, as a
 * real agent does (device-order.ts). With a client certificate per device, each device has its
 * own connection presenting its own identity (connections.ts). A device that finds the target
 * unreachable is down until its next answer (outages.ts).
 */
import { HTTP_EVENTS_PATH } from '../../protocol/topics.js';
import { UsageError } from '../../protocol/errors.js';
import { backoffDelay } from '../backoff.js';
import { systemClock, type Clock, type TimerHandle } from '../../core/clock.js';
import { OutageLog } from '../outages.js';
import { emptyStats, SendError, type SendDone, type Transport, type TransportStats } from '../types.js';
import { answerOutcome, errorOutcome, PostHandler, type AnswerSink, type Outcome } from './answers.js';
import { HttpConnections } from './connections.js';
import { DeviceOrder } from './device-order.js';
import type { Batch, HttpTransportOptions, Queued } from './options.js';
import type { Dispatcher } from 'undici';

export type { Batch, HttpTransportOptions } from './options.js';

export class HttpTransport implements Transport, AnswerSink {
  readonly kind = 'http' as const;
  /** DeviceOrder keeps one request in flight per device and batches what waits (device-order.ts). */
  readonly ordersDevices = true;
  private readonly conns: HttpConnections;
  private readonly headerList: string[];
  private readonly batchMax: number;
  private readonly counters: TransportStats = emptyStats();
  private readonly outages: OutageLog;
  private payloads: string[] = [];
  private dones: SendDone[] = [];
  private batchDevices: string[] = [];
  private readonly method: string;
  private readonly path: string;
  private readonly order: DeviceOrder<Queued> | undefined;
  private flushScheduled = false;
  /** Batches waiting to be tried again, by their timer. */
  private readonly retryTimers = new Map<TimerHandle, Batch>();
  private closing: Promise<void> | undefined;
  private readonly clock: Clock;
  onCongestion: (() => void) | undefined;

  constructor(private readonly opts: HttpTransportOptions) {
    this.clock = opts.clock ?? systemClock;
    this.outages = new OutageLog(() => this.clock.now());
    this.conns = new HttpConnections(opts);
    this.method = opts.method ?? 'POST';
    this.path = opts.path ?? HTTP_EVENTS_PATH;
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

  preflight(): Promise<void> {
    return this.conns.preflight();
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
    this.conns
      .of(b)
      .dispatch(
        { method: this.method, path: b.path, headers: b.headers ?? this.headerList, body: b.body },
        new PostHandler(this, b) as unknown as Dispatcher.DispatchHandler,
      );
  }

  /** Settles every report of a batch and lets each device's next report go. */
  private settle(b: Batch, err: SendError | undefined): void {
    // retried after the target was unreachable: its latency is the outage's (Karn's rule)
    const queued = b.lostLink ? Number.NaN : undefined;
    for (const d of b.dones) d(err, queued);
    if (this.order) for (const id of b.devices.length > 1 ? new Set(b.devices) : b.devices) this.order.settled(id);
    if (b.via !== undefined && this.conns.finished(b.via) && (!this.order || this.order.idle(b.via)))
      this.conns.endDevice(b.via);
  }

  /** The answer to one request (PostHandler calls it once): any answer means the target is there. */
  answered(b: Batch, status: number, retryAfter: string | undefined, text: string): void {
    for (const id of b.devices) this.outages.up(id);
    const c = {
      origin: this.conns.origin,
      method: this.method,
      maxRetryAfterMs: this.opts.maxRetryAfterMs ?? 60_000,
      now: this.clock.now(),
    };
    this.follow(b, answerOutcome(b, status, retryAfter, text, c));
  }

  /** The request failed before an answer: a timeout, a dropped connection, a closed pool. */
  errored(b: Batch, err: Error & { code?: string }): void {
    const o = errorOutcome(err, this.conns.origin);
    if (o.settle === 'retry' && o.err.kind === 'timeout') this.counters.timeouts++;
    if (o.settle === 'retry' && o.unreachable && !this.closing) for (const id of b.devices) this.outages.down(id);
    this.follow(b, o);
  }

  private follow(b: Batch, o: Outcome): void {
    if (o.settle === 'ok') return this.settle(b, undefined);
    if (o.congested) this.onCongestion?.();
    if (o.settle === 'fail') return this.settle(b, o.err);
    const offline = o.unreachable && this.opts.retryWhileOffline === true;
    if (!offline && b.attempt >= (this.opts.maxRetries ?? 5)) return this.settle(b, o.err);
    const wait = o.delayMs ?? backoffDelay(b.attempt, this.opts.retryBackoff ?? { baseMs: 200, maxMs: 10_000 });
    b.attempt++;
    if (o.unreachable) b.lostLink = true;
    this.counters.retries++;
    const t = this.clock.setTimeout(() => {
      this.retryTimers.delete(t);
      if (o.unreachable) this.outages.resent(b.dones.length);
      this.post(b);
    }, wait);
    this.retryTimers.set(t, b);
  }

  /** Pooled connections stay; a device's own connection goes once its last report is settled. */
  deviceDone(deviceId: string): void {
    if (!this.conns.finish(deviceId)) return;
    if (!this.order || this.order.idle(deviceId)) this.conns.endDevice(deviceId);
  }

  connections(): number {
    return this.conns.open();
  }

  stats(): TransportStats {
    const outages = this.outages.outages();
    return {
      ...this.counters,
      peakConnections: this.conns.peak,
      ...(outages.length ? { outages, devicesDown: this.outages.downNow() } : {}),
    };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.flush();
      // A batch waiting for its next attempt fails now: close() settles every event.
      for (const [t, b] of this.retryTimers) {
        this.clock.clearTimeout(t);
        this.settle(b, new SendError('the HTTP transport closed before the next attempt', 'network'));
      }
      this.retryTimers.clear();
      for (const q of this.order?.drain() ?? [])
        q.done(new SendError('the HTTP transport closed before this report could be sent', 'network'));
      await this.conns.close();
    })();
    return this.closing;
  }
}
