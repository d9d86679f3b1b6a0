/**
 * Prepares a run, with no I/O: the fleet (this shard of it), the simulator over it, the
 * thresholds, and the drive options the scenario's load model asks for.
 */
import { parseDuration } from '../core/delay.js';
import { type FaultPlan, planFaults } from '../agent/faults/plan.js';
import { buildFleet, type Fleet } from '../agent/fleet/fleet.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { thresholdsOf, type Threshold } from '../agent/scenario/thresholds.js';
import { Simulator } from '../agent/sim/simulator.js';
import type { DriveOptions } from '../drive/drive.js';
import type { RunOptions, RunPlan } from './run-options.js';
import { driveLoadOptions } from './scale.js';

export interface Prepared {
  fleet: Fleet;
  sim: Simulator;
  /** Simulated epoch of the scenario start. */
  simStartMs: number;
  thresholds: Threshold[];
  /** The scenario's faults: which devices, moments and events each strikes (the whole fleet's, whatever the shard). */
  faults: FaultPlan;
  /** Every app id of the scenario, sorted: what reconciliation reads and compares. */
  appIds: string[];
  /** The drive's options apart from what the run attaches (clock, observers, signal). */
  drive: Omit<DriveOptions, 'clock' | 'observers' | 'signal' | 'faultCounts'>;
}

export function prepare(scenario: Scenario, opts: RunOptions, plan: RunPlan): Prepared {
  const fleet = buildFleet(scenario, {
    seed: plan.seed,
    ...(opts.devices !== undefined ? { devices: opts.devices } : {}),
    ...(opts.shard ? { shard: opts.shard } : {}),
  });
  const simStartMs = fleet.startMs;
  const faults = planFaults(scenario, {
    seed: plan.seed,
    ...(opts.devices !== undefined ? { devices: opts.devices } : {}),
  });
  return {
    fleet,
    sim: new Simulator(fleet, { startMs: simStartMs, seed: plan.seed, faults }),
    simStartMs,
    faults,
    thresholds: thresholdsOf(scenario.thresholds),
    appIds: [...new Set(scenario.apps.map((a) => a.id))].sort(),
    drive: {
      timeScale: scenario.timeScale,
      maxInFlight: opts.maxInFlight ?? scenario.maxInFlight,
      // a scenario built in code (tests) may lack the default
      stallMs: opts.stallMs ?? parseDuration(scenario.giveUpAfter ?? '60s')!,
      simStartMs,
      faults,
      ...driveLoadOptions(scenario, fleet, simStartMs),
    },
  };
}
