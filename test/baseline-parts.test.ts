/**
 * The rows a baseline read before the run, handed to the parts of a split run: each worker (or
 * shard) gets only the rows of its own devices, by their wire ids (a namespace or a device-id
 * template changes them), and rows of devices outside the fleet go to none. Pure.
 */
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import type { DeviceRowLike } from '../reconcile/devices.js';
import { forWorkers, fromParent, wireIdsByPart } from '../run/read-baseline.js';
import { resolveRunTarget } from '../run/run-target.js';
import { tinyScenario } from './scenario-files.js';

const scenario = parseScenario(tinyScenario(), 'tiny.yaml');
const fleet = buildFleet(scenario, { seed: 5 });

describe('a baseline split between the parts of a run', () => {
  it.each([false, true])('each part gets the rows of its own devices only (namespace %s)', (namespace) => {
    const rt = resolveRunTarget(scenario, {
      target: 'mqtt://127.0.0.1:1',
      talliesUrl: 'http://127.0.0.1:1',
      runId: 'r7f3',
      ...(namespace ? { namespace: true } : {}),
    });
    const row = (deviceId: string): DeviceRowLike => ({
      deviceId,
      platform: 'ios',
      status: 'installed',
      state: 'installed',
      seq: 2,
    });
    const wireIds = fleet.devices.map((d) => rt.wire.wireDeviceId(d));
    if (namespace) expect(wireIds[0]).toMatch(/\.r7f3$/);
    const held = new Map([['com.acme.mail', new Map([...wireIds, 'legacy-0001'].map((id) => [id, row(id)]))]]);
    const own = wireIdsByPart(fleet, rt, 3);
    const parts = own.map((ids) => fromParent(forWorkers({ pairs: 41, previous: held }, ids)));
    const given = parts.map((p) => [...p.previous!.get('com.acme.mail')!.keys()]);
    // disjoint, together every device of the fleet, the legacy device in none
    expect(given.flat().sort()).toEqual([...wireIds].sort());
    for (const [k, ids] of given.entries())
      for (const id of ids) expect(fleet.devices[wireIds.indexOf(id)]!.index % 3).toBe(k);
    expect(parts.every((p) => p.pairs === 41)).toBe(true);
    // without `own` (one part): every row
    expect(fromParent(forWorkers({ pairs: 41, previous: held })).previous!.get('com.acme.mail')!.size).toBe(41);
  });
});
