/**
 * One fleetsim pass over HTTP, one event per POST, against a running endpoint, sampled every
 * 100 ms through the run's progress hook.
 *
 *   node dist/bench/passes/http-fleetsim.js --target http://... --peer-pid N [--devices 40000] [--connections 32]
 */
import { BenchError } from '../bench-error.js';
import { runScenario } from '../../run/run-scenario.js';
import { benchScenario } from '../bench-fleet.js';
import { report } from '../method/pass.js';
import { argOf, argText } from '../method/stats.js';
import { Sampler, steadyState } from '../method/steady.js';

const connections = argOf('connections', 32);
let acked = 0;
const sampler = new Sampler(() => acked, argOf('peer-pid', 0) || undefined);
// Twice as many events in flight as connections: undici queues the spare one per connection and
// writes it the moment the answer arrives, as autocannon does; still one request on the wire each.
const r = await runScenario(benchScenario(argOf('devices', 40_000), 'http', connections * 2), {
  scenarioFile: 'bench',
  transport: 'http',
  target: argText('target', ''),
  deferReconcile: true,
  transportFlags: { connections, pipelining: 1, batch: 1 },
  tickMs: 100,
  onTick: (s) => {
    acked = s.acked;
    sampler.take();
  },
});
if (r.events.failed) throw new BenchError(`${r.events.failed} events failed: ${r.events.lastError}`);
acked = r.events.acked;
report({ ...steadyState(sampler.stop()), total: { events: r.events.acked, seconds: r.durationMs / 1000 } });
