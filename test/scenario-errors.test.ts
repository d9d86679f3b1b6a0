import { describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { ScenarioError } from '../protocol/errors.js';
import { join } from 'node:path';
import { cli, tempDir, writeTemp } from './helpers.js';

function problem(text: string): ScenarioError {
  try {
    parseScenario(text, 'my.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return err as ScenarioError;
  }
  throw new Error('expected the scenario to be refused');
}

const BASE = `name: t
apps:
  - id: com.acme.mail
cohorts:
  - name: ios
    platform: ios
    count: 10
`;

describe('scenario validation', () => {
  it('accepts a minimal scenario and fills defaults', () => {
    const s = parseScenario(BASE, 'my.yaml');
    expect(s.transport).toBe('mqtt');
    expect(s.apps[0]!.platforms).toEqual(['ios', 'android', 'windows', 'dme']);
  });

  it('names file, line and field of a typo, with a suggestion', () => {
    const err = problem(BASE.replace('count: 10', 'cont: 10'));
    expect(err.code).toBe('SCENARIO_INVALID');
    expect(err.file).toBe('my.yaml');
    expect(err.line).toBe(7);
    expect(err.field).toBe('cohorts[0].cont');
    expect(err.message).toContain('did you mean "count"');
  });

  it('names the line of a wrong type', () => {
    const err = problem(BASE.replace('count: 10', 'count: ten'));
    expect(err.line).toBe(7);
    expect(err.field).toBe('cohorts[0].count');
  });

  it('names the line of a bad enum value', () => {
    const err = problem(BASE.replace('platform: ios', 'platform: symbian'));
    expect(err.line).toBe(6);
    expect(err.field).toBe('cohorts[0].platform');
  });

  it('refuses a cohort that names an unknown app, at its line', () => {
    const err = problem(`${BASE}    apps: [com.acme.mial]\n`);
    expect(err.line).toBe(8);
    expect(err.message).toContain('did you mean "com.acme.mail"');
  });

  it('reports YAML syntax errors with their line', () => {
    const err = problem('name: t\napps: [\n  - id: x\ncohorts: {\n');
    expect(err.line).toBeGreaterThan(1);
    expect(err.message).toContain('YAML syntax');
  });

  it('makes the CLI exit 3 with one clear paragraph and no stack trace', () => {
    const file = writeTemp('typo.yaml', BASE.replace('count: 10', 'cont: 10'));
    const r = cli(['run', file, '--quiet', '--out', join(tempDir(), 'run')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file}:7: cohorts[0].cont: unknown field "cont"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
