/**
 * Tally sources read the user's counts back: a JSON API through JSONata, PostgreSQL through SQL.
 * Real servers (an HTTP server on port 0, PostgreSQL from Debian's binaries); every way the
 * reading can go wrong is one clear error naming where, and never a password.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTallySource } from '../endpoint-client/tally-sources.js';
import { bindNamed } from '../endpoint-client/postgres-source.js';
import { TallySourceError, TargetConfigError } from '../protocol/errors.js';
import { havePostgres, startPostgres, type TestPostgres } from './helpers/postgres.js';

const ctx = { appIds: ['com.acme.mail', 'com.acme.vpn'], runId: 'r1' };

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('no error');
}

describe('the http tally source', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? ''}`);
      const u = new URL(req.url!, 'http://x');
      if (u.pathname === '/summary') {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            bundle: u.searchParams.get('bundle'),
            counts: [
              { os: 'IOS', phase: 'INSTALLED', detail: 'INSTALLED', devices: 12 },
              { os: 'ANDROID', phase: 'FAILED', detail: 'NOT_COMPATIBLE', devices: '3' },
            ],
          }),
        );
      } else if (u.pathname === '/all') {
        res.end(
          JSON.stringify({
            apps: [
              { id: 'com.acme.mail', n: 1 },
              { id: 'other', n: 5 },
            ],
          }),
        );
      } else if (u.pathname === '/devices') {
        res.end(
          JSON.stringify([{ serial: 'ios-000001', os: 'IOS', phase: 'INSTALLED', detail: 'INSTALLED', counter: 4 }]),
        );
      } else if (u.pathname === '/html') res.end('<html>');
      else {
        res.statusCode = 404;
        res.end('no such thing');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('reads per app with headers and maps the answer to rows with JSONata', async () => {
    const s = createTallySource({
      source: 'http',
      url: `${base}/summary?bundle={appId}&run={runId}`,
      headers: { authorization: 'Bearer t0ken' },
      rows: 'counts.{ "platform": os, "status": phase, "state": detail, "count": devices }',
    });
    const rows = await s.readTallies!(ctx);
    await s.close();
    expect(rows).toEqual([
      { app: 'com.acme.mail', platform: 'IOS', status: 'INSTALLED', state: 'INSTALLED', count: 12 },
      { app: 'com.acme.mail', platform: 'ANDROID', status: 'FAILED', state: 'NOT_COMPATIBLE', count: 3 },
      { app: 'com.acme.vpn', platform: 'IOS', status: 'INSTALLED', state: 'INSTALLED', count: 12 },
      { app: 'com.acme.vpn', platform: 'ANDROID', status: 'FAILED', state: 'NOT_COMPATIBLE', count: 3 },
    ]);
    expect(seen).toContain('/summary?bundle=com.acme.mail&run=r1 Bearer t0ken');
    expect(s.describe).toBe(`${base}/summary`);
    expect(s.labels).toBe('wire');
  });

  it('a mapping that reads no field of the answer says so, with the shape the service answered', async () => {
    const s = createTallySource({
      source: 'http',
      url: `${base}/summary?bundle={appId}`,
      rows: 'breakdown.{ "platform": os, "status": phase, "state": detail, "count": devices }',
    });
    expect(await s.readTallies!(ctx)).toEqual([]);
    expect(s.emptyNote?.()).toBe(
      `tallies.rows gave no rows (${base}/summary answered an object with keys bundle, counts): if the service counted anything, the expression reads no field of its answer`,
    );
    await s.close();
  });

  it('one request for all apps when the URL has no {appId}; variables bound', async () => {
    const s = createTallySource({
      source: 'http',
      url: `${base}/all`,
      rows: 'apps[id in $apps].{ "app": id, "platform": "IOS", "status": "S", "state": $runId, "count": n }',
    });
    expect(await s.readTallies!(ctx)).toEqual([
      { app: 'com.acme.mail', platform: 'IOS', status: 'S', state: 'r1', count: 1 },
    ]);
    await s.close();
  });

  it('lists devices for device-by-device checks', async () => {
    const s = createTallySource({
      source: 'http',
      url: `${base}/summary`,
      rows: '[]',
      devices: {
        url: `${base}/devices?bundle={appId}`,
        rows: '$.{ "device": serial, "platform": os, "status": phase, "state": detail, "seq": counter }',
      },
    });
    expect(await s.readDevices!('com.acme.mail', ctx)).toEqual([
      { device: 'ios-000001', platform: 'IOS', status: 'INSTALLED', state: 'INSTALLED', seq: 4 },
    ]);
    await s.close();
  });

  it('a JSONata syntax error is a load-time error with file:line', () => {
    const source = { file: 'staging.yaml', lineOf: () => 17 };
    let err: unknown;
    try {
      createTallySource({ source: 'http', url: base, rows: 'counts.{ "a": ' }, { source });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TargetConfigError);
    expect((err as Error).message).toContain('staging.yaml:17: tallies.rows: JSONata does not parse');
  });

  it('a 404, an answer that is not JSON, rows of the wrong shape: each says what and where', async () => {
    const bad = (url: string, rows = '$') => createTallySource({ source: 'http', url, rows }).readTallies!(ctx);
    const e404 = await rejection(bad(`${base}/nope`));
    expect(e404).toBeInstanceOf(TallySourceError);
    expect(e404.message).toBe(`GET ${base}/nope answered 404: no such thing. Check tallies.url and tallies.headers.`);
    expect((await rejection(bad(`${base}/html`))).message).toContain('did not answer JSON');
    const shape = await rejection(bad(`${base}/summary?bundle={appId}`, 'counts'));
    expect(shape.message).toContain('gave a row without a usable platform, status, state, count');
    expect(shape.message).toContain('each row must be { app, platform, status, state, count }');
    const down = await rejection(bad('http://127.0.0.1:1/x'));
    expect(down.message).toContain('Cannot read tallies from http://127.0.0.1:1/x');
  });
});

describe.skipIf(!havePostgres && !process.env.CI)('the postgres tally source', () => {
  let db: TestPostgres;

  beforeAll(async () => {
    db = await startPostgres();
    await db.query(`CREATE TABLE status (bundle text, os text, phase text, detail text, serial text, counter int);
      INSERT INTO status VALUES
        ('com.acme.mail', 'IOS', 'INSTALLED', 'INSTALLED', 'ios-1', 3),
        ('com.acme.mail', 'IOS', 'INSTALLED', 'INSTALLED', 'ios-2', 2),
        ('com.acme.vpn', 'ANDROID', 'FAILED', 'NOT_COMPATIBLE', 'and-1', 5),
        ('other.app', 'IOS', 'QUEUED', 'COMMAND_SCHEDULED', 'ios-3', 1);`);
  });
  afterAll(async () => db?.stop());

  const query =
    'SELECT bundle AS app, os AS platform, phase AS status, detail AS state, count(*) AS count FROM status WHERE bundle = ANY(:apps) GROUP BY 1, 2, 3, 4 ORDER BY 1';

  it("runs the query with the run's apps bound, bigint counts as numbers", async () => {
    const s = createTallySource({ source: 'postgres', connection: db.url(), query });
    expect(await s.readTallies!(ctx)).toEqual([
      { app: 'com.acme.mail', platform: 'IOS', status: 'INSTALLED', state: 'INSTALLED', count: 2 },
      { app: 'com.acme.vpn', platform: 'ANDROID', status: 'FAILED', state: 'NOT_COMPATIBLE', count: 1 },
    ]);
    expect(s.describe).toBe(`postgres://admin@127.0.0.1:${db.port}/postgres`);
    await s.close();
  });

  it('lists devices with the per-device query', async () => {
    const s = createTallySource({
      source: 'postgres',
      connection: db.url(),
      query,
      devicesQuery:
        'SELECT serial AS device, os AS platform, phase AS status, detail AS state, counter AS seq FROM status WHERE bundle = :app ORDER BY serial',
    });
    expect(await s.readDevices!('com.acme.mail', ctx)).toEqual([
      { device: 'ios-1', platform: 'IOS', status: 'INSTALLED', state: 'INSTALLED', seq: 3 },
      { device: 'ios-2', platform: 'IOS', status: 'INSTALLED', state: 'INSTALLED', seq: 2 },
    ]);
    await s.close();
  });

  it('wrong columns name what came and what must', async () => {
    const s = createTallySource({
      source: 'postgres',
      connection: db.url(),
      query: 'SELECT bundle, os, count(*) FROM status GROUP BY 1, 2',
    });
    const err = await rejection(s.readTallies!(ctx));
    await s.close();
    expect(err).toBeInstanceOf(TallySourceError);
    expect(err.message).toContain(
      'returned the columns bundle, os, count; it must return app, platform, status, state, count (name them with AS)',
    );
  });

  it('a syntax error gives the position; a wrong password names the server, not the password', async () => {
    const s = createTallySource({ source: 'postgres', connection: db.url(), query: 'SELEC 1' });
    const err = await rejection(s.readTallies!(ctx));
    await s.close();
    expect(err.message).toMatch(
      /tallies.query failed on postgres:\/\/admin@127.0.0.1:\d+\/postgres: syntax error at or near "SELEC" \(at character 1/,
    );
    const wrong = db.url().replace(encodeURIComponent(db.password), 'not-the-password');
    const w = createTallySource({ source: 'postgres', connection: wrong, query });
    const e2 = await rejection(w.readTallies!(ctx));
    await w.close();
    expect(e2.message).toContain(`Cannot query PostgreSQL at postgres://admin@127.0.0.1:${db.port}/postgres`);
    expect(e2.message).not.toContain('not-the-password');
    expect(err.message).not.toContain(db.password);
  });
});

describe('named parameters', () => {
  it('become bind parameters; casts and strings are left alone', () => {
    expect(bindNamed("SELECT x::int FROM t WHERE a = ANY(:apps) AND r = :runId AND b = :apps AND c = 'x'")).toEqual({
      text: "SELECT x::int FROM t WHERE a = ANY($1) AND r = $2 AND b = $1 AND c = 'x'",
      names: ['apps', 'runId'],
    });
  });
});
