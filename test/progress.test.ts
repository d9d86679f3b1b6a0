import { describe, expect, it } from 'vitest';
import type { LiveState } from '../run/run-scenario.js';
import { createProgress, progressLines } from '../cli/progress.js';

function state(over: Partial<LiveState> = {}): LiveState {
  return {
    p99Ms: 12.5,
    remaining: 50,
    sent: 500,
    acked: 480,
    failed: 3,
    connections: 40,
    devicesOnline: 40,
    devicesDone: 60,
    devicesTotal: 100,
    installsDone: 150,
    installsTotal: 200,
    elapsedMs: 30_000,
    simElapsedMs: 3_600_000,
    ...over,
  };
}

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return {
    isTTY,
    chunks,
    write(s: string) {
      chunks.push(s);
      return true;
    },
  } as unknown as NodeJS.WritableStream & { isTTY: boolean; chunks: string[] };
}

describe('live progress', () => {
  it('shows devices online and done, events/s, p99, errors, elapsed and remaining', () => {
    const text = progressLines(state(), 1234.4).join('\n');
    expect(text).toContain('online 40');
    expect(text).toContain('done 60/100');
    expect(text).toContain('1,234 ev/s');
    expect(text).toContain('p99 12.5 ms');
    expect(text).toContain('errors 3');
    expect(text).toContain('elapsed 30s');
    // 75 % of installations done in 30 s: about 10 s to go
    expect(text).toContain('remaining ~10s');
    expect(text).toContain('simulated +1h00m');
  });

  it('on a TTY redraws the same lines in place every tick', () => {
    let now = 0;
    const out = sink(true);
    const p = createProgress(out, { quiet: false, now: () => now });
    p.tick(state());
    now = 250;
    p.tick(state({ acked: 600 }));
    expect(out.chunks).toHaveLength(2);
    expect(out.chunks[0]!.startsWith('\r\x1b[2K')).toBe(true);
    expect(out.chunks[1]!.startsWith('\x1b[3A')).toBe(true);
    p.end();
    expect(out.chunks[2]).toContain('\x1b[3A');
  });

  it('elsewhere writes a plain line every few seconds, with no escape codes', () => {
    let now = 0;
    const out = sink(false);
    const p = createProgress(out, { quiet: false, now: () => now, plainEveryMs: 5000 });
    for (now = 0; now <= 12_000; now += 250) p.tick(state({ acked: now }));
    expect(out.chunks).toHaveLength(2);
    expect(out.chunks.join('')).not.toContain('\x1b');
    // acked grows 1000 per second of the injected clock
    expect(out.chunks[1]).toContain('1,000 ev/s');
  });

  it('--quiet writes nothing', () => {
    const out = sink(true);
    const p = createProgress(out, { quiet: true });
    p.tick(state());
    p.end();
    expect(out.chunks).toEqual([]);
  });
});
