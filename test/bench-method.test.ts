/**
 * The bench methodology's arithmetic: steady state cuts the warm-up and the drain off, spreads
 * are medians with min-max, sides alternate their order, and BENCHMARKS.md renders from results
 * alone.
 */
import { describe, expect, it } from 'vitest';
import { steadyState, type Sample } from '../bench/method/steady.js';
import { orderOf, spread } from '../bench/method/stats.js';
import { limitOf } from '../bench/method/rounds.js';
import type { PassResult } from '../bench/method/pass.js';
import { renderBenchmarks } from '../bench/report/render.js';

/** 10 s at 100 ms: the first 2 s cost 50 µs per event at 500 events/s, then 10 µs at 1000/s. */
function series(): Sample[] {
  const out: Sample[] = [];
  let events = 0;
  let cpu = 0;
  for (let t = 0; t <= 10_000; t += 100) {
    out.push({ atMs: t, events, cpuUs: cpu, peerCpuUs: events * 20 });
    const warm = t < 2_000;
    const add = warm ? 50 : 100;
    events += add;
    cpu += add * (warm ? 50 : 10);
  }
  return out;
}

describe('bench methodology', () => {
  it('reports the warm-up apart and measures the steady state after it', () => {
    const s = steadyState(series());
    expect(s.warmup.cpuUsPerEvent).toBeGreaterThan(30);
    expect(s.steady.cpuUsPerEvent).toBe(10);
    expect(s.steady.eventsPerSec).toBe(1000);
    expect(s.steady.peerCpuUsPerEvent).toBe(20);
    expect(s.warmup.seconds).toBeGreaterThanOrEqual(1);
  });

  it('summarises passes as a median with min and max', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, 2, 3]).median).toBe(2.5);
  });

  it('names the process that set the pace of each pass: the one with the larger CPU per event', () => {
    const pass = (side: string, cpu: number, peer: number) =>
      ({
        side,
        load: [1, 1],
        samples: 0,
        warmup: { seconds: 1, events: 1, eventsPerSec: 1, cpuUsPerEvent: 1, peerCpuUsPerEvent: 1 },
        steady: { seconds: 1, events: 1, eventsPerSec: 1, cpuUsPerEvent: cpu, peerCpuUsPerEvent: peer },
      }) as PassResult;
    const passes = [pass('a', 10, 15), pass('a', 12, 18), pass('a', 20, 5), pass('b', 30, 20)];
    const a = limitOf(passes, 'a');
    expect([a.endpoint, a.client, a.passes]).toEqual([2, 1, 3]);
    // 1e6 / (client + endpoint µs): the pair's events per CPU-second
    expect(a.pairEventsPerCpuSec).toEqual({ median: 40_000, min: 33_333, max: 40_000, n: 3 });
    expect(limitOf(passes, 'b')).toMatchObject({ endpoint: 0, client: 1, passes: 1 });
  });

  it('alternates which side goes first', () => {
    expect(orderOf(['a', 'b'], 0)).toEqual(['a', 'b']);
    expect(orderOf(['a', 'b'], 1)).toEqual(['b', 'a']);
    expect(orderOf(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
  });

  it('renders BENCHMARKS.md from results alone, saying what is not measured', () => {
    const md = renderBenchmarks({
      devices: {
        bench: 'devices',
        at: '2026-12-01T09:00:00.000Z',
        machine: { cpuModel: 'X', cores: 2, mhz: 0, memoryGiB: 24, kernel: 'k', node: 'v20', v8: '11', runnable: 0 },
        load: [1, 2],
        config: {},
        passes: [],
        summary: { transitionsPerSec: 2_500_000, transitionsPerCpuSec: 2_600_000 },
      },
    });
    expect(md).toContain('2,500,000/s');
    expect(md).toMatch(/Simulator alone.*\| met \|/);
    expect(md).toContain('Not in bench/results.json yet');
  });
});
