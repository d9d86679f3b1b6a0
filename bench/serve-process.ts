/**
 * `fleetsim serve` as a child process for benchmarks: the endpoint runs apart from the load, so
 * each side has its own event loop. Ports are free ones, read from the serve banner.
 */
import { BenchError } from './bench-error.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const BIN = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'bin', 'fleetsim.js');

export interface Served {
  child: ChildProcess;
  mqtt: string;
  http: string;
  stop(): Promise<void>;
  /** Resident memory of the serve process and its workers, bytes. */
  rss(): number;
}

function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** The pids of a process's children (serve's MQTT workers). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** `bin`: another checkout's bin/fleetsim.js (bench/compare-trees.ts compares endpoints). */
export function startServe(extra: string[] = [], bin = BIN): Promise<Served> {
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--mqtt-port', '0', '--http-port', '0', '--log-level', 'warn', ...extra],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new BenchError(`fleetsim serve exited (${code}) before listening`)));
    createInterface({ input: child.stderr! }).on('line', (line) => {
      const mqtt = /MQTT (mqtts?:\/\/\S+)/.exec(line)?.[1];
      const http = /HTTP (https?:\/\/\S+)/.exec(line)?.[1];
      if (!mqtt || !http) return;
      resolve({
        child,
        mqtt,
        http,
        rss: () => [child.pid!, ...childrenOf(child.pid!)].reduce((n, p) => n + rssOf(p), 0),
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGINT');
          }),
      });
    });
  });
}

export function argOf(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
