import { describe, expect, it } from 'vitest';
import type { LiveState } from '../run/run-scenario.js';
import { createProgress, fitWidth, progressLines } from '../cli/progress.js';

function state(over: Partial<LiveState> = {}): LiveState {
  return {
    p99Ms: 12.5,
    remaining: 50,
    offered: 500,
    sent: 500,
    retried: 0,
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

  it('on a TTY redraws the same lines in place every tick (log-update erases what it drew)', () => {
    let now = 0;
    const out = sink(true);
    const p = createProgress(out, { quiet: false, now: () => now, columns: 80 });
    p.tick(state());
    now = 250;
    p.tick(state({ acked: 600 }));
    const drawn = out.chunks.filter((c) => c.includes('events sent'));
    expect(drawn).toHaveLength(2);
    // the second draw first erases the 4 lines of the first: erase line, cursor up, ... (ansi-escapes)
    expect(drawn[1]!.startsWith('\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G')).toBe(true);
    p.end();
    expect(out.chunks.at(-1)).toContain('\x1b[2K');
  });

  it('fits every line to the terminal width, however long the last error', () => {
    const s = state();
    s.lastError = `connect ECONNREFUSED 127.0.0.1:1883 ${'x'.repeat(200)}`;
    const out = sink(true);
    const p = createProgress(out, { quiet: false, columns: 80, scenario: 'a-long-scenario-name' });
    p.tick(s);
    const panel = out.chunks.join('').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
    for (const line of panel.split('\n').filter(Boolean)) expect(line.length, line).toBeLessThanOrEqual(79);
    expect(panel).toContain('last error: connect ECONNREFUSED');
    expect(fitWidth('x'.repeat(100), 80)).toHaveLength(79);
  });

  it('counts events and installations while no device is done yet (a storm), with no time guess', () => {
    const text = progressLines(
      state({ installsDone: 0, devicesDone: 0, sent: 9000, acked: 8800, inFlight: 200, window: 512 }),
      5000,
    ).join('\n');
    expect(text).toContain('events sent 9,000');
    expect(text).toContain('installs 0/200 done');
    expect(text).toContain('in flight 200/512 (window)');
    expect(text).not.toContain('remaining');
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
