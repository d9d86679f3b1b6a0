/**
 * summary.md: the result as Markdown for a pull request or a wiki page. The verdict first, then
 * thresholds, figures, reconciliation (differences listed) and lifecycle durations. Pure.
 */
import { gaveUpSentence, type RunResult } from '../result/result.js';
import type { HistogramSummary } from '../drive/metrics.js';
import { findState, findStatus, type Platform } from '../protocol/catalogue/catalogue.js';
import { deviceLine, formatFigure } from './junit.js';
import { BY_TAG_HEAD, BY_TAG_NUMERIC, byTagRows } from './by-tag.js';

import { connectivitySentence, OUTAGE_HEAD, OUTAGE_NUMERIC, outageRows } from './connectivity.js';
import { faultOutageLines, injectedText, lostLines } from './faults.js';
import { countHeads, differenceCount, failuresNote, reconciliationNotes } from './reconciliation-notes.js';
import { verdictLine } from './verdict.js';

const fmt = (n: number) => n.toLocaleString('en-US');
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function mdTable(head: string[], rows: string[][], align: ('l' | 'r')[] = []): string {
  const sep = head.map((_, i) => (align[i] === 'r' ? '---:' : '---'));
  return [head, sep, ...rows].map((r) => `| ${r.map(cell).join(' | ')} |`).join('\n');
}

export function stateLabel(platform: string, status: string, state: string): string {
  const p = platform as Platform;
  return `${findStatus(p, status)?.label ?? status} / ${findState(p, status, state)?.label ?? state}`;
}

function latencyRow(name: string, h: HistogramSummary | null): string[] {
  if (!h) return [name, '-', '-', '-', '-', '-', '-'];
  return [name, fmt(h.count), String(h.p50), String(h.p90), String(h.p99), String(h.p999), String(h.max)];
}

export function renderMarkdown(r: RunResult): string {
  return [
    ...heading(r),
    ...connectivityMd(r),
    ...thresholds(r),
    ...latency(r),
    ...faults(r),
    ...byTag(r),
    ...reconciliation(r),
    ...durations(r),
    ...coverage(r),
  ].join('\n');
}

/** The verdict, the notes that explain a stop or a failure, and the run at a glance. */
function heading(r: RunResult): string[] {
  const out: string[] = [];
  const v = verdictLine(r);
  const mark = r.passed ? (v.note ? `${v.word} (${v.note})` : v.word) : `FAILED (${r.verdict}, exit ${r.exitCode})`;
  out.push(`# fleetsim ${r.scenario.name}: ${mark}`, '');
  if (r.scenario.description) out.push(r.scenario.description, '');
  if (r.aborted) out.push(`> **Aborted** at ${r.aborted.at}: ${r.aborted.reason}.`, '');
  const gaveUp = gaveUpSentence(r);
  if (gaveUp) out.push(`> **Gave up.** ${gaveUp}`, '');
  const refused = failuresNote(r);
  if (refused) out.push(`> **Events failed.** ${refused}.`, '');
  out.push(
    mdTable(
      ['', ''],
      [
        ['scenario', `${r.scenario.file} (seed ${r.seed})`],
        ['target', `${r.transport} to ${r.target.kind} ${r.target.url}`],
        [
          'devices',
          `${fmt(r.devices.total)} (${Object.entries(r.devices.byPlatform)
            .map(([p, n]) => `${p} ${fmt(n)}`)
            .join(', ')}), ${fmt(r.devices.installations)} installations`,
        ],
        [
          'events',
          `offered ${fmt(r.events.offered)}, sent ${fmt(r.events.sent)}, acknowledged ${fmt(r.events.acked)}, failed ${fmt(r.events.failed)}, retried ${fmt(r.events.retried)}`,
        ],
        [
          'throughput',
          `${fmt(r.throughput.eventsPerSec)} events/s (peak ${fmt(r.throughput.peakPerSec)}/s) over ${(r.durationMs / 1000).toFixed(2)} s`,
        ],
        ['started', `${r.startedAt}${r.parts > 1 ? ` (${r.parts} parts merged)` : ''}`],
        ...(r.events.lastError ? [['last error', r.events.lastError]] : []),
      ],
    ),
    '',
  );
  return out;
}

function thresholds(r: RunResult): string[] {
  const out: string[] = [];
  out.push('## Thresholds', '');
  out.push(
    mdTable(
      ['check', 'observed', 'result'],
      r.thresholds.map((t) => [
        `\`${t.check}\`${t.implicit ? ' (implicit)' : ''}${t.abortOnFail ? ' (abortOnFail)' : ''}`,
        formatFigure(t.observed, t.unit) + (t.detail && !t.passed ? ` (${t.detail})` : ''),
        t.passed ? 'pass' : '**FAIL**',
      ]),
    ),
    '',
  );
  return out;
}

function latency(r: RunResult): string[] {
  const out: string[] = [];
  out.push('## Latency (ms)', '');
  out.push(
    mdTable(
      ['', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'],
      [latencyRow('acknowledgement', r.latency.ack), latencyRow('end to end', r.latency.endToEnd)],
      ['l', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  if (!r.latency.endToEnd) out.push('', `End to end: ${r.latency.endToEndSource}.`);
  out.push('');
  return out;
}

function faults(r: RunResult): string[] {
  const out: string[] = [];
  if (!r.faults?.length) return out;
  out.push('## Faults', '');
  out.push(
    mdTable(
      ['fault', 'kind', 'devices', 'injected', 'tallies'],
      r.faults.map((f) => [
        f.name,
        f.kind,
        fmt(f.devices),
        injectedText(f),
        f.exact === null ? 'not reconciled' : f.exact ? 'exact' : `differ${f.note ? ` (${f.note})` : ''}`,
      ]),
      ['l', 'l', 'r', 'l', 'l'],
    ),
    '',
  );
  const links = faultOutageLines(r);
  if (links.length) out.push("What the faults did to the devices' links:", '', ...links.map((l) => `- ${l}`), '');
  const stuck = r.faults.flatMap((f) => f.stuck ?? []);
  if (stuck.length)
    out.push(
      `Stuck devices (reconciliation expected their last reported state): ${stuck.map((d) => d.deviceId).join(', ')}.`,
      '',
    );
  const lost = lostLines(r, 100);
  if (lost.length) out.push(lost[0]!, '', ...lost.slice(1).map((l) => `- ${l.trim()}`), '');
  return out;
}

function byTag(r: RunResult): string[] {
  const tagged = byTagRows(r);
  if (!tagged) return [];
  const align = BY_TAG_HEAD.map((_, i) => (BY_TAG_NUMERIC.includes(i) ? 'r' : 'l') as 'l' | 'r');
  return ['## By platform, app and cohort', '', mdTable(BY_TAG_HEAD, tagged, align), ''];
}

function reconciliation(r: RunResult): string[] {
  const out: string[] = [];
  const rec = r.reconciliation;
  out.push('## Reconciliation', '');
  if (!rec.checked) out.push(`Not checked: ${rec.reason}.`, '');
  else {
    const diffs = differenceCount(rec);
    out.push(
      diffs === 0
        ? 'Every tally matches device ground truth.'
        : `**${diffs} difference(s)** between device ground truth and the endpoint's tallies.`,
      '',
    );
    const notes = reconciliationNotes(rec, r.namespaced);
    if (notes.length) out.push(...notes.map((n) => `- ${n.bad ? `**${n.text}**` : n.text}`), '');
    out.push(
      mdTable(
        ['app', ...countHeads(rec), 'result'],
        rec.apps.map((a) => [a.appId, fmt(a.expected.total), fmt(a.counted.total), a.match ? 'match' : '**MISMATCH**']),
        ['l', 'r', 'r', 'l'],
      ),
      '',
    );
    out.push(...devicePairs(rec));
    if (rec.differences.length) {
      out.push('### Differences', '');
      out.push(
        mdTable(
          ['app', 'platform', 'status / state', ...countHeads(rec)],
          rec.differences.map((d) => [
            d.appId,
            d.platform,
            stateLabel(d.platform, d.status, d.state),
            fmt(d.expected),
            fmt(d.counted),
          ]),
          ['l', 'l', 'l', 'r', 'r'],
        ),
        '',
      );
    }
  }
  return out;
}

/** The device-by-device check: skipped with its reason, every pair matching, or the first pairs that differ. */
function devicePairs(rec: RunResult['reconciliation']): string[] {
  const out: string[] = [];
  const dev = rec.devices;
  if (!dev) return [];
  if (!dev.checked) out.push(`Devices were not checked one by one: ${dev.reason}.`, '');
  else if (dev.differing === 0) out.push(`All ${fmt(dev.pairs)} (device, app) pairs match device by device.`, '');
  else
    out.push(
      `**${fmt(dev.differing)} of ${fmt(dev.pairs)} (device, app) pairs differ**${dev.differing > dev.differences.length ? ` (first ${dev.differences.length})` : ''}:`,
      '',
      ...dev.differences.map((d) => `- ${deviceLine(d)}`),
      '',
    );
  return out;
}

function durations(r: RunResult): string[] {
  const out: string[] = [];
  if (r.lifecycle.durations.length) {
    out.push('## Lifecycle durations (simulated time)', '');
    out.push(
      mdTable(
        ['platform', 'final status / state', 'installations', 'p50', 'p99', 'max'],
        r.lifecycle.durations.map((d) => [
          d.platform,
          stateLabel(d.platform, d.status, d.state),
          fmt(d.duration.count),
          human(d.duration.p50),
          human(d.duration.p99),
          human(d.duration.max),
        ]),
        ['l', 'l', 'r', 'r', 'r', 'r'],
      ),
      '',
    );
  }
  return out;
}

function coverage(r: RunResult): string[] {
  const out: string[] = [];
  if (r.coverage) {
    out.push('## Lifecycle coverage', '');
    out.push(
      mdTable(
        ['platform', 'states visited', 'transitions taken', 'states never visited'],
        Object.entries(r.coverage).map(([p, c]) => [
          p,
          `${c.statesVisited}/${c.statesTotal}`,
          `${c.transitionsVisited}/${c.transitionsTotal}`,
          c.statesNever.join(', ') || 'none',
        ]),
        ['l', 'r', 'r', 'l'],
      ),
      '',
    );
  }
  return out;
}

/** A simulated duration in ms as "850ms", "12.5s", "3.2m", "4.1h", "2.0d". */
export function human(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)}m`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)}h`;
  return `${(ms / 86_400_000).toFixed(1)}d`;
}

/** The reconnects and outages section; nothing when the links never dropped. */
function connectivityMd(r: RunResult): string[] {
  const links = connectivitySentence(r);
  if (!links) return [];
  const align = OUTAGE_HEAD.map((_, i) => (OUTAGE_NUMERIC.includes(i) ? 'r' : 'l') as 'l' | 'r');
  const rows = outageRows(r);
  return ['## Connectivity', '', links, '', ...(rows.length ? [mdTable(OUTAGE_HEAD, rows, align), ''] : [])];
}
