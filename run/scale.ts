/**
 * The drive options that come from the scenario's load model: window, pacing, and the closed
 * model's hold.
 */
import { parseDuration } from '../core/delay.js';
import type { Fleet } from '../agent/fleet/fleet.js';
import { holdUntil } from '../agent/fleet/arrivals.js';
import type { DriveOptions } from '../drive/drive.js';
import type { Scenario } from '../agent/scenario/schema.js';

/** Window, pacing and hold from the scenario's `load`. */
export function driveLoadOptions(
  scenario: Scenario,
  fleet: Fleet,
  simStartMs: number,
): Pick<DriveOptions, 'window' | 'rate' | 'holdUntilSimMs'> {
  const load = scenario.load;
  const out: Pick<DriveOptions, 'window' | 'rate' | 'holdUntilSimMs'> = { window: load?.window ?? 'adaptive' };
  // the rate is the fleet's (as in k6 and every load tool): a part of a split run (a worker, a
  // shard) paces at its share of the devices, so the parts together send at the scenario's rate
  if (load?.rate !== undefined) out.rate = fleet.options.shard ? shareOf(load.rate, fleet) : load.rate;
  const rampUp = load?.model === 'closed' ? load.rampUp : undefined;
  let lastArrival = rampUp !== undefined ? parseDuration(rampUp)! : 0;
  if (rampUp === undefined) for (const d of fleet.devices) if (d.arrivalMs > lastArrival) lastArrival = d.arrivalMs;
  const hold = holdUntil(load, lastArrival);
  if (hold !== undefined) out.holdUntilSimMs = simStartMs + hold;
  return out;
}

/** This part's share of the fleet's rate, by its devices. */
function shareOf(rate: number, fleet: Fleet): number {
  return fleet.total === 0 ? rate : (rate * fleet.devices.length) / fleet.total;
}
