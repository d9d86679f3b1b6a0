/** Polling until the counts settle, with time moved by hand: no test sleeps. */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../core/clock.js';
import { settle } from '../endpoint-client/settle.js';

/** Runs `settle` while advancing the manual clock until it resolves. */
async function drive<T>(clock: ManualClock, p: Promise<T>): Promise<T> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  p.then(
    (value) => (outcome = { ok: true, value }),
    (error) => (outcome = { ok: false, error }),
  );
  while (!outcome) {
    await new Promise((r) => setImmediate(r));
    if (!outcome) clock.next();
  }
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

describe('settling', () => {
  it('reads until the counts match and reports the time after the last acknowledgement', async () => {
    const clock = new ManualClock(10_000);
    let n = 0;
    const r = await drive(
      clock,
      settle(
        async () => ++n,
        (v) => v >= 4,
        { clock, timeoutMs: 10_000, intervalMs: 500, lastAckAt: 9_800 },
      ),
    );
    expect(r).toEqual({ value: 4, consistent: true, reads: 4, afterMs: 1_700, waitedMs: 1_500 });
  });

  it('gives up at the timeout with the last value', async () => {
    const clock = new ManualClock(0);
    const r = await drive(
      clock,
      settle(
        async () => 'short',
        () => false,
        { clock, timeoutMs: 2_000, intervalMs: 500, lastAckAt: 0 },
      ),
    );
    expect(r).toMatchObject({ value: 'short', consistent: false, afterMs: null, reads: 5, waitedMs: 2_000 });
  });

  it('retries a failing read, and its error stands when it never recovers', async () => {
    const clock = new ManualClock(0);
    let n = 0;
    const ok = await drive(
      clock,
      settle(
        async () => {
          if (++n < 3) throw new Error('down');
          return n;
        },
        () => true,
        { clock, timeoutMs: 5_000, intervalMs: 100, lastAckAt: 0 },
      ),
    );
    expect(ok.reads).toBe(3);
    const never = drive(
      clock,
      settle(
        async () => {
          throw new Error('still down');
        },
        () => true,
        { clock, timeoutMs: 300, intervalMs: 100, lastAckAt: 0 },
      ),
    );
    await expect(never).rejects.toThrow('still down');
  });
});
