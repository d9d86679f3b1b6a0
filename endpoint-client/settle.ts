/**
 * Eventual consistency: a real pipeline (broker -> queue -> database) counts an event some time
 * after it acknowledged it. The counts are read again every `intervalMs` until they match or
 * `timeoutMs` passes; the time from the last acknowledgement to the read that matched is the
 * time to consistency (its resolution is the polling interval plus one read). A read that fails
 * is tried again until the timeout, then its error stands.
 */
import type { Clock } from '../core/clock.js';

export interface SettleOptions {
  clock: Clock;
  /** How long to keep reading after the first read. */
  timeoutMs: number;
  intervalMs: number;
  /** Wall ms of the run's last acknowledgement (0 when nothing was acknowledged). */
  lastAckAt: number;
}

export interface Settled<T> {
  /** The last value read (the matching one when `consistent`). */
  value: T;
  consistent: boolean;
  /** Reads made. */
  reads: number;
  /** Last acknowledgement -> end of the read that matched, ms; null when none matched. */
  afterMs: number | null;
  /** Wall ms spent reading and waiting. */
  waitedMs: number;
}

export async function settle<T>(
  read: () => Promise<T>,
  matches: (v: T) => boolean,
  opts: SettleOptions,
): Promise<Settled<T>> {
  const { clock } = opts;
  const start = clock.now();
  const deadline = start + opts.timeoutMs;
  let reads = 0;
  let last: { value: T } | undefined;
  let lastError: unknown;
  for (;;) {
    reads++;
    try {
      const value = await read();
      last = { value };
      lastError = undefined;
      if (matches(value)) {
        const now = clock.now();
        return {
          value,
          consistent: true,
          reads,
          afterMs: Math.max(0, Math.round(now - (opts.lastAckAt || start))),
          waitedMs: Math.round(now - start),
        };
      }
    } catch (err) {
      lastError = err;
    }
    const now = clock.now();
    if (now >= deadline) break;
    await new Promise<void>((resolve) => clock.setTimeout(resolve, Math.min(opts.intervalMs, deadline - now)));
  }
  if (lastError !== undefined || !last) throw lastError;
  return { value: last.value, consistent: false, reads, afterMs: null, waitedMs: Math.round(clock.now() - start) };
}
