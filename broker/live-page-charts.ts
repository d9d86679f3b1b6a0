/**
 * The live page's charts, as browser code in a string (the page is self-contained: no script
 * or style from the network). Events per second come from the counters' change between polls;
 * latency over time from the change of /metrics' histogram buckets between polls, read the way
 * Prometheus' histogram_quantile reads them (linear within a bucket), so a second's p99 is that
 * second's, not the run's so far. Charts are inline SVG polylines over the last two minutes.
 */

export const LIVE_CHARTS_SCRIPT = `
const fmt = (n) => Math.round(n).toLocaleString('en-US');
/** name -> [[le, cumulative count]...] for every histogram in a Prometheus text body. */
function parseBuckets(text, name) {
  const out = [];
  const re = new RegExp('^' + name + '_bucket\\\\{[^}]*le="([^"]+)"[^}]*\\\\} (\\\\S+)$', 'gm');
  let m;
  while ((m = re.exec(text))) out.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  return out.sort((a, b) => a[0] - b[0]);
}
/** The q-quantile (seconds) of what was observed between two readings of one histogram. */
function quantile(prev, cur, q) {
  if (!prev || !cur || prev.length !== cur.length) return null;
  const d = cur.map((b, i) => [b[0], b[1] - prev[i][1]]);
  const total = d[d.length - 1][1];
  if (!(total > 0)) return null;
  const rank = q * total;
  let lo = 0, below = 0;
  for (const [le, n] of d) {
    if (n >= rank) {
      if (le === Infinity) return lo;
      return lo + (le - lo) * ((rank - below) / Math.max(1e-9, n - below));
    }
    lo = le; below = n;
  }
  return lo;
}
/** Draws series [{ name, colour, points: [[t, v]...] }] into an <svg> as polylines with a y axis. */
function drawChart(svg, series, unit) {
  const W = 560, H = 150, L = 52, R = 8, T = 10, B = 22;
  const all = series.flatMap((s) => s.points);
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  if (all.length < 2) { svg.innerHTML = '<text x="' + W / 2 + '" y="' + H / 2 + '" text-anchor="middle" class="muted">waiting for data</text>'; return; }
  // the last two minutes, or since the first reading when the page is younger than that
  const t1 = Math.max(...all.map((p) => p[0]));
  const span = Math.max(10, Math.min(120, t1 - Math.min(...all.map((p) => p[0]))));
  const t0 = t1 - span;
  const raw = Math.max(1e-9, ...all.map((p) => p[1]));
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const top = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((k) => k >= raw);
  const x = (t) => L + ((t - t0) / span) * (W - L - R);
  const y = (v) => H - B - (v / top) * (H - T - B);
  let html = '';
  for (let i = 0; i <= 5; i++) {
    const v = (top * i) / 5;
    html += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + y(v) + '" y2="' + y(v) + '" class="grid"/>';
    html += '<text x="' + (L - 4) + '" y="' + (y(v) + 3) + '" text-anchor="end" class="tick">' + (top < 10 ? (Math.round(v * 100) / 100) : fmt(v)) + '</text>';
  }
  html += '<text x="' + (W - R) + '" y="' + (H - 6) + '" text-anchor="end" class="tick">last 2 min (' + unit + ')</text>';
  for (const s of series) {
    const pts = s.points.filter((p) => p[0] >= t0).map((p) => x(p[0]).toFixed(1) + ',' + y(p[1]).toFixed(1)).join(' ');
    html += '<polyline fill="none" stroke="' + s.colour + '" stroke-width="1.8" points="' + pts + '"><title>' + s.name + '</title></polyline>';
  }
  html += series.map((s, i) => '<text x="' + (L + 6 + i * 150) + '" y="' + (T + 8) + '" class="tick" style="fill:' + s.colour + '">■ ' + s.name + '</text>').join('');
  svg.innerHTML = html;
}
`;
