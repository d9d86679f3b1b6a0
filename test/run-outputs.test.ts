/**
 * Streaming outputs of a run: JSON lines and CSV of per-second points (and events), the run-side
 * Prometheus endpoint, and the k6 habit `--out json=...` refused with the flag that does it here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { newLatencyHistogram, type TimelinePoint } from '../drive/metrics.js';
import { countUpTo, RunMetricsEndpoint, type RunFigures } from '../run/outputs/prometheus.js';
import { CSV_HEADER, refuseK6Out, StreamFiles } from '../run/outputs/stream-files.js';
import { openOutputs } from '../cli/run-controls.js';
import { parseScenario } from '../agent/scenario/load.js';
import { runScenario } from '../run/run-scenario.js';
import { SMALL_SCENARIO, tempDir } from './helpers.js';

const point = (t: number, acked: number): TimelinePoint => ({
  t,
  ms: 1000,
  offered: acked,
  sent: acked,
  acked,
  failed: 0,
  retried: 0,
  p50: 1.5,
  p99: 9,
});

describe('--out in the k6 form', () => {
  it('is refused with the fleetsim flag for it', () => {
    expect(() => refuseK6Out('json=metrics.json')).toThrow(/fleetsim's --out is the run folder.*--jsonl metrics\.json/);
    expect(() => refuseK6Out('csv=run.csv')).toThrow(/--csv run\.csv/);
    expect(() => refuseK6Out('experimental-prometheus-rw')).toThrow(/--metrics-port/);
    expect(() => refuseK6Out('out/my-run')).not.toThrow();
    expect(() => refuseK6Out('json-runs/a')).not.toThrow();
  });
});

describe('stream files', () => {
  it('writes a JSON line and a CSV row per second, event lines on request, and a closing summary', async () => {
    const dir = tempDir();
    const files = new StreamFiles({
      jsonl: join(dir, 'm.jsonl'),
      csv: join(dir, 'm.csv'),
      events: true,
      tags: { scenario: 's' },
    });
    await files.opened();
    files.point(point(1_800_000_000, 120));
    files.event({
      wallMs: 1_800_000_000_500,
      deviceId: 'ios-000001',
      platform: 'ios',
      appId: 'a',
      status: 'installed',
      state: 'installed',
      seq: 3,
      simTs: 5,
    });
    files.point(point(1_800_000_001, 80));
    await files.close({ verdict: 'passed' });
    const lines = readFileSync(join(dir, 'm.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(['point', 'event', 'point', 'summary']);
    expect(lines[0]).toMatchObject({
      time: '2027-01-15T08:00:00.000Z',
      acked: 120,
      ackedPerSec: 120,
      p99: 9,
      tags: { scenario: 's' },
    });
    expect(lines[0].ack).toBeUndefined();
    expect(lines[1]).toMatchObject({ deviceId: 'ios-000001', seq: 3 });
    const csv = readFileSync(join(dir, 'm.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(CSV_HEADER);
    expect(csv[1]).toBe('2027-01-15T08:00:00.000Z,1800000000,1000,120,120,120,0,0,120,1.5,9');
  });

  it('says which flag named a file it cannot write', async () => {
    const files = new StreamFiles({ csv: '/nonexistent-dir/x.csv', tags: {} });
    await expect(files.opened()).rejects.toThrow(/--csv \/nonexistent-dir\/x\.csv/);
  });
});

describe('run-side Prometheus endpoint', () => {
  it('counts histogram values up to a bound within HDR precision', () => {
    const h = newLatencyHistogram();
    for (let i = 1; i <= 1000; i++) h.recordValue(i * 10); // 10 µs .. 10 ms
    expect(countUpTo(h, 5000)).toBeGreaterThanOrEqual(498);
    expect(countUpTo(h, 5000)).toBeLessThanOrEqual(502);
    expect(countUpTo(h, 1)).toBe(0);
    expect(countUpTo(h, 1e9)).toBe(1000);
  });

  it('serves the run figures with prom-client, labelled, and a port in use is a usage error', async () => {
    const ack = newLatencyHistogram();
    for (let i = 0; i < 100; i++) ack.recordValue(2000);
    const figures: RunFigures = {
      offered: 10,
      sent: 9,
      acked: 8,
      failed: 1,
      retried: 0,
      inFlight: 3,
      window: 64,
      connections: 5,
      devicesOnline: 2,
      devicesDone: 4,
      devicesTotal: 6,
      installsDone: 7,
      installsTotal: 12,
      ack,
    };
    const ep = new RunMetricsEndpoint({
      port: 0,
      host: '127.0.0.1',
      labels: { scenario: 'tiny', shard: 'all' },
      figures: () => figures,
    });
    const url = await ep.start();
    try {
      const text = await (await request(url)).body.text();
      expect(text).toContain('fleetsim_run_events_sent_total{scenario="tiny",shard="all"} 9');
      expect(text).toContain('fleetsim_run_events_failed_total{scenario="tiny",shard="all"} 1');
      expect(text).toContain('fleetsim_run_in_flight{scenario="tiny",shard="all"} 3');
      expect(text).toContain('fleetsim_run_ack_latency_seconds_bucket{scenario="tiny",shard="all",le="0.0025"} 100');
      expect(text).toContain('fleetsim_run_ack_latency_seconds_bucket{scenario="tiny",shard="all",le="0.001"} 0');
      expect(text).toContain('fleetsim_run_ack_latency_seconds_count{scenario="tiny",shard="all"} 100');
      expect(text).toContain('fleetsim_run_up{scenario="tiny",shard="all"} 1');
      expect(text).toMatch(/^process_cpu_seconds_total /m);
      figures.sent = 20;
      ep.finished();
      const again = await (await request(url)).body.text();
      expect(again).toContain('fleetsim_run_events_sent_total{scenario="tiny",shard="all"} 20');
      expect(again).toContain('fleetsim_run_up{scenario="tiny",shard="all"} 0');
      const port = Number(new URL(url).port);
      const clash = new RunMetricsEndpoint({ port, host: '127.0.0.1', labels: {}, figures: () => undefined });
      await expect(clash.start()).rejects.toThrow(`--metrics-port ${port}: the port is in use`);
      await clash.close();
    } finally {
      await ep.close();
    }
  });

  it('in a real run, a scrape shows the ack-latency histogram of every acknowledged event (it was empty before)', async () => {
    const outputs = await openOutputs({ metricsPort: 0 }, { scenario: 'small', shard: 'all' });
    try {
      const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');
      const result = await runScenario(scenario, {
        scenarioFile: 'small.yaml',
        transport: 'http',
        onTick: outputs.onTick,
        tickMs: 50,
        ...(outputs.onPoint ? { onPoint: outputs.onPoint } : {}),
      });
      const text = await (await request(outputs.metricsUrl!)).body.text();
      const figure = (name: string) =>
        Number(new RegExp(`^${name}\\{scenario="small",shard="all"\\} (\\S+)$`, 'm').exec(text)?.[1]);
      expect(figure('fleetsim_run_ack_latency_seconds_count')).toBe(result.latency.ack.count);
      expect(result.latency.ack.count).toBeGreaterThan(0);
      // the counters are the last progress tick's: offered and retried are the run's own, not copies of sent
      expect(figure('fleetsim_run_events_offered_total')).toBeGreaterThan(0);
      expect(figure('fleetsim_run_events_offered_total')).toBeLessThanOrEqual(result.events.offered);
      expect(figure('fleetsim_run_events_retried_total')).toBe(0);
    } finally {
      await outputs.close({});
    }
  });
});
