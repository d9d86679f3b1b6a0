/**
 * The machine-readable result of one benchmark: what was run, on what, each pass with its load
 * average, and the summary (medians with min-max). `npm run bench` collects these into
 * bench/results.json; bench/report.ts renders BENCHMARKS.md from that file alone.
 */
import { describeMachine, load1, type Machine } from './machine.js';

export interface BenchRecord {
  bench: string;
  at: string;
  machine: Machine;
  /** 1-minute load average at the start and the end of the whole benchmark. */
  load: [number, number];
  config: Record<string, unknown>;
  passes: unknown[];
  summary: Record<string, unknown>;
}

export function startRecord(bench: string, config: Record<string, unknown>) {
  const at = new Date().toISOString();
  const machine = describeMachine();
  const before = load1();
  return (passes: unknown[], summary: Record<string, unknown>): void => {
    const rec: BenchRecord = { bench, at, machine, load: [before, load1()], config, passes, summary };
    process.stdout.write(`${JSON.stringify(rec)}\n`);
  };
}
