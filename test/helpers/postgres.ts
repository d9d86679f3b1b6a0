/**
 * A real PostgreSQL for tests, from Debian's binaries: a temp data directory, a free port, a
 * password for the superuser (so connection strings carry a secret, as real ones do). PostgreSQL
 * refuses to run as root, so as root it runs as the OS user "fleetsim-pg", created if missing.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './ports.js';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
const OS_USER = 'fleetsim-pg';

export const havePostgres = existsSync(join(PG_BIN, 'postgres'));

export interface TestPostgres {
  port: number;
  /** Superuser connection string to `database`, with its password. */
  url(database?: string): string;
  password: string;
  query(sql: string, database?: string): Promise<pg.QueryResult>;
  stop(): Promise<void>;
}

function osUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    execFileSync('id', ['-u', OS_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', OS_USER], {
      stdio: 'ignore',
    });
  }
  const uid = Number(execFileSync('id', ['-u', OS_USER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', OS_USER], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-pg-'));
  const data = join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}-secret`;
  const pwfile = join(dir, 'pw');
  writeFileSync(pwfile, `${password}\n`);
  const who = osUser();
  if (who) {
    chownSync(dir, who.uid, who.gid);
    chownSync(pwfile, who.uid, who.gid);
  }
  const as = who ? { uid: who.uid, gid: who.gid } : {};
  execFileSync(
    join(PG_BIN, 'initdb'),
    [
      '-D',
      data,
      '-U',
      'admin',
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--no-sync',
    ],
    { ...as, stdio: 'ignore', cwd: dir },
  );
  const port = await freePort();
  const proc: ChildProcess = spawn(
    join(PG_BIN, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=40',
    ],
    { ...as, stdio: 'ignore', cwd: dir },
  );
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const url = (database = 'postgres') =>
    `postgres://admin:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  const query = async (sql: string, database?: string) => {
    const c = new pg.Client({ connectionString: url(database) });
    await c.connect();
    try {
      return await c.query(sql);
    } finally {
      await c.end();
    }
  };
  for (let i = 0; ; i++) {
    try {
      await query('SELECT 1');
      break;
    } catch (err) {
      if (i > 200 || proc.exitCode !== null) {
        proc.kill('SIGKILL');
        throw new Error(`PostgreSQL did not start on port ${port}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    url,
    password,
    query,
    async stop() {
      proc.kill('SIGINT'); // fast shutdown
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
