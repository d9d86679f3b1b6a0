import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchemaText } from '../agent/scenario/json-schema.js';
import { TRANSPORT_KINDS } from '../transport/kinds/kinds.js';
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

  it('describes every property, so an editor explains each field on hover', () => {
    const missing: string[] = [];
    const walk = (node: any, path: string) => {
      if (!node || typeof node !== 'object') return;
      for (const [k, v] of Object.entries<any>(node.properties ?? {})) {
        if (!v.description) missing.push(`${path}.${k}`);
        walk(v, `${path}.${k}`);
      }
      if (node.items && typeof node.items === 'object') walk(node.items, `${path}[]`);
      for (const key of ['anyOf', 'oneOf', 'allOf'])
        (node[key] ?? []).forEach((x: unknown, i: number) => {
          walk(x, `${path}|${i}`);
        });
      for (const [k, v] of Object.entries<any>(node.definitions ?? {})) walk(v, `#${k}`);
    };
    const schema = JSON.parse(scenarioJsonSchemaText());
    walk(schema, '');
    expect(missing).toEqual([]);
    expect(JSON.stringify(schema).match(/"description"/g)!.length).toBeGreaterThan(150);
  });

  it('has one variant per load model and one per transport', () => {
    const props = JSON.parse(scenarioJsonSchemaText()).properties;
    const variants = (props.load.oneOf ?? props.load.anyOf) as { properties: { model: { const: string } } }[];
    expect(variants.map((v) => v.properties.model.const)).toEqual(['closed', 'open']);
    const forms = props.transport.anyOf as { enum?: string[]; oneOf?: { properties: { kind: { const: string } } }[] }[];
    expect(forms[0]!.enum).toEqual(TRANSPORT_KINDS);
    const kinds = (forms[1]!.oneOf ?? (forms[1] as { anyOf?: (typeof forms)[1]['oneOf'] }).anyOf)!;
    expect(kinds.map((v) => v.properties.kind.const)).toEqual(TRANSPORT_KINDS);
  });

  it('is named by every scenario file for the YAML language server', () => {
    for (const f of readdirSync(join(ROOT, 'scenarios')).filter((f) => f.endsWith('.yaml'))) {
      expect(readFileSync(join(ROOT, 'scenarios', f), 'utf8').split('\n')[0], f).toBe(
        '# yaml-language-server: $schema=./scenario.schema.json',
      );
    }
  });
});
