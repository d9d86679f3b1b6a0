/**
 * One fleetsim pass of another checkout (its own built dist/), against a running endpoint, in the
 * same shape as mqtt-fleetsim.ts and http-fleetsim.ts: the tree's own bench fleet and runScenario,
 * sampled every 100 ms through the run's progress hook. compare-trees.ts runs it for the old and
 * the new tree alike, so the two differ only in the code that sends. A tree from before the
 * redesign has runScenario in dist/agent/runner.js and only the mqtt.js client.
 *
 *   node dist/bench/passes/tree-fleetsim.js --tree DIR --transport mqtt|http --target URL --tallies URL
 *     --peer-pid N [--devices N] [--connections N] [--in-flight 256] [--client mqtt.js|lean]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BenchError } from '../bench-error.js';
import { report } from '../method/pass.js';
import { argOf, argText } from '../method/stats.js';
import { Sampler, steadyState } from '../method/steady.js';

interface TreeResult {
  events: { acked: number; failed: number; lastError?: string };
  durationMs: number;
}
type RunScenario = (scenario: unknown, opts: Record<string, unknown>) => Promise<TreeResult>;

const tree = argText('tree', '');
const dist = join(tree, 'dist');
const entry = [join(dist, 'run', 'run-scenario.js'), join(dist, 'agent', 'runner.js')].find((f) => existsSync(f));
if (!entry)
  throw new BenchError(`--tree ${tree}: no dist/run/run-scenario.js nor dist/agent/runner.js; build it first`);
// the old layout has one MQTT client (mqtt.js) and no client flag; the new one defaults to lean
const redesigned = entry.includes(join('run', 'run-scenario.js'));
const { runScenario } = (await import(pathToFileURL(entry).href)) as { runScenario: RunScenario };
const { benchScenario } = (await import(pathToFileURL(join(dist, 'bench', 'bench-fleet.js')).href)) as {
  benchScenario: (devices: number, transport: string, maxInFlight: number) => unknown;
};

const transport = argText('transport', 'mqtt');
const connections = argOf('connections', transport === 'http' ? 32 : 16);
const client = argText('client', 'mqtt.js') === 'lean' ? 'lean' : 'mqtt.js';
const flags =
  transport === 'http'
    ? { connections, pipelining: 1, batch: 1 }
    : { sharedConnections: connections, qos: 1, ...(redesigned ? { client } : {}) };
// HTTP: twice as many in flight as connections, as http-fleetsim.ts does
const inFlight = transport === 'http' ? connections * 2 : argOf('in-flight', 256);
let acked = 0;
const sampler = new Sampler(() => acked, argOf('peer-pid', 0) || undefined);
const r = await runScenario(benchScenario(argOf('devices', 100_000), transport, inFlight), {
  scenarioFile: 'bench',
  transport,
  target: argText('target', ''),
  talliesUrl: argText('tallies', ''),
  deferReconcile: true,
  transportFlags: flags,
  tickMs: 100,
  onTick: (s: { acked: number }) => {
    acked = s.acked;
    sampler.take();
  },
});
if (r.events.failed) throw new BenchError(`${r.events.failed} events failed: ${r.events.lastError}`);
acked = r.events.acked;
report({ ...steadyState(sampler.stop()), total: { events: r.events.acked, seconds: r.durationMs / 1000 } });
