/**
 * Inline SVG charts for report.html, rendered to strings here so the page needs no script and
 * no network: line charts over time, a percentile (HDR) plot, stacked bars. Every mark carries
 * a <title> so hovering shows its figure. Pure.
 */
import { xmlEscape } from './junit.js';

export interface Series {
  name: string;
  colour: string;
  points: [number, number][];
  dashed?: boolean;
}

const W = 720;
const H = 240;
const M = { l: 56, r: 16, t: 16, b: 36 };

export const PALETTE = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#d97706',
  '#7c3aed',
  '#0891b2',
  '#db2777',
  '#65a30d',
  '#9333ea',
  '#ea580c',
  '#0d9488',
  '#4b5563',
];

/** Round tick values covering [0, max]. */
export function ticks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) out.push(Math.round(v * 1e6) / 1e6);
  if (out[out.length - 1]! < max) out.push(Math.round((out[out.length - 1]! + step) * 1e6) / 1e6);
  return out;
}

const num = (v: number) =>
  Math.abs(v) >= 1000 ? v.toLocaleString('en-US', { maximumFractionDigits: 0 }) : String(Math.round(v * 1000) / 1000);

function frame(title: string, body: string, legend: Series[], id: string): string {
  const items = legend
    .map(
      (s, i) =>
        `<g transform="translate(${M.l + i * 150},${H - 8})"><rect width="12" height="3" y="-4" fill="${s.colour}"/><text x="16" class="legend">${xmlEscape(s.name)}</text></g>`,
    )
    .join('');
  return `<svg class="chart" id="${id}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${xmlEscape(title)}" xmlns="http://www.w3.org/2000/svg"><title>${xmlEscape(title)}</title>${body}${items}</svg>`;
}

/** A line chart; x is a number (seconds from the start), y is drawn from 0. */
export function lineChart(
  id: string,
  title: string,
  series: Series[],
  opts: { xLabel: string; yLabel: string; xFormat?: (x: number) => string },
): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return empty(id, title);
  const xMax = Math.max(1, ...all.map((p) => p[0]));
  const yTicks = ticks(Math.max(...all.map((p) => p[1])));
  const yMax = yTicks[yTicks.length - 1]!;
  const x = (v: number) => M.l + (v / xMax) * (W - M.l - M.r);
  const y = (v: number) => H - M.b - (v / yMax) * (H - M.t - M.b);
  const fx = opts.xFormat ?? ((v: number) => `${num(v)}`);
  const grid = yTicks
    .map(
      (t) =>
        `<line class="grid" x1="${M.l}" x2="${W - M.r}" y1="${y(t)}" y2="${y(t)}"/><text class="tick" x="${M.l - 6}" y="${y(t) + 4}" text-anchor="end">${num(t)}</text>`,
    )
    .join('');
  const xTicks = ticks(xMax, 6)
    .filter((t) => t <= xMax)
    .map((t) => `<text class="tick" x="${x(t)}" y="${H - M.b + 14}" text-anchor="middle">${xmlEscape(fx(t))}</text>`)
    .join('');
  const lines = series
    .map((s) => {
      if (s.points.length === 0) return '';
      const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
      const dots =
        s.points.length <= 120
          ? s.points
              .map(
                (p) =>
                  `<circle cx="${x(p[0]).toFixed(1)}" cy="${y(p[1]).toFixed(1)}" r="2" fill="${s.colour}"><title>${xmlEscape(`${s.name} at ${fx(p[0])}: ${num(p[1])}`)}</title></circle>`,
              )
              .join('')
          : '';
      return `<path d="${d}" fill="none" stroke="${s.colour}" stroke-width="1.6"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>${dots}`;
    })
    .join('');
  const labels = `<text class="axis" x="${W - M.r}" y="${H - M.b + 28}" text-anchor="end">${xmlEscape(opts.xLabel)}</text><text class="axis" x="12" y="${M.t + 4}" transform="rotate(-90 12 ${M.t + 4})" text-anchor="end">${xmlEscape(opts.yLabel)}</text>`;
  return frame(title, grid + xTicks + lines + labels, series, id);
}

/**
 * The HDR percentile plot: x is the percentile on a log scale of 1/(1 - p), so the tail
 * (99 %, 99.9 %, 99.99 %) gets as much room as the body.
 */
export function percentileChart(
  id: string,
  title: string,
  series: { name: string; colour: string; at: (p: number) => number }[],
): string {
  const ps = [0, 10, 25, 50, 75, 90, 95, 97.5, 99, 99.5, 99.9, 99.95, 99.99, 99.999];
  const pos = (p: number) => Math.log10(1 / (1 - Math.min(p, 99.999) / 100));
  const xs: Series[] = series.map((s) => ({
    name: s.name,
    colour: s.colour,
    points: ps.map((p) => [pos(p), s.at(p)] as [number, number]),
  }));
  const names = new Map(ps.map((p) => [pos(p), `p${p}`]));
  return lineChart(id, title, xs, {
    xLabel: 'percentile',
    yLabel: 'ms',
    xFormat: (v) => names.get(v) ?? `p${Math.round((1 - 10 ** -v) * 100_000) / 1000}`,
  });
}

export interface Bar {
  label: string;
  /** `short` is written on the segment when it fits (else its count, else nothing; the tooltip has all). */
  segments: { name: string; value: number; colour: string; short?: string }[];
}

/** Dark text on light fills, white on dark ones (relative luminance of the fill). */
function inkOn(fill: string): string {
  const [r, g, b] = [1, 3, 5].map((o) => Number.parseInt(fill.slice(o, o + 2), 16) / 255) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.55 ? '#111827' : '#ffffff';
}

/** About 6 units a character at 11px. */
const fits = (text: string, w: number) => text.length * 6.2 + 8 <= w;

/** Horizontal stacked bars, one per label, each scaled to its own total (shares), labelled where they fit. */
export function stackedBars(id: string, title: string, bars: Bar[]): string {
  if (bars.length === 0) return empty(id, title);
  const rowH = 30;
  const top = 8;
  const height = top + bars.length * rowH + 12;
  const left = 110;
  const width = W - left - M.r;
  const rows = bars
    .map((b, i) => {
      const total = b.segments.reduce((n, s) => n + s.value, 0) || 1;
      let at = left;
      const segs = b.segments
        .map((s) => {
          const w = (s.value / total) * width;
          const rect = `<rect x="${at.toFixed(1)}" y="${top + i * rowH}" width="${Math.max(0, w).toFixed(1)}" height="${rowH - 6}" fill="${s.colour}"><title>${xmlEscape(`${b.label}: ${s.name}: ${s.value.toLocaleString('en-US')} (${((s.value / total) * 100).toFixed(1)}%)`)}</title></rect>`;
          const count = s.value.toLocaleString('en-US');
          const long = s.short ? `${s.short} ${count}` : count;
          const text = fits(long, w) ? long : fits(count, w) ? count : '';
          const label = text
            ? `<text class="barlabel" fill="${inkOn(s.colour)}" x="${(at + 4).toFixed(1)}" y="${top + i * rowH + (rowH - 6) / 2 + 4}">${xmlEscape(text)}</text>`
            : '';
          at += w;
          return rect + label;
        })
        .join('');
      return `<text class="tick" x="${left - 8}" y="${top + i * rowH + (rowH - 6) / 2 + 4}" text-anchor="end">${xmlEscape(`${b.label} (${total.toLocaleString('en-US')})`)}</text>${segs}`;
    })
    .join('');
  return `<svg class="chart" id="${id}" viewBox="0 0 ${W} ${height}" role="img" aria-label="${xmlEscape(title)}" xmlns="http://www.w3.org/2000/svg"><title>${xmlEscape(title)}</title>${rows}</svg>`;
}

export function empty(id: string, title: string): string {
  return frame(
    title,
    `<text class="axis" x="${W / 2}" y="${H / 2}" text-anchor="middle">nothing measured</text>`,
    [],
    id,
  );
}
