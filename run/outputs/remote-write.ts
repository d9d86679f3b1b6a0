/**
 * The run's figures pushed to Prometheus' remote-write receiver (`fleetsim run --prom-remote-write
 * <url>`): Prometheus itself with --web.enable-remote-write-receiver, Mimir, Cortex, Thanos
 * Receive, VictoriaMetrics, Grafana Cloud. For a Kubernetes job that ends before a scrape comes,
 * or a runner no Prometheus can reach, as k6's experimental-prometheus-rw output is used.
 *
 * Remote write 1.0: a protobuf WriteRequest (remote-write-proto.ts), snappy's block format
 * (the `snappy` package: the napi-rs binding of Google's library, kept up, prebuilt for every
 * platform Node runs on), POST with Content-Encoding: snappy and the protocol version header.
 * Every `--prom-remote-write-interval` and once more at close, with `fleetsim_run_up` 0. A push
 * that gets 5xx, 429 or no answer is sent again (backoff, Retry-After honoured up to 30 s), at
 * most `retries` times; another 4xx is a refusal (a bad password, samples out of order) and is
 * said once. Basic auth comes from the URL's user and password, other headers from
 * `--prom-remote-write-header`; neither is ever printed.
 */
import { compressSync } from 'snappy';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { UsageError } from '../../protocol/errors.js';
import { VERSION } from '../../protocol/version.js';
import { pushUrl, shownUrl } from './push-url.js';
import { encodeWriteRequest } from './remote-write-proto.js';
import { runMetadata, runSeries } from './remote-write-series.js';
import type { RunFigures } from './run-figures.js';

export interface RemoteWriteOptions {
  url: string;
  intervalMs: number;
  /** `Name: value` lines (an API key, a tenant id: X-Scope-OrgID). */
  headers?: readonly string[];
  /** Labels on every series: scenario, shard (job="fleetsim" is added). */
  labels: Record<string, string>;
  figures: () => RunFigures | undefined;
  clock: Clock;
  onWarn: (message: string) => void;
  /** Attempts after the first, for a push that gets no answer, 5xx or 429. @default 3 */
  retries?: number;
}

/** The version header remote write 1.0 asks for, 0.1.0 (built from its parts: it is not
 * fleetsim's version, which happens to read the same today). */
const PROTOCOL_VERSION = [0, 1, 0].join('.');

/** Headers the protocol sets: a user's own would make the body unreadable to the receiver. */
const OWN_HEADERS = ['content-type', 'content-encoding', 'x-prometheus-remote-write-version'];

/** `--prom-remote-write-header` lines as headers; refused with what is wrong, never echoing a value. */
export function remoteWriteHeaders(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw new UsageError(
        `--prom-remote-write-header: expected "Name: value", e.g. "X-Scope-OrgID: team-a" or "Authorization: Bearer <token>"; got a line without a header name before its colon.`,
      );
    if (OWN_HEADERS.includes(name.toLowerCase()))
      throw new UsageError(
        `--prom-remote-write-header ${name}: remote write sets this header itself (protobuf, snappy, version ${PROTOCOL_VERSION}); drop it.`,
      );
    out[name] = line.slice(colon + 1).trim();
  }
  return out;
}

export class RemoteWrite {
  private readonly url: URL;
  private readonly headers: Record<string, string>;
  private readonly labels: Record<string, string>;
  private timer: TimerHandle | undefined;
  private pending: Promise<void> | undefined;
  private lastTs = 0;
  private up = true;
  private readonly said = new Set<string>();
  /** Pushes tried, pushes the receiver took, and attempts sent again. */
  readonly counts = { tried: 0, ok: 0, retried: 0 };

  constructor(private readonly o: RemoteWriteOptions) {
    const url = pushUrl(o.url, {
      flag: '--prom-remote-write',
      expected: "the receiver's remote-write URL",
      needsHttp: 'remote write needs an http:// or https:// URL',
      example: 'http://127.0.0.1:9090/api/v1/write',
      defaultPath: '/api/v1/write',
    });
    this.headers = {
      ...remoteWriteHeaders(o.headers ?? []),
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': PROTOCOL_VERSION,
      'user-agent': `fleetsim/${VERSION}`,
    };
    if (url.username || url.password) {
      if (Object.keys(this.headers).some((h) => h.toLowerCase() === 'authorization'))
        throw new UsageError(
          '--prom-remote-write: the URL carries a user and password and --prom-remote-write-header sets Authorization; give one of them.',
        );
      const user = decodeURIComponent(url.username);
      const pass = decodeURIComponent(url.password);
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.url = url;
    this.labels = { job: 'fleetsim', ...o.labels };
  }

  /** Where it pushes, as it may be printed. */
  get target(): string {
    return shownUrl(this.url);
  }

  start(): void {
    this.timer = this.o.clock.setInterval(() => void this.push(), this.o.intervalMs).unref();
  }

  /** One push of the figures as of now; skipped while the previous one (or its retries) is out. */
  push(): Promise<void> {
    if (this.pending) return this.pending;
    const f = this.o.figures();
    if (!f) return Promise.resolve();
    // A receiver refuses a second sample at the same millisecond of a series.
    const ts = Math.max(Math.floor(this.o.clock.now()), this.lastTs + 1);
    this.lastTs = ts;
    const body = compressSync(encodeWriteRequest(runSeries(f, this.up, this.labels, ts), runMetadata()));
    this.counts.tried++;
    this.pending = this.send(body).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The last figures out (fleetsim_run_up 0), then no more. */
  async close(): Promise<void> {
    this.o.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.pending;
    this.up = false;
    await this.push();
  }

  private async send(body: Buffer): Promise<void> {
    const retries = this.o.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const r = await this.attempt(body);
      if (r.ok) {
        this.counts.ok++;
        return;
      }
      if (!r.retry || attempt >= retries) {
        this.warn(r.reason, r.retry);
        return;
      }
      this.counts.retried++;
      await this.sleep(r.afterMs ?? Math.min(5000, 500 * 2 ** attempt));
    }
  }

  private async attempt(body: Buffer): Promise<{ ok: boolean; retry?: boolean; reason: string; afterMs?: number }> {
    const abort = new AbortController();
    const timeout = this.o.clock.setTimeout(() => abort.abort(), Math.max(1000, Math.min(10_000, this.o.intervalMs)));
    try {
      const res = await fetch(this.url, { method: 'POST', headers: this.headers, body, signal: abort.signal });
      const text = res.ok ? '' : (await res.text().catch(() => '')).trim().slice(0, 200);
      if (res.ok) return { ok: true, reason: '' };
      const reason = `HTTP ${res.status}${text ? ` (${text})` : ''}`;
      if (res.status === 429 || res.status >= 500) {
        const after = Number(res.headers.get('retry-after'));
        return { ok: false, retry: true, reason, ...(after > 0 ? { afterMs: Math.min(30, after) * 1000 } : {}) };
      }
      return { ok: false, retry: false, reason };
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const code = e.cause?.code ?? '';
      // a certificate that is not trusted stays so: say what to do instead of trying again
      if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code))
        return {
          ok: false,
          retry: false,
          reason: `the receiver's TLS certificate is not trusted (${code}: ${e.cause?.message ?? ''}); give its CA with NODE_EXTRA_CA_CERTS=ca.pem`,
        };
      const reason = abort.signal.aborted ? 'no answer in time' : (e.cause?.code ?? e.cause?.message ?? e.message);
      return { ok: false, retry: true, reason };
    } finally {
      this.o.clock.clearTimeout(timeout);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.o.clock.setTimeout(resolve, ms));
  }

  private warn(reason: string, retried: boolean | undefined): void {
    if (this.said.has(reason)) return;
    this.said.add(reason);
    const tail = retried
      ? `after ${this.o.retries ?? 3} more attempts; check that a receiver listens there (Prometheus needs --web.enable-remote-write-receiver)`
      : reason.startsWith('HTTP ')
        ? "the receiver refused it; for a 401 or 403 check the URL's user and password or the headers given"
        : 'not tried again';
    this.o.onWarn(`Prometheus remote write to ${this.target} failed: ${reason}, ${tail}. The run goes on.`);
  }
}
