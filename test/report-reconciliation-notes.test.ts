/**
 * What a run's verdict says besides the tables reaches every rendering, not only the terminal:
 * why events failed (the most common reasons, the HTTP status codes), the data the target held
 * before the run, rows in labels that map to none of ours, and what a baseline left out.
 */
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../reports/html.js';
import { renderJunit } from '../reports/junit.js';
import { renderMarkdown } from '../reports/markdown.js';
import { renderSummary } from '../reports/summary.js';
import { fixtureResult } from './result-fixture.js';

const cells = [{ appId: 'com.acme.mail', platform: 'ios' as const, status: 'installed', state: 'installed', n: 3 }];

function renderings(r: ReturnType<typeof fixtureResult>) {
  // the markup's entities read back as text
  const text = (s: string) =>
    s.replace(
      /&(quot|#39|apos|lt|gt|amp);/g,
      (_, e: string) => ({ quot: '"', '#39': "'", apos: "'", lt: '<', gt: '>', amp: '&' })[e]!,
    );
  return { terminal: renderSummary(r), md: renderMarkdown(r), html: text(renderHtml(r)), junit: text(renderJunit(r)) };
}

describe('the verdict in every rendering', () => {
  it('names why events failed, with the HTTP status codes', () => {
    const r = fixtureResult({ samplesUs: [100, 200], t0: 1_700_000_000, seconds: 1, failed: 7, expected: cells });
    r.events.failureReasons = [
      { reason: 'HTTP 404: {"error":"no route"}', count: 5, status: 404 },
      { reason: 'HTTP 503', count: 2, status: 503 },
    ];
    const line =
      '7 event(s) failed; HTTP status 404, 503; most common: HTTP 404: {"error":"no route"} (5); HTTP 503 (2)';
    const out = renderings(r);
    expect(out.terminal).toContain(line);
    expect(out.md).toContain(line);
    expect(out.html).toContain(line);
    expect(out.junit).toContain(`name="events.failureReasons" value="${line}"`);
    // the failing errors threshold carries the reasons in its failure body
    expect(out.junit).toMatch(/<failure message="errors.count observed 7[^>]*>[^<]*HTTP status 404, 503/);
  });

  it('names the data the target held before a run that does not match', () => {
    const r = fixtureResult({
      samplesUs: [100],
      t0: 1_700_000_000,
      seconds: 1,
      expected: cells,
      counted: [{ ...cells[0]!, n: 5 }],
    });
    r.reconciliation.heldBefore = 2;
    r.reconciliation.sourceNote = 'tallies.rows gave no rows (https://x/summary answered an object with keys counts)';
    const hint = 'the endpoint already held 2 (device, app) pairs before this run';
    for (const [name, text] of Object.entries(renderings(r))) {
      expect(text, name).toContain(hint);
      if (name !== 'junit') expect(text, name).toContain(r.reconciliation.sourceNote);
    }
  });

  it('a namespaced run whose tally source does not filter by its run id is told so', () => {
    const r = fixtureResult({
      samplesUs: [100],
      t0: 1_700_000_000,
      seconds: 1,
      expected: cells,
      counted: [{ ...cells[0]!, n: 5 }],
    });
    r.reconciliation.heldBefore = 2;
    r.namespaced = true;
    for (const [name, text] of Object.entries(renderings(r))) {
      expect(text, name).toContain('the run has a namespace, but its tally source counted 2 (device, app) pairs');
      expect(text, name).not.toContain('give the run a namespace');
    }
  });

  it('reports rows that map to none of ours as differences, and what a baseline left out', () => {
    const r = fixtureResult({ samplesUs: [100], t0: 1_700_000_000, seconds: 1, expected: cells });
    const stale = { appId: 'com.acme.mail', platform: 'IOS', status: 'FAILED', state: 'FAILED_HASH' };
    r.reconciliation.unmapped = [{ ...stale, state: 'WEIRD', count: 2 }];
    r.reconciliation.match = false;
    r.reconciliation.baseline = {
      pairsBefore: 12,
      reused: 0,
      notNewer: 0,
      assumption: 'every pair assumed new',
      unmappedLeftOut: [{ ...stale, count: 12 }],
    };
    const out = renderings(r);
    for (const [name, text] of Object.entries(out)) {
      expect(text, name).toContain("unmapped: 2 devices in state 'WEIRD' (IOS / FAILED) of com.acme.mail");
      if (name !== 'junit')
        expect(text, name).toContain(
          "left out of the baseline's comparison: 12 devices in state 'FAILED_HASH' (IOS / FAILED) of com.acme.mail, held before and unchanged by this run",
        );
    }
    expect(out.terminal).toContain('reconciliation: 1 tally difference(s)');
    // a baseline's tables compare the change with after - before
    expect(out.terminal).toContain('com.acme.mail: 3 expected change, 3 after - before, match');
    expect(out.md).toContain('| app | expected change | after - before | result |');
    expect(out.junit).toContain('<testcase name="unmapped labels"');
  });
});
