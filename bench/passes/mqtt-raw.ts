/**
 * The MQTT baseline pass: a minimal mqtt.js publisher, `connections` clients with `in-flight`
 * publishes outstanding in all, sending every event of the bench fleet (prebuilt, another seed)
 * once, in the simulator's order, or for `seconds` when given. All of them, so that the endpoint
 * it feeds does the work it does for fleetsim's run: the early part of a fleet's timeline is
 * mostly first reports (a new pair, two tally moves), its middle mostly updates (four moves and
 * a history entry), and the steady window of a short pass would weigh only the first.
 *
 *   node dist/bench/passes/mqtt-raw.js --target mqtt://... --peer-pid N [--seconds S] [--connections 16] [--in-flight 256]
 */
import mqtt from 'mqtt';
import { benchScenario, prebuiltEvents } from '../bench-fleet.js';
import { report } from '../method/pass.js';
import { argOf, argText } from '../method/stats.js';
import { Sampler, steadyState } from '../method/steady.js';

const connections = argOf('connections', 16);
const inFlight = argOf('in-flight', 256);
const qos = argOf('qos', 1) as 0 | 1 | 2;
const seconds = argOf('seconds', 0);
const events = prebuiltEvents(benchScenario(argOf('devices', 100_000), 'mqtt', inFlight), 12345);
let acked = 0;
const sampler = new Sampler(() => acked, argOf('peer-pid', 0) || undefined).start();
const clients = await Promise.all(
  Array.from({ length: connections }, (_, c) =>
    mqtt.connectAsync(argText('target', ''), { clientId: `raw-${c}`, reconnectPeriod: 0 }),
  ),
);
let i = 0;
const end = seconds > 0 ? performance.now() + seconds * 1000 : Number.POSITIVE_INFINITY;
const more = () => (seconds > 0 ? performance.now() < end : i < events.length);
const per = Math.max(1, Math.floor(inFlight / connections));
await Promise.all(
  clients.map(
    (client) =>
      new Promise<void>((done) => {
        let out = 0;
        const next = () => {
          while (out < per && more()) {
            const e = events[i++ % events.length]!;
            out++;
            client.publish(e.topic, e.body, { qos }, () => {
              out--;
              acked++;
              next();
            });
          }
          if (out === 0) done();
        };
        next();
      }),
  ),
);
const samples = sampler.stop();
await Promise.all(clients.map((c) => c.endAsync()));
const avgBytes = Math.round(events.reduce((n, e) => n + e.body.length, 0) / events.length);
const wall = (samples.at(-1)!.atMs - samples[0]!.atMs) / 1000;
report({
  ...steadyState(samples),
  total: { events: acked, seconds: Math.round(wall * 10) / 10 },
  payloadBytes: avgBytes,
});
