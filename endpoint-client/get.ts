/**
 * One GET to the endpoint's read API (tallies, devices, stats), bounded in time: a target that
 * accepts the connection and never answers must not hold a finished run for undici's default
 * five minutes per request before it gets its verdict.
 */
import { request } from 'undici';
import { TallySourceError } from '../protocol/errors.js';

/** How long a read may wait for the answer's headers, and then between body chunks. */
export const READ_TIMEOUT_MS = 30_000;

export async function getBounded(url: URL, timeoutMs = READ_TIMEOUT_MS): Promise<Awaited<ReturnType<typeof request>>> {
  try {
    return await request(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT')
      throw new TallySourceError(
        `GET ${url.pathname} on ${url.origin} gave no answer in ${timeoutMs / 1000} s: the target accepts connections but does not answer its read API; check that it serves ${url.pathname} (docs/protocol.md), or set "tallies: { source: none }" in the target file to send without reconciling (docs/targets.md).`,
      );
    throw new TallySourceError(`Cannot read ${url.pathname} from ${url.origin}: ${(err as Error).message}.`);
  }
}
