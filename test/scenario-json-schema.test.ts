import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchemaText } from '../agent/scenario/json-schema.js';
import { ROOT } from './helpers.js';

describe('scenario JSON Schema for editors', () => {
  it('is current: scenarios/scenario.schema.json equals what the zod schema generates (npm run schema)', () => {
    expect(readFileSync(join(ROOT, 'scenarios', 'scenario.schema.json'), 'utf8')).toBe(scenarioJsonSchemaText());
  });

  it('describes every top-level scenario field and refuses unknown ones', () => {
    const schema = JSON.parse(scenarioJsonSchemaText());
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['name', 'apps', 'cohorts', 'overrides', 'quotas', 'thresholds', 'load']),
    );
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'apps', 'cohorts']));
  });

  it('is named by every scenario file for the YAML language server', () => {
    for (const f of readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml'))) {
      expect(readFileSync(join(ROOT, 'scenarios', f), 'utf8').split('\n')[0], f).toBe(
        '# yaml-language-server: $schema=./scenario.schema.json',
      );
    }
  });
});
