/** Writes a result and its renderings into the run folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunResult } from '../agent/result.js';

/** out/<scenario>-<timestamp> with a filesystem-safe timestamp. */
export function defaultRunDir(base: string, scenarioName: string, at: Date): string {
  const stamp = at.toISOString().replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  return join(base, `${scenarioName}-${stamp}`);
}

export function writeResult(dir: string, result: RunResult): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'report.json');
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  return file;
}
