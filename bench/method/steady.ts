/**
 * Steady state from a time series of (wall time, events acknowledged, CPU of this process, CPU of
 * the peer). A pass's first part pays for JIT warm-up, connecting, and the first garbage
 * collections; its end drains the window. Both are cut off, measured and reported on their own:
 * the warm-up is everything before `warmFraction` of the pass's events were acknowledged (and at
 * least `warmMinMs`), the steady window runs from there to `endFraction` of them.
 */
import { BenchError } from '../bench-error.js';
import { pidCpuUs, selfCpuUs } from './cpu.js';

export interface Sample {
  atMs: number;
  events: number;
  cpuUs: number;
  peerCpuUs: number;
}

export interface Phase {
  seconds: number;
  events: number;
  eventsPerSec: number;
  /** This process's CPU per event, µs. */
  cpuUsPerEvent: number;
  /** The peer's (the endpoint's) CPU per event, µs; 0 without a peer. */
  peerCpuUsPerEvent: number;
}

export interface SteadyState {
  warmup: Phase;
  steady: Phase;
  samples: number;
}

/** Samples every `everyMs` from `events()`; `stop()` takes a last sample and returns them all. */
export class Sampler {
  readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly events: () => number,
    private readonly peerPid?: number,
  ) {}

  take(): void {
    this.samples.push({
      atMs: performance.now(),
      events: this.events(),
      cpuUs: selfCpuUs(),
      peerCpuUs: this.peerPid ? pidCpuUs(this.peerPid) : 0,
    });
  }

  start(everyMs = 100): this {
    this.take();
    this.timer = setInterval(() => this.take(), everyMs);
    return this;
  }

  stop(): Sample[] {
    if (this.timer) clearInterval(this.timer);
    this.take();
    return this.samples;
  }
}

function phase(a: Sample, b: Sample): Phase {
  const events = b.events - a.events;
  const seconds = (b.atMs - a.atMs) / 1000;
  const per = (us: number) => (events > 0 ? Math.round((us / events) * 100) / 100 : 0);
  return {
    seconds: Math.round(seconds * 100) / 100,
    events,
    eventsPerSec: seconds > 0 ? Math.round(events / seconds) : 0,
    cpuUsPerEvent: per(b.cpuUs - a.cpuUs),
    peerCpuUsPerEvent: per(b.peerCpuUs - a.peerCpuUs),
  };
}

export function steadyState(
  samples: Sample[],
  opts: { warmFraction?: number; warmMinMs?: number; endFraction?: number } = {},
): SteadyState {
  const first = samples.find((s) => s.events > 0) ?? samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last) throw new BenchError('steady state of no samples');
  // The warm-up starts with the sample before the first acknowledgement: connecting counts.
  const start = samples[Math.max(0, samples.indexOf(first) - 1)]!;
  const total = last.events;
  const warmAt = total * (opts.warmFraction ?? 0.2);
  const endAt = total * (opts.endFraction ?? 0.9);
  const minAt = start.atMs + (opts.warmMinMs ?? 1000);
  const warmEnd = samples.find((s) => s.events >= warmAt && s.atMs >= minAt) ?? last;
  const steadyEnd = samples.find((s) => s.events >= endAt && s.atMs > warmEnd.atMs) ?? last;
  return { warmup: phase(start, warmEnd), steady: phase(warmEnd, steadyEnd), samples: samples.length };
}
