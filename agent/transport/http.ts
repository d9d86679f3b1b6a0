/**
 * HTTP transport: undici Pool with keep-alive to the ingestion endpoint, `POST /v1/events` with
 * one JSON event per request. Any non-2xx answer fails the event with the endpoint's reason.
 */
import { Pool } from 'undici';
import { HTTP_EVENTS_PATH } from '../../protocol/topics.js';
import { TargetUnreachableError } from '../../protocol/errors.js';
import type { SendDone, Transport } from './types.js';

export interface HttpTransportOptions {
  /** Origin of the endpoint, e.g. http://127.0.0.1:8080 */
  url: string;
  /** @default 64 */
  connections?: number;
  /** @default 1 */
  pipelining?: number;
  token?: string;
  /** @default 30000 */
  timeoutMs?: number;
}

export class HttpTransport implements Transport {
  readonly kind = 'http' as const;
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;
  private readonly origin: string;

  constructor(private readonly opts: HttpTransportOptions) {
    const u = new URL(opts.url);
    this.origin = u.origin;
    this.pool = new Pool(this.origin, {
      connections: opts.connections ?? 64,
      pipelining: opts.pipelining ?? 1,
      headersTimeout: opts.timeoutMs ?? 30_000,
      bodyTimeout: opts.timeoutMs ?? 30_000,
    });
    this.headers = { 'content-type': 'application/json' };
    if (opts.token) this.headers.authorization = `Bearer ${opts.token}`;
  }

  async preflight(): Promise<void> {
    try {
      const res = await this.pool.request({ method: 'GET', path: '/healthz' });
      await res.body.dump();
    } catch (err) {
      throw new TargetUnreachableError(`Cannot reach the HTTP target ${this.origin}: ${(err as Error).message}. Check that an ingestion endpoint listens there (fleetsim serve starts one), or run without --target to use the embedded endpoint.`);
    }
  }

  send(_deviceId: string, _appId: string, payload: string, done: SendDone): void {
    this.pool.request({ method: 'POST', path: HTTP_EVENTS_PATH, headers: this.headers, body: payload }).then(
      async (res) => {
        if (res.statusCode >= 200 && res.statusCode < 300) {
          await res.body.dump();
          done(undefined);
        } else {
          const text = await res.body.text().catch(() => '');
          done(new Error(`HTTP ${res.statusCode} from ${this.origin}${HTTP_EVENTS_PATH}: ${text.slice(0, 300)}`));
        }
      },
      (err: Error) => done(err),
    );
  }

  deviceDone(): void {
    // connections are pooled, not per device
  }

  connections(): number {
    return (this.pool.stats as { connected: number }).connected;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
