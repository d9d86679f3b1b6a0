/**
 * The `postgres` tally source: a SQL query over the user's own tables that returns
 * (app, platform, status, state, count) rows, and optionally a per-device query, with the `pg`
 * driver. Queries name their inputs as `:apps` (text[] of the run's app ids), `:app` (one app,
 * device query) and `:runId`; they are passed as bind parameters, never spliced into the SQL.
 */
import pg from 'pg';
import { TallySourceError } from '../protocol/errors.js';
import { bindNamed, checkQuery, connectionFailed } from './postgres-check.js';
import {
  checkDeviceRows,
  checkRows,
  type ReadContext,
  type SourceDeviceRow,
  type SourceProblem,
  type TallyRow,
  type TallySource,
} from './tally-source.js';

export interface PostgresSourceConfig {
  /** postgres://user:password@host:port/database */
  connection: string;
  query: string;
  devicesQuery?: string | undefined;
  labels?: 'wire' | 'fleetsim' | undefined;
}

/** Host, port, database and user of a connection string; the password never. */
export function describeConnection(connection: string): string {
  try {
    const u = new URL(connection);
    return `postgres://${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'PostgreSQL (connection string given)';
  }
}

const TALLY_COLUMNS = ['app', 'platform', 'status', 'state', 'count'];
const DEVICE_COLUMNS = ['device', 'platform', 'status', 'state'];

export { bindNamed } from './postgres-check.js';

export function postgresSource(config: PostgresSourceConfig): TallySource {
  const where = describeConnection(config.connection);
  const pool = new pg.Pool({ connectionString: config.connection, max: 1, idleTimeoutMillis: 5_000 });
  // an idle client's error would otherwise crash the process; the next query reports it
  pool.on('error', () => undefined);

  const run = async (what: string, sql: string, vars: Record<string, unknown>, columns: string[]) => {
    const { text, names } = bindNamed(sql);
    let res: pg.QueryResult;
    try {
      res = await pool.query(
        text,
        names.map((n) => vars[n]),
      );
    } catch (err) {
      const e = err as Error & { position?: string; code?: string };
      const connect = connectionFailed(e);
      throw new TallySourceError(
        connect
          ? `Cannot query PostgreSQL at ${where}: ${e.message}. Check tallies.connection (host, port, database, user, password).`
          : `${what} failed on ${where}: ${e.message}${e.position ? ` (at character ${e.position} of the query)` : ''}.`,
      );
    }
    const got = res.fields.map((f) => f.name);
    const lacking = columns.filter((c) => !got.includes(c));
    if (lacking.length) {
      throw new TallySourceError(
        `${what} on ${where} returned the columns ${got.join(', ') || '(none)'}; it must return ${columns.join(', ')} (name them with AS), so ${lacking.join(', ')} ${lacking.length === 1 ? 'is' : 'are'} missing.`,
      );
    }
    return res.rows;
  };

  return {
    kind: 'postgres',
    describe: where,
    labels: config.labels ?? 'wire',
    async check(ctx: ReadContext): Promise<SourceProblem[]> {
      const vars = { apps: [...ctx.appIds], app: ctx.appIds[0] ?? '', runId: ctx.runId };
      const tallies = await checkQuery(
        pool,
        where,
        { field: 'query', sql: config.query, columns: TALLY_COLUMNS },
        vars,
      );
      if (tallies?.unreachable || !config.devicesQuery) return tallies ? [tallies] : [];
      const devices = await checkQuery(
        pool,
        where,
        { field: 'devicesQuery', sql: config.devicesQuery, columns: DEVICE_COLUMNS },
        vars,
      );
      return [tallies, devices].filter((p): p is SourceProblem => p !== undefined);
    },
    async readTallies(ctx: ReadContext): Promise<TallyRow[]> {
      const rows = await run('tallies.query', config.query, { apps: [...ctx.appIds], runId: ctx.runId }, TALLY_COLUMNS);
      const checked = checkRows(rows, `tallies.query on ${where}`);
      if (typeof checked === 'string') throw new TallySourceError(checked);
      return checked;
    },
    ...(config.devicesQuery
      ? {
          async readDevices(appId: string, ctx: ReadContext): Promise<SourceDeviceRow[]> {
            const rows = await run(
              'tallies.devicesQuery',
              config.devicesQuery!,
              { app: appId, runId: ctx.runId },
              DEVICE_COLUMNS,
            );
            const checked = checkDeviceRows(rows, `tallies.devicesQuery on ${where}`);
            if (typeof checked === 'string') throw new TallySourceError(checked);
            return checked;
          },
        }
      : {}),
    async close() {
      await pool.end();
    },
  };
}
