/**
 * The flow of installations through a platform's lifecycle, drawn as a Sankey-like SVG:
 * columns are steps from the start (shortest path), boxes are reported (status, state) pairs
 * sized by how many installations passed through, bands are transitions sized by their count.
 * Transitions that go back (retries, re-prompts) are dashed arcs. Pure.
 */
import type { FlowLink } from '../drive/lifecycle-metrics.js';
import { FLOW_START } from '../drive/lifecycle-metrics.js';
import { xmlEscape } from './junit.js';
import { PALETTE } from './svg.js';

const W = 720;
const H = 300;
const NODE_W = 10;
const PAD = 6;

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
  const ls = links.filter((l) => l.platform === platform && l.count > 0);
  const nodes = new Map<string, Node>();
  const node = (k: string) =>
    nodes.get(k) ?? nodes.set(k, { id: k, depth: -1, value: 0, y: 0, h: 0, inAt: 0, outAt: 0 }).get(k)!;
  for (const l of ls) {
    node(l.from);
    node(l.to);
  }
  if (!nodes.has(FLOW_START)) return '';
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
  const colW = (W - 190) / Math.max(1, maxDepth);
  const xOf = (n: Node) => 10 + n.depth * colW;
  for (const c of columns) {
    let y = top;
    for (const n of c) {
      n.y = y;
      n.h = Math.max(1.5, n.value * scale);
      n.inAt = n.y;
      n.outAt = n.y;
      y += n.h + PAD;
    }
  }
  const colour = new Map<string, string>();
  [...nodes.keys()].sort().forEach((k, i) => {
    colour.set(k, PALETTE[i % PALETTE.length]!);
  });
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
  const boxes = [...nodes.values()]
    .map((n) => {
      const text = label(n.id);
      // labels stop before the next column (about 5.6 units a character at 10px)
      const room = n.depth === maxDepth ? 30 : Math.max(8, Math.floor((colW - NODE_W - 8) / 5.6));
      const short = text.length > room ? `${text.slice(0, room - 1)}…` : text;
      return (
        `<rect x="${xOf(n)}" y="${n.y.toFixed(1)}" width="${NODE_W}" height="${n.h.toFixed(1)}" fill="${colour.get(n.id)}"><title>${xmlEscape(`${text}: ${n.value.toLocaleString('en-US')}`)}</title></rect>` +
        `<text class="flowlabel" x="${xOf(n) + NODE_W + 3}" y="${(n.y + Math.min(n.h, 20) / 2 + 3).toFixed(1)}">${xmlEscape(short)}</text>`
      );
    })
    .join('');
  const title = `Lifecycle flow: ${platform}`;
  return `<svg class="chart flow" id="${id}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${xmlEscape(title)}" xmlns="http://www.w3.org/2000/svg"><title>${xmlEscape(title)}</title>${bands.join('')}${arcs.join('')}${boxes}</svg>`;
}
