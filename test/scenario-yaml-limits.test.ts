import { describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { parseTargetFile } from '../agent/scenario/target-load.js';
import { MAX_SCENARIO_BYTES } from '../agent/scenario/yaml-limits.js';
import { ScenarioError, TargetConfigError } from '../protocol/errors.js';
import { cli, writeTemp } from './helpers.js';

function refused(text: string): ScenarioError {
  try {
    parseScenario(text, 'bomb.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected the scenario to be refused');
}

/** Nine levels of nine aliases each: 9^9 (387 million) strings once expanded. */
const BILLION_LAUGHS = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((k, i) => {
    const prev = 'abcdefghi'[i]!;
    return `${k}: &${k} [${Array(9).fill(`*${prev}`).join(',')}]`;
  }),
].join('\n');

const BASE = `name: t
apps:
  - &mail
    id: com.acme.mail
cohorts:
  - name: ios
    platform: ios
    count: 10
`;

describe('scenario files the YAML parser must not expand', () => {
  it('refuses a billion-laughs file at the alias that passes the limit, exit code 3', () => {
    const err = refused(BILLION_LAUGHS);
    expect(err.code).toBe('SCENARIO_INVALID');
    expect(err.exitCode).toBe(3);
    expect(err.line).toBe(6);
    expect(err.message).toContain('bomb.yaml:6');
    expect(err.message).toContain('billion laughs');
  });

  it('refuses an alias with no anchor above it, at its line', () => {
    const err = refused(`${BASE}    apps: [*nope]\n`);
    expect(err.line).toBe(9);
    expect(err.message).toContain('alias *nope refers to no anchor &nope');
  });

  it('still accepts anchors and aliases a scenario really uses', () => {
    const s = parseScenario(
      `${BASE}  - name: ios2\n    platform: ios\n    count: 5\n    osVersions: &v { "17": 1 }\n  - name: ios3\n    platform: ios\n    count: 5\n    osVersions: *v\n`,
      'ok.yaml',
    );
    expect(s.cohorts[2]!.osVersions).toEqual({ '17': 1 });
  });

  it('refuses a file over the size cap, naming the line where the cap falls', () => {
    const cohort = (i: number) => `  - name: c${i}\n    platform: ios\n    count: 1\n`;
    const count = Math.ceil(MAX_SCENARIO_BYTES / cohort(0).length) + 10;
    const text = BASE + Array.from({ length: count }, (_, i) => cohort(i)).join('');
    const err = refused(text);
    const linesWithinCap = text.slice(0, MAX_SCENARIO_BYTES).split('\n').length;
    expect(err.line).toBe(linesWithinCap);
    expect(err.message).toContain('at most 1,048,576 bytes');
  });

  it('makes the CLI exit 3 with file:line and no stack trace, for a bomb and for a huge file', () => {
    const bomb = writeTemp('bomb.yaml', BILLION_LAUGHS);
    const r = cli(['validate', bomb]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${bomb}:6:`);
    expect(r.stderr).not.toMatch(/\n\s+at /);

    const huge = writeTemp('huge.yaml', `${BASE}# ${'x'.repeat(3 * MAX_SCENARIO_BYTES)}\n`);
    const h = cli(['validate', huge]);
    expect(h.code).toBe(3);
    expect(h.stderr).toContain(`${huge}:9:`);
    expect(h.stderr).toContain('3,145,8');
    expect(h.stderr).not.toMatch(/\n\s+at /);
  });

  it('refuses the same bomb in a --target-file, at its line', () => {
    let err: unknown;
    try {
      parseTargetFile(BILLION_LAUGHS, 'target.yaml', {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TargetConfigError);
    expect((err as TargetConfigError).exitCode).toBe(3);
    expect((err as TargetConfigError).message).toContain('target.yaml:6');
  });
});
