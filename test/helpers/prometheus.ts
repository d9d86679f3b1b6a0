/**
 * A real Prometheus (Debian's, installed by .ci/run) with its remote-write receiver on, on a free
 * port with its TSDB in a temp dir; never the system service. Optional basic auth through its
 * web config (bcrypt hashes only, so the test passes a precomputed one), and optional TLS there
 * too (an https receiver; the test's queries trust the given certificate).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { tempDir } from '../helpers.js';
import { freePort } from './ports.js';

export const PROMETHEUS = '/usr/bin/prometheus';
export const havePrometheus = existsSync(PROMETHEUS);

export interface TestPrometheus {
  /** http(s)://127.0.0.1:<port> */
  url: string;
  /** An instant query's vector: one entry per series, its labels and value. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  log(): string;
  stop(): Promise<void>;
}

export async function startPrometheus(
  opts: {
    basicAuth?: { user: string; pass: string; bcrypt: string };
    tls?: { certPath: string; keyPath: string; cert: Buffer };
  } = {},
) {
  const dir = tempDir('fleetsim-prom-');
  const port = await freePort();
  // No scrape jobs: everything it holds came through remote write.
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  scrape_interval: 1h\nscrape_configs: []\n');
  const args = [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver',
    // Remote-written samples are "now"; an instant query looks back this far for them.
    '--query.lookback-delta=1h',
  ];
  const auth = opts.basicAuth;
  const web = [
    ...(auth ? [`basic_auth_users:\n  ${auth.user}: '${auth.bcrypt}'`] : []),
    ...(opts.tls ? [`tls_server_config:\n  cert_file: ${opts.tls.certPath}\n  key_file: ${opts.tls.keyPath}`] : []),
  ];
  if (web.length) {
    writeFileSync(join(dir, 'web.yml'), `${web.join('\n')}\n`);
    args.push(`--web.config.file=${join(dir, 'web.yml')}`);
  }
  const dispatcher = opts.tls ? new Agent({ connect: { ca: opts.tls.cert } }) : undefined;
  const fetch = (u: string, init: { headers: Record<string, string> }) =>
    undiciFetch(u, { ...init, ...(dispatcher ? { dispatcher } : {}) });
  let log = '';
  const proc: ChildProcess = spawn(PROMETHEUS, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr?.on('data', (d) => (log += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const headers: Record<string, string> = auth
    ? { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.pass}`).toString('base64')}` }
    : {};
  for (let i = 0; ; i++) {
    const ready = await fetch(`${url}/-/ready`, { headers }).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (i > 300 || proc.exitCode !== null) {
      proc.kill('SIGKILL');
      throw new Error(`prometheus did not become ready on port ${port}:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const p: TestPrometheus = {
    url,
    async query(promql) {
      const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, { headers });
      const body = (await res.json()) as {
        status: string;
        error?: string;
        data: { result: { metric: Record<string, string>; value: [number, string] }[] };
      };
      if (body.status !== 'success') throw new Error(`query ${promql}: ${body.error}`);
      return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    log: () => log,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
      await dispatcher?.close();
    },
  };
  return p;
}
