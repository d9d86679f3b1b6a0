/**
 * Memory per connected MQTT device, for each kind of client connection: fleetsim's MQTT transport
 * (mqtt.js underneath), its lean transport, and bare mqtt.js clients as the baseline. Each kind in
 * its own process against a fresh `fleetsim serve`, whose RSS growth is the broker's share.
 *
 *   npm run build && node dist/bench/connections.js [--devices 10000]
 */
import { BenchError } from './bench-error.js';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRecord } from './method/output.js';
import { argOf } from './method/stats.js';
import { startServe } from './serve-process.js';

const devices = argOf('devices', 10_000);
const done = startRecord('connections', {
  devices,
  how: 'N device connections from one process (clientId = device id, QoS 1, last will, keepalive 600 s), each sends one event and stays connected; settled heap and RSS before and after, and the broker process RSS; `socket` is a bare net.Socket per device writing a prebuilt CONNECT and PUBLISH (the floor under any Node client). Command: `node dist/bench/connections.js --devices 10000`.',
});
const pass = fileURLToPath(new URL('./passes/connections-pass.js', import.meta.url));
const kinds = ['bare', 'fleetsim', 'lean', 'socket'];
const passes: Record<string, unknown>[] = [];
for (const kind of kinds) {
  const s = await startServe();
  try {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        pass,
        '--kind',
        kind,
        '--target',
        s.mqtt,
        '--devices',
        `${devices}`,
        '--peer-pid',
        `${s.child.pid}`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b;
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (code !== 0) throw new BenchError(`connections pass ${kind} exited ${code}`);
    const rec = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    passes.push(rec);
    process.stderr.write(`${JSON.stringify(rec)}\n`);
  } finally {
    await s.stop();
  }
}
done(passes, Object.fromEntries(passes.map((p) => [p.kind as string, p])));
