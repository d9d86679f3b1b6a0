/**
 * The MQTT baseline pass: a minimal mqtt.js publisher, `connections` clients with `in-flight`
 * publishes outstanding in all, the bench fleet's events prebuilt, for `seconds`.
 *
 *   node dist/bench/passes/mqtt-raw.js --target mqtt://... --peer-pid N [--seconds 8] [--connections 16] [--in-flight 256]
 */
import mqtt from 'mqtt';
import { benchScenario, prebuiltEvents } from '../bench-fleet.js';
import { report } from '../method/pass.js';
import { argOf, argText } from '../method/stats.js';
import { Sampler, steadyState } from '../method/steady.js';

const connections = argOf('connections', 16);
const inFlight = argOf('in-flight', 256);
const qos = argOf('qos', 1) as 0 | 1 | 2;
const seconds = argOf('seconds', 8);
const events = prebuiltEvents(benchScenario(argOf('devices', 100_000), 'mqtt', inFlight), 12345);
let acked = 0;
const sampler = new Sampler(() => acked, argOf('peer-pid', 0) || undefined).start();
const clients = await Promise.all(
  Array.from({ length: connections }, (_, c) =>
    mqtt.connectAsync(argText('target', ''), { clientId: `raw-${c}`, reconnectPeriod: 0 }),
  ),
);
let i = 0;
const end = performance.now() + seconds * 1000;
const per = Math.max(1, Math.floor(inFlight / connections));
await Promise.all(
  clients.map(
    (client) =>
      new Promise<void>((done) => {
        let out = 0;
        const next = () => {
          while (out < per && performance.now() < end) {
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
report({ ...steadyState(samples), total: { events: acked, seconds }, payloadBytes: avgBytes });
