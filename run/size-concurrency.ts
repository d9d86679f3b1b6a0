/**
 * How many devices are connected at once at the busiest moment of a run, estimated before it
 * starts, for the size check's open-file and per-connection memory figures. A device is
 * connected from its first report to its last (the transports close its connection when it is
 * done), so the count at time t is the devices that arrived before t and have not finished:
 * with N(t) the arrivals by t and a sample of device lifetimes l_i,
 *   connected(t) = mean over i of N(t) - N(t - l_i)
 * and the peak is its largest value over the run. N(t) comes from the load model (the open
 * model's stages, the closed model's ramp, or the cohorts' own arrival delays); the lifetimes from
 * simulating a few devices of each cohort up front, which takes milliseconds and no network.
 * The closed model with `hold`, and stuck devices, keep connections to the end: every device counts.
 */
import { compileDelay, parseDuration, sampleFrom } from '../core/delay.js';
import { Rng } from '../core/rng.js';
import { buildFleet, scaleCounts } from '../agent/fleet/fleet.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { Simulator } from '../agent/sim/simulator.js';

export interface Concurrency {
  /** Devices connected at once at the busiest moment (at most the devices of the run). */
  peak: number;
  /** How it was reached, for the size check's message. */
  why: string;
}

/** Devices simulated per cohort for the lifetimes. */
const SAMPLE_PER_COHORT = 200;
/** Points of the run's timeline at which connected(t) is evaluated. */
const GRID = 600;
/** Room for what an average over sampled lifetimes misses (a long tail the sample did not draw). */
const MARGIN = 1.2;

/** The busiest moment's connected devices, for a run of `devices` devices. */
export function peakConnected(scenario: Scenario, devices: number): Concurrency {
  const load = scenario.load;
  if (load?.model === 'closed' && load.hold !== undefined)
    return { peak: devices, why: 'the closed model holds every connection until its hold ends' };
  if (scenario.faults.some((f) => f.kind === 'stuck'))
    return { peak: devices, why: 'stuck devices keep their connections open to the end' };
  const lifetimes = sampleLifetimes(scenario);
  const arrived = arrivalCurve(scenario, devices);
  if (!arrived || lifetimes.length === 0) return { peak: devices, why: 'every device arrives at once' };
  // After the last arrival N(t) stays and every N(t - l) grows: the peak is at or before it.
  let peak = 0;
  for (let g = 0; g <= GRID; g++) {
    const t = (arrived.lastMs * g) / GRID;
    const now = arrived.by(t);
    let sum = 0;
    for (const l of lifetimes) sum += now - arrived.by(t - l);
    peak = Math.max(peak, sum / lifetimes.length);
  }
  const estimate = Math.min(devices, Math.ceil(peak * MARGIN));
  const sorted = [...lifetimes].sort((a, b) => a - b);
  return {
    peak: estimate,
    why: `about ${estimate.toLocaleString('en-US')} connected at once at the busiest moment: devices arrive over ${fmtMs(arrived.lastMs)}, and of ${sorted.length} simulated up front half were done within ${fmtMs(sorted[Math.floor(sorted.length / 2)]!)}, the longest after ${fmtMs(sorted.at(-1)!)}`,
  };
}

/** Simulated ms from each sampled device's first report to its last. */
function sampleLifetimes(scenario: Scenario): number[] {
  // Quotas and faults are scenario-wide choices that a small sample cannot meet: left out here.
  const sample: Scenario = {
    ...scenario,
    cohorts: scenario.cohorts.map((c) => ({ ...c, count: Math.min(c.count, SAMPLE_PER_COHORT) })),
    quotas: [],
    faults: [],
  };
  const fleet = buildFleet(sample);
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: scenario.seed });
  const span = new Map<string, { first: number; last: number }>();
  sim.runToEnd((e) => {
    const s = span.get(e.inst.device.id);
    if (s) s.last = e.step.at;
    else span.set(e.inst.device.id, { first: e.step.at, last: e.step.at });
  });
  return [...span.values()].map((s) => Math.max(1, s.last - s.first));
}

/** N(t): devices arrived by simulated ms t after the start; undefined when all arrive at 0. */
function arrivalCurve(scenario: Scenario, devices: number): { by: (t: number) => number; lastMs: number } | undefined {
  const load = scenario.load;
  if (load?.model === 'open') {
    const stages = load.stages.map((s) => ({ ms: parseDuration(s.duration)!, target: s.target }));
    const lastMs = openTimeOf(load.startRate, stages, devices);
    return { by: (t) => Math.min(devices, openArrivedBy(load.startRate, stages, t)), lastMs };
  }
  if (load?.model === 'closed' && load.rampUp !== undefined) {
    const ramp = parseDuration(load.rampUp)!;
    if (ramp === 0) return undefined;
    return { by: (t) => devices * Math.min(1, Math.max(0, t / ramp)), lastMs: ramp };
  }
  // each cohort's own arrival delay, drawn as the fleet draws it
  const counts = scaleCounts(
    scenario.cohorts.map((c) => c.count),
    devices,
  );
  const rng = new Rng('size-check');
  const draws = scenario.cohorts.map((c) => {
    const d = compileDelay(c.arrival);
    return Array.from({ length: 400 }, () => sampleFrom(d, rng.next(), rng.next())).sort((a, b) => a - b);
  });
  const lastMs = Math.max(...draws.map((d) => d.at(-1) ?? 0));
  if (lastMs === 0) return undefined;
  const by = (t: number) => {
    let n = 0;
    draws.forEach((d, i) => {
      n += (counts[i]! * countUpTo(d, t)) / d.length;
    });
    return n;
  };
  return { by, lastMs };
}

/** Arrivals by t under the open model's piecewise-linear rate (devices per second). */
function openArrivedBy(startRate: number, stages: { ms: number; target: number }[], t: number): number {
  if (t <= 0) return 0;
  let t0 = 0;
  let r0 = startRate;
  let done = 0;
  for (const s of stages) {
    if (t <= t0 + s.ms) {
      const x = (t - t0) / 1000;
      const secs = s.ms / 1000;
      return done + r0 * x + ((s.target - r0) * x * x) / (2 * secs);
    }
    done += ((r0 + s.target) / 2) * (s.ms / 1000);
    t0 += s.ms;
    r0 = s.target;
  }
  // past the last stage the last rate goes on; at rate 0 everyone left arrives at the end
  return r0 > 0 ? done + (r0 * (t - t0)) / 1000 : Number.POSITIVE_INFINITY;
}

/** When the `devices`-th device arrives: the first t where N(t) reaches it. */
function openTimeOf(startRate: number, stages: { ms: number; target: number }[], devices: number): number {
  let lo = 0;
  let hi = stages.reduce((a, s) => a + s.ms, 0) + 1;
  while (openArrivedBy(startRate, stages, hi) < devices && hi < 1e15) hi *= 2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (openArrivedBy(startRate, stages, mid) >= devices) hi = mid;
    else lo = mid;
  }
  return hi;
}

function countUpTo(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function fmtMs(ms: number): string {
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} days`;
}
