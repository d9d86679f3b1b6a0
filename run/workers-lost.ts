/** A --workers run some of whose workers died: the report of those that finished. */
import type { Scenario } from '../agent/scenario/schema.js';
import { mergeResults } from '../result/merge.js';
import type { RunResult } from '../result/result.js';
import type { RunOptions } from './run-options.js';
import { sizeOf } from './size-check.js';

/**
 * The report of the workers that finished when others died: their figures as they are, the lost
 * workers named with how many devices they had. Tallies are not compared: a lost worker's events
 * were partly acknowledged, so the endpoint holds events no surviving ground truth has. The
 * verdict is the simulator's give-up, exit 4, never a mismatch blamed on the endpoint.
 */
export function reportWithout(
  parts: RunResult[],
  lost: string[],
  scenario: Scenario,
  opts: RunOptions,
  target: { kind: RunResult['target']['kind']; url: string },
): RunResult {
  const reason = `${lost.join('; ')}: its devices were partly sent, so the endpoint's tallies cannot be compared with the other workers' ground truth`;
  const merged = mergeResults(parts, {
    sharedTarget: true,
    tallies: { kind: 'unavailable', reason },
    target: { kind: target.kind, url: target.url },
  });
  const missing = sizeOf(scenario, opts.devices).devices - merged.devices.total;
  merged.lostWorkers = { workers: lost, devices: missing };
  merged.gaveUp = {
    events: merged.gaveUp?.events ?? 0,
    reason: `${lost.join('; ')} (its ${missing.toLocaleString('en-US')} devices are not in this report)${merged.gaveUp ? `; ${merged.gaveUp.reason}` : ''}`,
  };
  return { ...merged, passed: false, verdict: 'gave up', exitCode: 4 };
}
