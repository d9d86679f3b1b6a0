/**
 * `fleetsim report <report.json>`: renders a result again (summary.md, junit.xml, report.html,
 * the terminal summary), e.g. after `fleetsim merge` or with a newer fleetsim. Exits with the
 * result's own exit code so CI can gate on a re-rendered or merged result.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { HtmlOptions } from '../reports/html.js';
import { RESULT_SCHEMA, type RunResult } from '../result/result.js';
import { UsageError } from '../protocol/errors.js';
import { ansi, plain, renderSummary } from '../reports/summary.js';
import { writeRenderings } from './write-reports.js';

export interface ReportArgs {
  file: string;
  /** Folder for the renderings. @default the folder of the report.json */
  out?: string;
  quiet: boolean;
  /** A baseline report.json (or run folder) for report.html's "Against the baseline". */
  baseline?: string;
}

export function readResult(file: string): RunResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(
      `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}. Pass the report.json of a run (out/<scenario>-<timestamp>/report.json).`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON (${(err as Error).message}); expected the report.json a run wrote.`);
  }
  const schema = (value as { schema?: unknown } | null)?.schema;
  if (schema !== RESULT_SCHEMA) {
    throw new UsageError(
      `${file} is not a fleetsim result: its "schema" is ${JSON.stringify(schema)}, expected "${RESULT_SCHEMA}" (docs/report.md).`,
    );
  }
  return value as RunResult;
}

/** report.html's baseline from `--baseline <report.json or run folder>`. */
export function baselineOption(file: string | undefined): HtmlOptions {
  if (!file) return {};
  const path = statSync(file, { throwIfNoEntry: false })?.isDirectory() ? join(file, 'report.json') : file;
  return { baseline: { result: readResult(path), label: path } };
}

export async function reportCommand(a: ReportArgs): Promise<number> {
  const result = readResult(a.file);
  const files = writeRenderings(a.out ?? dirname(a.file), result, baselineOption(a.baseline));
  if (!a.quiet) process.stdout.write(`${renderSummary(result, process.stdout.isTTY ? ansi : plain)}\n\n`);
  process.stdout.write(`wrote ${files.markdown}, ${files.junit}, ${files.html}\n`);
  return result.exitCode;
}
