/** Number formatting shared by the BENCHMARKS.md sections. */
import type { Machine } from '../method/machine.js';
import type { Spread } from '../method/stats.js';

export const n = (x: number | undefined, digits = 0): string =>
  x === undefined || !Number.isFinite(x)
    ? '-'
    : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** "18.96 (18.10-19.80)" */
export function sp(s: Spread | undefined, digits = 1, unit = ''): string {
  if (!s || s.n === 0) return '-';
  const u = unit ? ` ${unit}` : '';
  return s.n === 1
    ? `${n(s.median, digits)}${u}`
    : `${n(s.median, digits)}${u} (${n(s.min, digits)}-${n(s.max, digits)})`;
}

export function machineLine(m: Machine): string {
  return `${m.cores} x ${m.cpuModel}${m.mhz ? ` ${m.mhz} MHz` : ''}, ${m.memoryGiB} GiB, Linux ${m.kernel}, Node ${m.node} (V8 ${m.v8})`;
}

export function when(rec: { at: string; load: [number, number] }): string {
  return `${rec.at.slice(0, 16).replace('T', ' ')} UTC, load average ${rec.load[0]} -> ${rec.load[1]}`;
}

export const verdict = (ok: boolean | undefined): string => (ok === undefined ? '-' : ok ? 'met' : '**not met**');

export function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
