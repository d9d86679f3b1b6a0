/**
 * Builds real RunResults from chosen samples for merge and report tests: the samples go through
 * RunMetrics (buffer -> per-second histograms -> timeline) exactly as in a run, so the encoded
 * histograms are the ones a run writes.
 */
import { RunMetrics, summarise, newDurationHistogram } from '../drive/metrics.js';
import { reconcile } from '../reconcile/reconcile.js';
import { RESULT_SCHEMA, verdictOf, type RunResult } from '../result/result.js';
import { checkThresholds } from '../result/thresholds.js';
import { thresholdsOf } from '../agent/scenario/thresholds.js';
import { TallyBook } from '../protocol/tally.js';

export interface FixtureSpec {
  /** Ack latencies in µs, spread evenly over `seconds` seconds starting at epoch second `t0`. */
  samplesUs: number[];
  t0: number;
  seconds: number;
  failed?: number;
  /** Installations per final cell, expected and counted (counted defaults to expected). */
  expected: {
    appId: string;
    platform: 'ios' | 'android' | 'windows' | 'dme';
    status: string;
    state: string;
    n: number;
  }[];
  counted?: FixtureSpec['expected'];
  thresholds?: unknown[];
}

export function fixtureResult(spec: FixtureSpec): RunResult {
  const m = new RunMetrics();
  const perSec = Math.ceil(spec.samplesUs.length / spec.seconds);
  m.start(spec.t0 * 1000);
  m.firstSendAt = spec.t0 * 1000;
  for (let s = 0; s < spec.seconds; s++) {
    const now = (spec.t0 + s) * 1000 + 500;
    for (const v of spec.samplesUs.slice(s * perSec, (s + 1) * perSec)) {
      m.offered++;
      m.sent++;
      m.recordAck(v, now);
    }
    if (s === 0)
      for (let i = 0; i < (spec.failed ?? 0); i++) {
        m.offered++;
        m.sent++;
        m.failed++;
      }
    m.sample((spec.t0 + s + 1) * 1000);
  }
  const book = (cells: FixtureSpec['expected']) => {
    const b = new TallyBook();
    for (const c of cells) b.add(c.appId, c.platform, c.status, c.state, c.n);
    return [...new Set(cells.map((c) => c.appId))].sort().map((id) => b.get(id));
  };
  const reconciliation = reconcile(book(spec.expected), book(spec.counted ?? spec.expected));
  const durationMs = spec.seconds * 1000;
  const events = { offered: m.offered, sent: m.sent, acked: m.acked, failed: m.failed, retried: 0 };
  const thresholds = checkThresholds(thresholdsOf(spec.thresholds ?? []), {
    events,
    durationMs,
    ack: m.ack,
    points: m.timeline,
    reconciliation,
  });
  const dur = newDurationHistogram();
  for (const c of spec.expected) dur.recordValueWithCount(60_000, c.n);
  return {
    schema: RESULT_SCHEMA,
    ...verdictOf(reconciliation, thresholds),
    scenario: { name: 'fixture', file: 'fixture.yaml' },
    seed: 1,
    transport: 'mqtt',
    target: { kind: 'embedded', url: 'mqtt://127.0.0.1:1' },
    timeScale: 'asap',
    startedAt: new Date(spec.t0 * 1000).toISOString(),
    finishedAt: new Date((spec.t0 + spec.seconds) * 1000).toISOString(),
    durationMs,
    window: { firstSendAt: spec.t0 * 1000, lastSettledAt: spec.t0 * 1000 + durationMs },
    parts: 1,
    environment: {
      node: process.version,
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      hostname: 'test',
      fleetsim: '0.1.0',
    },
    devices: {
      total: spec.expected.reduce((n, c) => n + c.n, 0),
      byPlatform: { ios: 1 },
      installations: spec.expected.reduce((n, c) => n + c.n, 0),
    },
    events,
    throughput: { eventsPerSec: (m.acked / durationMs) * 1000, peakPerSec: 0 },
    latency: { ack: summarise(m.ack), endToEnd: null, endToEndSource: 'fixture' },
    lifecycle: {
      durations: [{ platform: 'ios', status: 'installed', state: 'installed', duration: summarise(dur, 'ms') }],
      flows: [{ platform: 'ios', from: '(start)', to: 'installed/installed', count: 3 }],
    },
    timeline: { intervalMs: 1000, points: m.timeline },
    reconciliation,
    thresholds,
  };
}

/** Deterministic lognormal-ish latencies in µs (no Math.random: the test is repeatable). */
export function latencies(n: number, seed: number, medianUs: number): number[] {
  let x = seed >>> 0 || 1;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const u = (x % 1_000_000) / 1_000_000;
    out.push(Math.max(1, Math.round(medianUs * Math.exp(3 * (u - 0.5)) * (i % 97 === 0 ? 20 : 1))));
  }
  return out;
}
