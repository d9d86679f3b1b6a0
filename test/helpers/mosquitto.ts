/** A real mosquitto (Debian's, installed by .ci/run) on a free port, as the example's broker. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../helpers.js';
import { freePort } from './ports.js';

export const MOSQUITTO = '/usr/sbin/mosquitto';
export const haveMosquitto = existsSync(MOSQUITTO);

export interface TestMosquitto {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startMosquitto(): Promise<TestMosquitto> {
  const port = await freePort();
  const conf = join(tempDir(), 'mosquitto.conf');
  // no queue limit: the default 1,000 per subscriber drops messages as soon as a consumer lags
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\n`,
  );
  const proc: ChildProcess = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) break;
    if (i > 100) {
      proc.kill('SIGKILL');
      throw new Error(`mosquitto did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
    },
  };
}
