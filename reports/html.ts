/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no network) that a QA
 * engineer can attach to a ticket: the verdict, thresholds, throughput and latency over time,
 * the latency distribution, final status/state per platform, the lifecycle flows, lifecycle
 * durations and the reconciliation table with every difference highlighted. Pure.
 */
import { connectivitySentence, OUTAGE_HEAD, OUTAGE_NUMERIC, outageRows } from './connectivity.js';
import { gaveUpSentence, type RunResult } from '../result/result.js';
import { countHeads, differenceCount, failuresNote, reconciliationNotes } from './reconciliation-notes.js';
import { verdictLine } from './verdict.js';
import { FLOW_START } from '../drive/lifecycle-metrics.js';
import { decodeHistogram, hdrUnitOf, type HistogramSummary } from '../drive/metrics.js';
import { findState, findStatus, type Platform } from '../protocol/catalogue/catalogue.js';
import { MEANINGS, meaningOf, shade } from '../protocol/status-meaning.js';
import { flowChart } from './flow-chart.js';
import { comparisonHtml } from './compare.js';
import { compareResults } from '../result/compare.js';
import { formatFigure, xmlEscape as esc } from './junit.js';
import { faultsHtml } from './html-faults.js';
import { table } from './html-table.js';
import { human, stateLabel } from './markdown.js';
import { BY_TAG_HEAD, BY_TAG_NUMERIC, byTagRows } from './by-tag.js';
import { lineChart, PALETTE, percentileChart, stackedBars, type Bar } from './svg.js';

const fmt = (n: number) => n.toLocaleString('en-US');

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#111827;background:#f9fafb}
main{max-width:1040px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.verdict{display:inline-block;padding:2px 10px;border-radius:4px;color:#fff;font-weight:600}
.pass{background:#16a34a}.fail{background:#dc2626}
.meta{color:#4b5563}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px;margin-top:16px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:6px;padding:10px}.card b{display:block;font-size:20px}
.card span{color:#6b7280;font-size:12px}
table{border-collapse:collapse;background:#fff;width:100%;margin:6px 0}th,td{border:1px solid #e5e7eb;padding:4px 8px;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.diff td{background:#fee2e2;font-weight:600}td.bad{color:#b91c1c;font-weight:600}td.good{color:#15803d}
.chart{width:100%;height:auto;background:#fff;border:1px solid #e5e7eb;border-radius:6px;margin:6px 0}
.grid{stroke:#e5e7eb}.tick{font-size:10px;fill:#6b7280}.axis{font-size:11px;fill:#374151}.legend{font-size:11px;fill:#374151}
.barlabel{font-size:11px;font-weight:600;pointer-events:none}
.band{opacity:.45}.band:hover{opacity:.8}.flowlabel{font-size:10px;fill:#111827;paint-order:stroke;stroke:#fff;stroke-width:3px}
.keys{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:12px}.keys i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.note{background:#fef3c7;border:1px solid #f59e0b;padding:8px;border-radius:6px}
ul.notes{color:#374151}ul.notes li.bad{color:#b91c1c;font-weight:600}
footer{color:#6b7280;font-size:12px;margin-top:32px}
`;

function byTag(r: RunResult): string {
  const rows = byTagRows(r);
  if (!rows) return '';
  return `<h2>By platform, app and cohort</h2>${table(
    BY_TAG_HEAD,
    rows.map((row) => row.map(esc)),
    BY_TAG_NUMERIC,
  )}`;
}

function card(value: string, label: string): string {
  return `<div class="card"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
}

function overTime(r: RunResult): string {
  const all = r.timeline.points;
  const t0 = all[0]?.t ?? 0;
  // A rate over the few ms of a run's partial first or last second is noise drawn as a spike:
  // rates are drawn for seconds the run covered at least half of, as the peak is computed.
  // A run shorter than that has only partial seconds: then they are all it has.
  const full = all.filter((p) => p.ms >= 500);
  const pts = full.length ? full : all;
  const perSec = (f: (p: (typeof pts)[number]) => number) =>
    pts.map((p) => [p.t - t0 + 1, (f(p) / p.ms) * 1000] as [number, number]);
  const throughput = lineChart(
    'chart-throughput',
    'Throughput over time',
    [
      { name: 'acknowledged/s', colour: PALETTE[0]!, points: perSec((p) => p.acked) },
      { name: 'sent/s', colour: PALETTE[2]!, points: perSec((p) => p.sent), dashed: true },
      { name: 'failed/s', colour: PALETTE[1]!, points: perSec((p) => p.failed) },
    ],
    { xLabel: 'seconds', yLabel: 'events/s' },
  );
  const withLatency = pts.filter((p) => p.p99 !== undefined);
  const latency = lineChart(
    'chart-latency-time',
    'Ack latency over time',
    [
      { name: 'p50', colour: PALETTE[0]!, points: withLatency.map((p) => [p.t - t0 + 1, p.p50!]) },
      { name: 'p99', colour: PALETTE[1]!, points: withLatency.map((p) => [p.t - t0 + 1, p.p99!]) },
    ],
    { xLabel: 'seconds', yLabel: 'ms' },
  );
  const left = all.length - pts.length;
  const note = left
    ? `<p class="meta">One point per wall second; ${left} partial second${left > 1 ? 's' : ''} at the start or end (under 0.5 s of the run) not drawn.</p>`
    : '<p class="meta">One point per wall second.</p>';
  return `<h2>Throughput and latency over time</h2>${note}${throughput}${latency}`;
}

function distribution(r: RunResult): string {
  const at = (h: HistogramSummary) => {
    const d = decodeHistogram(h.hdr);
    return (p: number) => d.getValueAtPercentile(p) / (hdrUnitOf(h) === 'us' ? 1000 : 1);
  };
  const series = [{ name: 'acknowledgement', colour: PALETTE[0]!, at: at(r.latency.ack) }];
  if (r.latency.endToEnd) series.push({ name: 'end to end', colour: PALETTE[4]!, at: at(r.latency.endToEnd) });
  const rows = [['acknowledgement', r.latency.ack] as const, ['end to end', r.latency.endToEnd] as const].map(
    ([n, h]) =>
      h
        ? [esc(n), fmt(h.count), String(h.p50), String(h.p90), String(h.p99), String(h.p999), String(h.max)]
        : [esc(n), '-', '-', '-', '-', '-', esc(r.latency.endToEndSource)],
  );
  return `<h2>Latency distribution (ms)</h2>${percentileChart('chart-latency-dist', 'Latency by percentile', series)}${table(['', 'count', 'p50', 'p90', 'p99', 'p99.9', 'max'], rows, [1, 2, 3, 4, 5])}`;
}

/**
 * One bar per platform, its final (status, state) cells coloured by the status's meaning
 * (protocol/status-meaning.ts), states of one meaning in shades of its hue; the legend names
 * meanings, so "failed" is red on every platform.
 */
function statesPerPlatform(r: RunResult): string {
  const order = new Map(MEANINGS.map((m, i) => [m.id, i]));
  const byPlatform = new Map<string, RunResult['lifecycle']['durations']>();
  for (const d of r.lifecycle.durations) {
    const list = byPlatform.get(d.platform) ?? byPlatform.set(d.platform, []).get(d.platform)!;
    list.push(d);
  }
  const seen = new Set<string>();
  const bars: Bar[] = [...byPlatform].map(([platform, cells]) => {
    const sorted = [...cells].sort(
      (a, b) =>
        order.get(meaningOf(platform, a.status).id)! - order.get(meaningOf(platform, b.status).id)! ||
        b.duration.count - a.duration.count,
    );
    const perMeaning = new Map<string, number>();
    for (const d of sorted) {
      const m = meaningOf(platform, d.status).id;
      perMeaning.set(m, (perMeaning.get(m) ?? 0) + 1);
    }
    const nth = new Map<string, number>();
    return {
      label: platform,
      segments: sorted.map((d) => {
        const m = meaningOf(platform, d.status);
        const i = nth.get(m.id) ?? 0;
        nth.set(m.id, i + 1);
        seen.add(m.id);
        return {
          name: stateLabel(platform, d.status, d.state),
          value: d.duration.count,
          colour: shade(m.colour, i, perMeaning.get(m.id)!),
          // the status names the segment unless the bar shows several states of it
          short:
            sorted.filter((x) => x.status === d.status).length > 1
              ? (findState(platform as Platform, d.status, d.state)?.label ?? d.state)
              : (findStatus(platform as Platform, d.status)?.label ?? d.status),
        };
      }),
    };
  });
  const legend = `<div class="keys">${MEANINGS.filter((m) => seen.has(m.id))
    .map((m) => `<span data-meaning="${m.id}"><i style="background:${m.colour}"></i>${esc(m.label)}</span>`)
    .join('')}</div>`;
  return `<h2>Final status and state per platform</h2>${stackedBars('chart-states', 'Final status/state per platform', bars)}${legend}`;
}

function flows(r: RunResult): string {
  const platforms = [...new Set(r.lifecycle.flows.map((l) => l.platform))].sort();
  if (!platforms.length) return '';
  const charts = platforms
    .map(
      (p) =>
        `<h3>${esc(p)}</h3>${flowChart(`chart-flow-${p}`, p, r.lifecycle.flows, (k) => {
          if (k === FLOW_START) return 'start';
          const i = k.indexOf('/');
          return stateLabel(p, k.slice(0, i), k.slice(i + 1));
        })}`,
    )
    .join('');
  return `<h2>Lifecycle flows</h2><p class="meta">How installations moved between reported steps; dashed arcs go back (retries, repeated prompts). Hover for counts.</p>${charts}`;
}

function coverage(r: RunResult): string {
  if (!r.coverage) return '';
  const rows = Object.entries(r.coverage).map(([p, c]) => [
    esc(p),
    `${c.statesVisited}/${c.statesTotal}`,
    `${c.transitionsVisited}/${c.transitionsTotal}`,
    c.statesNever.length ? esc(c.statesNever.join(', ')) : '<span class="good">none</span>',
  ]);
  return `<h2>Lifecycle coverage</h2>${table(['platform', 'states visited', 'transitions taken', 'states never visited'], rows, [1, 2])}`;
}

function durations(r: RunResult): string {
  if (!r.lifecycle.durations.length) return '';
  return `<h2>Lifecycle durations (simulated time)</h2>${table(
    ['platform', 'final status / state', 'installations', 'p50', 'p90', 'p99', 'max'],
    r.lifecycle.durations.map((d) => [
      esc(d.platform),
      esc(stateLabel(d.platform, d.status, d.state)),
      fmt(d.duration.count),
      human(d.duration.p50),
      human(d.duration.p90),
      human(d.duration.p99),
      human(d.duration.max),
    ]),
    [2, 3, 4, 5, 6],
  )}`;
}

function reconciliation(r: RunResult): string {
  const rec = r.reconciliation;
  if (!rec.checked) return `<h2>Reconciliation</h2><p class="note">Not checked: ${esc(rec.reason ?? '')}</p>`;
  const parts = [
    `<h2>Reconciliation</h2><p>${differenceCount(rec) === 0 ? 'Every tally matches device ground truth.' : `<b class="bad">${differenceCount(rec)} difference(s)</b> between device ground truth and the endpoint's tallies (highlighted).`}</p>`,
  ];
  const notes = reconciliationNotes(rec, r.namespaced);
  if (notes.length)
    parts.push(
      `<ul class="notes">${notes.map((n) => `<li${n.bad ? ' class="bad"' : ''}>${esc(n.text)}</li>`).join('')}</ul>`,
    );
  for (const app of rec.apps) {
    const diff = new Set(
      rec.differences.filter((d) => d.appId === app.appId).map((d) => `${d.platform}/${d.status}/${d.state}`),
    );
    const rows: string[][] = [];
    const cls: string[] = [];
    const platforms = [
      ...new Set([...Object.keys(app.expected.platforms), ...Object.keys(app.counted.platforms)]),
    ].sort() as Platform[];
    for (const p of platforms) {
      const e = app.expected.platforms[p] ?? {};
      const c = app.counted.platforms[p] ?? {};
      const cells = new Set<string>();
      for (const src of [e, c])
        for (const [s, states] of Object.entries(src)) for (const st of Object.keys(states)) cells.add(`${s}/${st}`);
      for (const k of [...cells].sort()) {
        const i = k.indexOf('/');
        const [s, st] = [k.slice(0, i), k.slice(i + 1)];
        const ev = e[s]?.[st] ?? 0;
        const cv = c[s]?.[st] ?? 0;
        const bad = diff.has(`${p}/${s}/${st}`);
        rows.push([
          esc(p),
          esc(stateLabel(p, s, st)),
          fmt(ev),
          fmt(cv),
          bad ? `<span class="bad">${cv - ev > 0 ? '+' : ''}${fmt(cv - ev)}</span>` : 'ok',
        ]);
        cls.push(bad ? 'diff' : '');
      }
    }
    parts.push(
      `<h3>${esc(app.appId)}: ${app.match ? '<span class="good">match</span>' : '<span class="bad">MISMATCH</span>'} (${countHeads(rec)[0]} ${fmt(app.expected.total)}, ${countHeads(rec)[1]} ${fmt(app.counted.total)})</h3>`,
    );
    parts.push(table(['platform', 'status / state', ...countHeads(rec), 'difference'], rows, [2, 3], (i) => cls[i]!));
  }
  const dev = rec.devices;
  if (dev) {
    parts.push('<h3>Device by device</h3>');
    if (!dev.checked) parts.push(`<p class="note">Not checked one by one: ${esc(dev.reason ?? '')}</p>`);
    else if (dev.differing === 0) parts.push(`<p>All ${fmt(dev.pairs)} (device, app) pairs match.</p>`);
    else {
      const show = (x: { status: string; state: string; seq?: number } | null, p: string) =>
        x ? `${esc(stateLabel(p, x.status, x.state))}${x.seq !== undefined ? ` #${x.seq}` : ''}` : '<i>nothing</i>';
      parts.push(
        `<p><b class="bad">${fmt(dev.differing)} of ${fmt(dev.pairs)} pairs differ</b>${dev.differing > dev.differences.length ? ` (first ${dev.differences.length} listed)` : ''}.</p>`,
      );
      parts.push(
        table(
          ['device', 'app', 'platform', 'expected', 'counted'],
          dev.differences.map((d) => [
            esc(d.deviceId),
            esc(d.appId),
            esc(d.platform),
            show(d.expected, d.platform),
            show(d.counted, d.platform),
          ]),
          [],
          () => 'diff',
        ),
      );
    }
  }
  return parts.join('');
}

export interface HtmlOptions {
  /** A baseline run: the page gets an "Against the baseline" section (result/compare.ts). */
  baseline?: { result: RunResult; label: string; tolerances?: Parameters<typeof compareResults>[2] };
}

export function renderHtml(r: RunResult, opts: HtmlOptions = {}): string {
  const v = verdictLine(r);
  const verdict = r.passed
    ? `<span class="verdict ${v.tone === 'ok' ? 'pass' : 'fail'}">${esc(v.word)}</span>${v.note ? ` <span class="verdict ${v.noteTone === 'ok' ? 'pass' : 'fail'}">${esc(v.note)}</span>` : ''}`
    : `<span class="verdict fail">FAILED: ${esc(r.verdict)} (exit ${r.exitCode})</span>`;
  const e2e = r.latency.endToEnd;
  const thresholds = table(
    ['threshold', 'observed', 'result'],
    r.thresholds.map((t) => [
      `<code>${esc(t.check)}</code>${t.implicit ? ' (implicit)' : ''}${t.abortOnFail ? ' (abortOnFail)' : ''}`,
      esc(formatFigure(t.observed, t.unit)),
      t.passed ? 'pass' : `FAIL${t.detail ? `: ${esc(t.detail)}` : ''}`,
    ]),
    [],
    (i) => (r.thresholds[i]!.passed ? '' : 'diff'),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>fleetsim ${esc(r.scenario.name)}: ${r.passed ? 'passed' : 'failed'}</title><style>${CSS}</style></head>
<body><main>
<h1>fleetsim ${esc(r.scenario.name)} ${verdict}</h1>
<div class="meta">${esc(r.scenario.description ?? '')}</div>
<div class="meta">${esc(r.scenario.file)}, seed ${esc(String(r.seed))}; ${esc(r.transport)} to ${esc(r.target.kind)} ${esc(r.target.url)}; started ${esc(r.startedAt)}${r.parts > 1 ? `; ${r.parts} parts merged` : ''}</div>
${r.aborted ? `<p class="note">Aborted at ${esc(r.aborted.at)}: ${esc(r.aborted.reason)}.</p>` : ''}${r.gaveUp ? `<p class="note">${esc(gaveUpSentence(r)!)}</p>` : ''}${failuresNote(r) ? `<p class="note failures">${esc(failuresNote(r)!)}</p>` : ''}
<div class="cards">
${card(fmt(r.devices.total), `devices (${fmt(r.devices.installations)} installations)`)}
${card(fmt(r.events.sent), `events sent (${fmt(r.events.acked)} acknowledged)`)}
${card(fmt(r.events.failed), `failed (${fmt(r.events.retried)} retried)`)}
${card(`${fmt(r.throughput.eventsPerSec)}/s`, `throughput (peak ${fmt(r.throughput.peakPerSec)}/s)`)}
${card(`${r.latency.ack.p99} ms`, 'ack latency p99')}
${card(e2e ? `${e2e.p99} ms` : '-', 'end-to-end p99')}
${card(`${(r.durationMs / 1000).toFixed(2)} s`, 'wall time')}
</div>
${opts.baseline ? comparisonHtml(compareResults(opts.baseline.result, r, opts.baseline.tolerances), opts.baseline.label) : ''}
${connectivityHtml(r)}<h2>Thresholds</h2>${thresholds}
${byTag(r)}
${overTime(r)}
${distribution(r)}
${statesPerPlatform(r)}
${flows(r)}
${durations(r)}
${coverage(r)}
${faultsHtml(r)}
${reconciliation(r)}
<footer>${esc(r.schema)}; fleetsim ${esc(r.environment.fleetsim)}, Node ${esc(r.environment.node)} on ${esc(r.environment.platform)}/${esc(r.environment.arch)}, ${r.environment.cpus} CPUs, ${esc(r.environment.hostname)}. Finished ${esc(r.finishedAt)}.${r.events.lastError ? ` Last error: ${esc(r.events.lastError)}` : ''}</footer>
</main></body></html>
`;
}

/** The reconnects and outages, a sentence and a table; nothing when the links never dropped. */
function connectivityHtml(r: RunResult): string {
  const links = connectivitySentence(r);
  if (!links) return '';
  const rows = outageRows(r).map((row) => row.map(esc));
  return `<h2>Connectivity</h2><p>${esc(links)}</p>${rows.length ? table(OUTAGE_HEAD, rows, OUTAGE_NUMERIC) : ''}\n`;
}
