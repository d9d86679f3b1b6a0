/**
 * Memory per connected MQTT device: this process opens N device connections (one mqtt.js client
 * each, clientId = device id, QoS 1, last will, keepalive) to `fleetsim serve`, each sends one
 * event and stays connected; heap and resident memory are read before and after, on both sides.
 * One process may open at most 20,000 files here, so N stays below 19,000 (the 50,000-device run
 * in BENCHMARKS.md spreads over processes).
 *
 *   npm run build && node --expose-gc dist/bench/connections.js [--devices 10000]
 */
import { MqttTransport } from '../transport/mqtt/mqtt.js';
import { parseLocalAddresses } from '../transport/local-address.js';
import { argOf, startServe } from './serve-process.js';

function settled(): { heap: number; rss: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

async function main(): Promise<void> {
  const n = Math.min(argOf('devices', 10_000), 19_000);
  const s = await startServe();
  const t = new MqttTransport({
    url: s.mqtt,
    localAddresses: parseLocalAddresses('127.0.0.1-127.0.0.4'),
    keepaliveSec: 600,
  });
  try {
    await new Promise((r) => setTimeout(r, 500));
    const before = settled();
    const brokerBefore = s.rss();
    const body = '{}';
    let failed = 0;
    for (let i = 0; i < n; i += 500) {
      await Promise.all(
        Array.from(
          { length: Math.min(500, n - i) },
          (_, k) =>
            new Promise<void>((resolve) => {
              t.send(`conn-${String(i + k).padStart(6, '0')}`, 'app', body, (err) => {
                if (err) failed++;
                resolve();
              });
            }),
        ),
      );
    }
    await new Promise((r) => setTimeout(r, 1_000));
    const after = settled();
    const brokerAfter = s.rss();
    process.stdout.write(
      `${JSON.stringify({
        bench: 'connections',
        devices: n,
        connected: t.connections(),
        failed,
        clientHeapBytesPerDevice: Math.round((after.heap - before.heap) / n),
        clientRssBytesPerDevice: Math.round((after.rss - before.rss) / n),
        brokerRssBytesPerDevice: Math.round((brokerAfter - brokerBefore) / n),
      })}\n`,
    );
  } finally {
    await t.close();
    await s.stop();
  }
}

void main();
