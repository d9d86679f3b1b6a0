/**
 * Streaming files while a run goes, as k6's `--out json` and `--out csv`: a JSON line or a CSV
 * row per wall second (the timeline point as it closes), and optionally a JSON line per event
 * sent. Lines are written as they happen, so `tail -f` and log shippers see the run live; a
 * killed run leaves every second it finished.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import type { TimelinePoint } from '../../drive/metrics.js';
import { UsageError } from '../../protocol/errors.js';

/** What an event line says: the event as it was sent, and when. */
export interface SentSample {
  wallMs: number;
  deviceId: string;
  platform: string;
  appId: string;
  status: string;
  state: string;
  seq: number;
  simTs: number;
}

export interface StreamFileOptions {
  /** JSON lines of per-second points (and events with `events`). */
  jsonl?: string;
  /** Also a line per event sent (large: one line per event). */
  events?: boolean;
  /** CSV of per-second points. */
  csv?: string;
  /** Put on every line: scenario, shard. */
  tags: Record<string, string>;
}

export const CSV_HEADER = 'time,epoch_s,ms,offered,sent,acked,failed,retried,acked_per_s,ack_p50_ms,ack_p99_ms';

function open(file: string, flag: string): WriteStream {
  const s = createWriteStream(file, { flags: 'w' });
  s.on('error', () => undefined); // reported by `opened`
  return Object.assign(s, { flag });
}

/** A point without its encoded histogram (it is in report.json), as one JSON object. */
export function pointRecord(p: TimelinePoint, tags: Record<string, string>) {
  const { ack: _hdr, ...figures } = p;
  return {
    type: 'point',
    time: new Date(p.t * 1000).toISOString(),
    ...figures,
    ackedPerSec: Math.round((p.acked / Math.max(1, p.ms)) * 10_000) / 10,
    tags,
  };
}

export function csvRow(p: TimelinePoint): string {
  const perSec = Math.round((p.acked / Math.max(1, p.ms)) * 10_000) / 10;
  return [
    new Date(p.t * 1000).toISOString(),
    p.t,
    p.ms,
    p.offered,
    p.sent,
    p.acked,
    p.failed,
    p.retried,
    perSec,
    p.p50 ?? '',
    p.p99 ?? '',
  ].join(',');
}

export class StreamFiles {
  private readonly jsonl?: WriteStream;
  private readonly csv?: WriteStream;

  constructor(private readonly o: StreamFileOptions) {
    if (o.jsonl) this.jsonl = open(o.jsonl, '--jsonl');
    if (o.csv) {
      this.csv = open(o.csv, '--csv');
      this.csv.write(`${CSV_HEADER}\n`);
    }
  }

  /** Resolves once every file is open; a path that cannot be written is a usage error. */
  async opened(): Promise<void> {
    for (const s of [this.jsonl, this.csv]) {
      if (!s) continue;
      await new Promise<void>((resolve, reject) => {
        if (s.pending === false) return resolve();
        s.once('ready', () => resolve());
        s.once('error', (err) =>
          reject(new UsageError(`${(s as WriteStream & { flag: string }).flag} ${String(s.path)}: ${err.message}.`)),
        );
      });
    }
  }

  get wantsEvents(): boolean {
    return Boolean(this.jsonl && this.o.events);
  }

  point(p: TimelinePoint): void {
    this.jsonl?.write(`${JSON.stringify(pointRecord(p, this.o.tags))}\n`);
    this.csv?.write(`${csvRow(p)}\n`);
  }

  event(e: SentSample): void {
    this.jsonl?.write(
      `{"type":"event","time":"${new Date(e.wallMs).toISOString()}","deviceId":${JSON.stringify(e.deviceId)},"platform":"${e.platform}","appId":${JSON.stringify(e.appId)},"status":"${e.status}","state":"${e.state}","seq":${e.seq},"simTs":${e.simTs}}\n`,
    );
  }

  /** The run's verdict as the last JSON line, then every file flushed and closed. */
  async close(summary?: object): Promise<void> {
    if (summary) this.jsonl?.write(`${JSON.stringify({ type: 'summary', ...summary, tags: this.o.tags })}\n`);
    await Promise.all(
      [this.jsonl, this.csv]
        .filter((s): s is WriteStream => s !== undefined)
        .map((s) => new Promise<void>((resolve) => s.end(() => resolve()))),
    );
  }
}

/** k6's output names: `--out json=file` typed at fleetsim, whose --out is the run folder. */
const K6_OUTPUTS =
  /^(json|csv|influxdb|prometheus|experimental-prometheus-rw|statsd|datadog|kafka|cloud|opentelemetry|experimental-opentelemetry|dashboard|web-dashboard)(=|$)/;

/** Refuses `--out json=metrics.json` (k6's form) with the flag that does it here. */
export function refuseK6Out(out: string | undefined): void {
  if (out === undefined) return;
  const m = K6_OUTPUTS.exec(out);
  if (!m) return;
  const file = out.slice(m[0].length) || (m[1] === 'csv' ? 'metrics.csv' : 'metrics.jsonl');
  const instead =
    m[1] === 'json'
      ? `--jsonl ${file} (per-second points; add --jsonl-events for a line per event)`
      : m[1] === 'csv'
        ? `--csv ${file}`
        : m[1]!.includes('opentelemetry')
          ? '--otlp http://127.0.0.1:4318 (pushes to an OpenTelemetry collector while the run goes)'
          : m[1] === 'experimental-prometheus-rw'
            ? '--prom-remote-write http://127.0.0.1:9090/api/v1/write (pushes to a Prometheus remote-write receiver while the run goes), or --metrics-port 9464 to be scraped'
            : m[1]!.includes('prometheus')
              ? '--metrics-port 9464 (a Prometheus /metrics endpoint while the run goes)'
              : '--jsonl <file> or --csv <file> (streamed while the run goes), --metrics-port <port> for Prometheus or --otlp <url> for OpenTelemetry';
  throw new UsageError(
    `--out "${out}" looks like k6's --out ${m[1]}=...; fleetsim's --out is the run folder (report.json, report.html, junit.xml). Use ${instead}.`,
  );
}
