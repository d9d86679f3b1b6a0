/**
 * CPU time, the primary figure: on a shared machine wall-clock throughput moves with the
 * neighbours, CPU per event much less. This process through `process.cpuUsage()` (all its
 * threads, µs); another process (the endpoint under test) through /proc/<pid>/stat, its threads
 * and its reaped children included.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSec: number | undefined;
function clockTicks(): number {
  if (ticksPerSec === undefined) {
    try {
      ticksPerSec = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSec = 100;
    }
  }
  return ticksPerSec;
}

/** This process's user + system CPU, µs. */
export function selfCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Another process's user + system CPU, µs (0 when it is gone). Resolution: one clock tick. */
export function pidCpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may hold spaces: state is field 3, utime 14, stime 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    return (ticks * 1e6) / clockTicks();
  } catch {
    return 0;
  }
}

/** Another process's user and system (kernel) CPU apart, µs, its reaped children included (0 when it is gone). */
export function pidCpuSplitUs(pid: number): { user: number; system: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const us = 1e6 / clockTicks();
    return { user: (Number(f[11]) + Number(f[13])) * us, system: (Number(f[12]) + Number(f[14])) * us };
  } catch {
    return { user: 0, system: 0 };
  }
}

/** Resident memory of a process, bytes (0 when it is gone). */
export function pidRss(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}
