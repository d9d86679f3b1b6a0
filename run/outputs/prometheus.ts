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
import { ACK_BUCKETS_S, ACK_LATENCY, countUpTo, promName, RUN_FIGURES, type RunFigures } from './run-figures.js';

export { countUpTo, type RunFigures } from './run-figures.js';

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
    for (const def of RUN_FIGURES) {
      const common = { name: promName(def, def.kind === 'counter'), help: def.help, labelNames, registers: [registry] };
      if (def.kind === 'counter')
        new Counter({
          ...common,
          collect() {
            const f = o.figures();
            this.reset();
            if (f) this.inc(o.labels, def.pick(f));
          },
        });
      else
        new Gauge({
          ...common,
          collect() {
            const f = o.figures();
            if (f) this.set(o.labels, def.pick(f));
          },
        });
    }
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
        promName(ACK_LATENCY),
        ACK_LATENCY.help,
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
