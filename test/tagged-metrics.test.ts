/**
 * Figures per tag (platform, app, cohort) and thresholds on them, as k6 has: the drive counts
 * each event under its (cohort, app) row, results carry the rows (merged exactly across
 * workers), every rendering shows them, and `latency.ack.p99{platform:ios} < 200ms` is parsed,
 * checked against the scenario and evaluated on only the events it names.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { parseThreshold, type Threshold } from '../agent/scenario/thresholds.js';
import { Simulator } from '../agent/sim/simulator.js';
import { ManualClock } from '../core/clock.js';
import { drive } from '../drive/drive.js';
import { RunMetrics } from '../drive/metrics.js';
import { checkThresholds } from '../result/thresholds.js';
import { mergeTagRows, rowsTagged, tagRowsOf, tagView } from '../result/tag-figures.js';
import { emptyStats, SendError, type SendDone, type Transport } from '../transport/types.js';
import { cli, SMALL_SCENARIO, tempDir, writeTemp } from './helpers.js';

const scenario = parseScenario(SMALL_SCENARIO, 'small.yaml');

/** Acks ios events after 40 ms and the rest after 2 ms (clock time); fails every android vpn event. */
function taggingTransport(clock: ManualClock): Transport {
  return {
    kind: 'memory',
    preflight: async () => undefined,
    send(deviceId, appId, _p, done: SendDone) {
      if (deviceId.startsWith('android') && appId === 'com.acme.vpn')
        clock.setTimeout(() => done(new SendError('refused by the test', 'refused')), 1);
      else clock.setTimeout(() => done(undefined), deviceId.startsWith('ios') ? 40 : 2);
    },
    deviceDone: () => undefined,
    close: async () => undefined,
    connections: () => 0,
    stats: emptyStats,
  };
}

async function driveTagged(): Promise<RunMetrics> {
  const clock = new ManualClock();
  const sim = new Simulator(buildFleet(scenario), { startMs: 0, seed: 7 });
  const metrics = new RunMetrics();
  const run = drive(
    sim,
    taggingTransport(clock),
    { timeScale: 'asap', maxInFlight: 32, simStartMs: 0, clock },
    metrics,
  );
  let settled = false;
  void run.then(() => (settled = true));
  while (!settled) {
    clock.advance(1);
    await new Promise((r) => setImmediate(r));
  }
  metrics.sample(clock.now(), true);
  return metrics;
}

const check = (s: string) => parseThreshold(s) as Threshold;

describe('tagged thresholds: parsing', () => {
  it('reads the tags of a check, one or several', () => {
    expect(check('latency.ack.p99{platform:ios} < 200ms')).toMatchObject({
      metric: 'latency.ack.p99',
      tags: { platform: 'ios' },
      op: '<',
      limit: 200,
    });
    expect(check('errors.rate{app:com.acme.vpn, cohort:android} < 1%')).toMatchObject({
      metric: 'errors.rate',
      tags: { app: 'com.acme.vpn', cohort: 'android' },
      limit: 0.01,
    });
    expect(check('events.sent{cohort:"field force"} > 0').tags).toEqual({ cohort: 'field force' });
    expect(check('latency.ack.p99 < 200ms').tags).toBeUndefined();
  });

  it('refuses what is not counted per tag, windows, unknown tags and malformed pairs, saying why', () => {
    expect(parseThreshold('latency.ack.p99{platfrom:ios} < 1s')).toMatch(
      /unknown tag "platfrom".*did you mean "platform"/,
    );
    expect(parseThreshold('latency.e2e.p99{platform:ios} < 1s')).toMatch(/not counted per tag/);
    expect(parseThreshold('events.retried{app:x} == 0')).toMatch(/not counted per tag/);
    expect(parseThreshold('latency.ack.p99{platform:ios} over 10s < 1s')).toMatch(/whole run.*drop "over 10s"/);
    expect(parseThreshold('errors.rate{ios} < 1%')).toMatch(/is not key:value/);
    expect(parseThreshold('errors.rate{app:a,app:b} < 1%')).toMatch(/given twice/);
    expect(parseThreshold('errors.rate{} < 1%')).toMatch(/is not key:value/);
  });

  it('a tag value the scenario does not have is an error with its line and a suggestion', () => {
    const text = `${SMALL_SCENARIO}thresholds:\n  - errors.rate{app:com.acme.vpm} < 1%\n  - latency.ack.p99{platform:ios} < 1s\n`;
    expect(() => parseScenario(text, 'tagged.yaml')).toThrow(
      /tagged\.yaml:\d+.*no app "com\.acme\.vpm".*did you mean "com\.acme\.vpn"/s,
    );
    const platform = `${SMALL_SCENARIO}thresholds:\n  - errors.rate{platform:macos} < 1%\n`;
    expect(() => parseScenario(platform, 'p.yaml')).toThrow(/no cohort of platform "macos"/);
  });
});

describe('figures per tag from a drive', () => {
  it('counts every event in its (cohort, app) row: rows add up to the totals', async () => {
    const m = await driveTagged();
    const rows = tagRowsOf(m.tags);
    const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((n, r) => n + f(r), 0);
    expect(sum((r) => r.events.sent)).toBe(m.sent);
    expect(sum((r) => r.events.acked)).toBe(m.acked);
    expect(sum((r) => r.events.failed)).toBe(m.failed);
    expect(sum((r) => r.events.offered)).toBe(m.offered);
    expect(sum((r) => r.ack.count)).toBe(m.ack.totalCount);
    // the android vpn row failed, and only it
    for (const r of rows) expect(r.events.failed > 0).toBe(r.cohort === 'android' && r.app === 'com.acme.vpn');
    const byPlatform = tagView(rows, 'platform');
    expect(byPlatform.map((v) => v.value)).toEqual(['android', 'dme', 'ios', 'windows']);
    const ios = byPlatform.find((v) => v.value === 'ios')!;
    const windows = byPlatform.find((v) => v.value === 'windows')!;
    expect(ios.ack.p50).toBeGreaterThanOrEqual(40);
    expect(windows.ack.p99).toBeLessThan(10);
  });

  it('evaluates tagged thresholds on only the events they name', async () => {
    const m = await driveTagged();
    const rows = tagRowsOf(m.tags);
    const results = checkThresholds(
      [
        check('latency.ack.p99{platform:ios} < 20ms'),
        check('latency.ack.p99{platform:windows} < 20ms'),
        check('errors.rate{app:com.acme.vpn,cohort:android} == 1'),
        check('errors.count{platform:ios} == 0'),
        check('events.sent{cohort:dme} > 0'),
        check('errors.rate{app:com.acme.nothing} < 1%'),
      ],
      { events: m, durationMs: 1000, ack: m.ack, points: m.timeline, tagged: rowsTagged(rows) },
    );
    expect(results.map((r) => r.passed)).toEqual([false, true, true, true, true, false]);
    expect(results[0]!.observed).toBeGreaterThanOrEqual(40);
    expect(results[5]!.detail).toMatch(/no event carried \{app:com\.acme\.nothing\}/);
  });

  it('rows of two parts merge by (cohort, app): counters add, histograms add', async () => {
    const a = tagRowsOf((await driveTagged()).tags);
    const b = tagRowsOf((await driveTagged()).tags);
    const merged = mergeTagRows([a, b])!;
    expect(merged.length).toBe(a.length);
    merged.forEach((row, i) => {
      expect(row.events.sent).toBe(a[i]!.events.sent + b[i]!.events.sent);
      expect(row.ack.count).toBe(a[i]!.ack.count + b[i]!.ack.count);
    });
    expect(mergeTagRows([undefined, undefined])).toBeUndefined();
  });
});

describe('figures per tag in a real run', () => {
  it('report.json carries the rows, summary.md and the terminal show them, a tagged threshold decides the exit code', () => {
    const file = writeTemp(
      'tagged.yaml',
      `${SMALL_SCENARIO}thresholds:\n  - errors.count{platform:ios} == 0\n  - events.acked{cohort:dme} == 0\n`,
    );
    const out = tempDir();
    const r = cli(['run', file, '--transport', 'http', '--workers', '2', '--out', out]);
    expect(r.code).toBe(1);
    const result = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const rows = result.tags as { cohort: string; events: { sent: number; acked: number } }[];
    expect(rows.reduce((n, x) => n + x.events.sent, 0)).toBe(result.events.sent);
    expect(rows.reduce((n, x) => n + x.events.acked, 0)).toBe(result.events.acked);
    const [ios, dme] = result.thresholds;
    expect(ios).toMatchObject({ passed: true, observed: 0, tags: { platform: 'ios' } });
    const dmeAcked = rows.filter((x) => x.cohort === 'dme').reduce((n, x) => n + x.events.acked, 0);
    expect(dmeAcked).toBeGreaterThan(0);
    expect(dme).toMatchObject({ passed: false, observed: dmeAcked });
    expect(r.stdout).toMatch(/platform:ios\s+[\d,]+/);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/\| app:com\.acme\.vpn \|/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('cohort:windows');
  });
});
