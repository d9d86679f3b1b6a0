/**
 * The live page at GET /, in headless Chromium (Debian's, driven by playwright-core): it shows
 * per-app tallies by status and state with the seeds' labels, follows the endpoint while events
 * arrive, loads nothing from outside, and a screenshot is saved in the test's temp dir.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { parseScenario } from '../agent/scenario/load.js';
import { runScenario } from '../run/run-scenario.js';
import { startEndpoint, type Endpoint } from '../broker/endpoint.js';
import { SMALL_SCENARIO, tempDir } from './helpers.js';
import { getJson, postJson } from './helpers/endpoint-client.js';
import { event, fleetEvents } from './helpers/endpoint-events.js';
import { chromiumTool } from './helpers/system-tool.js';

const CHROMIUM = chromiumTool();
let ep: Endpoint;
let browser: Browser;
/** Screenshots kept for people to look at (as report-html-browser.test.ts keeps report.html's). */
const KEPT = join(import.meta.dirname, '..', 'test-output');
mkdirSync(KEPT, { recursive: true });
let dir: string;

beforeAll(async () => {
  dir = tempDir('fleetsim-live-');
  ep = await startEndpoint({ auth: { adminToken: 'admin-token-live', fleetToken: 'fleet-token-live' } });
  if (CHROMIUM.skip) return;
  browser = await chromium.launch({
    executablePath: CHROMIUM.require(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await ep?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('live page', () => {
  it.skipIf(CHROMIUM.skip)(
    CHROMIUM.title('follows a rollout as events arrive, with the seed labels, and is self-contained'),
    async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const outside: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('request', (r) => !r.url().startsWith(ep.httpUrl) && outside.push(r.url()));
      const auth = { authorization: 'Bearer fleet-token-live' };

      // The rollout begins: every device of the first wave is told to install.
      const wave = fleetEvents(40, 1, ['com.acme.mail']).map((e) => ({
        ...e,
        ...(e.platform === 'dme'
          ? { status: 'installing', state: 'waiting_for_bootstrap' }
          : { status: 'pending_install', state: e.platform === 'android' ? 'not_installed' : 'command_scheduled' }),
      }));
      expect((await postJson(ep.httpUrl, '/v1/events', wave, auth)).status).toBe(200);
      await page.goto(`${ep.httpUrl}/?token=admin-token-live`);
      await page.waitForSelector('section.app[data-app="com.acme.mail"][data-total="40"]');
      expect(
        await page
          .locator(
            'section.app[data-app="com.acme.mail"] table[data-platform="ios"] tr[data-status="pending_install"] td',
          )
          .first()
          .textContent(),
      ).toBe('Pending Install');

      // Mid-run: half of the iOS devices finish installing, a new app starts rolling out.
      const ios = wave.filter((e) => e.platform === 'ios').slice(0, 5);
      await postJson(
        ep.httpUrl,
        '/v1/events',
        [
          ...ios.map((e) => ({ ...e, seq: 2, status: 'installed', state: 'installed', wallTs: Date.now() })),
          event({
            appId: 'com.acme.vpn',
            deviceId: 'windows-000777',
            platform: 'windows',
            status: 'failed',
            state: 'failed_checksum',
          }),
        ],
        auth,
      );
      const row =
        'section.app[data-app="com.acme.mail"] table[data-platform="ios"] tr[data-status="installed"][data-state="installed"] td.n';
      await page.waitForFunction(
        (sel) => (globalThis as unknown as BrowserGlobals).document.querySelector(sel)?.textContent === '5',
        row,
      );
      await page.waitForSelector('section.app[data-app="com.acme.vpn"] tr[data-state="failed_checksum"]');
      expect(
        await page
          .locator('section.app[data-app="com.acme.vpn"] tr[data-state="failed_checksum"] td')
          .nth(1)
          .textContent(),
      ).toBe('Failed checksum validation');

      // Every count on the page equals the tallies API.
      const api = (
        await getJson(ep.httpUrl, '/v1/apps/com.acme.mail/tallies', { authorization: 'Bearer admin-token-live' })
      ).body as { platforms: Record<string, Record<string, Record<string, number>>> };
      const shown = await page.$$eval('section.app[data-app="com.acme.mail"] tr[data-status]', (rows) =>
        rows.map((r) => [
          r.closest('table')!.getAttribute('data-platform'),
          r.getAttribute('data-status'),
          r.getAttribute('data-state'),
          Number(r.querySelector('td.n')!.textContent),
        ]),
      );
      const fromApi = Object.entries(api.platforms).flatMap(([p, st]) =>
        Object.entries(st).flatMap(([s, states]) => Object.entries(states).map(([x, n]) => [p, s, x, n])),
      );
      expect(shown.map(String).sort()).toEqual(fromApi.map(String).sort());
      expect(Number(await page.locator('#accepted').textContent())).toBe(46);

      const shot = join(KEPT, 'live-page.png');
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(10_000);
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
      await page.close();
    },
  );

  it('is refused without the admin token when one is set, like every read', async () => {
    expect((await getJson(ep.httpUrl, '/')).status).toBe(401);
    expect((await getJson(ep.httpUrl, '/v1/overview')).status).toBe(401);
  });
});

describe.skipIf(CHROMIUM.skip)('live page during a fleetsim run', () => {
  it(
    CHROMIUM.title(
      'is open while a 200-device run reports to the endpoint and ends showing exactly the reconciled tallies',
    ),
    async () => {
      const target = await startEndpoint();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(`${target.httpUrl}/`);
        await page.waitForSelector('#apps p.muted');
        const run = await runScenario(parseScenario(SMALL_SCENARIO, 'small.yaml'), {
          scenarioFile: 'small.yaml',
          transport: 'mqtt',
          target: target.mqttUrl,
          talliesUrl: target.httpUrl,
        });
        expect(run.reconciliation.match).toBe(true);
        // thousands separators, as the page writes every count
        const accepted = target.store.counters.accepted.toLocaleString('en-US');
        expect(target.store.counters.accepted).toBeGreaterThan(999);
        await page.waitForFunction(
          (n) => (globalThis as unknown as BrowserGlobals).document.querySelector('#accepted')?.textContent === n,
          accepted,
        );
        for (const app of ['com.acme.mail', 'com.acme.vpn']) {
          const api = (await getJson(target.httpUrl, `/v1/apps/${app}/tallies`)).body as {
            total: number;
            platforms: Record<string, Record<string, Record<string, number>>>;
          };
          await page.waitForSelector(`section.app[data-app="${app}"][data-total="${api.total}"]`);
          const shown = await page.$$eval(`section.app[data-app="${app}"] tr[data-status]`, (rows) =>
            rows.map((r) => [
              r.closest('table')!.getAttribute('data-platform'),
              r.getAttribute('data-status'),
              r.getAttribute('data-state'),
              Number(r.querySelector('td.n')!.textContent),
            ]),
          );
          const fromApi = Object.entries(api.platforms).flatMap(([p, st]) =>
            Object.entries(st).flatMap(([x, states]) => Object.entries(states).map(([y, n]) => [p, x, y, n])),
          );
          expect(shown.map(String).sort()).toEqual(fromApi.map(String).sort());
        }
        // charts over time and the funnel by meaning, drawn from the run's own traffic
        const chart = await page.$$eval('#chart-rate polyline, #chart-latency polyline', (ls) =>
          ls.map((l) => (l.getAttribute('points') ?? '').split(' ').filter(Boolean).length),
        );
        expect(chart.length).toBe(4);
        expect(chart[0]).toBeGreaterThan(1);
        const funnel = await page.$$eval('section.app[data-app="com.acme.mail"] .key span[data-meaning]', (ks) =>
          ks.map((k) => k.getAttribute('data-meaning')),
        );
        expect(funnel[0]).toBe('installed');
        expect(funnel).toContain('failed');
        await page.screenshot({ path: join(KEPT, 'live-page-after-run.png'), fullPage: true });
        expect(errors).toEqual([]);
        await page.close();
      } finally {
        await target.close();
      }
    },
  );
});

/** The page's globals, for functions that run inside Chromium (the tests' lib has no DOM). */
interface BrowserGlobals {
  document: { querySelector(sel: string): { textContent: string | null } | null };
}
