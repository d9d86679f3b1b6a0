/**
 * `fleetsim run --prom-remote-write <url>`: the run's figures pushed as snappy-compressed protobuf
 * WriteRequests, checked against a real Prometheus (remote-write receiver on, basic auth on) that
 * the test starts on a free port, queried back over its HTTP API.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { uncompressSync } from 'snappy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '../core/clock.js';
import { encodeWriteRequest } from '../run/outputs/remote-write-proto.js';
import { RemoteWrite, remoteWriteHeaders } from '../run/outputs/remote-write.js';
import { openOutputs } from '../cli/run-controls.js';
import { encodeHistogram, newLatencyHistogram } from '../drive/histograms.js';
import type { TimelinePoint } from '../drive/metrics.js';
import { sampleFigures } from './helpers/run-figures.js';
import { cli, cliAsync, tempDir, writeTemp } from './helpers.js';
import { havePrometheus, startPrometheus, type TestPrometheus } from './helpers/prometheus.js';
import { tinyScenario } from './scenario-files.js';
import { selfSignedCert } from './helpers/tls-cert.js';
import { fleetsimAsync } from './helpers/cli-async.js';

const USER = 'fleetsim';
const PASS = 's3cret-pass';
/** bcrypt of PASS (Prometheus' web config takes only bcrypt hashes). */
const PASS_BCRYPT = '$2b$12$ZqI4V.wMIqWqUSPgnnDiuOrYH9Xhkloq48vdWmQDegVYAIDsXrCVW';

const figures = sampleFigures;

describe('the WriteRequest encoding', () => {
  it('writes protobuf fields in wire order, labels sorted by name, through snappy and back', () => {
    const bytes = encodeWriteRequest([{ labels: { z: '1', __name__: 'm', a: 'é' }, value: 1.5, timestampMs: 300 }]);
    // field 1 (timeseries), length-delimited; inside: labels (field 1) then the sample (field 2)
    expect(bytes[0]).toBe(0x0a);
    const text = bytes.toString('latin1');
    expect(text.indexOf('__name__')).toBeLessThan(text.indexOf('\u0001a'));
    expect(text.indexOf('\u0001a')).toBeLessThan(text.indexOf('\u0001z'));
    // the sample: 0x09 + little-endian double 1.5, then 0x10 + varint 300 (0xac 0x02)
    const sample = Buffer.concat([
      Buffer.from([0x09]),
      Buffer.from(new Float64Array([1.5]).buffer),
      Buffer.from([0x10, 0xac, 0x02]),
    ]);
    expect(bytes.includes(sample)).toBe(true);
    expect(bytes.includes(Buffer.from('é', 'utf8'))).toBe(true);
  });
});

/** A receiver stand-in that answers `statuses` in turn (then 204) and keeps what it got. */
async function receiver(statuses: number[], extra: Record<string, string> = {}) {
  const got: { headers: IncomingHttpHeaders; body: Buffer }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (d: Buffer) => chunks.push(d));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(statuses.shift() ?? 204, extra);
      res.end('out of order sample');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, server };
}

describe('RemoteWrite against a stand-in receiver', () => {
  const servers: Server[] = [];
  afterAll(() => {
    for (const s of servers) s.close();
  });

  it('a run over before its first tick: the final push still carries the ack-latency histogram', async () => {
    const r = await receiver([]);
    servers.push(r.server);
    const out = await openOutputs({ promRemoteWrite: r.url, promRemoteWriteInterval: '60s' }, { scenario: 'fast' });
    const h = newLatencyHistogram();
    for (let i = 0; i < 12; i++) h.recordValue(800 + i);
    out.onPoint?.({
      t: 0,
      ms: 1000,
      offered: 12,
      sent: 12,
      acked: 12,
      failed: 0,
      retried: 0,
      ack: encodeHistogram(h),
    } as TimelinePoint);
    // no onTick: the run ended before the first live state
    await out.close({ events: { offered: 12, sent: 12, acked: 12, failed: 0, retried: 0 } });
    const text = r.got
      .map((g) => uncompressSync(g.body) as Buffer)
      .map((b) => b.toString('latin1'))
      .join('');
    expect(text).toContain('fleetsim_run_events_acked_total');
    expect(text).toContain('fleetsim_run_ack_latency_seconds_count');
  });

  it('sends the protocol headers and a snappy body; 503 and 429 are sent again, a 400 is said once and not', async () => {
    const r = await receiver([503, 429], { 'retry-after': '1' });
    servers.push(r.server);
    const warnings: string[] = [];
    const rw = new RemoteWrite({
      url: r.url,
      intervalMs: 60_000,
      labels: { scenario: 'tiny' },
      headers: ['X-Scope-OrgID: team-a'],
      figures,
      clock: systemClock,
      onWarn: (w) => warnings.push(w),
    });
    await rw.push();
    expect(rw.counts).toEqual({ tried: 1, ok: 1, retried: 2 });
    expect(warnings).toEqual([]);
    const h = r.got[0]!.headers;
    expect(h['content-type']).toBe('application/x-protobuf');
    expect(h['content-encoding']).toBe('snappy');
    expect(h['x-prometheus-remote-write-version']).toBe('0.1.0');
    expect(h['x-scope-orgid']).toBe('team-a');
    const body = uncompressSync(r.got[0]!.body) as Buffer;
    expect(body.includes(Buffer.from('fleetsim_run_events_acked_total'))).toBe(true);

    const refusing = await receiver([400, 400, 400]);
    servers.push(refusing.server);
    const w2: string[] = [];
    const rw2 = new RemoteWrite({
      url: refusing.url,
      intervalMs: 60_000,
      labels: {},
      figures,
      clock: systemClock,
      onWarn: (w) => w2.push(w),
    });
    await rw2.push();
    await rw2.push();
    expect(refusing.got).toHaveLength(2); // a refusal is not sent again
    expect(w2).toHaveLength(1);
    expect(w2[0]).toContain('HTTP 400 (out of order sample)');
  });

  it('a receiver that is not there: retried with backoff, then one warning, the run goes on', async () => {
    const r = await receiver([]);
    const port = new URL(r.url).port;
    await new Promise((res) => r.server.close(res));
    const clock = new ManualClock(Date.now());
    const warnings: string[] = [];
    const rw = new RemoteWrite({
      url: `http://ops:hunter2@127.0.0.1:${port}/api/v1/write`,
      intervalMs: 60_000,
      labels: {},
      figures,
      clock,
      onWarn: (w) => warnings.push(w),
      retries: 2,
    });
    const done = rw.push();
    for (let i = 0; i < 50 && warnings.length === 0; i++) {
      await new Promise((res) => setTimeout(res, 20));
      clock.advance(5000);
    }
    await done;
    expect(rw.counts).toEqual({ tried: 1, ok: 0, retried: 2 });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/ECONNREFUSED/);
    expect(warnings[0]).toContain(`http://127.0.0.1:${port}/api/v1/write`);
    expect(warnings[0]).not.toContain('hunter2');
  });

  it('refuses headers and URLs that cannot work, naming the flag and never a value', () => {
    expect(() => remoteWriteHeaders(['Authorization Bearer abc'])).toThrow(/expected "Name: value"/);
    expect(() => remoteWriteHeaders(['Authorization Bearer abc'])).not.toThrow(/abc/);
    expect(() => remoteWriteHeaders(['Content-Encoding: gzip'])).toThrow(/sets this header itself/);
    const mk = (url: string, headers: string[] = []) =>
      new RemoteWrite({ url, intervalMs: 1000, labels: {}, headers, figures, clock: systemClock, onWarn: () => {} });
    expect(() => mk('prometheus:9090')).toThrow(/remote write needs an http:\/\/ or https:\/\/ URL/);
    expect(() => mk('https://u:p@x.example', ['Authorization: Bearer t'])).toThrow(/give one of them/);
    expect(mk('https://u:p@x.example').target).toBe('https://x.example/api/v1/write');
  });
});

describe.skipIf(!havePrometheus && !process.env.CI)('against a real Prometheus 2.x remote-write receiver', () => {
  let prom: TestPrometheus;
  beforeAll(async () => {
    prom = await startPrometheus({ basicAuth: { user: USER, pass: PASS, bcrypt: PASS_BCRYPT } });
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
  });
  const authed = () => {
    const u = new URL(prom.url);
    u.username = USER;
    u.password = PASS;
    return u.href;
  };

  it('stores every figure with its labels, the histogram buckets, and up 0 after the last push', async () => {
    const f = figures(100);
    const rw = new RemoteWrite({
      url: authed(),
      intervalMs: 60_000,
      labels: { scenario: 'direct', shard: 'all' },
      figures: () => f,
      clock: systemClock,
      onWarn: (w) => {
        throw new Error(w);
      },
    });
    await rw.push();
    expect(rw.counts.ok).toBe(1);
    const acked = await prom.query('fleetsim_run_events_acked_total{scenario="direct"}');
    expect(acked).toHaveLength(1);
    expect(acked[0]!.value).toBe(100);
    expect(acked[0]!.metric).toEqual({
      __name__: 'fleetsim_run_events_acked_total',
      job: 'fleetsim',
      scenario: 'direct',
      shard: 'all',
    });
    const v = async (q: string) => (await prom.query(q))[0]?.value;
    expect(await v('fleetsim_run_in_flight{scenario="direct"}')).toBe(6);
    expect(await v('fleetsim_run_ack_p99_seconds{scenario="direct"}')).toBeCloseTo(0.04);
    expect(await v('fleetsim_run_up{scenario="direct"}')).toBe(1);
    expect(await v('fleetsim_run_ack_latency_seconds_count{scenario="direct"}')).toBe(100);
    expect(await v('fleetsim_run_ack_latency_seconds_bucket{scenario="direct",le="0.0025"}')).toBe(90);
    expect(await v('fleetsim_run_ack_latency_seconds_bucket{scenario="direct",le="+Inf"}')).toBe(100);
    // the buckets make a histogram PromQL reads: 90 % of the latencies are under 2.5 ms
    expect(
      await v('histogram_quantile(0.9, fleetsim_run_ack_latency_seconds_bucket{scenario="direct"})'),
    ).toBeLessThanOrEqual(0.0025);

    f.acked = 150;
    await rw.close();
    expect(await v('fleetsim_run_events_acked_total{scenario="direct"}')).toBe(150);
    expect(await v('fleetsim_run_up{scenario="direct"}')).toBe(0);
  });

  const run = (args: string[]) => cliAsync(['run', ...args]);

  it("fleetsim run: what Prometheus holds after the run is the report's counts; the password is never printed", async () => {
    const dir = tempDir();
    const scenario = writeTemp('tiny.yaml', tinyScenario());
    const r = await run([
      scenario,
      '--quiet',
      '--out',
      join(dir, 'run'),
      '--prom-remote-write',
      authed(),
      '--prom-remote-write-interval',
      '1s',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`pushing run metrics to ${prom.url}/api/v1/write (Prometheus remote write)`);
    expect(r.stderr).not.toContain(PASS);
    expect(r.stderr).not.toContain('remote write to');
    const report = JSON.parse(readFileSync(join(dir, 'run', 'report.json'), 'utf8'));
    expect(report.events.acked).toBeGreaterThan(0);
    const v = async (q: string) => (await prom.query(q))[0]?.value;
    expect(await v('fleetsim_run_events_acked_total{scenario="tiny",shard="all"}')).toBe(report.events.acked);
    expect(await v('fleetsim_run_events_sent_total{scenario="tiny"}')).toBe(report.events.sent);
    expect(await v('fleetsim_run_events_failed_total{scenario="tiny"}')).toBe(report.events.failed);
    expect(await v('fleetsim_run_devices_total{scenario="tiny"}')).toBe(report.devices.total);
    expect(await v('fleetsim_run_ack_latency_seconds_count{scenario="tiny"}')).toBe(report.events.acked);
    expect(await v('fleetsim_run_up{scenario="tiny"}')).toBe(0);
    const log = readFileSync(join(dir, 'run', 'fleetsim.log'), 'utf8');
    expect(log).not.toContain(PASS);
    // every push was taken: none out of order, none a duplicate of an earlier timestamp
    expect(prom.log()).not.toMatch(/out of order|duplicate sample|out of bounds/i);
  });

  it('a wrong password: one warning naming the 401 and the URL without credentials, and the run still passes', async () => {
    const dir = tempDir();
    const scenario = writeTemp('tiny.yaml', tinyScenario());
    const u = new URL(prom.url);
    u.username = USER;
    u.password = 'not-the-password';
    const r = await run([scenario, '--quiet', '--out', join(dir, 'run'), '--prom-remote-write', u.href]);
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('remote write to'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`${prom.url}/api/v1/write failed: HTTP 401`);
    expect(r.stderr).not.toContain('not-the-password');
  });
});

describe.skipIf(!havePrometheus && !process.env.CI)('against a real Prometheus over https', () => {
  let prom: TestPrometheus;
  let cert: ReturnType<typeof selfSignedCert>;
  beforeAll(async () => {
    cert = selfSignedCert(tempDir('fleetsim-prom-tls-'));
    prom = await startPrometheus({ basicAuth: { user: USER, pass: PASS, bcrypt: PASS_BCRYPT }, tls: cert });
  }, 60_000);
  afterAll(async () => {
    await prom?.stop();
  });
  const authed = () => {
    const u = new URL(prom.url);
    u.username = USER;
    u.password = PASS;
    return u.href;
  };

  it("a receiver whose certificate the run trusts (NODE_EXTRA_CA_CERTS) holds the report's counts", async () => {
    const dir = tempDir();
    const scenario = writeTemp('tiny.yaml', tinyScenario());
    const r = await fleetsimAsync(
      ['run', scenario, '--quiet', '--out', join(dir, 'run'), '--prom-remote-write', authed()],
      { NODE_EXTRA_CA_CERTS: cert.certPath },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(prom.url).toMatch(/^https:/);
    expect(r.stderr).toContain(`pushing run metrics to ${prom.url}/api/v1/write (Prometheus remote write)`);
    expect(r.stderr).not.toContain('remote write to');
    const report = JSON.parse(readFileSync(join(dir, 'run', 'report.json'), 'utf8'));
    const v = async (q: string) => (await prom.query(q))[0]?.value;
    expect(await v('fleetsim_run_events_acked_total{scenario="tiny"}')).toBe(report.events.acked);
    expect(await v('fleetsim_run_up{scenario="tiny"}')).toBe(0);
  });

  it('a certificate the run does not trust: one warning that says so, and the run still passes', async () => {
    const dir = tempDir();
    const scenario = writeTemp('tiny.yaml', tinyScenario());
    const r = await fleetsimAsync([
      'run',
      scenario,
      '--quiet',
      '--out',
      join(dir, 'run'),
      '--prom-remote-write',
      authed(),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const warnings = r.stderr.split('\n').filter((l) => l.includes('remote write to'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      "the receiver's TLS certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate); give its CA with NODE_EXTRA_CA_CERTS=ca.pem, not tried again",
    );
    expect(r.stderr).not.toContain(PASS);
  });
});

describe('fleetsim run --prom-remote-write flags', () => {
  it('that do not fit are usage errors before anything runs', () => {
    const scenario = writeTemp('tiny.yaml', tinyScenario());
    const a = cli(['run', scenario, '--quiet', '--prom-remote-write-interval', '5s']);
    expect(a.code).toBe(3);
    expect(a.stderr).toContain('--prom-remote-write-interval needs --prom-remote-write <receiver URL>');
    const b = cli([
      'run',
      scenario,
      '--quiet',
      '--prom-remote-write',
      'http://127.0.0.1:9',
      '--prom-remote-write-interval',
      'often',
    ]);
    expect(b.code).toBe(3);
    expect(b.stderr).toContain('--prom-remote-write-interval "often" is not a push interval');
    const c = cli([
      'run',
      scenario,
      '--quiet',
      '--prom-remote-write',
      'http://127.0.0.1:9',
      '--prom-remote-write-header',
      'X-Key s3cret',
    ]);
    expect(c.code).toBe(3);
    expect(c.stderr).toContain('expected "Name: value"');
    expect(c.stderr).not.toContain('s3cret');
    const k6 = cli(['run', scenario, '--quiet', '--out', 'experimental-prometheus-rw']);
    expect(k6.code).toBe(3);
    expect(k6.stderr).toContain('--prom-remote-write http://127.0.0.1:9090/api/v1/write');
  });
});
