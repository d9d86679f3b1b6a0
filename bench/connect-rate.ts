/**
 * MQTT connect rate at N devices, one connection each: fleetsim's check-in storm (every device at
 * once, each on its own connection, held open) against a raw mqtt.js connect loop, each pass in
 * its own process on a fresh endpoint, rounds alternating. The rate is read from the endpoint's
 * connected-client gauge between 5% and 95% of N. Aim: >= 0.8x the raw loop.
 *
 *   npm run build && node dist/bench/connect-rate.js [--devices 10000] [--rounds 3]
 */
import { BenchError } from './bench-error.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { load1 } from './method/machine.js';
import { startRecord } from './method/output.js';
import { argOf, orderOf, spread } from './method/stats.js';
import { startServe } from './serve-process.js';

const devices = Math.min(argOf('devices', 10_000), 19_000);
const roundsN = argOf('rounds', 3);
const done = startRecord('connect-rate', {
  devices,
  rounds: roundsN,
  how: 'fleetsim: a check-in storm of N devices (every device at once, its own MQTT connection, clientId = device id, held open), adaptive window, maxInFlight 2000. Baseline: a raw mqtt.js connect loop with 256 handshakes outstanding. Both against `fleetsim serve`, fresh for each pass; the rate is read from its connected-client gauge between 5% and 95% of N. Command: `node dist/bench/connect-rate.js --devices 10000`.',
});

function pass(script: string, args: string[]): Promise<Record<string, number>> {
  const child = spawn(process.execPath, [fileURLToPath(new URL(`./passes/${script}.js`, import.meta.url)), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (b: Buffer) => {
    out += b;
  });
  return new Promise((resolve, reject) =>
    child.once('exit', (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split('\n').pop()!))
        : reject(new BenchError(`${script} exited ${code}`)),
    ),
  );
}

const sides = ['fleetsim-lean', 'fleetsim-mqtt.js', 'raw-mqtt.js'] as const;
const passes: Record<string, unknown>[] = [];
for (let r = 0; r < roundsN; r++) {
  for (const side of orderOf(sides, r)) {
    const s = await startServe();
    const before = load1();
    try {
      const args = ['--target', s.mqtt, '--tallies', s.http, '--devices', `${devices}`];
      const res =
        side === 'raw-mqtt.js'
          ? await pass('connect-raw', args)
          : await pass('connect-fleetsim', [...args, '--client', side === 'fleetsim-lean' ? 'lean' : 'mqtt.js']);
      const p = { side, round: r + 1, ...res, load: [before, load1()] };
      passes.push(p);
      process.stderr.write(`${JSON.stringify(p)}\n`);
    } finally {
      await s.stop();
    }
  }
}
const rates = (side: string) => spread(passes.filter((p) => p.side === side).map((p) => p.connectsPerSec as number));
const lean = rates('fleetsim-lean');
const viaMqttJs = rates('fleetsim-mqtt.js');
const raw = rates('raw-mqtt.js');
const cpu = (side: string) => spread(passes.filter((p) => p.side === side).map((p) => p.cpuUsPerConnect as number));
done(passes, {
  'fleetsim-lean': lean,
  'fleetsim-mqtt.js': viaMqttJs,
  'raw-mqtt.js': raw,
  ratio: raw.median ? Math.round((lean.median / raw.median) * 100) / 100 : 0,
  mqttJsRatio: raw.median ? Math.round((viaMqttJs.median / raw.median) * 100) / 100 : 0,
  cpuUsPerConnectLean: cpu('fleetsim-lean'),
  cpuUsPerConnectMqttJs: cpu('fleetsim-mqtt.js'),
  cpuUsPerConnectRaw: cpu('raw-mqtt.js'),
});
