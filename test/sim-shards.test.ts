/**
 * The devices-parallel bench's shards are the whole fleet split: on a small fleet, K shards on K
 * worker threads (the built dist/, as the bench runs it) take exactly the transitions, with the
 * same order-free checksum, as one thread and as the simulator run here in this process.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import { devicesScenarioText } from '../bench/devices-scenario.js';
import { ROOT } from './helpers.js';

type Shards = typeof import('../bench/sim-shards.js');
const DIST = join(ROOT, 'dist');

describe('simulator shards on worker threads', () => {
  it('add up to the whole fleet, transition for transition', async () => {
    const { simulateShards } = (await import(join(DIST, 'bench', 'sim-shards.js'))) as Shards;
    const devices = 3_001;
    const apps = 2;
    const scenario = parseScenario(devicesScenarioText(apps), 'devices-bench.yaml');
    const fleet = buildFleet(scenario, { devices });
    const sim = new Simulator(fleet, { startMs: fleet.startMs, seed: scenario.seed });
    let transitions = 0;
    let checksum = 0;
    for (let i = sim.next(); i >= 0; i = sim.next()) {
      transitions++;
      checksum += sim.outSeq * 65_536 + sim.outNode;
    }
    expect(transitions).toBeGreaterThan(devices);

    const one = await simulateShards(DIST, devices, apps, 1, 512);
    const three = await simulateShards(DIST, devices, apps, 3, 512);
    expect(one.transitions).toBe(transitions);
    expect(one.checksum).toBe(checksum);
    expect(three.devices).toBe(devices);
    expect(three.perShard).toHaveLength(3);
    expect(three.perShard.every((n) => n > 0)).toBe(true);
    expect(three.perShard.reduce((a, b) => a + b, 0)).toBe(transitions);
    expect(three.transitions).toBe(transitions);
    expect(three.checksum).toBe(checksum);
  });
});
