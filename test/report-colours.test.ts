/**
 * Report colours carry the status's meaning: one hue per meaning on every platform (DME's
 * "Errors" is the failed red, Android's "Success" the installed green), a legend of meanings,
 * labels on the bars, and Sankey labels that are neither cut short nor overlapping.
 */
import { describe, expect, it } from 'vitest';
import { CATALOGUE, PLATFORMS } from '../protocol/catalogue/catalogue.js';
import { MEANINGS, meaningGaps, meaningOf, shade } from '../protocol/status-meaning.js';
import { renderHtml } from '../reports/html.js';
import { flowChart, wrap } from '../reports/flow-chart.js';
import { LIVE_PAGE_HTML } from '../broker/live-page.js';
import { fixtureResult } from './result-fixture.js';
import type { RunResult } from '../result/result.js';
import type { FlowLink } from '../drive/lifecycle-metrics.js';

const colour = (id: string) => MEANINGS.find((m) => m.id === id)!.colour;

function withCells(
  cells: { platform: 'ios' | 'android' | 'windows' | 'dme'; status: string; state: string; n: number }[],
) {
  const r = fixtureResult({ samplesUs: [1000], t0: 1_700_000_000, seconds: 1, expected: [] });
  const d = r.lifecycle.durations[0]!.duration;
  const out: RunResult = {
    ...r,
    lifecycle: {
      ...r.lifecycle,
      durations: cells.map((c) => ({
        platform: c.platform,
        status: c.status,
        state: c.state,
        duration: { ...d, count: c.n },
      })),
    },
  };
  return out;
}

/** fill of the bar segment whose tooltip starts with `title`. */
function fillOf(html: string, title: string): string | undefined {
  const re = /<rect [^>]*fill="(#[0-9a-f]{6})"><title>([^<]*)<\/title>/g;
  for (const m of html.matchAll(re)) if (m[2]!.startsWith(title)) return m[1];
  return undefined;
}

describe('status meanings', () => {
  it('gives every catalogue status a meaning, and names no status the catalogue lacks', () => {
    expect(meaningGaps()).toEqual([]);
    for (const p of PLATFORMS) for (const s of CATALOGUE[p].statuses) expect(meaningOf(p, s.id)).toBeDefined();
  });

  it('says installed for every platform\'s "done" status and failed for every error status', () => {
    expect(meaningOf('android', 'success').id).toBe('installed');
    expect(meaningOf('dme', 'installed').id).toBe('installed');
    expect(meaningOf('dme', 'errors').id).toBe('failed');
    expect(meaningOf('ios', 'upgrade_failed').id).toBe('failed');
    expect(meaningOf('windows', 'pending_install').id).toBe('pending');
    expect(meaningOf('ios', 'not_relevant').id).toBe('not_relevant');
  });

  it('shades a hue towards white and keeps the first shade the hue itself', () => {
    expect(shade('#dc2626', 0, 3)).toBe('#dc2626');
    expect(shade('#dc2626', 2, 3)).not.toBe('#dc2626');
    expect(shade('#000000', 1, 2)).toBe('#999999');
  });
});

describe('report.html colours', () => {
  const html = renderHtml(
    withCells([
      { platform: 'dme', status: 'installed', state: 'installed', n: 30 },
      { platform: 'dme', status: 'errors', state: 'installation_failed', n: 10 },
      { platform: 'android', status: 'success', state: 'installed', n: 25 },
      { platform: 'android', status: 'failed', state: 'not_compatible', n: 5 },
      { platform: 'android', status: 'failed', state: 'oem_server_failed', n: 3 },
    ]),
  );

  it('draws DME Errors in the failed red and DME Installed in the installed green', () => {
    expect(fillOf(html, 'dme: Errors')).toBe(colour('failed'));
    expect(fillOf(html, 'dme: Installed')).toBe(colour('installed'));
    expect(fillOf(html, 'android: Success')).toBe(colour('installed'));
    // a second failed state is a shade of the same red, not another hue
    const failed = [...html.matchAll(/fill="(#[0-9a-f]{6})"><title>android: Failed/g)].map((m) => m[1]);
    expect(failed).toEqual([colour('failed'), shade(colour('failed'), 1, 2)]);
  });

  it('has a legend of meanings, not of every platform and status', () => {
    const keys = [...html.matchAll(/<span data-meaning="([a-z_]+)">/g)].map((m) => m[1]);
    expect(keys).toEqual(['installed', 'failed']);
  });

  it('writes labels on the bars that are wide enough, with the platform total beside each bar', () => {
    const labels = [...html.matchAll(/<text class="barlabel"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toContain('Installed 30');
    expect(labels).toContain('Success 25');
    expect(html).toContain('>dme (40)</text>');
  });
});

describe('lifecycle flow labels', () => {
  const links: FlowLink[] = [
    { platform: 'ios', from: '(start)', to: 'pending_install/command_scheduled', count: 100 },
    {
      platform: 'ios',
      from: 'pending_install/command_scheduled',
      to: 'installing/waiting_for_redemption_code',
      count: 3,
    },
    { platform: 'ios', from: 'pending_install/command_scheduled', to: 'installing/prompted_install', count: 2 },
    { platform: 'ios', from: 'pending_install/command_scheduled', to: 'installing/prompted_login', count: 1 },
    { platform: 'ios', from: 'pending_install/command_scheduled', to: 'installing/installing', count: 94 },
    { platform: 'ios', from: 'installing/installing', to: 'installed/installed', count: 90 },
    { platform: 'ios', from: 'installing/installing', to: 'failed/unknown_error', count: 4 },
  ];
  const labelOf = (k: string) =>
    k === '(start)'
      ? 'start'
      : k === 'installing/waiting_for_redemption_code'
        ? 'Installing / Scheduled for installation. Waiting for redemption code'
        : `${k.split('/')[0]} / ${k.split('/')[1]}`;
  const svg = flowChart('f', 'ios', links, labelOf);

  it('cuts no label short: every word of every label is drawn', () => {
    expect(svg).not.toContain('…');
    const drawn = [...svg.matchAll(/<tspan[^>]*>([^<]*)<\/tspan>/g)].map((m) => m[1]).join(' ');
    for (const word of 'Scheduled for installation. Waiting for redemption code'.split(' '))
      expect(drawn).toContain(word);
  });

  it('keeps the labels of one column apart (each starts below the last line of the one above)', () => {
    const texts = [...svg.matchAll(/<text class="flowlabel" x="([\d.]+)" y="([\d.]+)">(.*?)<\/text>/g)].map((m) => ({
      x: Number(m[1]),
      y: Number(m[2]),
      lines: (m[3]!.match(/<tspan/g) ?? []).length,
    }));
    const byColumn = new Map<number, typeof texts>();
    for (const t of texts) byColumn.set(t.x, [...(byColumn.get(t.x) ?? []), t]);
    for (const col of byColumn.values()) {
      col.sort((a, b) => a.y - b.y);
      for (let i = 1; i < col.length; i++)
        expect(col[i]!.y).toBeGreaterThanOrEqual(col[i - 1]!.y + col[i - 1]!.lines * 11);
    }
  });

  it('colours steps by meaning: installed green, failed red', () => {
    const fill = (title: string) => new RegExp(`fill="(#[0-9a-f]{6})"><title>${title}`).exec(svg)?.[1];
    expect(fill('installed / installed')).toBe(colour('installed'));
    expect(fill('failed / unknown_error')).toBe(colour('failed'));
    expect(fill('installing / installing')).toBe(colour('in_progress'));
  });

  it('wraps by words', () => {
    expect(wrap('Scheduled for installation. Waiting for redemption code', 20)).toEqual([
      'Scheduled for',
      'installation.',
      'Waiting for',
      'redemption code',
    ]);
  });
});

describe('live page colours', () => {
  it('colours by the same meanings as report.html', () => {
    for (const m of MEANINGS) expect(LIVE_PAGE_HTML).toContain(`.seg.m-${m.id} { background: ${m.colour}; }`);
    expect(LIVE_PAGE_HTML).toContain('"dme":{"installing":"in_progress","installed":"installed","errors":"failed"}');
  });
});
