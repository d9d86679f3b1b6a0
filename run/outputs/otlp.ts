/**
 * The run's figures pushed to an OpenTelemetry collector (`fleetsim run --otlp <url>`), for teams
 * whose metrics go through OTLP rather than a Prometheus scrape (a Kubernetes job that ends before
 * anyone scrapes it, Grafana Cloud, Datadog, Honeycomb). The same figures as `--metrics-port`
 * (run-figures.ts), cumulative, every `--otlp-interval` and once more at the end.
 *
 * The OpenTelemetry project's exporter does the wire: OTLP/HTTP JSON, retries with backoff on 429
 * and 503, `OTEL_EXPORTER_OTLP_HEADERS` / `OTEL_EXPORTER_OTLP_METRICS_HEADERS` for an API key, TLS.
 * We build its input ourselves from the run's counters instead of going through the SDK's meters:
 * the figures already exist (a meter would count every event twice), and the ack-latency
 * histogram is an HDR one whose buckets we read at export time, as the Prometheus side does.
 */
import { ValueType } from '@opentelemetry/api';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { VERSION } from '../../protocol/version.js';
import { pushUrl, shownUrl } from './push-url.js';
import { ACK_BUCKETS_S, ACK_LATENCY, countUpTo, RUN_FIGURES, type RunFigures } from './run-figures.js';

export interface OtlpPushOptions {
  /** The collector's OTLP/HTTP metrics URL; a bare origin gets `/v1/metrics`. */
  url: string;
  intervalMs: number;
  /** Resource attributes on every point: fleetsim.scenario, fleetsim.shard. */
  labels: Record<string, string>;
  figures: () => RunFigures | undefined;
  clock: Clock;
  /** A failed export: the run goes on; said once per distinct reason. */
  onWarn: (message: string) => void;
}

/** `--otlp <url>` checked: an http(s) URL; `/v1/metrics` when only the origin is given. */
export function otlpMetricsUrl(raw: string): URL {
  return pushUrl(raw, {
    flag: '--otlp',
    expected: "the collector's OTLP/HTTP metrics URL",
    needsHttp: 'OTLP/HTTP needs an http:// or https:// URL (OTLP over gRPC is not supported)',
    example: 'http://127.0.0.1:4318/v1/metrics',
    defaultPath: '/v1/metrics',
  });
}

const hrTime = (ms: number): [number, number] => {
  const s = Math.floor(ms / 1000);
  return [s, Math.round((ms - s * 1000) * 1e6)];
};

export class OtlpPush {
  private readonly url: URL;
  private readonly exporter: OTLPMetricExporter;
  private readonly startMs: number;
  private timer: TimerHandle | undefined;
  private pending: Promise<void> | undefined;
  private readonly said = new Set<string>();
  /** Exports tried and exports the collector took, for the run's closing line. */
  readonly counts = { tried: 0, ok: 0 };

  constructor(private readonly o: OtlpPushOptions) {
    this.url = otlpMetricsUrl(o.url);
    this.exporter = new OTLPMetricExporter({
      url: this.url.href,
      temporalityPreference: AggregationTemporality.CUMULATIVE,
      timeoutMillis: Math.max(1000, Math.min(10_000, o.intervalMs)),
    });
    this.startMs = o.clock.now();
  }

  /** Where it pushes, as it may be printed. */
  get target(): string {
    return shownUrl(this.url);
  }

  start(): void {
    this.timer = this.o.clock.setInterval(() => void this.push(), this.o.intervalMs).unref();
  }

  /** One export of the figures as of now; skipped while the previous one is still out. */
  push(): Promise<void> {
    if (this.pending) return this.pending;
    const figures = this.o.figures();
    if (!figures) return Promise.resolve();
    this.counts.tried++;
    this.pending = new Promise<void>((resolve) => {
      this.exporter.export(this.resourceMetrics(figures), (r: ExportResult) => {
        if (r.code === ExportResultCode.SUCCESS) this.counts.ok++;
        else this.warn(r.error?.message ?? 'the exporter gave no reason');
        resolve();
      });
    }).finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The last figures out, then the exporter closed. */
  async close(): Promise<void> {
    this.o.clock.clearInterval(this.timer);
    this.timer = undefined;
    await this.pending;
    await this.push();
    await this.exporter.shutdown();
  }

  private warn(reason: string): void {
    if (this.said.has(reason)) return;
    this.said.add(reason);
    this.o.onWarn(
      `OTLP export to ${this.target} failed: ${reason}. The run goes on; check that a collector listens there (OTLP/HTTP, usually port 4318) and, for a hosted one, OTEL_EXPORTER_OTLP_HEADERS.`,
    );
  }

  resourceMetrics(f: RunFigures): ResourceMetrics {
    const startTime = hrTime(this.startMs);
    const endTime = hrTime(this.o.clock.now());
    const point = <T>(value: T) => ({ startTime, endTime, attributes: {}, value });
    const metrics: MetricData[] = RUN_FIGURES.map((def) => {
      const descriptor = {
        name: `fleetsim.run.${def.name}`,
        description: def.help,
        unit: def.unit,
        valueType: def.unit === 's' ? ValueType.DOUBLE : ValueType.INT,
      };
      return def.kind === 'counter'
        ? {
            descriptor,
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.SUM,
            isMonotonic: true,
            dataPoints: [point(def.pick(f))],
          }
        : {
            descriptor,
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            dataPointType: DataPointType.GAUGE,
            dataPoints: [point(def.pick(f))],
          };
    });
    const h = f.ack;
    if (h && h.totalCount > 0) {
      const upTo = ACK_BUCKETS_S.map((le) => countUpTo(h, le * 1e6));
      const counts = [...upTo, h.totalCount].map((c, i) => c - (i === 0 ? 0 : (upTo[i - 1] ?? 0)));
      metrics.push({
        descriptor: {
          name: `fleetsim.run.${ACK_LATENCY.name}`,
          description: ACK_LATENCY.help,
          unit: 's',
          valueType: ValueType.DOUBLE,
        },
        aggregationTemporality: AggregationTemporality.CUMULATIVE,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: [
          point({
            buckets: { boundaries: ACK_BUCKETS_S, counts },
            count: h.totalCount,
            sum: (h.mean * h.totalCount) / 1e6,
            min: h.getValueAtPercentile(0) / 1e6,
            max: h.getValueAtPercentile(100) / 1e6,
          }),
        ],
      });
    }
    const attributes: Record<string, string> = { 'service.name': 'fleetsim', 'service.version': VERSION };
    for (const [k, v] of Object.entries(this.o.labels)) attributes[`fleetsim.${k}`] = v;
    return {
      resource: resourceFromAttributes(attributes),
      scopeMetrics: [{ scope: { name: 'fleetsim', version: VERSION }, metrics }],
    };
  }
}
