/**
 * MQTT: fleetsim's events/s into the embedded aedes broker (`fleetsim serve`, its own process)
 * divided by a minimal raw mqtt.js publisher's, same QoS, same number of connections, same
 * events in flight and the same payloads. fleetsim runs in shared-connection mode (many devices
 * over a few connections: raw ingestion throughput). Passes alternate on fresh brokers; the ratio
 * is of medians. Aim: >= 0.9.
 *
 *   npm run build && node dist/bench/mqtt-ratio.js [--connections 16] [--in-flight 256] [--qos 1] [--devices 10000] [--pairs 3]
 */
import mqtt from 'mqtt';
import { runScenario } from '../run/run-scenario.js';
import { benchScenario, prebuiltEvents } from './bench-fleet.js';
import { argOf, median, startServe } from './serve-process.js';

async function fleetsimPass(connections: number, inFlight: number, qos: 0 | 1 | 2, devices: number) {
  const s = await startServe();
  try {
    const r = await runScenario(benchScenario(devices, 'mqtt', inFlight), {
      scenarioFile: 'bench',
      transport: 'mqtt',
      target: s.mqtt,
      talliesUrl: s.http,
      deferReconcile: true,
      transportFlags: { sharedConnections: connections, qos },
    });
    if (r.events.failed) throw new Error(`fleetsim pass: ${r.events.failed} events failed`);
    return { eps: r.throughput.eventsPerSec, seconds: r.durationMs / 1000, events: r.events.acked };
  } finally {
    await s.stop();
  }
}

/** The baseline: `connections` mqtt.js clients, `inFlight` publishes outstanding in all, for `seconds`. */
async function rawPass(
  connections: number,
  inFlight: number,
  qos: 0 | 1 | 2,
  seconds: number,
  events: { topic: string; body: string }[],
) {
  const s = await startServe();
  try {
    const clients = await Promise.all(
      Array.from({ length: connections }, (_, c) =>
        mqtt.connectAsync(s.mqtt, { clientId: `raw-${c}`, reconnectPeriod: 0 }),
      ),
    );
    let i = 0;
    let acked = 0;
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
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
    const eps = acked / ((performance.now() - t0) / 1000);
    await Promise.all(clients.map((c) => c.endAsync()));
    return eps;
  } finally {
    await s.stop();
  }
}

async function main(): Promise<void> {
  const connections = argOf('connections', 16);
  const inFlight = argOf('in-flight', 256);
  const qos = argOf('qos', 1) as 0 | 1 | 2;
  const devices = argOf('devices', 10_000);
  const pairs = argOf('pairs', 3);
  const events = prebuiltEvents(benchScenario(devices * 4, 'mqtt', inFlight), 12345);
  const ours: number[] = [];
  const theirs: number[] = [];
  for (let p = 0; p < pairs; p++) {
    const f = await fleetsimPass(connections, inFlight, qos, devices);
    ours.push(f.eps);
    theirs.push(await rawPass(connections, inFlight, qos, Math.max(2, f.seconds), events));
    process.stderr.write(
      `pair ${p + 1}: fleetsim ${Math.round(f.eps)} events/s (${f.events} in ${f.seconds.toFixed(1)} s), raw mqtt.js ${Math.round(theirs[p]!)} events/s\n`,
    );
  }
  const avgBytes = Math.round(events.reduce((n, e) => n + e.body.length, 0) / events.length);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'mqtt-ratio',
      qos,
      connections,
      inFlight,
      payloadBytes: avgBytes,
      pairs,
      fleetsimEventsPerSec: Math.round(median(ours)),
      rawMqttJsEventsPerSec: Math.round(median(theirs)),
      ratio: Math.round((median(ours) / median(theirs)) * 100) / 100,
    })}\n`,
  );
}

void main();
