/**
 * docs/endpoint.md states the endpoint's guarantees as tagged statements (G1, G2, ...); tests carry
 * the tag of the statement they check in their names. This keeps the two lists equal: no promise
 * without a test, no tag in a test that the document does not make.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const tags = (text: string, re: RegExp) => new Set([...text.matchAll(re)].map((m) => m[1]!));

describe('the guarantees in docs/endpoint.md', () => {
  it('each stated guarantee is checked by a test carrying its tag, and each tag in a test is stated', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'endpoint.md'), 'utf8');
    const stated = tags(doc, /^- \*\*(G\d+)\*\*/gm);
    expect(stated.size).toBeGreaterThanOrEqual(13);
    const tested = new Set<string>();
    for (const f of readdirSync(join(ROOT, 'test')).filter(
      (n) => n.endsWith('.test.ts') && !n.includes('guarantees-doc'),
    ))
      for (const t of tags(readFileSync(join(ROOT, 'test', f), 'utf8'), /\[(G\d+)\]/g)) tested.add(t);
    expect(
      [...stated].filter((t) => !tested.has(t)),
      'stated but not tested',
    ).toEqual([]);
    expect(
      [...tested].filter((t) => !stated.has(t)),
      'tested but not stated',
    ).toEqual([]);
  });
});
