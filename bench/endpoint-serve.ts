/**
 * `fleetsim serve` for the endpoint bench: started as its own process (in memory or with
 * --data-dir, alone or with --workers), its CPU split into the owner's and its MQTT workers', and
 * the counters read back from its API.
 */
import { BenchError } from './bench-error.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { pidCpuUs } from './method/cpu.js';
import { childrenOf, startServe } from './serve-process.js';

const BIN = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'bin', 'fleetsim.js');

export interface Served {
  child: ChildProcess;
  http: string;
  mqtt: string;
}

/** CPU so far of serve's owner (the process itself) and of its MQTT workers, µs. */
export function serveCpuUs(pid: number): { owner: number; brokers: number } {
  return { owner: pidCpuUs(pid), brokers: childrenOf(pid).reduce((n, p) => n + pidCpuUs(p), 0) };
}

export function serve(dataDir: string | undefined, workers: number): Promise<Served> {
  // `serve --workers`: its banner names the workers' shared MQTT port (the owner's own broker is idle).
  if (workers > 0) return startServe(['--workers', `${workers}`, ...(dataDir ? ['--data-dir', dataDir] : [])]);
  const child = spawn(
    process.execPath,
    [
      BIN,
      'serve',
      '--mqtt-port',
      '0',
      '--http-port',
      '0',
      '--log-level',
      'info',
      ...(dataDir ? ['--data-dir', dataDir] : []),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new BenchError(`serve exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const rec = JSON.parse(line) as { msg: string; http: string; mqtt: string };
      if (rec.msg === 'endpoint listening') resolve({ child, http: rec.http, mqtt: rec.mqtt });
    });
  });
}

export async function stats(
  base: string,
): Promise<{ accepted: number; duplicates: number; stale: number; rejected: number }> {
  const res = await request(`${base}/v1/stats`);
  return (await res.body.json()) as { accepted: number; duplicates: number; stale: number; rejected: number };
}

export async function journalFlushes(base: string): Promise<number> {
  const text = await (await request(`${base}/metrics`)).body.text();
  return Number(/^fleetsim_journal_flushes_total (\d+)/m.exec(text)?.[1] ?? 0);
}
