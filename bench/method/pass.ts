/**
 * One pass in its own process: a fresh heap and a cold JIT for every side alike, and CPU figures
 * that hold only that side's work. The pass prints one JSON line, its last line on stdout.
 * The load average before and after goes with it.
 */
import { BenchError } from '../bench-error.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { load1 } from './machine.js';
import type { SteadyState } from './steady.js';

export interface PassResult extends SteadyState {
  side: string;
  /** The 1-minute load average before and after the pass. */
  load: [number, number];
  [extra: string]: unknown;
}

const passesDir = fileURLToPath(new URL('../passes/', import.meta.url));

/** Runs dist/bench/passes/<script>.js with `args`; rejects with its stderr when it fails. */
export function runPass(side: string, script: string, args: string[], nodeArgs: string[] = []): Promise<PassResult> {
  const before = load1();
  const child = spawn(process.execPath, [...nodeArgs, `${passesDir}${script}.js`, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b;
  });
  child.stderr.on('data', (b: Buffer) => {
    err += b;
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) {
        reject(new BenchError(`pass ${side} (${script}) exited ${code}: ${err.trim().slice(-800)}`));
        return;
      }
      resolve({ ...(JSON.parse(line) as SteadyState), side, load: [before, load1()] });
    });
  });
}

/** What a pass script prints. */
export function report(result: object): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
