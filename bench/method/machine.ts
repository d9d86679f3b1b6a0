/**
 * What a figure was measured on: the machine, and how busy it was. A performance engineer reads a
 * number only next to these; the machine here is shared, so the load average goes with every pass.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  cpuModel: string;
  cores: number;
  mhz: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  v8: string;
  /** Processes running or runnable right now, besides this one (from /proc/loadavg). */
  runnable: number;
}

export function describeMachine(): Machine {
  const c = cpus();
  return {
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    cores: c.length,
    mhz: c[0]?.speed ?? 0,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    v8: process.versions.v8,
    runnable: runnableNow(),
  };
}

function runnableNow(): number {
  try {
    const running = readFileSync('/proc/loadavg', 'utf8').split(' ')[3] ?? '1/0';
    return Math.max(0, Number(running.split('/')[0]) - 1);
  } catch {
    return 0;
  }
}

/** The 1-minute load average, two decimals. */
export function load1(): number {
  return Math.round((loadavg()[0] ?? 0) * 100) / 100;
}
