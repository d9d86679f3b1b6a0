/** Writes a result and its renderings (summary.md, junit.xml, report.html) into the run folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../result/result.js';
import { renderHtml, type HtmlOptions } from '../reports/html.js';
import { renderJunit } from '../reports/junit.js';
import { renderMarkdown } from '../reports/markdown.js';

/** out/<scenario>-<timestamp> with a filesystem-safe timestamp. */
export function defaultRunDir(base: string, scenarioName: string, at: Date): string {
  const stamp = at
    .toISOString()
    .replace(/[:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return join(base, `${scenarioName}-${stamp}`);
}

export function writeResult(dir: string, result: RunResult): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'report.json');
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}

export interface WrittenReports {
  json?: string;
  markdown: string;
  junit: string;
  html: string;
}

/** The human and CI renderings of a result, next to it (or in `dir`). */
export function writeRenderings(dir: string, result: RunResult, html: HtmlOptions = {}): WrittenReports {
  mkdirSync(dir, { recursive: true });
  const markdown = join(dir, 'summary.md');
  const junit = join(dir, 'junit.xml');
  const htmlFile = join(dir, 'report.html');
  writeFileSync(markdown, `${renderMarkdown(result)}\n`);
  writeFileSync(junit, renderJunit(result));
  writeFileSync(htmlFile, renderHtml(result, html));
  return { markdown, junit, html: htmlFile };
}

export function writeReports(dir: string, result: RunResult, html: HtmlOptions = {}): WrittenReports {
  const json = writeResult(dir, result);
  return { json, ...writeRenderings(dir, result, html) };
}
