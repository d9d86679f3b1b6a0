/**
 * The figures a run exports while it goes, named once for every exporter: the Prometheus
 * endpoint (`--metrics-port`, scraped) and the OTLP push (`--otlp`). Names are OpenTelemetry's
 * dotted form; Prometheus takes the same name with underscores (and `_total` on counters), which
 * is also what an OpenTelemetry collector's Prometheus exporter makes of the pushed ones, so a
 * dashboard reads the same series whichever way the figures travel.
 */
import type { Histogram } from '../../drive/metrics.js';

/** What an exporter reads: the run's counters and gauges as of now. */
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

export interface FigureDef {
  /** Dotted name under `fleetsim.run.`. */
  name: string;
  help: string;
  kind: 'counter' | 'gauge';
  /** OpenTelemetry unit (UCUM): `{event}`, `s`... */
  unit: string;
  pick: (f: RunFigures) => number;
}

export const RUN_FIGURES: readonly FigureDef[] = [
  {
    name: 'events.offered',
    help: 'Events the fleet offered to the drive loop.',
    kind: 'counter',
    unit: '{event}',
    pick: (f) => f.offered,
  },
  {
    name: 'events.sent',
    help: 'Events handed to the transport.',
    kind: 'counter',
    unit: '{event}',
    pick: (f) => f.sent,
  },
  {
    name: 'events.acked',
    help: 'Events the endpoint acknowledged (PUBACK, HTTP 2xx).',
    kind: 'counter',
    unit: '{event}',
    pick: (f) => f.acked,
  },
  {
    name: 'events.failed',
    help: 'Events that failed (refused, timed out, connection lost).',
    kind: 'counter',
    unit: '{event}',
    pick: (f) => f.failed,
  },
  {
    name: 'events.retried',
    help: 'Events sent again after a failure.',
    kind: 'counter',
    unit: '{event}',
    pick: (f) => f.retried,
  },
  {
    name: 'ack.p99.seconds',
    help: "The last full second's ack-latency p99 (the worst worker's).",
    kind: 'gauge',
    unit: 's',
    pick: (f) => (f.ackP99Ms ?? 0) / 1000,
  },
  {
    name: 'in.flight',
    help: 'Events sent and not yet acknowledged.',
    kind: 'gauge',
    unit: '{event}',
    pick: (f) => f.inFlight,
  },
  {
    name: 'window',
    help: 'The in-flight window: most events in flight now (its ceiling is maxInFlight).',
    kind: 'gauge',
    unit: '{event}',
    pick: (f) => f.window,
  },
  {
    name: 'connections',
    help: 'Transport connections open.',
    kind: 'gauge',
    unit: '{connection}',
    pick: (f) => f.connections,
  },
  {
    name: 'devices.online',
    help: 'Devices online and not done.',
    kind: 'gauge',
    unit: '{device}',
    pick: (f) => f.devicesOnline,
  },
  {
    name: 'devices.done',
    help: 'Devices whose every installation reached its end.',
    kind: 'gauge',
    unit: '{device}',
    pick: (f) => f.devicesDone,
  },
  {
    name: 'devices.total',
    help: 'Devices in this run (this shard).',
    kind: 'gauge',
    unit: '{device}',
    pick: (f) => f.devicesTotal,
  },
  {
    name: 'installs.done',
    help: 'Installations that reached their end.',
    kind: 'gauge',
    unit: '{installation}',
    pick: (f) => f.installsDone,
  },
  {
    name: 'installs.total',
    help: 'Installations in this run (this shard).',
    kind: 'gauge',
    unit: '{installation}',
    pick: (f) => f.installsTotal,
  },
];

/** The ack-latency histogram's name and help, for both exporters. */
export const ACK_LATENCY = { name: 'ack.latency.seconds', help: 'Send to transport acknowledgement, seconds.' };

/** Bucket bounds in seconds, those of the endpoint's own histograms (docs/endpoint.md). */
export const ACK_BUCKETS_S = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** `fleetsim_run_<name>` in Prometheus' spelling. */
export function promName(def: { name: string }, counter = false): string {
  return `fleetsim_run_${def.name.replaceAll('.', '_')}${counter ? '_total' : ''}`;
}

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
