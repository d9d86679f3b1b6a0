/**
 * The connect-rate baseline: a raw mqtt.js connect loop, N clients with `concurrency` handshakes
 * outstanding, each held open, against a running endpoint whose connected-client gauge is watched.
 *
 *   node dist/bench/passes/connect-raw.js --target mqtt://... --tallies http://... [--devices 10000] [--concurrency 256]
 */
import mqtt from 'mqtt';
import { ConnectedWatch } from '../method/connected.js';
import { argOf, argText } from '../method/stats.js';

const devices = argOf('devices', 10_000);
const concurrency = argOf('concurrency', 256);
const url = argText('target', '');
const watch = new ConnectedWatch(argText('tallies', '')).start();
const clients: mqtt.MqttClient[] = [];
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < devices) {
      const id = `raw-${String(next++).padStart(6, '0')}`;
      const c = await mqtt.connectAsync(url, { clientId: id, keepalive: 300, reconnectPeriod: 0 });
      clients.push(c);
    }
  }),
);
await watch.until(devices);
watch.stop();
await Promise.all(clients.map((c) => c.endAsync(true)));
process.stdout.write(`${JSON.stringify(watch.rate(devices))}\n`);
