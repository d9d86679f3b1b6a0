/**
 * `fleetsim compare base new`: the deltas between two runs' report.json (or run folders), and
 * exit 5 when a figure moved the wrong way beyond its tolerance, so a release pipeline can gate
 * on "no slower than the last release".
 */
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareResults, parseTolerance } from '../result/compare.js';
import { renderComparison } from '../reports/compare.js';
import { ansi, plain } from '../reports/summary.js';
import { readResult } from './report-command.js';

/** Exit code of a comparison with a regression beyond tolerance (README, "Exit codes"). */
export const EXIT_REGRESSION = 5;

export interface CompareArgs {
  base: string;
  next: string;
  tolerance: string[];
  /** Write the comparison as JSON here too. */
  json?: string;
}

/** A report.json, or the run folder holding one. */
export function resultFile(path: string): string {
  try {
    if (statSync(path).isDirectory()) return join(path, 'report.json');
  } catch {
    // readResult says what is missing
  }
  return path;
}

export async function compareCommand(a: CompareArgs): Promise<number> {
  const tolerances = a.tolerance.map(parseTolerance);
  const base = readResult(resultFile(a.base));
  const next = readResult(resultFile(a.next));
  const c = compareResults(base, next, tolerances);
  process.stdout.write(`${renderComparison(c, process.stdout.isTTY ? ansi : plain)}\n`);
  if (a.json) writeFileSync(a.json, `${JSON.stringify({ ...c, files: { base: a.base, next: a.next } }, null, 2)}\n`);
  return c.regressions > 0 ? EXIT_REGRESSION : 0;
}
