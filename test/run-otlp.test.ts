/**
 * `fleetsim run --otlp <url>`: the run's figures pushed to an OpenTelemetry collector over
 * OTLP/HTTP JSON. The collector here is a real HTTP server on port 0 that keeps what it is sent,
 * as an OpenTelemetry collector's otlphttp receiver would take it.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { otlpMetricsUrl, OtlpPush } from '../run/outputs/otlp.js';
import { sampleFigures } from './helpers/run-figures.js';
import { cli, ROOT, tempDir, writeTemp } from './helpers.js';
import { tinyScenario } from './scenario-files.js';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** A collector stand-in: answers `status` and keeps every request. */
async function collector(status = 200): Promise<{ url: string; got: Received[]; server: Server }> {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d) => (text += d));
    req.on('end', () => {
      got.push({ path: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** The metrics of one OTLP JSON export, by name. */
function metricsOf(body: any): Map<string, any> {
  const out = new Map<string, any>();
  for (const rm of body.resourceMetrics)
    for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.set(m.name, m);
  return out;
}
const sumOf = (m: any) => Number(m.sum.dataPoints[0].asInt ?? m.sum.dataPoints[0].asDouble);
const gaugeOf = (m: any) => Number(m.gauge.dataPoints[0].asInt ?? m.gauge.dataPoints[0].asDouble);

const figures = sampleFigures;

describe('OTLP push', () => {
  it('sends the run figures as cumulative sums, gauges and a bucketed ack histogram, with the run as resource', async () => {
    const c = await collector();
    servers.push(c.server);
    const clock = new ManualClock(1_800_000_000_000);
    const f = figures();
    const push = new OtlpPush({
      url: c.url,
      intervalMs: 5000,
      labels: { scenario: 'tiny', shard: 'all' },
      figures: () => f,
      clock,
      onWarn: (w) => {
        throw new Error(w);
      },
    });
    push.start();
    clock.advance(5000);
    await push.push(); // the interval's export is out; this waits for it rather than sending another
    expect(c.got).toHaveLength(1);
    const first = c.got[0]!;
    expect(first.path).toBe('/v1/metrics'); // a bare origin gets the metrics path
    expect(first.headers['content-type']).toMatch(/application\/json/);
    const attrs = Object.fromEntries(
      first.body.resourceMetrics[0].resource.attributes.map((a: any) => [a.key, a.value.stringValue]),
    );
    expect(attrs).toMatchObject({ 'service.name': 'fleetsim', 'fleetsim.scenario': 'tiny', 'fleetsim.shard': 'all' });
    const m = metricsOf(first.body);
    expect(sumOf(m.get('fleetsim.run.events.acked'))).toBe(100);
    expect(sumOf(m.get('fleetsim.run.events.retried'))).toBe(6);
    expect(m.get('fleetsim.run.events.sent').sum.isMonotonic).toBe(true);
    expect(m.get('fleetsim.run.events.sent').sum.aggregationTemporality).toBe(2); // CUMULATIVE
    expect(gaugeOf(m.get('fleetsim.run.in.flight'))).toBe(6);
    expect(gaugeOf(m.get('fleetsim.run.ack.p99.seconds'))).toBeCloseTo(0.04);
    const h = m.get('fleetsim.run.ack.latency.seconds').histogram.dataPoints[0];
    expect(Number(h.count)).toBe(100);
    const counts = h.bucketCounts.map(Number);
    const bounds: number[] = h.explicitBounds;
    expect(counts.reduce((a: number, b: number) => a + b, 0)).toBe(100);
    expect(counts[bounds.indexOf(0.0025)]).toBe(90); // 2 ms falls in (1 ms, 2.5 ms]
    expect(counts[bounds.indexOf(0.05)]).toBe(10); // 40 ms in (25 ms, 50 ms]
    expect(h.sum).toBeCloseTo(0.58, 2);

    f.acked = 150;
    clock.advance(5000);
    await push.close(); // the pending interval export, then the final one
    const last = c.got.at(-1)!;
    expect(c.got.length).toBeGreaterThanOrEqual(2);
    expect(sumOf(metricsOf(last.body).get('fleetsim.run.events.acked'))).toBe(150);
    const n = c.got.length;
    clock.advance(20_000);
    await new Promise((r) => setTimeout(r, 50));
    expect(c.got).toHaveLength(n); // closed: no more pushes
  });

  it('passes OTEL_EXPORTER_OTLP_HEADERS (an API key) to the collector', async () => {
    const c = await collector();
    servers.push(c.server);
    process.env.OTEL_EXPORTER_OTLP_HEADERS = 'x-api-key=s3cret-k3y';
    try {
      const push = new OtlpPush({
        url: `${c.url}/otlp/v1/metrics`,
        intervalMs: 60_000,
        labels: {},
        figures,
        clock: new ManualClock(0),
        onWarn: () => undefined,
      });
      await push.close();
    } finally {
      delete process.env.OTEL_EXPORTER_OTLP_HEADERS;
    }
    expect(c.got[0]?.path).toBe('/otlp/v1/metrics'); // a given path is kept
    expect(c.got[0]?.headers['x-api-key']).toBe('s3cret-k3y');
  });

  it('a collector that refuses or is not there: one warning per reason naming the URL without its password, the run goes on', async () => {
    const c = await collector(404);
    servers.push(c.server);
    const warnings: string[] = [];
    const base = new URL(c.url);
    base.username = 'ops';
    base.password = 'hunter2';
    const push = new OtlpPush({
      url: base.href,
      intervalMs: 60_000,
      labels: {},
      figures,
      clock: new ManualClock(0),
      onWarn: (w) => warnings.push(w),
    });
    await push.push();
    await push.push();
    await push.close();
    expect(c.got.length).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`OTLP export to http://127.0.0.1:${base.port}/v1/metrics failed`);
    expect(warnings[0]).not.toContain('hunter2');
    expect(push.counts).toEqual({ tried: 3, ok: 0 });

    const gone = await collector();
    const port = new URL(gone.url).port;
    await new Promise((r) => gone.server.close(r));
    const w2: string[] = [];
    const p2 = new OtlpPush({
      url: `http://127.0.0.1:${port}/v1/metrics`,
      intervalMs: 60_000,
      labels: {},
      figures,
      clock: new ManualClock(0),
      onWarn: (w) => w2.push(w),
    });
    await p2.close();
    expect(w2.join('\n')).toMatch(/ECONNREFUSED|connect/);
  });

  it('refuses what is not an OTLP/HTTP URL with what would be right', () => {
    expect(() => otlpMetricsUrl('collector:4317')).toThrow(/--otlp "collector:4317": OTLP\/HTTP needs an http/);
    expect(() => otlpMetricsUrl('not a url')).toThrow(/is not a URL; expected .*4318\/v1\/metrics/);
    expect(otlpMetricsUrl('https://otel.example:4318').href).toBe('https://otel.example:4318/v1/metrics');
  });
});

function run(args: string[]) {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'fleetsim.js'), 'run', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', () => undefined);
  return new Promise<{ code: number | null; stderr: string }>((r) => child.on('exit', (code) => r({ code, stderr })));
}

describe('fleetsim run --otlp', () => {
  it("pushes once more at the end, and the last push's figures are the report's", async () => {
    const c = await collector();
    servers.push(c.server);
    const dir = tempDir();
    const scenario = writeTemp('tiny.yaml', tinyScenario());
    const r = await run([scenario, '--quiet', '--out', join(dir, 'run'), '--otlp', c.url, '--otlp-interval', '1s']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`pushing run metrics to ${c.url}/v1/metrics (OTLP)`);
    const report = JSON.parse(readFileSync(join(dir, 'run', 'report.json'), 'utf8'));
    expect(report.events.acked).toBeGreaterThan(0);
    const last = metricsOf(c.got.at(-1)!.body);
    expect(sumOf(last.get('fleetsim.run.events.acked'))).toBe(report.events.acked);
    expect(sumOf(last.get('fleetsim.run.events.sent'))).toBe(report.events.sent);
  });

  it('flags that do not fit are usage errors before anything runs', () => {
    const scenario = writeTemp('tiny.yaml', tinyScenario());
    const a = cli(['run', scenario, '--quiet', '--otlp-interval', '5s']);
    expect(a.code).toBe(3);
    expect(a.stderr).toContain('--otlp-interval needs --otlp <collector URL>');
    const b = cli(['run', scenario, '--quiet', '--otlp', 'http://127.0.0.1:4318', '--otlp-interval', 'often']);
    expect(b.code).toBe(3);
    expect(b.stderr).toContain('--otlp-interval "often" is not a push interval');
    const k6 = cli(['run', scenario, '--quiet', '--out', 'experimental-opentelemetry']);
    expect(k6.code).toBe(3);
    expect(k6.stderr).toContain('--otlp http://127.0.0.1:4318');
  });
});
