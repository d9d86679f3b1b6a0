/**
 * `npm test` on a machine without chromium or tmux: the tests that drive them are skipped with
 * the reason said (outside CI), and fail in CI, where .ci/run installs both. Each case runs
 * vitest on one such file with the program pointed at a path that does not exist.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';

interface VitestJson {
  numTotalTests: number;
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  testResults: { message: string; assertionResults: { title: string; failureMessages: string[] }[] }[];
}

function vitestOn(file: string, env: Record<string, string>, ci: boolean) {
  const out = join(tempDir(), 'result.json');
  const { CI: _ci, ...rest } = process.env;
  const r = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', file, '--reporter=json', `--outputFile=${out}`],
    { cwd: ROOT, env: { ...rest, ...env, ...(ci ? { CI: 'true' } : {}) }, encoding: 'utf8' },
  );
  return { status: r.status, stderr: r.stderr, json: JSON.parse(readFileSync(out, 'utf8')) as VitestJson };
}

const CASES = [
  { name: 'chromium', file: 'test/report-html-browser.test.ts', env: 'FLEETSIM_TEST_CHROMIUM' },
  { name: 'tmux', file: 'test/panel-tmux.test.ts', env: 'FLEETSIM_TEST_TMUX' },
];

describe.each(CASES)('without $name', ({ name, file, env }) => {
  const missing = { [env]: '/nonexistent/fleetsim-no-such-program' };

  it('skips its tests outside CI and says why', () => {
    const r = vitestOn(file, missing, false);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json.numTotalTests).toBeGreaterThan(0);
    expect(r.json.numPendingTests).toBe(r.json.numTotalTests);
    expect(r.stderr).toContain(`SKIPPED: tests that need ${name}: ${name} not found`);
    const titles = r.json.testResults.flatMap((f) => f.assertionResults.map((a) => a.title));
    for (const t of titles) expect(t).toContain(`(SKIPPED: ${name} not found (${env}=`);
  });

  it('fails in CI, saying what is missing', () => {
    const r = vitestOn(file, missing, true);
    expect(r.status).not.toBe(0);
    expect(r.json.numPassedTests).toBe(0);
    const messages = r.json.testResults
      .flatMap((f) => [f.message, ...f.assertionResults.flatMap((a) => a.failureMessages)])
      .join('\n');
    expect(messages).toContain(`${name} not found`);
    expect(messages).toContain('in CI this is a failure, not a skip');
  });
});
