/**
 * The endpoint's own measurements: end-to-end latency (accepted at the endpoint minus the
 * event's wallTs, what a run's end-to-end histogram reads) and ingest latency (request or
 * PUBLISH received -> acknowledged, which includes the journal's fsync with --data-dir).
 * Both go into HDR histograms (exact, mergeable, exported compressed in /v1/stats) and into fixed
 * Prometheus buckets for /metrics. Recording is a few number operations: no allocation.
 */
import * as hdr from 'hdr-histogram-js';
import type { StoreCounters } from './store.js';

/** 1 µs to 1 hour, 3 significant digits: the same shape as agent/metrics.ts newLatencyHistogram. */
function newHistogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
    bitBucketSize: 'packed',
  });
}

/** Prometheus bucket upper bounds in seconds. */
export const LATENCY_BUCKETS_S = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

class LatencyMetric {
  readonly hdr = newHistogram();
  /** Non-cumulative count per bucket; the last slot is +Inf. */
  readonly buckets = new Float64Array(LATENCY_BUCKETS_S.length + 1);
  sumS = 0;
  count = 0;

  record(us: number): void {
    const v = us < 0 ? 0 : us > 3_600_000_000 ? 3_600_000_000 : Math.round(us);
    this.hdr.recordValue(v);
    const s = v / 1e6;
    let i = 0;
    while (i < LATENCY_BUCKETS_S.length && s > LATENCY_BUCKETS_S[i]!) i++;
    this.buckets[i]!++;
    this.sumS += s;
    this.count++;
  }

  prometheus(name: string, help: string, out: string[]): void {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    let cum = 0;
    for (let i = 0; i < LATENCY_BUCKETS_S.length; i++) {
      cum += this.buckets[i]!;
      out.push(`${name}_bucket{le="${LATENCY_BUCKETS_S[i]}"} ${cum}`);
    }
    cum += this.buckets[LATENCY_BUCKETS_S.length]!;
    out.push(`${name}_bucket{le="+Inf"} ${cum}`, `${name}_sum ${this.sumS}`, `${name}_count ${this.count}`);
  }

  summary(): { count: number; p50: number; p99: number; max: number; hdr: string } {
    const ms = (us: number) => Math.round(us) / 1000;
    return {
      count: this.hdr.totalCount,
      p50: ms(this.hdr.getValueAtPercentile(50)),
      p99: ms(this.hdr.getValueAtPercentile(99)),
      max: ms(this.hdr.maxValue),
      hdr: hdr.encodeIntoCompressedBase64(this.hdr),
    };
  }
}

export class EndpointMetrics {
  /** Accepted time minus the device's wallTs, µs. */
  readonly endToEnd = new LatencyMetric();
  /** Received -> acknowledged at the endpoint, µs (per HTTP request or MQTT PUBLISH). */
  readonly ingest = new LatencyMetric();
  httpRequests = 0;
  mqttPublishes = 0;
  /** Of those, taken by the fast path (mqtt-fast-ingest.ts) rather than aedes' publish pipeline. */
  mqttFastIngested = 0;
  authFailures = 0;
  /** MQTT connections closed by a limit (packet size, CONNECT first, pending per source). */
  mqttConnectionsRefused = 0;
  /** The journal's counters when there is one (--data-dir). */
  journal: { flushes: number; events: number } | undefined;

  /** Prometheus text exposition format 0.0.4. */
  render(c: StoreCounters, gauges: { mqttClients: number; pairs: number; apps: number }): string {
    const out: string[] = [];
    const counter = (name: string, help: string, value: number) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${value}`);
    const gauge = (name: string, help: string, value: number) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, `${name} ${value}`);
    counter('fleetsim_events_accepted_total', "Events that changed a (device, app) pair's latest status.", c.accepted);
    counter('fleetsim_events_duplicate_total', 'Events whose seq equalled the latest one (ignored).', c.duplicates);
    counter('fleetsim_events_stale_total', 'Events older than the latest one (ignored).', c.stale);
    out.push(
      '# HELP fleetsim_events_rejected_total Events refused, by the field that was wrong.',
      '# TYPE fleetsim_events_rejected_total counter',
    );
    const reasons = Object.keys(c.rejectedByReason).sort();
    if (reasons.length === 0) out.push('fleetsim_events_rejected_total{reason="none"} 0');
    for (const r of reasons)
      out.push(`fleetsim_events_rejected_total{reason="${escapeLabel(r)}"} ${c.rejectedByReason[r]}`);
    counter('fleetsim_http_event_requests_total', 'POST /v1/events requests answered.', this.httpRequests);
    counter('fleetsim_mqtt_status_publishes_total', 'PUBLISH packets on status topics.', this.mqttPublishes);
    counter(
      'fleetsim_mqtt_status_fast_ingest_total',
      "Status PUBLISH packets ingested by the fast path, before aedes' publish pipeline.",
      this.mqttFastIngested,
    );
    counter(
      'fleetsim_auth_failures_total',
      'Connections or requests refused for missing or wrong credentials.',
      this.authFailures,
    );
    counter(
      'fleetsim_mqtt_connections_refused_total',
      'MQTT connections closed by a limit (packet size, CONNECT first, pending CONNECTs per source).',
      this.mqttConnectionsRefused,
    );
    counter(
      'fleetsim_journal_flushes_total',
      'Group commits (one write and one fdatasync each).',
      this.journal?.flushes ?? 0,
    );
    counter('fleetsim_journal_events_total', 'Events written to the journal.', this.journal?.events ?? 0);
    gauge('fleetsim_mqtt_connected_clients', 'MQTT clients connected now.', gauges.mqttClients);
    gauge('fleetsim_pairs', '(device, app) pairs known.', gauges.pairs);
    gauge('fleetsim_apps', 'Apps known.', gauges.apps);
    this.ingest.prometheus(
      'fleetsim_ingest_latency_seconds',
      'Received -> acknowledged at the endpoint (includes the journal fsync).',
      out,
    );
    this.endToEnd.prometheus(
      'fleetsim_end_to_end_latency_seconds',
      "Accepted at the endpoint minus the event's wallTs.",
      out,
    );
    return `${out.join('\n')}\n`;
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
