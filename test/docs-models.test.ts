/**
 * docs/lifecycles.md lists every model as a table generated from the data (agent/lifecycle/
 * model-table.ts), so overrides and quota paths can be looked up and the page cannot drift.
 * FLEETSIM_UPDATE_DOCS=1 rewrites the tables in place.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelTable } from '../agent/lifecycle/model-table.js';
import { MODELS } from '../agent/platforms/registry.js';
import { PLATFORMS } from '../protocol/catalogue/catalogue.js';

const FILE = join(import.meta.dirname, '..', 'docs', 'lifecycles.md');

function section(doc: string, platform: string): { start: number; end: number } {
  const start = doc.indexOf(`\n### ${platform}\n`);
  if (start < 0) return { start: -1, end: -1 };
  const next = doc.indexOf('\n#', start + 5);
  return { start: start + `\n### ${platform}\n`.length, end: next < 0 ? doc.length : next };
}

describe('docs/lifecycles.md', () => {
  it('holds every model as the table its data gives', () => {
    let doc = readFileSync(FILE, 'utf8');
    for (const p of PLATFORMS) {
      const want = `\n${modelTable(MODELS[p])}\n`;
      const { start, end } = section(doc, p);
      expect(start, `a "### ${p}" section`).toBeGreaterThan(0);
      if (process.env.FLEETSIM_UPDATE_DOCS === '1') doc = doc.slice(0, start) + want + doc.slice(end);
      else expect(doc.slice(start, end)).toBe(want);
    }
    if (process.env.FLEETSIM_UPDATE_DOCS === '1') writeFileSync(FILE, doc);
  });
});
