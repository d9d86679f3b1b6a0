/**
 * The `http` tally source: the user's own JSON API, read with a URL template (`{appId}` makes
 * one request per app, otherwise one for all) and mapped to rows with a JSONata expression, so
 * no adapter service has to re-serve the counts in fleetsim's shape. JSONata (jsonata.org) is a
 * maintained expression language with a spec and a playground, made for exactly this reshaping;
 * the expression sees the answer as `$`, and `$appId`, `$apps`, `$runId` as variables.
 */
import jsonata from 'jsonata';
import { Agent, request } from 'undici';
import { TallySourceError } from '../protocol/errors.js';
import { readPem } from '../transport/tls/tls-options.js';
import {
  checkDeviceRows,
  checkRows,
  fillTemplate,
  shapeOf,
  type ReadContext,
  type SourceDeviceRow,
  type SourceProblem,
  type TallyRow,
  type TallySource,
} from './tally-source.js';

export interface HttpSourceConfig {
  url: string;
  headers?: Record<string, string> | undefined;
  /** JSONata from the answer to [{ app, platform, status, state, count }]. */
  rows: string;
  devices?: { url: string; rows: string } | undefined;
  /** Trust these CA files, or do not check the certificate at all. */
  ca?: string | string[] | undefined;
  insecure?: boolean | undefined;
  labels?: 'wire' | 'fleetsim' | undefined;
  /** @default 30000 */
  timeoutMs?: number | undefined;
}

/** Why a JSONata expression does not parse (with the character position), or undefined when it does. */
export function expressionProblem(text: string): string | undefined {
  try {
    jsonata(text);
    return undefined;
  } catch (err) {
    const e = err as { message: string; position?: number };
    return `JSONata does not parse: ${e.message}${e.position !== undefined ? ` (at character ${e.position})` : ''}`;
  }
}

function must(text: string, what: string): jsonata.Expression {
  const problem = expressionProblem(text);
  if (problem) throw new TallySourceError(`${what}: ${problem}`);
  return jsonata(text);
}

export function httpSource(config: HttpSourceConfig): TallySource {
  const rowsExpr = must(config.rows, 'tallies.rows');
  const devExpr = config.devices ? must(config.devices.rows, 'tallies.devices.rows') : undefined;
  const cas = config.ca === undefined ? [] : Array.isArray(config.ca) ? config.ca : [config.ca];
  const dispatcher = new Agent({
    connect: {
      ...(cas.length ? { ca: cas.map((f) => readPem(f, 'CA bundle of tallies.ca')) } : {}),
      rejectUnauthorized: !config.insecure,
    },
    headersTimeout: config.timeoutMs ?? 30_000,
    bodyTimeout: config.timeoutMs ?? 30_000,
  });
  const headers = { accept: 'application/json', ...config.headers };
  const shown = (u: string) => {
    try {
      const x = new URL(u.replace(/\{/g, '%7B').replace(/\}/g, '%7D'));
      return decodeURIComponent(`${x.origin}${x.pathname}`);
    } catch {
      return '(the tally URL)';
    }
  };

  /** One GET and its JSON, or what went wrong: `unreachable` when the service did not answer. */
  const getJson = async (
    template: string,
    vars: Record<string, string>,
  ): Promise<{ json: unknown; url: string } | { failed: string; unreachable: boolean }> => {
    const where = shown(fillTemplate(template, vars, encodeURIComponent));
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(fillTemplate(template, vars, encodeURIComponent), { headers, dispatcher });
    } catch (err) {
      return {
        failed: `Cannot read tallies from ${where}: ${(err as Error).message}. Check tallies.url and that the service answers there.`,
        unreachable: true,
      };
    }
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      return {
        failed: `GET ${where} answered ${res.statusCode}: ${text.slice(0, 200)}. Check tallies.url and tallies.headers.`,
        unreachable: res.statusCode >= 500,
      };
    }
    try {
      return { json: JSON.parse(text), url: where };
    } catch {
      return { failed: `GET ${where} did not answer JSON: ${text.slice(0, 120)}`, unreachable: false };
    }
  };
  const fetchJson = async (template: string, vars: Record<string, string>): Promise<{ json: unknown; url: string }> => {
    const got = await getJson(template, vars);
    if ('failed' in got) throw new TallySourceError(got.failed);
    return got;
  };

  const evaluate = async (expr: jsonata.Expression, json: unknown, bindings: Record<string, unknown>, what: string) => {
    try {
      return await expr.evaluate(json, bindings);
    } catch (err) {
      throw new TallySourceError(`${what} failed on the answer: ${(err as Error).message}`);
    }
  };

  const perApp = /\{appId\}/.test(config.url);
  /** The first answer of one URL read and mapped as a run would, its problem named by field. */
  const probe = async (
    base: string[],
    template: string,
    expr: jsonata.Expression,
    vars: { appId: string; runId: string },
    apps: readonly string[],
    rows: (value: unknown, where: string) => unknown[] | string,
  ): Promise<SourceProblem | undefined> => {
    const got = await getJson(template, vars);
    if ('failed' in got) return { field: [...base, 'url'], message: got.failed, unreachable: got.unreachable };
    let value: unknown;
    try {
      value = await expr.evaluate(got.json, { ...vars, apps: [...apps] });
    } catch (err) {
      return {
        field: [...base, 'rows'],
        message: `fails on the answer of ${got.url} (${shapeOf(got.json)}): ${(err as Error).message}`,
      };
    }
    const checked = rows(value, `on ${got.url} (${shapeOf(got.json)})`);
    return typeof checked === 'string' ? { field: [...base, 'rows'], message: checked } : undefined;
  };
  let empty: string | undefined;
  return {
    kind: 'http',
    describe: shown(config.url),
    labels: config.labels ?? 'wire',
    async check(ctx: ReadContext): Promise<SourceProblem[]> {
      const appId = perApp ? (ctx.appIds[0] ?? '') : '';
      const vars = { appId, runId: ctx.runId };
      const tallies = await probe([], config.url, rowsExpr, vars, ctx.appIds, (v, w) =>
        checkRows(v, `the mapping ${w}`, perApp ? appId : undefined),
      );
      if (tallies || !config.devices || !devExpr) return tallies ? [tallies] : [];
      const devices = await probe(
        ['devices'],
        config.devices.url,
        devExpr,
        { ...vars, appId: ctx.appIds[0] ?? '' },
        ctx.appIds,
        (v, w) => checkDeviceRows(v, `the mapping ${w}`),
      );
      return devices ? [devices] : [];
    },
    async readTallies(ctx: ReadContext): Promise<TallyRow[]> {
      const out: TallyRow[] = [];
      let answered: string | undefined;
      for (const appId of perApp ? ctx.appIds : ['']) {
        const { json, url } = await fetchJson(config.url, { appId, runId: ctx.runId });
        answered ??= `${url} answered ${shapeOf(json)}`;
        const bindings = { appId, apps: [...ctx.appIds], runId: ctx.runId };
        const rows = checkRows(
          await evaluate(rowsExpr, json, bindings, 'tallies.rows'),
          `tallies.rows on ${url}`,
          perApp ? appId : undefined,
        );
        if (typeof rows === 'string') throw new TallySourceError(rows);
        out.push(...rows);
      }
      empty =
        out.length === 0
          ? `tallies.rows gave no rows (${answered}): if the service counted anything, the expression reads no field of its answer`
          : undefined;
      return out;
    },
    emptyNote: () => empty,
    ...(config.devices && devExpr
      ? {
          async readDevices(appId: string, ctx: ReadContext): Promise<SourceDeviceRow[]> {
            const { json, url } = await fetchJson(config.devices!.url, { appId, runId: ctx.runId });
            const rows = checkDeviceRows(
              await evaluate(devExpr, json, { appId, runId: ctx.runId }, 'tallies.devices.rows'),
              `tallies.devices.rows on ${url}`,
            );
            if (typeof rows === 'string') throw new TallySourceError(rows);
            return rows;
          },
        }
      : {}),
    async close() {
      await dispatcher.close();
    },
  };
}
