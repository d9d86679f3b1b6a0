/**
 * A tally source is checked before any event is sent: a PostgreSQL query that does not run or
 * returns the wrong columns, and an HTTP summary API that does not answer or whose first answer the
 * mapping cannot read, refuse the run with file:line of the field and what would be right, where
 * otherwise the whole load run would go by before the reading failed. Real PostgreSQL, a real HTTP
 * server that also takes the events (and counts them: none may arrive), the real CLI.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTallySource } from '../endpoint-client/tally-sources.js';
import { fleetsimAsync } from './helpers/cli-async.js';
import { havePostgres, startPostgres, type TestPostgres } from './helpers/postgres.js';
import { tempDir, tinyScenario } from './scenario-files.js';

const ctx = { appIds: ['com.acme.mail'], runId: 'r1' };
const postgres = havePostgres || !!process.env.CI;
const GOOD =
  'SELECT bundle AS app, os AS platform, phase AS status, detail AS state, count(*) AS count FROM status WHERE bundle = ANY(:apps) GROUP BY 1, 2, 3, 4';

describe('a tally source checked before the run', () => {
  let server: Server;
  let origin: string;
  let events = 0;
  let summary: unknown = { breakdown: [] };
  let db: TestPostgres | undefined;
  const tmp = tempDir();
  const scenario = tmp.write('scenario.yaml', tinyScenario([], { devices: 5 }));

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.startsWith('/summary')) return res.writeHead(200).end(JSON.stringify(summary));
        if (req.url?.startsWith('/missing')) return res.writeHead(404).end('{"error":"no route"}');
        // the transport's preflight reads /healthz first; events are POSTs
        if (req.method === 'POST') events++;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (!postgres) return;
    db = await startPostgres();
    await db!.query(`CREATE TABLE status (bundle text, os text, phase text, detail text, serial text, counter int);
      INSERT INTO status VALUES ('com.acme.mail', 'IOS', 'INSTALLED', 'INSTALLED', 'ios-1', 3);`);
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await db?.stop();
    tmp.cleanup();
  });

  const refused = async (name: string, tallies: string[], more: string[] = []) => {
    const target = tmp.write(`${name}.yaml`, [`url: ${origin}/ingest`, 'tallies:', ...tallies, ''].join('\n'));
    const r = await fleetsimAsync(['run', scenario, '--target-file', target, '--quiet', ...more]);
    expect(events, 'no event may be sent').toBe(0);
    return { ...r, target };
  };

  describe.skipIf(!postgres)('postgres', () => {
    const pg = (query: string[], devices?: string[]) => [
      '  source: postgres',
      `  connection: ${db!.url()}`,
      '  query: |',
      ...query.map((l) => `    ${l}`),
      ...(devices ? ['  devicesQuery: |', ...devices.map((l) => `    ${l}`)] : []),
    ];

    it('a syntax error: file:line of the query, the line inside it, the columns expected, no password', async () => {
      const r = await refused(
        'syntax',
        pg([
          'SELECT bundle AS app, os AS platform, phase AS status, detail AS state, count(*) AS count',
          '  FORM status',
        ]),
      );
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(
        `${r.target}:5: tallies.query: does not run on postgres://admin@127.0.0.1:${db!.port}/postgres`,
      );
      expect(r.stderr).toContain('syntax error at or near "FORM" (line 2 of the query)');
      expect(r.stderr).toContain('it must return the columns app, platform, status, state, count (name them with AS)');
      expect(r.stderr).toContain('nothing was sent');
      expect(r.stderr).not.toContain(db!.password);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });

    it('wrong columns, and a device query naming a column the table lacks; each shard refuses too', async () => {
      const r = await refused(
        'columns',
        pg(['SELECT bundle, os, phase, detail, count(*) FROM status WHERE bundle = ANY(:apps) GROUP BY 1, 2, 3, 4']),
      );
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(
        `${r.target}:5: tallies.query: returns the columns bundle, os, phase, detail, count on postgres://admin@127.0.0.1:${db!.port}/postgres, without app, platform, status, state`,
      );
      const d = await refused(
        'devices',
        pg(
          [GOOD],
          [
            'SELECT serial AS device, os AS platform, phase AS status, detail AS state, seqno AS seq',
            '  FROM status WHERE bundle = :app',
          ],
        ),
        ['--shard', '1/2'],
      );
      expect(d.code, d.stderr).toBe(3);
      expect(d.stderr).toContain(`${d.target}:7: tallies.devicesQuery: does not run`);
      expect(d.stderr).toContain('column "seqno" does not exist (line 1 of the query)');
      expect(d.stderr).toContain(', :app (one app id) and :runId');
    });

    it('the check plans the query in a read-only transaction: it never writes, never counts', async () => {
      const s = createTallySource({
        source: 'postgres',
        connection: db!.url(),
        query: `WITH x AS (INSERT INTO status VALUES ('com.acme.mail', 'IOS', 'FAILED', 'X', 'ios-9', 1) RETURNING *) ${GOOD.replace('FROM status', 'FROM x')};`,
      });
      const problems = await s.check!(ctx);
      await s.close();
      expect(problems).toHaveLength(1);
      expect(problems[0]!.field).toEqual(['query']);
      const rows = await db!.query('SELECT count(*)::int AS n FROM status');
      expect((rows.rows as { n: number }[])[0]!.n).toBe(1);
      const good = createTallySource({ source: 'postgres', connection: db!.url(), query: `${GOOD};` });
      expect(await good.check!(ctx)).toEqual([]);
      await good.close();
      const down = createTallySource({
        source: 'postgres',
        connection: db!.url().replace(`:${db!.port}/`, ':1/'),
        query: GOOD,
      });
      expect(await down.check!(ctx)).toMatchObject([{ field: ['connection'], unreachable: true }]);
      await down.close();
    });
  });

  describe('http', () => {
    const http = (url: string, rows: string) => ['  source: http', `  url: ${url}`, `  rows: '${rows}'`];

    it('a mapping that cannot read the first answer: file:line of tallies.rows and the shape of the answer', async () => {
      summary = { breakdown: [{ os: 'IOS', n: 3 }] };
      const r = await refused('rows', http(`${origin}/summary`, 'breakdown.{ "platform": os, "count": n }'));
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(
        `${r.target}:5: tallies.rows: the mapping on ${origin}/summary (an object with keys breakdown) gave a row without a usable app, status, state`,
      );
      expect(r.stderr).toContain('nothing was sent');
    });

    it('a URL that answers 404 is a description error; one nobody listens on is unreachable (exit 4)', async () => {
      const rows = 'breakdown.{ "app": "com.acme.mail", "platform": os, "status": "S", "state": "S", "count": n }';
      const r = await refused('missing', http(`${origin}/missing`, rows));
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toContain(`${r.target}:4: tallies.url: GET ${origin}/missing answered 404`);
      const d = await refused('down', http('http://127.0.0.1:1/summary', rows), ['--workers', '2']);
      expect(d.code, d.stderr).toBe(4);
      expect(d.stderr).toContain(
        `did not answer when it was checked before the run, so nothing was sent: ${d.target}:4: tallies.url: Cannot read tallies from http://127.0.0.1:1/summary`,
      );
    });
  });
});
