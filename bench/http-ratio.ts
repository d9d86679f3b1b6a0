/**
 * HTTP: fleetsim's events/s against the embedded endpoint (`fleetsim serve`, its own process)
 * divided by autocannon's requests/s against the same endpoint, with the same payloads (events
 * of the same fleet shape, one per POST) and the same number of keep-alive connections, one
 * request in flight per connection. Passes alternate, each on a fresh endpoint, so machine noise
 * (this machine is shared) hits both alike; the ratio is of medians. Aim: >= 0.9.
 *
 *   npm run build && node dist/bench/http-ratio.js [--connections 32] [--devices 16000] [--pairs 3]
 */
import { createRequire } from 'node:module';
import { runScenario } from '../run/run-scenario.js';
import { benchScenario, prebuiltEvents } from './bench-fleet.js';
import { argOf, median, startServe } from './serve-process.js';

const require = createRequire(import.meta.url);
// autocannon ships no types; the fields used here are spelt out.
const autocannon = require('autocannon') as (
  opts: Record<string, unknown>,
) => Promise<{ requests: { total: number }; duration: number; non2xx: number; errors: number }>;

async function fleetsimPass(
  connections: number,
  devices: number,
): Promise<{ eps: number; seconds: number; events: number }> {
  const s = await startServe();
  try {
    // Twice as many events in flight as connections: undici queues the spare one per connection and
    // writes it the moment the answer arrives, as autocannon does; still one request on the wire each.
    const scenario = benchScenario(devices, 'http', connections * 2);
    const r = await runScenario(scenario, {
      scenarioFile: 'bench',
      transport: 'http',
      target: s.http,
      deferReconcile: true,
      transportFlags: { connections, pipelining: 1, batch: 1 },
    });
    if (r.events.failed) throw new Error(`fleetsim pass: ${r.events.failed} events failed`);
    return { eps: r.throughput.eventsPerSec, seconds: r.durationMs / 1000, events: r.events.acked };
  } finally {
    await s.stop();
  }
}

async function autocannonPass(connections: number, seconds: number, bodies: string[]): Promise<number> {
  const s = await startServe();
  try {
    let i = 0;
    const r = await autocannon({
      url: s.http,
      connections,
      pipelining: 1,
      duration: Math.max(2, Math.round(seconds)),
      requests: [
        {
          method: 'POST',
          path: '/v1/events',
          headers: { 'content-type': 'application/json' },
          setupRequest: (req: Record<string, unknown>) => ({ ...req, body: bodies[i++ % bodies.length] }),
        },
      ],
    });
    if (r.non2xx || r.errors) throw new Error(`autocannon pass: ${r.non2xx} non-2xx, ${r.errors} errors`);
    return r.requests.total / r.duration;
  } finally {
    await s.stop();
  }
}

async function main(): Promise<void> {
  const connections = argOf('connections', 32);
  const devices = argOf('devices', 16_000);
  const pairs = argOf('pairs', 3);
  const bodies = prebuiltEvents(benchScenario(devices * 4, 'http', connections), 12345).map((e) => e.body);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let p = 0; p < pairs; p++) {
    const f = await fleetsimPass(connections, devices);
    ours.push(f.eps);
    theirs.push(await autocannonPass(connections, f.seconds, bodies));
    process.stderr.write(
      `pair ${p + 1}: fleetsim ${Math.round(f.eps)} events/s (${f.events} in ${f.seconds.toFixed(1)} s), autocannon ${Math.round(theirs[p]!)} requests/s\n`,
    );
  }
  const avgBytes = Math.round(bodies.reduce((n, b) => n + b.length, 0) / bodies.length);
  const result = {
    bench: 'http-ratio',
    connections,
    payloadBytes: avgBytes,
    pairs,
    fleetsimEventsPerSec: Math.round(median(ours)),
    autocannonRequestsPerSec: Math.round(median(theirs)),
    ratio: Math.round((median(ours) / median(theirs)) * 100) / 100,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

void main();
