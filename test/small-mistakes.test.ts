/**
 * The small mistakes a user makes in the first minutes, each answered with what was wrong:
 * a number flag that is not a number, a misspelt field or metric, one YAML slip, OS version
 * shares that do not add up, and report.json figures labelled with their real unit.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { ScenarioError } from '../protocol/errors.js';
import { newLatencyHistogram, summarise } from '../drive/metrics.js';
import { mergeHistograms } from '../result/merge.js';
import { cli, tempDir, writeTemp } from './helpers.js';

const BASE = `name: t
apps:
  - id: com.acme.mail
cohorts:
  - name: ios
    platform: ios
    count: 10
`;

function refusal(text: string): ScenarioError {
  try {
    parseScenario(text, 'my.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected the scenario to be refused');
}

describe('number flags', () => {
  it('--devices abc says "abc", not NaN, and exits 3', () => {
    const file = writeTemp('s.yaml', BASE);
    const r = cli(['run', file, '--devices', 'abc', '--quiet', '--out', join(tempDir(), 'run')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('--devices "abc" is not a whole number');
    expect(r.stderr).not.toContain('NaN');
  });

  it('--workers 2x and trace --devices 1.5 are refused the same way', () => {
    const file = writeTemp('s.yaml', BASE);
    const w = cli(['run', file, '--workers', '2x', '--quiet', '--out', join(tempDir(), 'run')]);
    expect(w.code).toBe(3);
    expect(w.stderr).toContain('--workers "2x"');
    const t = cli(['trace', file, '--device', 'ios-000001', '--devices', '1.5']);
    expect(t.code).toBe(3);
    expect(t.stderr).toContain('--devices "1.5"');
    expect(t.stderr).not.toMatch(/NaN|\n\s+at /);
  });
});

describe('did you mean', () => {
  it('finds maxInFlight for maxInFlite (three edits in ten letters)', () => {
    const err = refusal(`${BASE}maxInFlite: 64\n`);
    expect(err.message).toContain('unknown field "maxInFlite" (did you mean "maxInFlight"?)');
  });

  it('finds errors.rate for errors.rat in a threshold', () => {
    const err = refusal(`${BASE}thresholds:\n  - errors.rat < 1%\n`);
    expect(err.message).toContain('unknown metric "errors.rat" (did you mean "errors.rate"?)');
    expect(err.line).toBe(9);
  });

  it('still suggests nothing for a word that is nothing like a field', () => {
    const err = refusal(`${BASE}colour: blue\n`);
    expect(err.message).toContain('unknown field "colour"');
    expect(err.message).not.toContain('did you mean');
  });
});

describe('YAML syntax', () => {
  it('shows the first syntax error only, at its line, and says the rest may follow from it', () => {
    const err = refusal('name: t\napps: [\n  - id: x\ncohorts: {\n  - name: a\n');
    expect(err.message).toMatch(/one problem/);
    expect(err.message.split('\n').filter((l) => l.includes('YAML syntax'))).toHaveLength(1);
    expect(err.line).toBeGreaterThan(1);
  });
});

describe('OS version shares', () => {
  it('refuses shares that add up to 1.2, at their line, saying they must add up to 1', () => {
    const err = refusal(BASE.replace('count: 10', 'count: 10\n    osVersions: { "17": 0.7, "16": 0.5 }'));
    expect(err.field).toBe('cohorts[0].osVersions');
    expect(err.line).toBe(8);
    expect(err.message).toContain('add up to 1.2');
    expect(err.message).toContain('must add up to 1');
  });

  it('accepts shares that add up to 1 (within rounding)', () => {
    const s = parseScenario(
      BASE.replace('count: 10', 'count: 10\n    osVersions: { "17": 0.7, "16": 0.2, "15": 0.1 }'),
      'my.yaml',
    );
    expect(s.cohorts[0]!.osVersions).toEqual({ '17': 0.7, '16': 0.2, '15': 0.1 });
  });
});

describe('histogram units in report.json', () => {
  it("labels the figures ms and names the histogram's own unit apart", () => {
    const h = newLatencyHistogram();
    h.recordValue(37_087); // µs
    const s = summarise(h);
    expect(s.unit).toBe('ms');
    expect(s.hdrUnit).toBe('us');
    expect(s.p99).toBeCloseTo(37.087, 1);
  });

  it('still merges a result written with the old labelling (unit: "us" meaning the histogram)', () => {
    const h = newLatencyHistogram();
    h.recordValue(2000);
    const { hdrUnit: _drop, ...old } = summarise(h);
    const legacy = { ...old, unit: 'us' } as unknown as ReturnType<typeof summarise>;
    const merged = mergeHistograms([legacy, summarise(h)]);
    expect(merged.count).toBe(2);
    expect(merged.p50).toBeCloseTo(2, 1);
  });
});
