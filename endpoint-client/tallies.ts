/**
 * Reads the endpoint's per-app tallies, `GET /v1/apps/{appId}/tallies` (docs/protocol.md): the
 * counts reconciliation compares with ground truth. The embedded endpoint or another
 * `fleetsim serve` answers it.
 */
import { TallySourceError } from '../protocol/errors.js';
import { type AppTallies, talliesShapeProblem } from '../protocol/tally.js';
import { talliesPath } from '../protocol/topics.js';
import { getBounded, READ_TIMEOUT_MS } from './get.js';

export async function fetchTallies(
  baseUrl: string,
  appIds: readonly string[],
  timeoutMs = READ_TIMEOUT_MS,
): Promise<AppTallies[]> {
  const out: AppTallies[] = [];
  for (const id of appIds) {
    const res = await getBounded(new URL(talliesPath(id), baseUrl), timeoutMs);
    if (res.statusCode !== 200) {
      const body = await res.body.text();
      throw new TallySourceError(`GET ${talliesPath(id)} answered ${res.statusCode}: ${body.slice(0, 200)}`);
    }
    const text = await res.body.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TallySourceError(
        `GET ${talliesPath(id)} answered 200 with a body that is not JSON: ${JSON.stringify(text.slice(0, 80))}`,
      );
    }
    const problem = talliesShapeProblem(body, id);
    if (problem)
      throw new TallySourceError(
        `GET ${talliesPath(id)} answered 200 but not with the tallies of app "${id}": ${problem}. A tallies answer is { appId, total, statuses, platforms } (docs/protocol.md); check that --tallies-url points at a fleetsim-compatible tallies API, or read another shape with "tallies: { source: http }" in a --target-file (examples/customer-ingest/).`,
      );
    out.push(body as AppTallies);
  }
  return out;
}
