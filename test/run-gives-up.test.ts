/**
 * A run always ends (docs/report.md, "When a run gives up"): against a target that answers 429
 * forever, nothing is acknowledged, the stall limit gives up on what is in flight, and the run
 * still reads the tallies and reports, with the verdict "gave up" (exit 4) rather than a
 * reconciliation mismatch that would blame the endpoint for events it never acknowledged.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario } from '../agent/scenario/load.js';
import { renderMarkdown } from '../reports/markdown.js';
import { renderSummary } from '../reports/summary.js';
import { runScenario } from '../run/run-scenario.js';
import { cli, cliAsync, tempDir, writeTemp } from './helpers.js';
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

describe('the give-up limit from the scenario (giveUpAfter) and the command line (--give-up-after)', () => {
  const runCli = (file: string, url: string, dir: string, extra: string[] = []) =>
    cliAsync([
      'run',
      file,
      '--quiet',
      '--transport',
      'http',
      '--target',
      url,
      '--tallies-url',
      url,
      '--out',
      dir,
      ...extra,
    ]);

  it('a scenario asking for 3s gives up after 3 s, and --give-up-after wins over it; both say where the limit is set', async () => {
    const url = await overloaded('empty');
    const file = writeTemp('give-up.yaml', tinyScenario(['giveUpAfter: 3s'], { devices: 10 }));
    const dir = tempDir();
    const a = await runCli(file, url, join(dir, 'a'));
    expect(a.code, a.stderr).toBe(4);
    const ra = JSON.parse(readFileSync(join(dir, 'a', 'report.json'), 'utf8'));
    expect(ra.verdict).toBe('gave up');
    expect(ra.gaveUp.reason).toMatch(/no acknowledgement for 3 s .*giveUpAfter \(or --give-up-after\)/);
    const b = await runCli(file, url, join(dir, 'b'), ['--give-up-after', '2s']);
    expect(b.code, b.stderr).toBe(4);
    expect(JSON.parse(readFileSync(join(dir, 'b', 'report.json'), 'utf8')).gaveUp.reason).toMatch(
      /no acknowledgement for 2 s/,
    );
  });

  it('a limit that is no duration, or out of 1s..24h, is a usage error naming its flag or its line', () => {
    const file = writeTemp('tiny.yaml', tinyScenario([], { devices: 10 }));
    const a = cli(['run', file, '--quiet', '--give-up-after', 'soon']);
    expect(a.code).toBe(3);
    expect(a.stderr).toContain('--give-up-after "soon" is not a duration');
    const b = cli(['run', file, '--quiet', '--give-up-after', '500ms']);
    expect(b.code).toBe(3);
    expect(b.stderr).toMatch(/between 1s and 24h.*--give-up-after/s);
    const bad = writeTemp('bad.yaml', tinyScenario(['giveUpAfter: 2d'], { devices: 10 }));
    const c = cli(['validate', bad]);
    expect(c.code).toBe(3);
    expect(c.stderr).toMatch(/bad\.yaml:\d+.*giveUpAfter.*between 1s and 24h/s);
  });
});
