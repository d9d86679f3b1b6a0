/**
 * `fleetsim compare`: deltas between two runs, a regression beyond tolerance exits 5, within it
 * exits 0; report.html shows the same table when given a baseline.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareResults, parseTolerance } from '../result/compare.js';
import { renderHtml } from '../reports/html.js';
import { fixtureResult, latencies } from './result-fixture.js';
import { cli, tempDir } from './helpers.js';
import type { RunResult } from '../result/result.js';

const cells = [{ appId: 'a', platform: 'ios' as const, status: 'installed', state: 'installed', n: 5 }];
const base = fixtureResult({ samplesUs: latencies(3000, 1, 2000), t0: 1_800_000_000, seconds: 3, expected: cells });
/** The same fleet, acknowledged three times slower, with two failures. */
const slower = fixtureResult({
  samplesUs: latencies(3000, 1, 6000),
  t0: 1_800_000_100,
  seconds: 3,
  failed: 2,
  expected: cells,
});

const row = (c: ReturnType<typeof compareResults>, metric: string) => c.rows.find((r) => r.metric === metric)!;

describe('compare results', () => {
  it('finds the slower p99 and the new failures as regressions, with their deltas', () => {
    const c = compareResults(base, slower);
    const p99 = row(c, 'latency.ack.p99');
    expect(p99.next!).toBeGreaterThan(p99.base! * 2);
    expect(p99.verdict).toBe('regression');
    expect(p99.relative!).toBeGreaterThan(1);
    expect(row(c, 'errors.count')).toMatchObject({ base: 0, next: 2, delta: 2, verdict: 'regression' });
    expect(row(c, 'events.sent').verdict).toBe('info');
    expect(c.regressions).toBeGreaterThanOrEqual(2);
  });

  it('calls the same run no regression, and a faster one better', () => {
    expect(compareResults(base, base).regressions).toBe(0);
    const c = compareResults(slower, base);
    expect(row(c, 'latency.ack.p99').verdict).toBe('better');
    expect(c.regressions).toBe(0);
  });

  it('takes a given tolerance over the default, the longest prefix winning', () => {
    const loose = [parseTolerance('latency=500%'), parseTolerance('errors=5'), parseTolerance('thresholds.failed=1')];
    expect(compareResults(base, slower, loose).regressions).toBe(0);
    const strict = [...loose, parseTolerance('latency.ack.p99=10%')];
    expect(row(compareResults(base, slower, strict), 'latency.ack.p99').verdict).toBe('regression');
    expect(() => parseTolerance('latncy=5%')).toThrow(/not a tolerance/);
  });

  it('counts losing reconciliation as a regression, and notes runs that are not alike', () => {
    const unchecked: RunResult = {
      ...base,
      devices: { ...base.devices, total: 99 },
      reconciliation: { ...base.reconciliation, checked: false, reason: 'no tallies' },
    };
    const c = compareResults(base, unchecked);
    expect(row(c, 'reconciliation.differences').verdict).toBe('regression');
    expect(c.notes.join()).toContain('different fleet sizes');
  });
});

describe('fleetsim compare', () => {
  const dir = tempDir();
  for (const [name, r] of [
    ['base', base],
    ['slower', slower],
  ] as const) {
    mkdirSync(join(dir, name));
    writeFileSync(join(dir, name, 'report.json'), JSON.stringify(r));
  }

  it('prints the table and exits 5 on a regression beyond tolerance', () => {
    const r = cli(['compare', join(dir, 'base'), join(dir, 'slower', 'report.json'), '--json', join(dir, 'c.json')]);
    expect(r.code).toBe(5);
    expect(r.stdout).toMatch(/ack latency p99 .*REGRESSION/);
    expect(r.stdout).toMatch(/failed events +0 +2 +\+2/);
    expect(r.stdout).toContain('regressions beyond tolerance');
    expect(JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8')).regressions).toBeGreaterThan(0);
  });

  it('exits 0 when the tolerances allow it', () => {
    const r = cli([
      'compare',
      join(dir, 'base'),
      join(dir, 'slower'),
      '--tolerance',
      'latency=500%',
      '--tolerance',
      'errors=5',
      '--tolerance',
      'thresholds=1',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no regression beyond tolerance');
  });

  it('refuses a file that is not a result, exit 3', () => {
    writeFileSync(join(dir, 'x.json'), '{}');
    const r = cli(['compare', join(dir, 'x.json'), join(dir, 'base')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('is not a fleetsim result');
  });

  it('report --baseline puts the comparison in report.html', () => {
    const r = cli(['report', join(dir, 'slower', 'report.json'), '--baseline', join(dir, 'base'), '--quiet']);
    expect(r.code).toBe(1); // the slower run's own verdict: its failures fail errors.count == 0
    const html = readFileSync(join(dir, 'slower', 'report.html'), 'utf8');
    expect(html).toContain('<h2 id="baseline">Against the baseline</h2>');
    expect(html).toMatch(/<tr class="diff"><td>ack latency p99<\/td>/);
  });

  it('leaves the baseline section out without a baseline', () => {
    expect(renderHtml(base)).not.toContain('Against the baseline');
  });
});
