/**
 * The terminal summary of a result: counters, throughput, latency and the reconciliation table
 * (per app: status -> state -> expected vs counted). Colour only when the stream is a TTY.
 */
import { CATALOGUE, findState, findStatus, type Platform } from '../protocol/catalogue/catalogue.js';
import { gaveUpSentence, type RunResult } from '../result/result.js';
import { connectivitySentence, OUTAGE_HEAD, OUTAGE_NUMERIC, outageRows } from './connectivity.js';
import { renderFaults } from './faults.js';
import { deviceLine, formatFigure } from './junit.js';
import { BY_TAG_HEAD, BY_TAG_NUMERIC, byTagRows } from './by-tag.js';
import { countHeads, differenceCount, failuresNote, reconciliationNotes } from './reconciliation-notes.js';
import { verdictLine } from './verdict.js';

export { ansi, plain, type Style, table } from './text-table.js';
import { plain, type Style, table } from './text-table.js';

const fmt = (n: number) => n.toLocaleString('en-US');

export function renderSummary(r: RunResult, style: Style = plain): string {
  const out: string[] = [];
  const v = verdictLine(r);
  const note =
    v.note && (v.noteTone === 'ok' ? style.ok : style.bad)(` (${v.note}${v.noteTone === 'bad' ? ': see below' : ''})`);
  const verdict = r.passed
    ? (v.tone === 'ok' ? style.ok : style.bad)(v.word) + (note || '')
    : style.bad(`FAILED: ${r.verdict} (exit ${r.exitCode})`);
  out.push(style.bold(`fleetsim ${r.scenario.name}: ${verdict}`));
  if (r.aborted) out.push(style.bad(`aborted at ${r.aborted.at}: ${r.aborted.reason}`));
  const gaveUp = gaveUpSentence(r);
  if (gaveUp) out.push(style.bad(gaveUp));
  const refused = failuresNote(r);
  if (refused) out.push(style.bad(refused));
  const e2e = r.latency.endToEnd;
  out.push(
    table(
      [
        [
          'devices',
          fmt(r.devices.total),
          Object.entries(r.devices.byPlatform)
            .map(([p, n]) => `${p} ${fmt(n)}`)
            .join(', '),
        ],
        [
          'events sent',
          fmt(r.events.sent),
          `acknowledged ${fmt(r.events.acked)}, failed ${r.events.failed ? style.bad(fmt(r.events.failed)) : '0'}${r.events.gaveUp ? ` (given up ${style.bad(fmt(r.events.gaveUp))})` : ''}, retried ${fmt(r.events.retried)}`,
        ],
        [
          'throughput',
          `${fmt(Math.round(r.throughput.eventsPerSec))}/s`,
          `peak ${fmt(Math.round(r.throughput.peakPerSec))}/s; ${r.transport} to ${r.target.kind} ${r.target.url}, ${(r.durationMs / 1000).toFixed(2)} s`,
        ],
        [
          'ack latency',
          `p50 ${r.latency.ack.p50} ms`,
          `p90 ${r.latency.ack.p90} ms, p99 ${r.latency.ack.p99} ms, max ${r.latency.ack.max} ms`,
        ],
        [
          'end to end',
          e2e ? `p50 ${e2e.p50} ms` : '-',
          e2e ? `p90 ${e2e.p90} ms, p99 ${e2e.p99} ms, max ${e2e.max} ms` : style.dim(r.latency.endToEndSource),
        ],
        ['seed', String(r.seed), `scenario ${r.scenario.file}`],
      ],
      ['l', 'r', 'l'],
    ),
  );
  const links = connectivitySentence(r);
  if (links) {
    out.push('', links);
    const rows = outageRows(r);
    const align = OUTAGE_HEAD.map((_, i) => (OUTAGE_NUMERIC.includes(i) ? 'r' : 'l') as 'l' | 'r');
    if (rows.length) out.push(table([OUTAGE_HEAD, ...rows], align));
  }
  const tagged = byTagRows(r);
  if (tagged) {
    out.push('');
    const align = BY_TAG_HEAD.map((_, i) => (BY_TAG_NUMERIC.includes(i) ? 'r' : 'l') as 'l' | 'r');
    out.push(table([BY_TAG_HEAD, ...tagged], align));
  }
  out.push('');
  out.push(renderThresholds(r, style));
  if (r.faults?.length) out.push('', renderFaults(r, style));
  out.push('');
  out.push(renderReconciliation(r, style));
  if (r.coverage) out.push('', renderCoverage(r, style));
  return out.join('\n');
}

export function renderThresholds(r: RunResult, style: Style = plain): string {
  const rows = [['threshold', 'observed', '']];
  for (const t of r.thresholds) {
    rows.push([
      t.check + (t.implicit ? style.dim(' (implicit)') : '') + (t.abortOnFail ? style.dim(' (abortOnFail)') : ''),
      formatFigure(t.observed, t.unit),
      t.passed ? style.ok('pass') : style.bad(`FAIL${t.detail ? ` (${t.detail})` : ''}`),
    ]);
  }
  return table(rows, ['l', 'r', 'l']);
}

/** Lifecycle coverage: per platform, states and transitions visited, and a few never visited. */
export function renderCoverage(r: RunResult, style: Style = plain): string {
  const rows: string[][] = [['platform', 'states', 'transitions', 'states never visited']];
  for (const [p, c] of Object.entries(r.coverage ?? {})) {
    const never =
      c.statesNever.length === 0
        ? style.ok('none')
        : c.statesNever.slice(0, 4).join(', ') +
          (c.statesNever.length > 4 ? `, +${c.statesNever.length - 4} more` : '');
    rows.push([p, `${c.statesVisited}/${c.statesTotal}`, `${c.transitionsVisited}/${c.transitionsTotal}`, never]);
  }
  return `${style.bold('lifecycle coverage')} ${style.dim('(report.json lists every state and transition)')}\n${table(rows, ['l', 'r', 'r', 'l'])}`;
}

export function renderReconciliation(r: RunResult, style: Style = plain): string {
  const rec = r.reconciliation;
  const out: string[] = [];
  if (!rec.checked) {
    out.push(style.bad(`reconciliation: not checked (${rec.reason})`));
    return out.join('\n');
  }
  const diffs = differenceCount(rec);
  out.push(
    style.bold('reconciliation: ') +
      (diffs === 0 ? style.ok('tallies match') : style.bad(`${diffs} tally difference(s)`)),
  );
  for (const n of reconciliationNotes(rec, r.namespaced)) out.push(n.bad ? style.bad(n.text) : style.dim(n.text));
  const dev = rec.devices;
  if (dev) {
    if (!dev.checked) out.push(style.dim(`devices: not checked one by one (${dev.reason})`));
    else if (dev.differing === 0)
      out.push(`devices: ${style.ok(`all ${dev.pairs.toLocaleString('en-US')} (device, app) pairs match`)}`);
    else {
      out.push(
        `devices: ${style.bad(`${dev.differing} of ${dev.pairs.toLocaleString('en-US')} (device, app) pairs differ`)}`,
      );
      for (const d of dev.differences.slice(0, 10)) out.push(`  ${style.bad(deviceLine(d))}`);
      if (dev.differing > 10)
        out.push(style.dim(`  ...and ${dev.differing - 10} more (report.json lists ${dev.differences.length})`));
    }
  }
  for (const app of rec.apps) {
    const [exp, got] = countHeads(rec);
    const rows: string[][] = [['platform', 'status', 'state', exp, got, '']];
    const diffKeys = new Set(
      rec.differences.filter((d) => d.appId === app.appId).map((d) => `${d.platform}/${d.status}/${d.state}`),
    );
    const platforms = new Set([
      ...Object.keys(app.expected.platforms),
      ...Object.keys(app.counted.platforms),
    ]) as Set<Platform>;
    for (const p of [...platforms].sort()) {
      const e = app.expected.platforms[p] ?? {};
      const c = app.counted.platforms[p] ?? {};
      const keys = new Set<string>();
      for (const [s, states] of Object.entries(e)) for (const st of Object.keys(states)) keys.add(`${s}\u0000${st}`);
      for (const [s, states] of Object.entries(c)) for (const st of Object.keys(states)) keys.add(`${s}\u0000${st}`);
      const order = catalogueOrder(p);
      for (const k of [...keys].sort((a, b) => (order.get(a) ?? 1e9) - (order.get(b) ?? 1e9))) {
        const [s, st] = k.split('\u0000') as [string, string];
        const ev = e[s]?.[st] ?? 0;
        const cv = c[s]?.[st] ?? 0;
        const bad = diffKeys.has(`${p}/${s}/${st}`);
        rows.push([
          p,
          findStatus(p, s)?.label ?? s,
          findState(p, s, st)?.label ?? st,
          fmt(ev),
          fmt(cv),
          bad ? style.bad('MISMATCH') : style.dim('ok'),
        ]);
      }
    }
    out.push('');
    out.push(
      `${style.bold(app.appId)}: ${fmt(app.expected.total)} ${exp}, ${fmt(app.counted.total)} ${got}, ${app.match ? style.ok('match') : style.bad('MISMATCH')}`,
    );
    out.push(table(rows, ['l', 'l', 'l', 'r', 'r', 'l']));
  }
  return out.join('\n');
}

function catalogueOrder(p: Platform): Map<string, number> {
  const m = new Map<string, number>();
  let i = 0;
  for (const s of CATALOGUE[p].statuses) for (const st of s.states) m.set(`${s.id}\u0000${st.id}`, i++);
  return m;
}
