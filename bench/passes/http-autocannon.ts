/**
 * The HTTP baseline pass: autocannon against the same endpoint, the same number of keep-alive
 * connections, one request in flight each, bodies that are the bench fleet's events encoded by
 * the same code, for `seconds`. autocannon runs in this process, so its CPU is this process's.
 *
 *   node dist/bench/passes/http-autocannon.js --target http://... --peer-pid N [--seconds 8] [--connections 32] [--rate N]
 *
 * --rate caps the requests per second over all connections (autocannon's overallRate): two endpoints
 * compared at the same rate do the same work per second, so their CPU per event is comparable even
 * when a loaded machine lets one of them ingest more than the other.
 */
import { BenchError } from '../bench-error.js';
import { createRequire } from 'node:module';
import { benchScenario, prebuiltEvents } from '../bench-fleet.js';
import { report } from '../method/pass.js';
import { argOf, argText } from '../method/stats.js';
import { Sampler, steadyState } from '../method/steady.js';

const require = createRequire(import.meta.url);
// autocannon ships no types; the fields used here are spelt out.
type Instance = Promise<{ non2xx: number; errors: number }> & { on(ev: 'response', fn: () => void): void };
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Instance;

const connections = argOf('connections', 32);
const bodies = prebuiltEvents(benchScenario(argOf('devices', 40_000), 'http', connections), 12345).map((e) => e.body);
let i = 0;
let acked = 0;
const sampler = new Sampler(() => acked, argOf('peer-pid', 0) || undefined).start();
const run = autocannon({
  url: argText('target', ''),
  connections,
  pipelining: 1,
  duration: argOf('seconds', 8),
  ...(argOf('rate', 0) > 0 ? { overallRate: argOf('rate', 0) } : {}),
  requests: [
    {
      method: 'POST',
      path: '/v1/events',
      headers: { 'content-type': 'application/json' },
      setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[i++ % bodies.length] }),
    },
  ],
});
run.on('response', () => {
  acked++;
});
const r = await run;
const samples = sampler.stop();
if (r.non2xx || r.errors) throw new BenchError(`autocannon: ${r.non2xx} non-2xx, ${r.errors} errors`);
const avgBytes = Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length);
report({ ...steadyState(samples), total: { events: acked, seconds: argOf('seconds', 8) }, payloadBytes: avgBytes });
