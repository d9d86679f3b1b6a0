/** `fleetsim serve` as a child process (the built CLI), its URLs read from its first JSON log lines. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const BIN = join(__dirname, '..', '..', 'bin', 'fleetsim.js');

export interface ServeProcess {
  child: ChildProcess;
  mqttUrl: string;
  httpUrl: string;
  replayed: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function startServe(args: string[]): Promise<ServeProcess> {
  const workers = args.includes('--workers');
  const child = spawn(process.execPath, [BIN, 'serve', '--mqtt-port', '0', '--http-port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => r({ code, signal })),
  );
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    let replayed = 0;
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      let rec: { msg?: string; mqtt?: string; http?: string; replayed?: number };
      try {
        rec = JSON.parse(line);
      } catch {
        return;
      }
      if (rec.msg === 'journal replayed') replayed = rec.replayed ?? 0;
      // With --workers the owner's own broker is not the devices': wait for the workers' port.
      if (rec.msg === (workers ? 'cluster listening' : 'endpoint listening'))
        resolve({ child, mqttUrl: rec.mqtt!, httpUrl: rec.http!, replayed, exited });
    });
    void exited.then(({ code }) => reject(new Error(`fleetsim serve exited (${code}) before listening: ${stderr}`)));
  });
}
