/**
 * Reads the endpoint's per-app tallies, `GET /v1/apps/{appId}/tallies` (docs/protocol.md): the
 * counts reconciliation compares with ground truth. The embedded endpoint or another
 * `fleetsim serve` answers it.
 */
import { request } from 'undici';
import { TallySourceError } from '../protocol/errors.js';
import type { AppTallies } from '../protocol/tally.js';
import { talliesPath } from '../protocol/topics.js';

export async function fetchTallies(baseUrl: string, appIds: readonly string[]): Promise<AppTallies[]> {
  const out: AppTallies[] = [];
  for (const id of appIds) {
    const res = await request(new URL(talliesPath(id), baseUrl));
    if (res.statusCode !== 200) {
      const body = await res.body.text();
      throw new TallySourceError(`GET ${talliesPath(id)} answered ${res.statusCode}: ${body.slice(0, 200)}`);
    }
    out.push((await res.body.json()) as AppTallies);
  }
  return out;
}
