/**
 * A finished run's ground truth, simulated again: the same scenario, seed and fleet size give the
 * same devices and the same last report of every installation (no network: the simulator alone),
 * so `fleetsim reconcile` can check device by device later, as the live run did, without the run
 * keeping a row per device. It is trusted only where it gives the run's own expected tallies
 * (report.json keeps them): a scenario edited since, a fleet changed by flags, or a run that
 * stopped early gives other ones, and the device check is then skipped with the reason. A shard's
 * report is its part of the fleet: simulated as that shard, its devices are checked alone.
 */
import { existsSync } from 'node:fs';
import { planFaults } from '../agent/faults/plan.js';
import { buildFleet } from '../agent/fleet/fleet.js';
import type { Scenario } from '../agent/scenario/schema.js';
import { type Installation, Simulator } from '../agent/sim/simulator.js';
import { expectedTallies, reconcile } from '../reconcile/reconcile.js';
import type { RunResult } from '../result/result.js';
import { sizeOf } from './size-check.js';

export type GroundTruth = { installs: readonly Installation[] } | { reason: string };

/** The scenario file of a report, where it can still be read. */
export function scenarioFileOf(result: RunResult, given?: string): string | undefined {
  const file = given ?? result.scenario.file;
  return existsSync(file) ? file : undefined;
}

/** Why this run's ground truth cannot be simulated again, before trying. */
function notAgain(result: RunResult): string | undefined {
  if (result.aborted)
    return `the run stopped early (${result.aborted.reason}), so what its devices last sent depends on when`;
  if (result.lostWorkers) return 'workers of the run were lost, so its report does not cover every device';
  const b = result.reconciliation.baseline;
  if (b && (b.reused > 0 || b.unmappedChange?.length) && !b.sent)
    return 'the run re-used device ids the target held (a baseline), and its report (from an older fleetsim) keeps no ground truth to check a fleet simulated again against';
  return undefined;
}

/** Simulates the run's fleet (a shard's part of it) again and checks it against the run's expected tallies. */
export function groundTruthAgain(result: RunResult, scenario: Scenario, file: string): GroundTruth {
  const why = notAgain(result);
  if (why) return { reason: `${why}: devices are not checked one by one` };
  // a baseline run's expected tallies are a change: its own ground truth is kept beside them
  const expected = result.reconciliation.baseline?.sent ?? result.reconciliation.apps.map((a) => a.expected);
  for (const devices of fleetSizes(result, scenario)) {
    const opts = { seed: result.seed, ...(devices !== undefined ? { devices } : {}) };
    const fleet = buildFleet(scenario, { ...opts, ...(result.shard ? { shard: result.shard } : {}) });
    if (fleet.devices.length !== result.devices.total) continue;
    const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: result.seed, faults: planFaults(scenario, opts) });
    sim.runToEnd();
    const book = expectedTallies(sim.installs);
    if (
      reconcile(
        expected,
        expected.map((e) => book.get(e.appId)),
      ).match
    )
      return { installs: sim.installs };
  }
  return {
    reason: `${file} simulated again (seed ${result.seed}, ${result.devices.total} devices${result.shard ? ` in shard ${result.shard.index + 1}/${result.shard.count}` : ''}) does not give the run's expected tallies (the file changed since the run, or flags changed its fleet): devices are not checked one by one`,
  };
}

/** The whole fleet's sizes that may have given this report: the scenario's own, or the --devices
 * it ran with; a shard's report holds its own count only, so the sizes that split into it. */
function fleetSizes(result: RunResult, scenario: Scenario): (number | undefined)[] {
  const natural = sizeOf(scenario).devices;
  const n = result.shard?.count ?? 1;
  const near = Array.from({ length: 2 * n - 1 }, (_, k) => result.devices.total * n - (n - 1) + k).filter(
    (d) => d >= 1 && d !== natural,
  );
  return [undefined, ...near];
}
