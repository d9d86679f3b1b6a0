/**
 * The `fleetsim` tally source: the embedded endpoint's API, or another `fleetsim serve`
 * (GET /v1/apps/{appId}/tallies, and /devices paged 1,000 at a time; docs/protocol.md).
 */
import { TallySourceError } from '../protocol/errors.js';
import { type AppTallies, talliesShapeProblem } from '../protocol/tally.js';
import { talliesPath } from '../protocol/topics.js';
import { getBounded } from './get.js';
import type { ReadContext, SourceDeviceRow, TallyRow, TallySource } from './tally-source.js';

async function getJson(url: URL): Promise<unknown> {
  const res = await getBounded(url);
  if (res.statusCode !== 200) {
    const body = await res.body.text();
    throw new TallySourceError(
      `GET ${url.pathname} on ${url.origin} answered ${res.statusCode}: ${body.slice(0, 200)}`,
    );
  }
  return res.body.json();
}

export function fleetsimSource(baseUrl: string): TallySource {
  const origin = new URL(baseUrl).origin;
  const source: TallySource = {
    kind: 'fleetsim',
    describe: `${origin} (fleetsim tallies API)`,
    labels: 'fleetsim',
    async readTallies(ctx: ReadContext): Promise<TallyRow[]> {
      const rows: TallyRow[] = [];
      if (ctx.onlyDevices) {
        // the API counts every device; a namespaced run counts its own from the device listing
        const only = ctx.onlyDevices;
        for (const app of ctx.appIds) {
          const cells = new Map<string, TallyRow>();
          for (const d of await source.readDevices!(app, ctx)) {
            if (!only.has(d.device)) continue;
            const k = `${d.platform}\u0000${d.status}\u0000${d.state}`;
            const cell = cells.get(k);
            if (cell) cell.count++;
            else cells.set(k, { app, platform: d.platform, status: d.status, state: d.state, count: 1 });
          }
          rows.push(...cells.values());
        }
        return rows;
      }
      for (const app of ctx.appIds) {
        const t = (await getJson(new URL(talliesPath(app), origin))) as AppTallies;
        const problem = talliesShapeProblem(t, app);
        if (problem)
          throw new TallySourceError(
            `GET ${talliesPath(app)} on ${origin} is not the tallies of app "${app}": ${problem} (expected { appId, total, statuses, platforms }, docs/protocol.md)`,
          );
        for (const [platform, statuses] of Object.entries(t.platforms ?? {})) {
          for (const [status, states] of Object.entries(statuses ?? {})) {
            for (const [state, count] of Object.entries(states)) rows.push({ app, platform, status, state, count });
          }
        }
      }
      return rows;
    },
    async readDevices(appId: string): Promise<SourceDeviceRow[]> {
      const rows: SourceDeviceRow[] = [];
      let after: string | null = null;
      for (;;) {
        const u = new URL(`/v1/apps/${encodeURIComponent(appId)}/devices`, origin);
        u.searchParams.set('limit', '1000');
        u.searchParams.set('includeExpired', '1');
        if (after) u.searchParams.set('after', after);
        const page = (await getJson(u)) as {
          devices?: { deviceId: string; platform: string; status: string; state: string; seq: number }[];
          next?: string | null;
        };
        if (!Array.isArray(page.devices))
          throw new TallySourceError(`GET ${u.pathname} on ${origin} has no "devices" list`);
        for (const d of page.devices)
          rows.push({ device: d.deviceId, platform: d.platform, status: d.status, state: d.state, seq: d.seq });
        if (!page.next) return rows;
        after = page.next;
      }
    },
    async close() {},
  };
  return source;
}

export function noneSource(): TallySource {
  return { kind: 'none', describe: 'none (send only: nothing is read back)', labels: 'fleetsim', async close() {} };
}
