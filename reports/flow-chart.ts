/**
 * The flow of installations through a platform's lifecycle, drawn as a Sankey-like SVG:
 * columns are steps from the start (shortest path), boxes are reported (status, state) pairs
 * sized by how many installations passed through, bands are transitions sized by their count.
 * Transitions that go back (retries, re-prompts) are dashed arcs. Pure.
 */
import type { FlowLink } from '../drive/lifecycle-metrics.js';
import { FLOW_START } from '../drive/lifecycle-metrics.js';
import { meaningOf } from '../protocol/status-meaning.js';
import { xmlEscape } from './junit.js';

const H = 300;
const NODE_W = 10;
const PAD = 6;
/** Label lines at 10px: line height, and about 5.6 units a character. */
const LINE = 11;
const CHAR = 5.6;
const START_COLOUR = '#94a3b8';

/** Words wrapped into lines of at most `width` characters (a longer word gets a line of its own). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

interface Node {
  id: string;
  depth: number;
  value: number;
  y: number;
  h: number;
  inAt: number;
  outAt: number;
}

export function flowChart(
  id: string,
  platform: string,
  links: readonly FlowLink[],
  label: (key: string) => string,
): string {
  // "Status / State" is shown as the status on one line and the state wrapped below it
  const labelLines = (key: string, width: number) => {
    const [status, ...rest] = label(key).split(' / ');
    return [...wrap(status!, width), ...wrap(rest.join(' / '), width)];
  };
  const ls = links.filter((l) => l.platform === platform && l.count > 0);
  const nodes = layerNodes(ls);
  if (!nodes) return '';
  const maxDepth = Math.max(...[...nodes.values()].map((n) => n.depth));
  const columns: Node[][] = Array.from({ length: maxDepth + 1 }, () => []);
  for (const n of nodes.values()) columns[n.depth]!.push(n);
  for (const c of columns) c.sort((a, b) => b.value - a.value || a.id.localeCompare(b.id));
  const top = 24;
  const usable = H - top - 12;
  const scale = Math.min(
    ...columns.map(
      (c) =>
        (usable - PAD * (c.length - 1)) /
        Math.max(
          1,
          c.reduce((n, x) => n + x.value, 0),
        ),
    ),
  );
  // Wide enough for about 18 characters a column; the viewBox scales to the page.
  const W = Math.max(720, 200 + maxDepth * 120);
  const colW = (W - 190) / Math.max(1, maxDepth);
  const xOf = (n: Node) => 10 + n.depth * colW;
  const chars = (n: Node) => Math.max(8, Math.floor((n.depth === maxDepth ? 180 : colW - NODE_W - 8) / CHAR));
  const lines = new Map<string, string[]>();
  for (const n of nodes.values()) lines.set(n.id, labelLines(n.id, chars(n)));
  // A node's slot is as tall as its box or its label, whichever is taller: labels never overlap.
  let height = H;
  for (const c of columns) {
    let y = top;
    for (const n of c) {
      n.y = y;
      n.h = Math.max(1.5, n.value * scale);
      n.inAt = n.y;
      n.outAt = n.y;
      y += Math.max(n.h, lines.get(n.id)!.length * LINE + 2) + PAD;
    }
    height = Math.max(height, y + 12);
  }
  const colour = new Map<string, string>();
  for (const k of nodes.keys()) {
    const i = k.indexOf('/');
    colour.set(k, k === FLOW_START || i < 0 ? START_COLOUR : meaningOf(platform, k.slice(0, i)).colour);
  }
  const { bands, arcs } = drawLinks(ls, nodes, scale, xOf, colour, label);
  const boxes = [...nodes.values()]
    .map((n) => {
      const text = label(n.id);
      const x = xOf(n) + NODE_W + 3;
      const tspans = lines
        .get(n.id)!
        .map((l, i) => `<tspan x="${x}" dy="${i ? LINE : 0}">${xmlEscape(l)}</tspan>`)
        .join('');
      return (
        `<rect x="${xOf(n)}" y="${n.y.toFixed(1)}" width="${NODE_W}" height="${n.h.toFixed(1)}" fill="${colour.get(n.id)}"><title>${xmlEscape(`${text}: ${n.value.toLocaleString('en-US')}`)}</title></rect>` +
        `<text class="flowlabel" x="${x}" y="${(n.y + 9).toFixed(1)}">${tspans}</text>`
      );
    })
    .join('');
  const title = `Lifecycle flow: ${platform}`;
  return `<svg class="chart flow" id="${id}" viewBox="0 0 ${W} ${Math.ceil(height)}" role="img" aria-label="${xmlEscape(title)}" xmlns="http://www.w3.org/2000/svg"><title>${xmlEscape(title)}</title>${bands.join('')}${arcs.join('')}${boxes}</svg>`;
}

/**
 * The chart's nodes: each at its shortest distance from the start (its column), as large as the
 * installations flowing forward through it. Undefined when the links never leave the start.
 */
function layerNodes(ls: readonly FlowLink[]): Map<string, Node> | undefined {
  const nodes = new Map<string, Node>();
  const node = (k: string) =>
    nodes.get(k) ?? nodes.set(k, { id: k, depth: -1, value: 0, y: 0, h: 0, inAt: 0, outAt: 0 }).get(k)!;
  for (const l of ls) {
    node(l.from);
    node(l.to);
  }
  if (!nodes.has(FLOW_START)) return undefined;
  // shortest distance from the start, breadth first, in a stable order
  nodes.get(FLOW_START)!.depth = 0;
  let frontier = [FLOW_START];
  while (frontier.length) {
    const next: string[] = [];
    for (const f of frontier) {
      for (const l of ls) {
        if (l.from === f && nodes.get(l.to)!.depth < 0) {
          nodes.get(l.to)!.depth = nodes.get(f)!.depth + 1;
          next.push(l.to);
        }
      }
    }
    frontier = next;
  }
  for (const n of nodes.values()) if (n.depth < 0) n.depth = 1;
  // A box is as tall as the installations flowing forward through it: repeats of a step
  // (progress reports, retries) are arcs, not height.
  const inSum = new Map<string, number>();
  const outSum = new Map<string, number>();
  for (const l of ls) {
    if (nodes.get(l.to)!.depth <= nodes.get(l.from)!.depth) continue;
    outSum.set(l.from, (outSum.get(l.from) ?? 0) + l.count);
    inSum.set(l.to, (inSum.get(l.to) ?? 0) + l.count);
  }
  for (const n of nodes.values()) n.value = Math.max(inSum.get(n.id) ?? 0, outSum.get(n.id) ?? 0);
  return nodes;
}

/** Forward links as bands between columns, links back (retries, progress repeats) as dashed arcs above. */
function drawLinks(
  ls: readonly FlowLink[],
  nodes: Map<string, Node>,
  scale: number,
  xOf: (n: Node) => number,
  colour: Map<string, string>,
  label: (key: string) => string,
): { bands: string[]; arcs: string[] } {
  const bands: string[] = [];
  const arcs: string[] = [];
  for (const l of [...ls].sort((a, b) => b.count - a.count)) {
    const a = nodes.get(l.from)!;
    const b = nodes.get(l.to)!;
    const w = Math.max(1, l.count * scale);
    const tip = `<title>${xmlEscape(`${label(l.from)} -> ${label(l.to)}: ${l.count.toLocaleString('en-US')}`)}</title>`;
    if (b.depth > a.depth) {
      const x0 = xOf(a) + NODE_W;
      const x1 = xOf(b);
      const y0 = a.outAt + w / 2;
      const y1 = b.inAt + w / 2;
      a.outAt += w;
      b.inAt += w;
      const mx = (x0 + x1) / 2;
      bands.push(
        `<path class="band" d="M${x0.toFixed(1)},${y0.toFixed(1)}C${mx.toFixed(1)},${y0.toFixed(1)} ${mx.toFixed(1)},${y1.toFixed(1)} ${x1.toFixed(1)},${y1.toFixed(1)}" stroke="${colour.get(l.to)}" stroke-width="${w.toFixed(1)}" fill="none">${tip}</path>`,
      );
    } else {
      const x0 = xOf(a) + NODE_W / 2;
      const x1 = xOf(b) + NODE_W / 2;
      const lift = 14 + Math.abs(a.depth - b.depth) * 6;
      arcs.push(
        `<path class="back" d="M${x0.toFixed(1)},${a.y.toFixed(1)}C${x0.toFixed(1)},${(a.y - lift).toFixed(1)} ${x1.toFixed(1)},${(b.y - lift).toFixed(1)} ${x1.toFixed(1)},${b.y.toFixed(1)}" stroke="${colour.get(l.to)}" stroke-width="${Math.min(4, w).toFixed(1)}" fill="none" stroke-dasharray="3 3">${tip}</path>`,
      );
    }
  }
  return { bands, arcs };
}
