/**
 * Logs refused events without letting a flood of bad input flood the log: per reason, the first
 * FIRST_LOGGED refusals are logged, then one in EVERY_NTH with the count suppressed since. Counting,
 * not timing, so it needs no clock. The counters (/metrics, /v1/stats) still count every refusal.
 */
import type { Logger } from 'pino';
import { reasonKey } from './store.js';

export const FIRST_LOGGED = 100;
export const EVERY_NTH = 1000;

export interface Refusal {
  transport: 'http' | 'mqtt' | 'memory';
  field: string;
  reason: string;
  [k: string]: unknown;
}

export class RefusalLog {
  /** Per reason key (bounded: event fields plus one key for every other name). */
  private readonly seen = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  log(r: Refusal): void {
    const key = reasonKey(r.field);
    const n = (this.seen.get(key) ?? 0) + 1;
    this.seen.set(key, n);
    if (n <= FIRST_LOGGED) this.logger.warn(r, 'event refused');
    else if (n % EVERY_NTH === 0)
      this.logger.warn({ ...r, suppressed: EVERY_NTH - 1 }, `event refused (${EVERY_NTH - 1} like it not logged)`);
  }
}
