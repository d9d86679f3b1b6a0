/**
 * Arrival times from a scenario's load model. The k-th device of the fleet (by index, so shards
 * and workers agree) arrives when the cumulative arrivals reach k. Pure.
 */
import { parseDuration } from '../../core/delay.js';
import type { LoadModel, LoadOf, LoadSpec } from '../scenario/load-schema.js';

type Arrivals<M extends LoadModel> = (load: LoadOf<M>, total: number) => ((index: number) => number) | undefined;

/** Each load model's arrivals, picked once by the model's name. */
const ARRIVALS: { [M in LoadModel]: Arrivals<M> } = {
  closed: (load, total) => {
    if (load.rampUp === undefined) return undefined;
    const ramp = parseDuration(load.rampUp)!;
    return (i) => (total <= 1 ? 0 : Math.floor((ramp * i) / total));
  },
  open: (load) => {
    const stages = load.stages.map((s) => ({ ms: parseDuration(s.duration)!, target: s.target }));
    return (i) => openArrival(load.startRate, stages, i);
  },
};

/** Returns index -> simulated ms after the start, or undefined to keep the cohorts' arrival. */
export function arrivalFunction(load: LoadSpec | undefined, total: number): ((index: number) => number) | undefined {
  if (!load) return undefined;
  return (ARRIVALS[load.model] as Arrivals<LoadModel>)(load, total);
}

/** Time at which cumulative arrivals reach k under piecewise-linear rates (per second). */
export function openArrival(startRate: number, stages: { ms: number; target: number }[], k: number): number {
  let t0 = 0;
  let r0 = startRate;
  let done = 0;
  for (const s of stages) {
    const secs = s.ms / 1000;
    const r1 = s.target;
    const inStage = ((r0 + r1) / 2) * secs;
    if (done + inStage > k && secs > 0) {
      // Solve done + r0 x + (r1 - r0) x^2 / (2 secs) = k for x in seconds.
      const need = k - done;
      const a = (r1 - r0) / (2 * secs);
      const x = Math.abs(a) < 1e-12 ? need / r0 : (-r0 + Math.sqrt(Math.max(0, r0 * r0 + 4 * a * need))) / (2 * a);
      return Math.floor(t0 + x * 1000);
    }
    done += inStage;
    t0 += s.ms;
    r0 = r1;
  }
  // Past the last stage: the last rate goes on; at rate 0 everyone left arrives at the end.
  return r0 > 0 ? Math.floor(t0 + ((k - done) / r0) * 1000) : Math.floor(t0);
}

/** Simulated ms after the start until which connections are held, or undefined for no hold. */
export function holdUntil(load: LoadSpec | undefined, lastArrivalMs: number): number | undefined {
  if (load?.model !== 'closed' || load.hold === undefined) return undefined;
  return lastArrivalMs + parseDuration(load.hold)!;
}
