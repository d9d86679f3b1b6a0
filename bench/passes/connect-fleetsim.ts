/**
 * fleetsim's connect rate: a check-in storm of N devices, one MQTT connection each, held open,
 * against a running endpoint whose connected-client gauge is watched.
 *
 *   node dist/bench/passes/connect-fleetsim.js --target mqtt://... --tallies http://... [--devices 10000] [--in-flight 2000]
 */
import { BenchError } from '../bench-error.js';
import { runScenario } from '../../run/run-scenario.js';
import { stormScenario } from '../bench-fleet.js';
import { ConnectedWatch } from '../method/connected.js';
import { argOf, argText } from '../method/stats.js';

const devices = argOf('devices', 10_000);
const http = argText('tallies', '');
const watch = new ConnectedWatch(http).start();
const run = runScenario(stormScenario(devices, argOf('in-flight', 2000)), {
  scenarioFile: 'bench',
  transport: 'mqtt',
  target: argText('target', ''),
  talliesUrl: http,
  deferReconcile: true,
  transportFlags: { client: argText('client', 'mqtt.js') === 'lean' ? 'lean' : 'mqtt.js' },
});
await watch.until(devices);
watch.stop();
const r = await run;
if (r.events.failed) throw new BenchError(`${r.events.failed} events failed: ${r.events.lastError}`);
process.stdout.write(`${JSON.stringify({ ...watch.rate(devices), events: r.events.acked })}\n`);
