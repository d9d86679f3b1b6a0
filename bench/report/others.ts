/**
 * Sections for the benchmarks without a side-by-side pair: rendered from their summary fields
 * as a table, with their config and when they ran.
 */
import type { BenchRecord } from '../method/output.js';
import { machineLine, table, when } from './format.js';
import type { Results } from './render.js';

const PAIRED = new Set(['mqtt-ratio', 'http-ratio']);

function cell(v: unknown): string {
  if (typeof v === 'number') return v.toLocaleString('en-US', { maximumFractionDigits: 2 });
  if (v && typeof v === 'object' && 'median' in v) {
    const s = v as { median: number; min: number; max: number; n: number };
    return s.n > 1 ? `${cell(s.median)} (${cell(s.min)}-${cell(s.max)})` : cell(s.median);
  }
  return typeof v === 'object' ? `\`${JSON.stringify(v)}\`` : String(v);
}

function section(name: string, rec: BenchRecord): string {
  const rows = Object.entries(rec.summary).map(([k, v]) => [k, cell(v)]);
  const how = typeof rec.config.how === 'string' ? `\n${rec.config.how}\n` : '';
  const config = Object.fromEntries(Object.entries(rec.config).filter(([k]) => k !== 'how'));
  return `## ${name}

${when(rec)}; ${machineLine(rec.machine)}. Config: \`${JSON.stringify(config)}\`.

${table(['figure', 'value'], rows)}
${how}`;
}

export function otherSections(results: Results): string {
  return Object.entries(results)
    .filter(([k, v]) => v && !PAIRED.has(k))
    .map(([k, v]) => section(k, v!))
    .join('\n');
}
