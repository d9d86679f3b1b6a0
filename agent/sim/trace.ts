/**
 * One device's exact path, computed alone with no network: the fleet is built with the same
 * scenario, seed and size as the run (so quota choices agree), only that device is kept, and its
 * installations are walked by the same engine. What it prints is what that device sent in a run.
 */
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
}

export interface DeviceTrace {
  device: DeviceSpec;
  /** The quota each app's installation meets (index into scenario.quotas), -1 for none. */
  quotaRoles: Record<string, number>;
  steps: TraceStep[];
  startMs: number;
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
  const sim = new Simulator(fleet, { startMs: fleet.startMs, seed, recordPaths: true });
  const steps: TraceStep[] = [];
  sim.runToEnd((e) => {
    const s = e.step;
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
    });
  });
  return { device, quotaRoles: device.quotaRoles ?? {}, steps, startMs: fleet.startMs };
}
