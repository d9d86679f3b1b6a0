import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LifecycleModel } from '../agent/lifecycle/model.js';
import type { PlatformDef } from '../agent/platforms/platform.js';
import {
  assertPlatforms,
  hasLicencePool,
  MODELS,
  PLATFORM_DEFS,
  platformProblems,
  takesPoolLicence,
} from '../agent/platforms/registry.js';
import { scenarioJsonSchema } from '../agent/scenario/json-schema.js';
import { CATALOGUE, PLATFORMS } from '../protocol/catalogue/catalogue.js';
import { ROOT, sourceFiles } from './helpers.js';

/** The iOS declaration with one guard of its start node replaced. */
function iosWithGuard(when: Record<string, unknown>): PlatformDef {
  const ios = PLATFORM_DEFS.ios as PlatformDef;
  const start = ios.model.nodes.start!;
  const [first, ...rest] = start.out!;
  const model: LifecycleModel = {
    ...ios.model,
    nodes: { ...ios.model.nodes, start: { ...start, out: [{ ...first!, when: when as never }, ...rest] } },
  };
  return { ...ios, model };
}

describe('platform registry', () => {
  it('lists the platforms the catalogue lists, each model its own platform, with no problem', () => {
    expect(Object.keys(PLATFORM_DEFS)).toEqual([...PLATFORMS]);
    expect(Object.keys(CATALOGUE)).toEqual([...PLATFORMS]);
    for (const p of PLATFORMS) {
      expect(MODELS[p].platform).toBe(p);
      expect(platformProblems(p, PLATFORM_DEFS[p] as PlatformDef)).toEqual([]);
    }
  });

  it('refuses at load a model guard that names an undeclared trait, with a coded error naming it', () => {
    expect(() => assertPlatforms({ ios: iosWithGuard({ osOK: false }) })).toThrow(
      expect.objectContaining({ code: 'MODEL_INVALID', message: expect.stringContaining('"osOK"') }),
    );
  });

  it('refuses a guard value the trait cannot take', () => {
    const problems = platformProblems('ios', iosWithGuard({ appKind: 'cheap' }));
    expect(problems).toEqual([expect.stringContaining('appKind = "cheap"')]);
    expect(platformProblems('ios', iosWithGuard({ osOk: 'yes' }))).toHaveLength(1);
  });

  it('gives the scenario schema its platforms from the registry', () => {
    const schema = JSON.stringify(scenarioJsonSchema());
    for (const p of PLATFORMS) expect(schema).toContain(`"${p}"`);
    const app = (scenarioJsonSchema() as { definitions?: unknown; properties: Record<string, any> }).properties.apps
      .items;
    expect(Object.keys(app.properties)).toEqual(expect.arrayContaining([...PLATFORMS]));
  });

  it('leaves the endpoint with no platform of its own: broker/ names none', () => {
    const literal = new RegExp(`['"\`](${PLATFORMS.join('|')})['"\`]`);
    const dir = join(ROOT, 'broker');
    const named = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => literal.test(readFileSync(join(dir, f), 'utf8')));
    expect(named).toEqual([]);
  });

  it('keeps platform knowledge in the registry: no source outside a platform folder compares a platform name', () => {
    const names = PLATFORMS.join('|');
    const compares = new RegExp(
      `([!=]==\\s*['"\`](${names})['"\`])|(['"\`](${names})['"\`]\\s*[!=]==)|includes\\(['"\`](${names})['"\`]\\)`,
    );
    const offenders = sourceFiles(ROOT)
      .filter((f) => !/^(agent\/platforms|protocol\/catalogue)\//.test(f))
      .flatMap((f) =>
        readFileSync(join(ROOT, f), 'utf8')
          .split('\n')
          .flatMap((line, i) => (compares.test(line) ? [`${f}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(offenders).toEqual([]);
  });

  it('declares which platforms have licence pools, and which of their apps take a licence from one', () => {
    expect(PLATFORMS.filter(hasLicencePool)).toEqual(['ios']);
    const app = (kind: string) => ({ ...Object.fromEntries(PLATFORMS.map((p) => [p, {}])), ios: { kind } }) as never;
    expect(takesPoolLicence('ios', app('vpp'))).toBe(true);
    expect(takesPoolLicence('ios', app('free'))).toBe(false);
    expect(takesPoolLicence('android', app('vpp'))).toBe(false);
  });
});
