/**
 * Exponential backoff with full jitter (the AWS architecture blog's "full jitter"): spreads
 * reconnects and retries of thousands of devices so they do not come back as one wave.
 * The jitter source is injected so tests are exact.
 */
export interface BackoffOptions {
  /** First delay, ms. @default 500 */
  baseMs?: number;
  /** Largest delay, ms. @default 30000 */
  maxMs?: number;
}

/** Delay before attempt `attempt` (0 = the first retry): uniform in [base/2, min(max, base * 2^attempt)]. */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = opts.baseMs ?? 500;
  const max = opts.maxMs ?? 30_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(attempt, 30));
  const floor = Math.min(base / 2, ceiling);
  return Math.round(floor + random() * (ceiling - floor));
}

/**
 * The delay a server asked for in Retry-After (RFC 9110 section 10.2.3): seconds, or an HTTP date.
 * Undefined when absent or unreadable.
 */
export function retryAfterMs(header: string | string[] | undefined, nowMs: number): number | undefined {
  const v = Array.isArray(header) ? header[0] : header;
  if (v === undefined || v === '') return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}
