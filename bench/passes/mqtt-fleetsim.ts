/**
 * One fleetsim pass over MQTT in shared-connection mode against a running endpoint: the bench
 * fleet driven to its end, sampled every 100 ms through the run's progress hook.
 *
 *   node dist/bench/passes/mqtt-fleetsim.js --target mqtt://... --tallies http://... --peer-pid N
 *     [--devices 60000] [--connections 16] [--in-flight 256] [--qos 1] [--client mqtt.js|lean]
 */
import { BenchError } from '../bench-error.js';
import { runScenario } from '../../run/run-scenario.js';
import { benchScenario } from '../bench-fleet.js';
import { report } from '../method/pass.js';
import { argOf, argText } from '../method/stats.js';
import { Sampler, steadyState } from '../method/steady.js';

const devices = argOf('devices', 100_000);
const inFlight = argOf('in-flight', 256);
let acked = 0;
const sampler = new Sampler(() => acked, argOf('peer-pid', 0) || undefined);
const r = await runScenario(benchScenario(devices, 'mqtt', inFlight), {
  scenarioFile: 'bench',
  transport: 'mqtt',
  target: argText('target', ''),
  talliesUrl: argText('tallies', ''),
  deferReconcile: true,
  transportFlags: {
    sharedConnections: argOf('connections', 16),
    qos: argOf('qos', 1) as 0 | 1 | 2,
    client: argText('client', 'mqtt.js') === 'lean' ? 'lean' : 'mqtt.js',
  },
  tickMs: 100,
  onTick: (s) => {
    acked = s.acked;
    sampler.take();
  },
});
if (r.events.failed) throw new BenchError(`${r.events.failed} events failed: ${r.events.lastError}`);
acked = r.events.acked;
report({ ...steadyState(sampler.stop()), total: { events: r.events.acked, seconds: r.durationMs / 1000 } });
