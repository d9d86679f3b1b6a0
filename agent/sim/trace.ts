/**
 * One device's exact path, computed alone with no network: the fleet is built with the same
 * scenario, seed and size as the run (so quota choices agree), only that device is kept, and its
 * installations are walked by the same engine. What it prints is what that device sent in a run.
 */
import { describeEffects, eventEffects } from '../faults/effects.js';
import { faultsOf, MOMENT_KINDS, momentOf, planFaults } from '../faults/plan.js';
import { buildFleet, type DeviceSpec } from '../fleet/fleet.js';
import type { Scenario } from '../scenario/schema.js';
import { Simulator } from './simulator.js';

export interface TraceStep {
  deviceId: string;
  appId: string;
  appVersion: string;
  seq: number;
  simTs: number;
  status: string;
  state: string;
  native?: string;
  /** Model transitions taken since the previous step. */
  via: string[];
  why: string;
  /** What the scenario's faults did to this event (sent twice, held back, delayed, skewed). */
  faults?: string[];
  /** The device's enrolment when it is not the first (after a factory reset). */
  enrolment?: number;
}

/** A fault that strikes the traced device. */
export interface TraceFault {
  name: string;
  kind: string;
  clock: 'sim' | 'wall';
  /** Its window: simulated ms since the epoch, or wall ms from the drive's start. */
  from: number;
  to: number;
  /** For a moment kind: when it strikes this device (same clock). */
  at?: number;
  /** stuck: installations still in progress when it struck (0: the device had finished; it changed nothing). */
  inProgress?: number;
}

export interface DeviceTrace {
  device: DeviceSpec;
  /** The quota each app's installation meets (index into scenario.quotas), -1 for none. */
  quotaRoles: Record<string, number>;
  steps: TraceStep[];
  startMs: number;
  /** The faults that strike this device, in scenario order. */
  faults: TraceFault[];
}

export interface TraceOptions {
  seed?: number | string;
  /** The total devices given to `run --devices`, when it was given. */
  devices?: number;
}

/** Returns undefined when the scenario has no such device. */
export function traceDevice(scenario: Scenario, deviceId: string, opts: TraceOptions = {}): DeviceTrace | undefined {
  const seed = opts.seed ?? scenario.seed;
  const fleet = buildFleet(scenario, {
    onlyDevice: deviceId,
    seed,
    ...(opts.devices !== undefined ? { devices: opts.devices } : {}),
  });
  const device = fleet.devices[0];
  if (!device) return undefined;
  const plan = planFaults(scenario, { seed, ...(opts.devices !== undefined ? { devices: opts.devices } : {}) });
  const mine = faultsOf(plan, device.id);
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed, recordPaths: true, faults: plan });
  const steps: TraceStep[] = [];
  sim.runToEnd((e) => {
    const s = e.step;
    const effects = mine.length ? eventEffects(mine, device.id, e.inst.app.id, e.seq, s.at, undefined) : undefined;
    steps.push({
      deviceId: device.id,
      appId: e.inst.app.id,
      appVersion: s.version,
      seq: e.seq,
      simTs: s.at,
      status: s.status,
      state: s.state,
      ...(s.native ? { native: s.native } : {}),
      via: s.via,
      why: s.why,
      ...(effects ? { faults: describeEffects(effects) } : {}),
      ...(e.enrolment ? { enrolment: e.enrolment } : {}),
    });
  });
  const faults = mine.map((f) => ({
    name: f.name,
    kind: f.kind,
    clock: f.clock,
    from: f.from,
    to: f.to,
    ...(MOMENT_KINDS.has(f.kind) ? { at: momentOf(f, device.id) } : {}),
    ...struckAt(sim, f.index),
  }));
  return { device, quotaRoles: device.quotaRoles ?? {}, steps, startMs: fleet.startMs, faults };
}

/** When and how a device fault really struck in the walk (a moment before arrival strikes at it). */
function struckAt(sim: Simulator, fault: number): { at: number; inProgress: number } | Record<string, never> {
  const s = sim.deviceFaults.struck.find((x) => x.fault === fault);
  return s ? { at: s.at, inProgress: s.inProgress } : {};
}
