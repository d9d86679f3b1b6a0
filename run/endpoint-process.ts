/**
 * The embedded endpoint as a child process (`fleetsim serve --data-dir`), for a run whose faults
 * kill it: an endpoint in the run's own process cannot take a SIGKILL and come back. It is killed
 * with SIGKILL at the fault's moment and started again on the same data directory and the same
 * ports, so devices find it where it was and the tallies URL stays; what it acknowledged before
 * the kill is back from its journal (docs/endpoint.md, "Durability").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { AuthConfig } from '../broker/auth.js';
import type { Clock } from '../core/clock.js';
import { EndpointConfigError } from '../protocol/errors.js';

/** The CLI entry beside the sources (tests) or the compiled output. */
function cliEntry(): string {
  for (const rel of ['../bin/fleetsim.js', '../../bin/fleetsim.js']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new EndpointConfigError('bin/fleetsim.js was not found beside the run code: reinstall fleetsim (npm ci).');
}

export interface RestartFigures {
  /** Wall times (epoch ms) of the SIGKILL and of the endpoint listening again. */
  killedAt: number;
  upAt: number;
  /** Events its journal gave back on the restart. */
  replayed: number;
}

export interface EndpointProcess {
  mqttUrl: string;
  httpUrl: string;
  dataDir: string;
  /** Kills it with SIGKILL, waits `downMs`, starts it again on its data directory and ports. */
  restart(downMs: number): Promise<RestartFigures>;
  /** SIGTERM (a clean stop: in flight settles, journal closed); the data directory is removed when fleetsim made it. */
  close(): Promise<void>;
}

interface Child {
  proc: ChildProcess;
  mqttUrl: string;
  httpUrl: string;
  replayed: number;
  exited: Promise<void>;
}

function startChild(args: string[]): Promise<Child> {
  const proc = spawn(process.execPath, [cliEntry(), 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  let stderr = '';
  proc.stderr!.on('data', (d) => {
    stderr = (stderr + d).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let replayed = 0;
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      let rec: { msg?: string; mqtt?: string; http?: string; replayed?: number };
      try {
        rec = JSON.parse(line);
      } catch {
        return;
      }
      if (rec.msg === 'journal replayed') replayed = rec.replayed ?? 0;
      if (rec.msg === 'endpoint listening') resolve({ proc, mqttUrl: rec.mqtt!, httpUrl: rec.http!, replayed, exited });
    });
    void exited.then(() =>
      reject(
        new EndpointConfigError(
          `the endpoint process (fleetsim serve ${args.join(' ')}) exited before it listened: ${stderr.trim() || 'no output'}`,
        ),
      ),
    );
  });
}

export async function startEndpointProcess(opts: {
  auth?: AuthConfig | undefined;
  /** @default a temporary directory, removed at close */
  dataDir?: string;
  clock: Clock;
}): Promise<EndpointProcess> {
  const own = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'fleetsim-endpoint-'));
  const common = ['--data-dir', dataDir, '--log-level', 'info'];
  if (opts.auth && Object.keys(opts.auth).length > 0) {
    const file = join(dataDir, 'run-auth.json');
    writeFileSync(file, JSON.stringify(opts.auth), { mode: 0o600 });
    common.push('--auth-file', file);
  }
  let child = await startChild(['--mqtt-port', '0', '--http-port', '0', ...common]);
  const ports = ['--mqtt-port', new URL(child.mqttUrl).port, '--http-port', new URL(child.httpUrl).port];
  return {
    mqttUrl: child.mqttUrl,
    httpUrl: child.httpUrl,
    dataDir,
    async restart(downMs) {
      const killedAt = opts.clock.now();
      child.proc.kill('SIGKILL');
      await child.exited;
      if (downMs > 0) await new Promise<void>((r) => opts.clock.setTimeout(r, downMs));
      child = await startChild([...ports, ...common]);
      return { killedAt, upAt: opts.clock.now(), replayed: child.replayed };
    },
    async close() {
      child.proc.kill('SIGTERM');
      await child.exited;
      if (own) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
