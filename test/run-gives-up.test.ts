/**
 * A run always ends (docs/report.md, "When a run gives up"): against a target that answers 429
 * forever, nothing is acknowledged, the stall limit gives up on what is in flight, and the run
 * still reads the tallies and reports, with the verdict "gave up" (exit 4) rather than a
 * reconciliation mismatch that would blame the endpoint for events it never acknowledged.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { renderMarkdown } from '../reports/markdown.js';
import { renderSummary } from '../reports/summary.js';
import { runScenario } from '../run/run-scenario.js';
import { tinyScenario } from './scenario-files.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** Every POST gets 429 with Retry-After: 1; GET tallies answers an app with nothing counted, or 429 too. */
async function overloaded(tallies: 'empty' | 'overloaded'): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const app = /^\/v1\/apps\/([^/]+)\/tallies$/.exec(req.url ?? '')?.[1];
      if (req.method === 'GET' && app && tallies === 'empty') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ appId: decodeURIComponent(app), total: 0, statuses: {}, platforms: {} }));
        return;
      }
      res.writeHead(429, { 'retry-after': '1' });
      res.end('slow down');
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const scenario = () => parseScenario(tinyScenario([], { devices: 10 }), 'tiny.yaml');

describe('a target that answers 429 forever', () => {
  it('ends the run with the verdict "gave up", exit 4, the events given up, and a reconciliation that is no verdict', async () => {
    const url = await overloaded('empty');
    const r = await runScenario(scenario(), {
      scenarioFile: 'tiny.yaml',
      transport: 'http',
      target: url,
      talliesUrl: url,
      stallMs: 2_000,
    });
    expect(r.verdict).toBe('gave up');
    expect(r.exitCode).toBe(4);
    expect(r.events.acked).toBe(0);
    expect(r.events.gaveUp).toBe(r.events.failed);
    expect(r.events.gaveUp).toBeGreaterThan(0);
    expect(r.gaveUp?.reason).toMatch(/the run gave up: no acknowledgement for 2 s/);
    // the tallies were read and differ (nothing counted), yet the verdict is not a mismatch
    expect(r.reconciliation).toMatchObject({ checked: true, match: false });
    expect(renderSummary(r)).toContain('FAILED: gave up (exit 4)');
    expect(renderSummary(r)).toMatch(/The simulator gave up on \d+ events?: the run gave up/);
    expect(renderMarkdown(r)).toContain('> **Gave up.** The simulator gave up on');
  });

  it('still reports when its tallies cannot be read either: reconciliation unchecked, with the reason', async () => {
    const url = await overloaded('overloaded');
    const r = await runScenario(scenario(), {
      scenarioFile: 'tiny.yaml',
      transport: 'http',
      target: url,
      talliesUrl: url,
      stallMs: 2_000,
    });
    expect(r.exitCode).toBe(4);
    expect(r.reconciliation.checked).toBe(false);
    expect(r.reconciliation.reason).toMatch(/answered 429.*after the simulator gave up on events/);
  });
});
