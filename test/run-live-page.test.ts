/**
 * A run's own live page: `fleetsim run` against its embedded endpoint says where the endpoint's
 * live page is, and the page and the overview it draws from answer while the run goes (the same
 * page `fleetsim serve` has; test/endpoint-live-page.test.ts looks at it in Chromium).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir, writeTemp } from './helpers.js';
import { tinyScenario } from './scenario-files.js';

describe('fleetsim run and its live page', () => {
  it('prints the live page of its embedded endpoint, which answers while the run goes', async () => {
    // paced so the run lasts a few seconds
    const file = writeTemp('paced.yaml', tinyScenario(['load: { rate: 40 }']));
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin', 'fleetsim.js'), 'run', file, '--workers', '1', '--out', join(tempDir(), 'run')],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    let stderr = '';
    child.stdout.resume();
    const exited = new Promise<number | null>((r) => child.once('close', r));
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = stderr.match(/fleetsim: live page (http:\/\/127\.0\.0\.1:\d+\/) while the run lasts/);
        if (m) resolve(m[1]!);
      });
      child.once('close', () => reject(new Error(`no live page line:\n${stderr}`)));
    });
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('/v1/overview');
    // the overview fills while the run sends
    let apps: { appId?: string; id?: string }[] = [];
    for (let i = 0; i < 100 && apps.length === 0; i++) {
      const o = (await (await fetch(`${url}v1/overview`)).json()) as { apps?: typeof apps };
      apps = o.apps ?? [];
      if (apps.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(JSON.stringify(apps)).toContain('com.acme.mail');
    expect(await exited).toBe(0);
    // and the run is over before its endpoint goes: nothing listens there afterwards
    await expect(fetch(url)).rejects.toThrow();
  });
});
