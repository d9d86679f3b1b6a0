/** An HTML table of report.html: cells given as HTML, the head escaped, numeric columns right-aligned. Pure. */
import { xmlEscape as esc } from './junit.js';

export function table(
  head: string[],
  rows: string[][],
  numeric: number[] = [],
  rowClass: (i: number) => string = () => '',
): string {
  const th = head.map((h, i) => `<th${numeric.includes(i) ? ' class="n"' : ''}>${esc(h)}</th>`).join('');
  const tr = rows
    .map(
      (r, i) =>
        `<tr${rowClass(i) ? ` class="${rowClass(i)}"` : ''}>${r.map((c, j) => `<td${numeric.includes(j) ? ' class="n"' : ''}>${c}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}
