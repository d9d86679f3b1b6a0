/**
 * A tally query checked before any event is sent: planned and described, never counted. It runs
 * as `SELECT * FROM (<query>) LIMIT 0` inside a read-only transaction that is rolled back, so a
 * syntax error, an unknown table or column, or result columns of the wrong names are found while
 * nothing was sent yet, and the user's tables are neither scanned nor written. Queries name their
 * inputs as `:apps`, `:app` and `:runId`, bound as parameters, never spliced into the SQL.
 */
import type pg from 'pg';
import type { SourceProblem } from './tally-source.js';

const PARAM = /(?<![:\w]):(apps|app|runId)\b/g;

/** `:name` placeholders to $1..$n, and the names in order (a name used twice is bound once). */
export function bindNamed(sql: string): { text: string; names: string[] } {
  const names: string[] = [];
  const text = sql.replace(PARAM, (_m, name: string) => {
    let i = names.indexOf(name);
    if (i < 0) i = names.push(name) - 1;
    return `$${i + 1}`;
  });
  return { text, names };
}

/** A connection that failed (no SQLSTATE, connection exception, bad login, no such database). */
export function connectionFailed(e: { code?: string }): boolean {
  return !e.code || /^(08|28|3D)/.test(e.code);
}

export interface QueryToCheck {
  /** Its field under `tallies`. */
  field: 'query' | 'devicesQuery';
  sql: string;
  columns: readonly string[];
}

const PREFIX = 'SELECT * FROM (\n';

/** The line of the query a 1-based character position of the wrapped statement falls on. */
function lineAt(text: string, position: number): number {
  return text.slice(0, Math.max(0, position - 1 - PREFIX.length)).split('\n').length;
}

export async function checkQuery(
  pool: pg.Pool,
  where: string,
  q: QueryToCheck,
  vars: Record<string, unknown>,
): Promise<SourceProblem | undefined> {
  const { text, names } = bindNamed(q.sql.replace(/;\s*$/, ''));
  const expected = `it must return the columns ${q.columns.join(', ')} (name them with AS), and may use :apps (text[] of the run's app ids)${q.field === 'devicesQuery' ? ', :app (one app id)' : ''} and :runId`;
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    const e = err as Error & { code?: string };
    return {
      field: ['connection'],
      message: `cannot connect to PostgreSQL at ${where}: ${e.message}; check the host, port, database, user and password`,
      // no SQLSTATE (a refused or dropped connection), or a connection exception
      unreachable: !/^[0-9A-Z]{5}$/.test(e.code ?? '') || e.code!.startsWith('08'),
    };
  }
  try {
    await client.query('BEGIN READ ONLY');
    const res = await client.query(
      `${PREFIX}${text}\n) AS fleetsim_check LIMIT 0`,
      names.map((n) => vars[n]),
    );
    const got = res.fields.map((f) => f.name);
    const lacking = q.columns.filter((c) => !got.includes(c));
    if (!lacking.length) return undefined;
    return {
      field: [q.field],
      message: `returns the columns ${got.join(', ') || '(none)'} on ${where}, without ${lacking.join(', ')}: ${expected}`,
    };
  } catch (err) {
    const e = err as Error & { position?: string; code?: string };
    if (connectionFailed(e))
      return { field: ['connection'], message: `PostgreSQL at ${where} failed: ${e.message}`, unreachable: true };
    const at = e.position ? ` (line ${lineAt(text, Number(e.position))} of the query)` : '';
    return { field: [q.field], message: `does not run on ${where}: ${e.message}${at}; ${expected}` };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}
