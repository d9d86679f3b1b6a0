/**
 * report.html in a real browser (Debian's chromium through playwright-core) with the network
 * off: the page must render every chart from itself alone, with no console error. A screenshot
 * is kept (test-output/report-html.png) for people to look at.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../run/run-scenario.js';
import { parseScenario } from '../agent/scenario/load.js';
import { renderHtml } from '../reports/html.js';
import { tempDir, tinyScenario } from './scenario-files.js';
import { chromiumTool } from './helpers/system-tool.js';

const CHROMIUM = chromiumTool();
const tmp = tempDir();
let browser: Browser | undefined;

beforeAll(async () => {
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
  tmp.cleanup();
});

describe.skipIf(CHROMIUM.skip)('report.html', () => {
  it(CHROMIUM.title('renders its charts offline with no console errors'), async () => {
    // a real run with a planted difference, so the reconciliation table has something to highlight
    const scenario = parseScenario(
      tinyScenario(['thresholds:', '  - latency.ack.p99 < 60s', '  - throughput.eventsPerSec > 100000000']),
      'tiny.yaml',
    );
    const result = await runScenario(scenario, {
      scenarioFile: 'tiny.yaml',
      onEndpoint: (ep) => ep.store.tallies.add('com.acme.mail', 'ios', 'installed', 'installed', 2),
    });
    const file = tmp.write('report.html', renderHtml(result));

    const context = await browser!.newContext({ viewport: { width: 1100, height: 900 } });
    await context.setOffline(true);
    const requests: string[] = [];
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      requests.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href);

    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((s) => ({
        id: s.id,
        marks: s.querySelectorAll('path, rect, circle').length,
        width: s.getBoundingClientRect().width,
        height: s.getBoundingClientRect().height,
      })),
    );
    const ids = charts.map((c) => c.id);
    for (const id of [
      'chart-throughput',
      'chart-latency-time',
      'chart-latency-dist',
      'chart-states',
      'chart-flow-android',
      'chart-flow-ios',
    ]) {
      expect(ids, id).toContain(id);
    }
    for (const c of charts) {
      expect(c.marks, c.id).toBeGreaterThan(0);
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.height, c.id).toBeGreaterThan(50);
    }
    // Sankey labels as the browser lays them out: no two overlap, none is cut with an ellipsis
    const overlaps = await page.$$eval('svg.flow', (svgs) =>
      svgs.flatMap((svg) => {
        const boxes = [...svg.querySelectorAll('text.flowlabel')].map((t) => ({
          text: t.textContent ?? '',
          b: (t as unknown as { getBBox(): { x: number; y: number; width: number; height: number } }).getBBox(),
        }));
        const out: string[] = [];
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) {
            const a = boxes[i]!.b;
            const c = boxes[j]!.b;
            if (a.x < c.x + c.width && c.x < a.x + a.width && a.y < c.y + c.height && c.y < a.y + a.height)
              out.push(`${svg.id}: "${boxes[i]!.text}" overlaps "${boxes[j]!.text}"`);
          }
        return out;
      }),
    );
    expect(overlaps).toEqual([]);
    expect(await page.$$eval('text.flowlabel', (ts) => ts.filter((t) => t.textContent?.includes('…')).length)).toBe(0);
    const diffRows = await page.$$eval('tr.diff', (rows) => rows.map((r) => r.textContent ?? ''));
    expect(diffRows.some((t) => t.includes('Installed') && t.includes('+2'))).toBe(true);
    expect(await page.textContent('h1')).toContain('FAILED');
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);

    const outDir = join(import.meta.dirname, '..', 'test-output');
    mkdirSync(outDir, { recursive: true });
    const png = await page.screenshot({ fullPage: true });
    writeFileSync(join(outDir, 'report-html.png'), png);
    expect(png.length).toBeGreaterThan(10_000);
    await context.close();
  });

  it(
    CHROMIUM.title('draws a run of several seconds as one point per wall second, at the rate it measured'),
    async () => {
      // paced at 60 events/s: a few wall seconds, so the over-time charts have something to show
      const scenario = parseScenario(tinyScenario(['load: { rate: 60 }'], { devices: 40 }), 'paced.yaml');
      const result = await runScenario(scenario, { scenarioFile: 'paced.yaml' });
      const file = tmp.write('paced.html', renderHtml(result));
      const points = result.timeline.points;
      expect(points.length).toBeGreaterThanOrEqual(3);
      // the timeline's points are the wall seconds they measure: consecutive, none after the run
      for (let i = 1; i < points.length; i++) expect(points[i]!.t).toBe(points[i - 1]!.t + 1);
      expect(points.at(-1)!.t).toBeLessThanOrEqual(Math.floor(Date.parse(result.finishedAt) / 1000));
      for (const p of points) expect(p.ms).toBeLessThanOrEqual(1000);

      const context = await browser!.newContext({ viewport: { width: 1100, height: 900 } });
      const page = await context.newPage();
      await page.goto(pathToFileURL(file).href);
      const drawn = await page.$$eval('#chart-throughput circle title', (ts) =>
        ts.map((t) => t.textContent ?? '').filter((t) => t.startsWith('acknowledged/s')),
      );
      // every second the run covered at least half of, at acked per second of that second
      const full = points.filter((p) => p.ms >= 500);
      expect(drawn).toHaveLength(full.length);
      const fmt = (v: number) =>
        v >= 1000 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : String(Math.round(v * 1000) / 1000);
      for (const [i, p] of full.entries())
        expect(drawn[i], drawn.join('\n')).toMatch(
          new RegExp(`: ${fmt((p.acked / p.ms) * 1000).replace('.', '\\.')}$`),
        );
      // and no drawn rate is above what the scenario allowed by more than one second's rounding
      const rates = full.map((p) => (p.acked / p.ms) * 1000);
      expect(Math.max(...rates)).toBeLessThan(60 * 1.5);
      const section = page.locator('h2', { hasText: 'Throughput and latency over time' });
      await section.scrollIntoViewIfNeeded();
      mkdirSync(join(import.meta.dirname, '..', 'test-output'), { recursive: true });
      await page.screenshot({
        path: join(import.meta.dirname, '..', 'test-output', 'report-html-paced.png'),
        fullPage: true,
      });
      await context.close();
    },
  );
});
