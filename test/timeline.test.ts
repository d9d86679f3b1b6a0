/**
 * Timeline points are the wall seconds they measure: an event is counted in the second its wall
 * clock says, however late the once-a-second sample runs (a storm blocks the event loop), no
 * point is dated after the run, and windowed thresholds read the true figures.
 */
import { describe, expect, it } from 'vitest';
import { RunMetrics } from '../drive/metrics.js';
import { checkThresholds } from '../result/thresholds.js';
import { thresholdsOf } from '../agent/scenario/thresholds.js';
import { parseScenario } from '../agent/scenario/load.js';
import { runScenario } from '../run/run-scenario.js';
import { tinyScenario } from './scenario-files.js';

const T0 = 1_800_000_000; // an epoch second
const at = (s: number) => (T0 + s) * 1000;

function acks(m: RunMetrics, n: number, when: number) {
  for (let i = 0; i < n; i++) {
    m.recordOffer(when);
    m.recordSend(when);
    m.recordAck(1000, when);
  }
}

describe('run timeline', () => {
  it('counts events in the second they happened when the sample comes late', () => {
    const m = new RunMetrics();
    m.start(at(1));
    acks(m, 10, at(1.5));
    acks(m, 10, at(2.5));
    m.sample(at(2.6)); // 1.6 s after second 1 began: second 2 is still open
    acks(m, 5, at(2.7));
    m.sample(at(3)); // just in time
    acks(m, 10, at(3.5));
    m.sample(at(4));
    m.sample(at(4.2), true); // the run ends 0.2 s into second 4 with nothing in it
    expect(m.timeline.map((p) => [p.t - T0, p.ms, p.sent, p.acked])).toEqual([
      [1, 1000, 10, 10],
      [2, 1000, 15, 15],
      [3, 1000, 10, 10],
    ]);
  });

  it('dates no point after the run and gives every second one point, even with no sample at all', () => {
    const m = new RunMetrics();
    m.start(at(0.25));
    acks(m, 3, at(0.5));
    acks(m, 4, at(2.1));
    acks(m, 2, at(2.9));
    m.sample(at(3.4), true);
    const pts = m.timeline.map((p) => [p.t - T0, p.ms, p.acked]);
    expect(pts).toEqual([
      [0, 750, 3],
      [1, 1000, 0],
      [2, 1000, 6],
    ]); // the last 0.4 s held nothing: no empty partial point that would draw a drop to 0
    const ts = m.timeline.map((p) => p.t);
    expect(new Set(ts).size).toBe(ts.length);
    expect(Math.max(...ts)).toBeLessThanOrEqual(Math.floor(at(3.4) / 1000));
    expect(m.timeline.reduce((n, p) => n + p.acked, 0)).toBe(m.acked);
    expect(m.ack.totalCount).toBe(9);
  });

  it('keeps a failure in its own second with its message', () => {
    const m = new RunMetrics();
    m.start(at(0));
    m.recordOffer(at(0.1));
    m.recordSend(at(0.1));
    m.recordFailure('PUBACK timeout', at(1.2));
    m.sample(at(2), true);
    expect(m.timeline.map((p) => [p.t - T0, p.sent, p.failed])).toEqual([
      [0, 1, 0],
      [1, 0, 1],
    ]);
    expect(m.lastError).toBe('PUBACK timeout');
  });

  it('lets a windowed threshold read the true rate (100/s), not a spike from a few ms drawn as a second', () => {
    const m = new RunMetrics();
    m.start(at(0));
    for (let s = 0; s < 6; s++) {
      for (let i = 0; i < 100; i++) acks(m, 1, at(s + i / 100));
      // the timer fires late every other second, then catches up a few ms later
      if (s % 2) {
        m.sample(at(s + 1.6));
        m.sample(at(s + 1.603));
      }
    }
    m.sample(at(6), true);
    const [check] = checkThresholds(thresholdsOf(['throughput.eventsPerSec over 2s < 150']), {
      events: m,
      durationMs: 6000,
      ack: m.ack,
      points: m.timeline,
    });
    expect(check!.observed).toBe(100);
    expect(check!.passed).toBe(true);
  });

  it('in a real run: one point per second, none after the run, every event counted once', async () => {
    const s = parseScenario(tinyScenario([], { devices: 60, timeScale: '300000' }), 'tiny.yaml');
    const r = await runScenario(s, { scenarioFile: 'tiny.yaml' });
    const ts = r.timeline.points.map((p) => p.t);
    expect(ts).toEqual([...ts].sort((a, b) => a - b));
    expect(new Set(ts).size).toBe(ts.length);
    expect(ts.at(-1)!).toBeLessThanOrEqual(Math.floor(Date.parse(r.finishedAt) / 1000));
    expect(r.timeline.points.reduce((n, p) => n + p.sent, 0)).toBe(r.events.sent);
    expect(r.timeline.points.reduce((n, p) => n + p.acked, 0)).toBe(r.events.acked);
    for (const p of r.timeline.points.slice(1, -1)) expect(p.ms).toBe(1000);
  });
});
