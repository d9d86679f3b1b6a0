/**
 * Observability: /metrics in Prometheus text format (events accepted, duplicates, rejected by
 * reason, latency histograms, connected clients), /healthz, and /v1/stats with the end-to-end
 * latency histogram (accepted at the endpoint minus wallTs) encoded for exact merging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as hdr from 'hdr-histogram-js';
import type { MqttClient } from 'mqtt';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { statusTopic } from '../protocol/topics.js';
import { connectMqtt, getJson, postJson, publish } from './helpers/endpoint-client.js';
import { event } from './helpers/endpoint-events.js';

let ep: Endpoint;
let client: MqttClient;

/** Parses Prometheus text into name{labels} -> value, checking every line's syntax. */
function parseProm(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.e+]+|\+Inf|NaN)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

beforeAll(async () => {
  ep = await startEndpoint();
  // Sent 250 ms "ago" by the device's clock: the end-to-end latency must show at least that.
  const wallTs = Date.now() - 250;
  await postJson(ep.httpUrl, '/v1/events', [
    event({ wallTs }),
    event({ deviceId: 'ios-000002', wallTs }),
    event({ wallTs }),
  ]);
  await postJson(ep.httpUrl, '/v1/events', '{"v":1,');
  client = await connectMqtt(ep.mqttUrl, { clientId: 'ios-000003' });
  await publish(
    client,
    statusTopic('ios-000003', 'com.acme.mail'),
    JSON.stringify(event({ deviceId: 'ios-000003', wallTs })),
  );
});
afterAll(async () => {
  await client.endAsync();
  await ep.close();
});

describe('GET /metrics', () => {
  it('counts accepted, duplicate and rejected events, and connected clients', async () => {
    const res = await getJson(ep.httpUrl, '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = parseProm(res.body as string);
    expect(m.get('fleetsim_events_accepted_total')).toBe(3);
    expect(m.get('fleetsim_events_duplicate_total')).toBe(1);
    expect(m.get('fleetsim_events_rejected_total{reason="(payload)"}')).toBe(1);
    expect(m.get('fleetsim_mqtt_connected_clients')).toBe(1);
    expect(m.get('fleetsim_mqtt_status_publishes_total')).toBe(1);
    expect(m.get('fleetsim_pairs')).toBe(3);
  });

  it('has cumulative latency histograms whose +Inf bucket equals the count', async () => {
    const m = parseProm((await getJson(ep.httpUrl, '/metrics')).body as string);
    for (const name of ['fleetsim_ingest_latency_seconds', 'fleetsim_end_to_end_latency_seconds']) {
      const count = m.get(`${name}_count`)!;
      expect(m.get(`${name}_bucket{le="+Inf"}`)).toBe(count);
      const buckets = [...m.entries()].filter(([k]) => k.startsWith(`${name}_bucket`)).map(([, v]) => v);
      expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    }
    // 3 accepted events, each at least 250 ms after its wallTs: none in the buckets below 0.25 s.
    expect(m.get('fleetsim_end_to_end_latency_seconds_count')).toBe(3);
    expect(m.get('fleetsim_end_to_end_latency_seconds_bucket{le="0.1"}')).toBe(0);
    // Two HTTP requests answered 200 plus one MQTT publish.
    expect(m.get('fleetsim_ingest_latency_seconds_count')).toBe(2);
  });
});

describe('GET /v1/stats and /healthz', () => {
  it('exposes the end-to-end histogram compressed, decodable to the same count', async () => {
    const s = (await getJson(ep.httpUrl, '/v1/stats')).body;
    expect(s).toMatchObject({ accepted: 3, duplicates: 1, rejected: 1, pairs: 3 });
    const h = hdr.decodeFromCompressedBase64(s.latency.endToEnd.hdr, 'packed');
    expect(h.totalCount).toBe(3);
    expect(h.minNonZeroValue).toBeGreaterThanOrEqual(250_000);
    expect(s.latency.endToEnd.p50).toBeGreaterThanOrEqual(250);
  });

  it('answers healthz', async () => {
    const res = await getJson(ep.httpUrl, '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, draining: false, durable: false });
  });
});
