/**
 * The live page at `GET /`: an admin's view of the rollout, per app and platform, status ->
 * state -> count with the seed's labels, refreshed every second from `GET /v1/overview`, with
 * events/s and latency over the last two minutes (live-page-charts.ts) and, per app, a funnel
 * of devices by what their status means (installed, in progress, pending, failed...).
 * Self-contained (inline CSS and JS, no external assets) so it works on an offline lab network.
 * With an admin token the page is opened as `/?token=...` and passes it on to its own requests.
 */
import { CATALOGUE, PLATFORMS } from '../protocol/catalogue/catalogue.js';
import { MEANINGS, meaningOf } from '../protocol/status-meaning.js';
import { LIVE_CHARTS_SCRIPT } from './live-page-charts.js';

/** platform -> status id -> { label, states: state id -> label }, from the catalogue (the seeds' labels). */
function labels(): Record<string, Record<string, { label: string; order: number; states: Record<string, string> }>> {
  const out: Record<string, Record<string, { label: string; order: number; states: Record<string, string> }>> = {};
  for (const p of PLATFORMS) {
    const statuses: Record<string, { label: string; order: number; states: Record<string, string> }> = {};
    CATALOGUE[p].statuses.forEach((s, i) => {
      statuses[s.id] = {
        label: s.label,
        order: i,
        states: Object.fromEntries(s.states.map((st) => [st.id, st.label])),
      };
    });
    out[p] = statuses;
  }
  return out;
}

/** JSON safe inside a <script> element. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

const PLATFORM_LABELS = Object.fromEntries(PLATFORMS.map((p) => [p, CATALOGUE[p].label]));

/** platform -> status id -> meaning id: the page colours by meaning, as report.html does. */
const STATUS_MEANING = Object.fromEntries(
  PLATFORMS.map((p) => [p, Object.fromEntries(CATALOGUE[p].statuses.map((s) => [s.id, meaningOf(p, s.id).id]))]),
);
const MEANING_STYLE = MEANINGS.map(
  (m) =>
    `.seg.m-${m.id} { background: ${m.colour}; } tr.m-${m.id} td:first-child { border-left: 3px solid ${m.colour}; } .key i.m-${m.id} { background: ${m.colour}; }`,
).join('\n');

const SCRIPT = `${LIVE_CHARTS_SCRIPT}
const LABELS = ${scriptJson(labels())};
const PLATFORM_LABELS = ${scriptJson(PLATFORM_LABELS)};
const STATUS_MEANING = ${scriptJson(STATUS_MEANING)};
const MEANINGS = ${scriptJson(MEANINGS.map((m) => ({ id: m.id, label: m.label })))};
const token = new URLSearchParams(location.search).get('token');
const q = token ? '?token=' + encodeURIComponent(token) : '';
let last = null;
let lastBuckets = null;
const history = { rate: [], e2e50: [], e2e99: [], ingest99: [] };
const keep = (list, t, v) => { if (v !== null && Number.isFinite(v)) list.push([t, v]); while (list.length && list[0][0] < t - 120) list.shift(); };
const $ = (s) => document.querySelector(s);
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}
function meaning(platform, status) {
  return (STATUS_MEANING[platform] || {})[status] || 'unknown';
}
function renderApp(app) {
  const card = el('section', { class: 'app', 'data-app': app.appId, 'data-total': String(app.total) });
  card.append(el('h2', {}, app.appId + ' ', el('span', { class: 'muted' }, fmt(app.total) + ' devices')));
  const byMeaning = {};
  for (const [platform, statuses] of Object.entries(app.platforms))
    for (const [status, states] of Object.entries(statuses))
      for (const n of Object.values(states)) byMeaning[meaning(platform, status)] = (byMeaning[meaning(platform, status)] || 0) + n;
  const bar = el('div', { class: 'bar' });
  const key = el('div', { class: 'key' });
  for (const m of MEANINGS) {
    const n = byMeaning[m.id];
    if (!n) continue;
    const seg = el('span', { class: 'seg m-' + m.id, 'data-meaning': m.id, title: m.label + ': ' + n });
    seg.style.width = (100 * n / Math.max(1, app.total)) + '%';
    bar.append(seg);
    const pct = Math.round((1000 * n) / Math.max(1, app.total)) / 10;
    if (pct >= 8) seg.append(el('b', {}, fmt(n)));
    key.append(el('span', { 'data-meaning': m.id }, el('i', { class: 'm-' + m.id }), m.label + ' ' + fmt(n) + ' (' + pct + '%)'));
  }
  card.append(bar, key);
  for (const [platform, statuses] of Object.entries(app.platforms)) {
    const t = el('table', { 'data-platform': platform });
    t.append(el('caption', {}, PLATFORM_LABELS[platform] || platform));
    t.append(el('tr', {}, el('th', {}, 'Status'), el('th', {}, 'State'), el('th', { class: 'n' }, 'Devices')));
    const meta = LABELS[platform] || {};
    const ordered = Object.keys(statuses).sort((a, b) => ((meta[a] || {}).order ?? 99) - ((meta[b] || {}).order ?? 99));
    for (const status of ordered) {
      const order = meta[status] ? Object.keys(meta[status].states) : [];
      const states = Object.entries(statuses[status]).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
      for (const [state, n] of states) {
        const sl = meta[status] ? meta[status].label : status;
        const tl = meta[status] && meta[status].states[state] ? meta[status].states[state] : state;
        t.append(el('tr', { class: 'm-' + meaning(platform, status), 'data-status': status, 'data-state': state },
          el('td', {}, sl), el('td', {}, tl), el('td', { class: 'n' }, fmt(n))));
      }
    }
    card.append(t);
  }
  return card;
}
async function tick() {
  try {
    const res = await fetch('/v1/overview' + q, { cache: 'no-store' });
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const o = await res.json();
    const now = performance.now();
    const t = now / 1000;
    const rate = last ? Math.round((o.counters.accepted - last.accepted) / ((now - last.t) / 1000)) : 0;
    last = { accepted: o.counters.accepted, t: now };
    keep(history.rate, t, rate);
    // latency of this interval: the change of /metrics' buckets since the last poll
    const m = await fetch('/metrics' + q, { cache: 'no-store' }).then((r) => (r.ok ? r.text() : ''), () => '');
    const buckets = { e2e: parseBuckets(m, 'fleetsim_end_to_end_latency_seconds'), ingest: parseBuckets(m, 'fleetsim_ingest_latency_seconds') };
    if (lastBuckets) {
      const ms = (v) => (v === null ? null : v * 1000);
      keep(history.e2e50, t, ms(quantile(lastBuckets.e2e, buckets.e2e, 0.5)));
      keep(history.e2e99, t, ms(quantile(lastBuckets.e2e, buckets.e2e, 0.99)));
      keep(history.ingest99, t, ms(quantile(lastBuckets.ingest, buckets.ingest, 0.99)));
    }
    lastBuckets = buckets;
    drawChart($('#chart-rate'), [{ name: 'accepted/s', colour: '#2563eb', points: history.rate }], 'events/s');
    drawChart($('#chart-latency'), [
      { name: 'end to end p50', colour: '#15803d', points: history.e2e50 },
      { name: 'end to end p99', colour: '#dc2626', points: history.e2e99 },
      { name: 'ingest p99', colour: '#d97706', points: history.ingest99 },
    ], 'ms');
    $('#accepted').textContent = fmt(o.counters.accepted);
    $('#duplicates').textContent = fmt(o.counters.duplicates + o.counters.stale);
    $('#rejected').textContent = fmt(o.counters.rejected);
    $('#rate').textContent = fmt(rate);
    $('#clients').textContent = fmt(o.mqttClients);
    $('#simnow').textContent = o.simNow ? new Date(o.simNow).toISOString().replace('.000Z', 'Z') : '-';
    const apps = $('#apps');
    apps.replaceChildren(...o.apps.map(renderApp));
    if (o.apps.length === 0) apps.append(el('p', { class: 'muted' }, 'No events yet. Point a fleet here: fleetsim run <scenario> --target ...'));
    $('#updated').textContent = new Date().toLocaleTimeString();
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    $('#error').textContent = '';
  } catch (err) {
    $('#error').textContent = 'Cannot reach the endpoint: ' + err.message;
  }
}
tick();
setInterval(tick, 1000);
`;

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f6f7f9; }
h1 { font-size: 1.3rem; margin: 0 0 .5rem; } h2 { font-size: 1.1rem; margin: 0 0 .5rem; }
.kpis { display: flex; gap: 1rem; flex-wrap: wrap; margin-bottom: 1rem; }
.kpi { background: #fff; border-radius: 6px; padding: .5rem .9rem; box-shadow: 0 1px 2px #0002; }
.kpi b { display: block; font-size: 1.2rem; }
.app { background: #fff; border-radius: 6px; padding: 1rem; margin-bottom: 1rem; box-shadow: 0 1px 2px #0002; }
.bar { display: flex; height: 22px; border-radius: 6px; overflow: hidden; background: #e4e7ec; margin-bottom: .8rem; }
.seg { display: flex; align-items: center; color: #fff; font-size: 12px; padding-left: 6px; white-space: nowrap; overflow: hidden; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1rem; margin-bottom: 1rem; }
.chart { background: #fff; border-radius: 6px; padding: .5rem; box-shadow: 0 1px 2px #0002; }
.chart h3 { font-size: .95rem; margin: 0 0 .2rem; } .chart svg { width: 100%; height: auto; display: block; }
.grid { stroke: #e4e7ec; } .tick { font-size: 10px; fill: #6b7385; }
${MEANING_STYLE}
.key { display: flex; flex-wrap: wrap; gap: .2rem 1rem; font-size: 12px; margin: -.4rem 0 .8rem; }
.key i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; vertical-align: middle; }
table { border-collapse: collapse; margin: 0 1.5rem .8rem 0; display: inline-table; vertical-align: top; }
caption { text-align: left; font-weight: 600; padding-bottom: .2rem; }
th, td { padding: .15rem .6rem; border-bottom: 1px solid #e4e7ec; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #6b7385; font-weight: normal; } #error { color: #d0453a; }
`;

export const LIVE_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>fleetsim: app distribution and installation</title><style>${STYLE}</style></head>
<body>
<h1>App distribution and installation <span class="muted">fleetsim endpoint, updated <span id="updated">-</span></span></h1>
<div class="kpis">
  <div class="kpi">accepted<b id="accepted">0</b></div><div class="kpi">events/s<b id="rate">0</b></div>
  <div class="kpi">duplicates + stale<b id="duplicates">0</b></div><div class="kpi">rejected<b id="rejected">0</b></div>
  <div class="kpi">MQTT clients<b id="clients">0</b></div><div class="kpi">simulated now<b id="simnow">-</b></div>
</div>
<div class="charts">
  <div class="chart"><h3>Events accepted per second</h3><svg id="chart-rate" role="img" aria-label="events accepted per second, last two minutes"></svg></div>
  <div class="chart"><h3>Latency <span class="muted">(each second's, from /metrics buckets)</span></h3><svg id="chart-latency" role="img" aria-label="latency, last two minutes"></svg></div>
</div>
<p id="error"></p>
<div id="apps"></div>
<script>${SCRIPT}</script>
</body></html>
`;
