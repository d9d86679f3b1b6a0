/**
 * Renders a comparison of two runs (result/compare.ts): a terminal table and a report.html
 * section, one row per figure with base, new, delta and the verdict against its tolerance. Pure.
 */
import type { CompareRow, Comparison, Tolerance } from '../result/compare.js';
import { xmlEscape as esc } from './junit.js';
import { plain, table, type Style } from './summary.js';

function figure(v: number | null, unit: CompareRow['unit']): string {
  if (v === null) return '-';
  if (unit === 'ratio') return `${(Math.round(v * 100_000) / 1000).toLocaleString('en-US')}%`;
  if (unit === 'ms') return `${(Math.round(v * 1000) / 1000).toLocaleString('en-US')} ms`;
  if (unit === 'perSec') return `${(Math.round(v * 10) / 10).toLocaleString('en-US')}/s`;
  return v.toLocaleString('en-US');
}

function delta(r: CompareRow): string {
  if (r.delta === null) return '-';
  const sign = r.delta > 0 ? '+' : r.delta < 0 ? '-' : '±';
  const abs = figure(Math.abs(r.delta), r.unit);
  return r.relative === null ? `${sign}${abs}` : `${sign}${abs} (${sign}${Math.abs(r.relative * 100).toFixed(1)}%)`;
}

function tolerance(t: Tolerance | undefined, r: CompareRow): string {
  if (!t) return '';
  const dir = r.better === 'higher' ? '-' : '+';
  const parts = [
    ...(t.relative !== undefined ? [`${dir}${Math.round(t.relative * 1000) / 10}%`] : []),
    ...(t.absolute !== undefined ? [`${dir}${figure(t.absolute, r.unit)}`] : []),
  ];
  return parts.join(' and ');
}

const VERDICT: Record<CompareRow['verdict'], string> = {
  better: 'better',
  worse: 'worse, within tolerance',
  ok: 'same',
  regression: 'REGRESSION',
  info: '',
  missing: 'not in both',
};

export function renderComparison(c: Comparison, style: Style = plain): string {
  const head = ['figure', 'base', 'new', 'delta', 'tolerance', 'verdict'];
  const rows = c.rows.map((r) => {
    const v = VERDICT[r.verdict];
    return [
      r.label,
      figure(r.base, r.unit),
      figure(r.next, r.unit),
      delta(r),
      tolerance(r.tolerance, r),
      r.verdict === 'regression' ? style.bad(v) : r.verdict === 'better' ? style.ok(v) : style.dim(v),
    ];
  });
  const verdict = c.regressions
    ? style.bad(`${c.regressions} regression${c.regressions > 1 ? 's' : ''} beyond tolerance`)
    : style.ok('no regression beyond tolerance');
  return [
    style.bold(
      `fleetsim compare: ${c.next.scenario} (${c.next.startedAt}) against ${c.base.scenario} (${c.base.startedAt})`,
    ),
    ...c.notes.map((n) => style.dim(`note: ${n}`)),
    '',
    table([head, ...rows], ['l', 'r', 'r', 'r', 'r', 'l']),
    '',
    verdict,
  ].join('\n');
}

/** The report.html section "Against the baseline". */
export function comparisonHtml(c: Comparison, baseLabel: string): string {
  const rows = c.rows
    .map((r) => {
      const cls = r.verdict === 'regression' ? ' class="diff"' : '';
      const v = r.verdict === 'better' ? `<span class="good">${VERDICT[r.verdict]}</span>` : esc(VERDICT[r.verdict]);
      return `<tr${cls}><td>${esc(r.label)}</td><td class="n">${esc(figure(r.base, r.unit))}</td><td class="n">${esc(figure(r.next, r.unit))}</td><td class="n">${esc(delta(r))}</td><td class="n">${esc(tolerance(r.tolerance, r))}</td><td>${v}</td></tr>`;
    })
    .join('');
  const notes = c.notes.length ? `<p class="note">${c.notes.map(esc).join('; ')}.</p>` : '';
  const verdict = c.regressions
    ? `<b class="bad">${c.regressions} regression${c.regressions > 1 ? 's' : ''} beyond tolerance</b>`
    : '<span class="good">No regression beyond tolerance.</span>';
  return `<h2 id="baseline">Against the baseline</h2><p class="meta">Baseline: ${esc(baseLabel)} (${esc(c.base.scenario)}, started ${esc(c.base.startedAt)}). ${verdict}</p>${notes}<table><thead><tr><th>figure</th><th class="n">base</th><th class="n">this run</th><th class="n">delta</th><th class="n">tolerance</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>`;
}
