/** What a drive is told: its pacing, window, hold, clock, observers, stop signal and the target's own wire. */
import type { Emitted } from '../agent/sim/simulator.js';
import type { Clock } from '../core/clock.js';
import type { FaultPlan } from '../agent/faults/plan.js';
import type { DriveObserver } from './observer.js';
import type { FaultCounts } from './fault-counts.js';

export interface DriveOptions {
  /** Simulated seconds per real second, or 'asap'. */
  timeScale: number | 'asap';
  /** Most events in flight: the window's ceiling. */
  maxInFlight: number;
  /** "adaptive" lets the window find the endpoint's capacity below maxInFlight. @default "fixed" */
  window?: 'adaptive' | 'fixed';
  /** Most events sent per real second (pacing). @default no cap */
  rate?: number;
  /** Keep devices connected until this simulated time (the closed model's steady state). */
  holdUntilSimMs?: number;
  /** Simulated epoch of the scenario start. */
  simStartMs: number;
  /** @default systemClock */
  clock?: Clock;
  /** What watches the drive (metrics sampling, thresholds, progress, logs, ground-truth hooks). */
  observers?: readonly DriveObserver[];
  /** Aborting it stops the supply of new events: what is in flight settles, held devices go, and the drive resolves. */
  signal?: AbortSignal;
  /**
   * Give up on the run when nothing is acknowledged (or refused outright) for this long while
   * events are in flight: a target answering 429 forever, or gone. What is in flight then counts
   * as given up, no new events go out, and the drive resolves with metrics.gaveUpReason. @default 60000
   */
  stallMs?: number;
  /** After the signal, the longest wait for events in flight; those still unsettled then count as failed. @default 10000 */
  settleMs?: number;
  /** Given once, at the start: reads the in-flight count and the window's size (progress, metrics). */
  expose?: (live: () => { inFlight: number; window: number }) => void;
  /** A target's own wire (compiled templates); fleetsim's built-in encoder otherwise. */
  wire?: WireEncoder | undefined;
  /** The scenario's fault plan: its event faults are applied between the simulator and the transport. */
  faults?: FaultPlan;
  /** Where the faults' counts go (per fault index). */
  faultCounts?: (counts: FaultCounts) => void;
}

/** How a target of the user's own wants each event: its bytes, topic or path, and device id. */
export interface WireEncoder {
  body(e: Emitted, wallTs: number): string;
  /** The MQTT topic or HTTP path of the event. */
  route(e: Emitted, wallTs: number): string;
  deviceId(e: Emitted): string;
}
