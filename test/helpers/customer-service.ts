/** Runs examples/customer-ingest/service.mjs as a child process, as a user would run it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../helpers.js';

export interface CustomerService {
  /** The HTTPS origin when started with --https. */
  https: string | null;
  /** Reports the lossy mode dropped, as it printed them. */
  lost: { serial: string; bundle: string; counter: number }[];
  refused: unknown[];
  stop(): Promise<{ accepted: number; refused: number; lost: number } | undefined>;
}

export async function startCustomerService(args: string[]): Promise<CustomerService> {
  const proc: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'examples', 'customer-ingest', 'service.mjs'), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  proc.stderr!.on('data', (d) => (stderr += d));
  const lost: CustomerService['lost'] = [];
  const refused: unknown[] = [];
  let stopped: { accepted: number; refused: number; lost: number } | undefined;
  const lines = createInterface({ input: proc.stdout! });
  const ready = new Promise<{ https: string | null }>((resolve, reject) => {
    proc.once('exit', (code) =>
      reject(new Error(`the customer service exited (${code}) before it was ready: ${stderr}`)),
    );
    lines.on('line', (line) => {
      const m = JSON.parse(line) as Record<string, unknown>;
      if (m.ready) resolve(m as { https: string | null });
      if (m.lost) lost.push(m.lost as CustomerService['lost'][number]);
      if (m.refused) refused.push(m);
      if (m.stopped) stopped = m.stopped as typeof stopped;
    });
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const { https } = await ready;
  return {
    https,
    lost,
    refused,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
      return stopped;
    },
  };
}
