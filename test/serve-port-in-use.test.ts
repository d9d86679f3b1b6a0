/**
 * `fleetsim serve` on a port that is taken: one line naming the port and what to do, exit 6
 * (PORT_IN_USE, not 1 "a threshold failed" nor a hang), and nothing of it left listening; a
 * data directory it opened is free again.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from './helpers.js';

function hold(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

/** A port that was free a moment ago (listened on and closed). */
async function freePort(): Promise<number> {
  const { server, port } = await hold();
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

function serve(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'fleetsim.js'), 'serve', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('fleetsim serve with a port in use', () => {
  it('HTTP port taken: one line naming it, exit 6, the MQTT port it had opened closed again', async () => {
    const taken = await hold();
    const mqtt = await freePort();
    const dataDir = tempDir();
    try {
      const r = await serve(['--mqtt-port', String(mqtt), '--http-port', String(taken.port), '--data-dir', dataDir]);
      expect(r.code).toBe(6);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`HTTP port ${taken.port} is in use on 127.0.0.1`);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(await canListen(mqtt)).toBe(true);
      // the data directory's lock went with it: another serve can open it at once
      const again = await serve([
        '--mqtt-port',
        String(mqtt),
        '--http-port',
        String(taken.port),
        '--data-dir',
        dataDir,
      ]);
      expect(again.stderr).not.toContain('in use by another');
    } finally {
      taken.server.close();
    }
  });

  it('MQTT port taken: exit 6, and the HTTP port is not left listening', async () => {
    const taken = await hold();
    const http = await freePort();
    try {
      const r = await serve(['--mqtt-port', String(taken.port), '--http-port', String(http)]);
      expect(r.code).toBe(6);
      expect(r.stderr).toContain(`MQTT port ${taken.port} is in use on 127.0.0.1`);
      expect(r.stderr).toContain('pass another port');
      expect(await canListen(http)).toBe(true);
    } finally {
      taken.server.close();
    }
  });
});

describe('exit codes of errors', () => {
  it('gives a bug its own exit code (70), apart from a failed threshold (1)', async () => {
    const { reportFatal } = await import('../cli/main.js');
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      expect(reportFatal(new TypeError('x is undefined'))).toBe(70);
      const { InternalError, PortInUseError, UsageError } = await import('../protocol/errors.js');
      expect(reportFatal(new InternalError('invariant'))).toBe(70);
      expect(reportFatal(new PortInUseError('busy'))).toBe(6);
      expect(reportFatal(new UsageError('bad flag'))).toBe(3);
    } finally {
      process.stderr.write = write;
    }
  });
});
