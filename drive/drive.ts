/**
 * The run loop: pulls steps from the simulator when virtual time and the in-flight window allow,
 * encodes and sends them through the transport, and counts acknowledgements. Wall time and timers
 * come in through the clock (core/clock.ts) so tests can drive it. The stages live in drive-loop.ts.
 */
import type { StatusEvent } from '../protocol/event.js';
import { EVENT_SCHEMA_VERSION } from '../protocol/event.js';
import { RunMetrics } from './metrics.js';
import type { Emitted, Simulator } from '../agent/sim/simulator.js';
import type { Transport } from '../transport/types.js';
import { DriveLoop } from './drive-loop.js';
import type { DriveOptions } from './options.js';

export type { DriveOptions, WireEncoder } from './options.js';

export function toEvent(e: Emitted, wallTs: number): StatusEvent {
  const { inst, step } = e;
  const ev: StatusEvent = {
    v: EVENT_SCHEMA_VERSION,
    deviceId: inst.device.id,
    platform: inst.device.platform,
    appId: inst.app.id,
    appVersion: step.version,
    jobId: `${inst.app.id}@${step.version}`,
    seq: e.seq,
    status: step.status,
    state: step.state,
    simTs: step.at,
    wallTs: Math.round(wallTs),
  };
  if (step.native) ev.native = step.native;
  if (e.enrolment) ev.enrolment = e.enrolment;
  return ev;
}

/**
 * Drives the simulator to its end through the transport. Resolves when every event is settled.
 * Three things hold an event back: its simulated time not yet due (time scale), the in-flight
 * window, and the pacer. Held devices (closed model) are released when the hold ends.
 */
export function drive(
  sim: Simulator,
  transport: Transport,
  opts: DriveOptions,
  metrics = new RunMetrics(),
): Promise<RunMetrics> {
  return new DriveLoop(sim, transport, opts, metrics).run();
}
