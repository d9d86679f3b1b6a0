/**
 * --target against a broker of someone else's: mosquitto from Debian (installed by .ci/run). It
 * acknowledges every event but keeps no tallies, so the run must say plainly that it did not
 * reconcile, never pass as if it had.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, SMALL_SCENARIO, tempDir, writeTemp } from './helpers.js';

const MOSQUITTO = '/usr/sbin/mosquitto';

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.skipIf(!existsSync(MOSQUITTO) && !process.env.CI)('a run against mosquitto (--target mqtt://)', () => {
  let broker: ChildProcess;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    const conf = writeTemp(
      'mosquitto.conf',
      `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_inflight_messages 0\n`,
    );
    broker = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
    url = `mqtt://127.0.0.1:${port}`;
    // wait until it accepts connections
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((resolve) => {
        const c = connect(port, '127.0.0.1');
        c.once('connect', () => {
          c.destroy();
          resolve(true);
        });
        c.once('error', () => resolve(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('mosquitto did not start');
  });

  afterAll(() => {
    broker?.kill('SIGTERM');
  });

  it.each(['1', '2'])('delivers every event and says the tallies were not reconciled (workers %s)', (workers) => {
    const out = join(tempDir(), 'run');
    const r = cli([
      'run',
      writeTemp('small.yaml', SMALL_SCENARIO),
      '--target',
      url,
      '--workers',
      workers,
      '--quiet',
      '--out',
      out,
    ]);
    expect(r.stderr).toBe('');
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    expect(report.events.sent).toBeGreaterThan(0);
    expect(report.events.acked).toBe(report.events.sent);
    expect(report.target).toEqual({ kind: 'external', url });
    expect(report.reconciliation).toMatchObject({
      checked: false,
      reason: 'the external MQTT target has no tallies API; pass --tallies-url to reconcile',
    });
    expect(r.stdout).toContain('tallies NOT reconciled');
    expect(r.code).toBe(0);
  });

  it('fails a scenario that demands reconciliation (exit 1)', () => {
    const text = `${SMALL_SCENARIO}thresholds:\n  - reconciliation: exact\n`;
    const r = cli(['run', writeTemp('strict.yaml', text), '--target', url, '--quiet', '--out', join(tempDir(), 'run')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('reconciliation was not checked');
  });
});
