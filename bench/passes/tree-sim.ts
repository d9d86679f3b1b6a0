/**
 * The simulator of one checkout (its built dist/) alone, in CPU time: the four-platform bench
 * fleet built and driven to its end with no network, transitions per CPU-second of this process.
 * CPU time rather than wall time, so a loaded machine moves it little; compare-trees.ts runs it for
 * the old and the new tree alternately. Both layouts are found (agent/sim.js before the redesign).
 *
 *   node dist/bench/passes/tree-sim.js --tree DIR [--devices 100000]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BenchError } from '../bench-error.js';
import { report } from '../method/pass.js';
import { argOf, argText } from '../method/stats.js';

const dist = join(argText('tree', ''), 'dist');
async function load<T>(...paths: string[]): Promise<T> {
  const file = paths.map((p) => join(dist, p)).find((f) => existsSync(f));
  if (!file) throw new BenchError(`${dist}: none of ${paths.join(', ')}; build the tree first`);
  return (await import(pathToFileURL(file).href)) as T;
}
type Sim = { pop(): unknown };
const { buildFleet } = await load<{ buildFleet: (s: unknown, o: { devices: number }) => unknown }>(
  'agent/fleet/fleet.js',
  'agent/fleet.js',
);
const { parseScenario } = await load<{
  parseScenario: (text: string, file: string) => { startTime: string; seed: number };
}>('agent/scenario/load.js');
const { Simulator } = await load<{ Simulator: new (fleet: unknown, o: { startMs: number; seed: number }) => Sim }>(
  'agent/sim/simulator.js',
  'agent/sim.js',
);
const scenario = parseScenario(
  `
name: devices-bench
seed: 5
apps:
  - { id: com.acme.mail, version: 1.0.0, ios: { kind: vpp } }
cohorts:
  - { name: ios, platform: ios, count: 250, supervised: 0.8 }
  - { name: android, platform: android, count: 250 }
  - { name: windows, platform: windows, count: 250 }
  - { name: dme, platform: dme, count: 250, method: 0.8 }
`,
  'devices-bench.yaml',
);
const cpu = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};
const c0 = cpu();
const sim = new Simulator(buildFleet(scenario, { devices: argOf('devices', 100_000) }), {
  startMs: Date.parse(scenario.startTime),
  seed: scenario.seed,
});
const c1 = cpu();
let transitions = 0;
while (sim.pop()) transitions++;
const c2 = cpu();
report({
  transitions,
  buildCpuMs: Math.round((c1 - c0) / 1000),
  transitionsPerCpuSec: Math.round(transitions / ((c2 - c1) / 1e6)),
});
