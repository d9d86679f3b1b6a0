/**
 * The run side's Prometheus endpoint (`fleetsim run --metrics-port`): what a run has sent,
 * acknowledged and failed, the in-flight window, connections and progress, and the ack-latency
 * histogram, scraped while the run goes, as k6's Prometheus output and Locust's exporter offer.
 * prom-client does the exposition format and the process metrics; the figures are read from the
 * run's own counters at scrape time, so the hot path pays nothing for it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { Histogram } from '../../drive/metrics.js';
import { PortInUseError, UsageError } from '../../protocol/errors.js';

/** What a scrape reads: the run's counters and gauges as of now. */
export interface RunFigures {
  offered: number;
  sent: number;
  acked: number;
  failed: number;
  retried: number;
  inFlight: number;
  window: number;
  connections: number;
  devicesOnline: number;
  devicesDone: number;
  devicesTotal: number;
  installsDone: number;
  installsTotal: number;
  /** The whole run's ack latencies so far, µs, where this process has them (one process, no workers). */
  ack?: Histogram;
  /** The last full second's ack p99, ms (the worst worker's with workers). */
  ackP99Ms?: number;
}

/** Bucket bounds in seconds, those of the endpoint's own histograms (docs/endpoint.md). */
export const ACK_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Recorded values <= `us` in an HDR histogram, by inverting its percentiles (20 halvings). */
export function countUpTo(h: Histogram, us: number): number {
  const total = h.totalCount;
  if (total === 0) return 0;
  if (h.getValueAtPercentile(100) <= us) return total;
  if (h.getValueAtPercentile(0) > us) return 0;
  let lo = 0;
  let hi = 100;
  for (let i = 0; i < 20; i++) {
    const mid = (lo + hi) / 2;
    if (h.getValueAtPercentile(mid) <= us) lo = mid;
    else hi = mid;
  }
  return Math.round((lo / 100) * total);
}

/** A histogram metric whose buckets are read from an HDR histogram when scraped. */
class HdrHistogramMetric {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labels: Record<string, string>,
    private readonly read: () => Histogram,
  ) {}
  get() {
    const h = this.read();
    const values = ACK_BUCKETS_S.map((le) => ({
      labels: { ...this.labels, le },
      value: countUpTo(h, le * 1e6),
      metricName: `${this.name}_bucket`,
    }));
    values.push({
      labels: { ...this.labels, le: '+Inf' as unknown as number },
      value: h.totalCount,
      metricName: `${this.name}_bucket`,
    });
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: [
        ...values,
        { labels: this.labels, value: (h.mean * h.totalCount) / 1e6, metricName: `${this.name}_sum` },
        { labels: this.labels, value: h.totalCount, metricName: `${this.name}_count` },
      ],
    };
  }
  reset() {}
}

export interface MetricsEndpointOptions {
  port: number;
  host: string;
  /** Labels on every run metric: scenario, shard. */
  labels: Record<string, string>;
  figures: () => RunFigures | undefined;
}

export class RunMetricsEndpoint {
  readonly registry = new Registry();
  private server: Server | undefined;
  private up = 1;

  constructor(private readonly o: MetricsEndpointOptions) {
    const { registry } = this;
    const labelNames = Object.keys(o.labels);
    collectDefaultMetrics({ register: registry });
    const self = this;
    const counter = (name: string, help: string, pick: (f: RunFigures) => number) =>
      new Counter({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          const f = o.figures();
          this.reset();
          if (f) this.inc(o.labels, pick(f));
        },
      });
    const gauge = (name: string, help: string, pick: (f: RunFigures) => number) =>
      new Gauge({
        name,
        help,
        labelNames,
        registers: [registry],
        collect() {
          const f = o.figures();
          if (f) this.set(o.labels, pick(f));
        },
      });
    counter('fleetsim_run_events_offered_total', 'Events the fleet offered to the drive loop.', (f) => f.offered);
    counter('fleetsim_run_events_sent_total', 'Events handed to the transport.', (f) => f.sent);
    counter('fleetsim_run_events_acked_total', 'Events the endpoint acknowledged (PUBACK, HTTP 2xx).', (f) => f.acked);
    counter(
      'fleetsim_run_events_failed_total',
      'Events that failed (refused, timed out, connection lost).',
      (f) => f.failed,
    );
    counter('fleetsim_run_events_retried_total', 'Events sent again after a failure.', (f) => f.retried);
    gauge(
      'fleetsim_run_ack_p99_seconds',
      "The last full second's ack-latency p99 (the worst worker's).",
      (f) => (f.ackP99Ms ?? 0) / 1000,
    );
    gauge('fleetsim_run_in_flight', 'Events sent and not yet acknowledged.', (f) => f.inFlight);
    gauge(
      'fleetsim_run_window',
      'The in-flight window: most events in flight now (its ceiling is maxInFlight).',
      (f) => f.window,
    );
    gauge('fleetsim_run_connections', 'Transport connections open.', (f) => f.connections);
    gauge('fleetsim_run_devices_online', 'Devices online and not done.', (f) => f.devicesOnline);
    gauge('fleetsim_run_devices_done', 'Devices whose every installation reached its end.', (f) => f.devicesDone);
    gauge('fleetsim_run_devices_total', 'Devices in this run (this shard).', (f) => f.devicesTotal);
    gauge('fleetsim_run_installs_done', 'Installations that reached their end.', (f) => f.installsDone);
    gauge('fleetsim_run_installs_total', 'Installations in this run (this shard).', (f) => f.installsTotal);
    new Gauge({
      name: 'fleetsim_run_up',
      help: '1 while the run drives its fleet, 0 once it has finished (the endpoint stays up a little for a last scrape).',
      labelNames,
      registers: [registry],
      collect() {
        this.set(o.labels, self.up);
      },
    });
    registry.registerMetric(
      new HdrHistogramMetric(
        'fleetsim_run_ack_latency_seconds',
        'Send to transport acknowledgement, seconds.',
        o.labels,
        () => o.figures()?.ack ?? emptyHistogram,
      ) as never,
    );
  }

  /** Listens; a port in use is a usage error naming it. Resolves with the URL of /metrics. */
  start(): Promise<string> {
    const server = createServer((req, res) => {
      if (req.url !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(req.url === '/metrics' ? 405 : 404, {
          'content-type': 'text/plain',
          ...(req.url === '/metrics' ? { allow: 'GET, HEAD' } : {}),
        });
        res.end('fleetsim run metrics are at GET /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': this.registry.contentType });
          res.end(text);
        },
        (err: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(`${err.message}\n`);
        },
      );
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        reject(
          err.code === 'EADDRINUSE'
            ? new PortInUseError(
                `--metrics-port ${this.o.port}: the port is in use on ${this.o.host}; pick another, or 0 for any free port.`,
              )
            : new UsageError(`--metrics-port ${this.o.port} on ${this.o.host}: ${err.message}.`),
        );
      });
      server.listen(this.o.port, this.o.host, () => {
        const a = server.address() as AddressInfo;
        resolve(`http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`);
      });
    });
  }

  /** The run is over: fleetsim_run_up goes to 0 (the figures stay the final ones). */
  finished(): void {
    this.up = 0;
  }

  close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
}

const emptyHistogram = { totalCount: 0, mean: 0, getValueAtPercentile: () => 0 } as unknown as Histogram;
