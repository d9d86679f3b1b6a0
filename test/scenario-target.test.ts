/**
 * A scenario's own `target:` section, equivalent to a --target-file: against a real `fleetsim
 * serve`, over MQTT, counts read back through its tally source until consistent, and the time to
 * consistency held to a threshold. A mistake in it names the scenario file and line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../result/result.js';
import { fleetsimAsync } from './helpers/cli-async.js';
import { startServe, type ServeProcess } from './helpers/serve-process.js';
import { tempDir, tinyScenario } from './scenario-files.js';

describe("a scenario's target: section", () => {
  let serve: ServeProcess;
  const tmp = tempDir();

  beforeAll(async () => {
    serve = await startServe([]);
  });

  afterAll(async () => {
    serve.child.kill('SIGTERM');
    await serve.exited;
    tmp.cleanup();
  });

  const section = (url: string, extra: string[] = [], httpVar = 'SERVE_HTTP') => [
    'target:',
    `  url: ${url}`,
    `  tallies: { source: fleetsim, url: "\${${httpVar}}" }`,
    '  settle: { timeout: 30s, interval: 200ms }',
    ...extra,
  ];

  it('runs against it as against a --target-file, reconciles, and holds the time to consistency', async () => {
    const file = tmp.write(
      'inline.yaml',
      tinyScenario([
        ...section(serve.mqttUrl),
        'thresholds:',
        '  - reconciliation: exact',
        '  - reconciliation.settle < 60s',
      ]),
    );
    const out = join(tmp.dir, 'inline');
    const r = await fleetsimAsync(['run', file, '--out', out, '--quiet', '--run-id', 'rinline'], {
      SERVE_HTTP: serve.httpUrl,
    });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as RunResult;
    expect(result.runId).toBe('rinline');
    expect(result.target.url).toBe(serve.mqttUrl);
    expect(result.reconciliation).toMatchObject({ checked: true, match: true });
    expect(result.reconciliation.source).toContain(new URL(serve.httpUrl).origin);
    expect(result.reconciliation.settle).toMatchObject({ consistent: true });
    const settle = result.thresholds.find((t) => t.metric === 'reconciliation.settle')!;
    expect(settle).toMatchObject({ passed: true, observed: result.reconciliation.settle!.afterMs });
    expect(r.stdout).toMatch(/consistent [\d,]+ ms after the last acknowledgement/);
  });

  it('a mistake in it names the scenario file, the line and the field', async () => {
    const text = tinyScenario([...section('ftp://127.0.0.1:21')]);
    const lineOf = (start: string) => text.split('\n').findIndex((l) => l.startsWith(start)) + 1;
    const file = tmp.write('bad.yaml', text);
    const r = await fleetsimAsync(['run', file, '--quiet'], { SERVE_HTTP: serve.httpUrl });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file}:${lineOf('  url:')}: url`);
    expect(r.stderr).toContain('scheme ftp:');
    const unset = tmp.write('unset.yaml', tinyScenario([...section(serve.mqttUrl, [], 'FLEETSIM_TEST_NEVER_SET')]));
    const u = await fleetsimAsync(['run', unset, '--quiet']);
    expect(u.code).toBe(3);
    expect(u.stderr).toContain(
      `${unset}:${lineOf('  tallies:')}: target.tallies.url: the environment variable FLEETSIM_TEST_NEVER_SET is not set`,
    );
  });
});
