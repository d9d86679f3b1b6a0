/**
 * Memory per connected MQTT device, for each kind of client connection: fleetsim's MQTT transport
 * (mqtt.js underneath), its lean transport, and bare mqtt.js clients as the baseline. Each kind in
 * its own process against a fresh `fleetsim serve`, whose RSS growth is the broker's share.
 *
 * Each kind runs twice, with N/2 and N devices: the difference of the two growths over N/2 is
 * what one more connected device costs (`perDevice`), without what a process pays once as it
 * grows (the young generation's semispaces, pools, compiled code). Growth over N alone, divided
 * by N, carries that once-only part spread over N (the average, shown beside it). Within one
 * process the two cannot be told apart: pages freed after the first half are reused by the second.
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
  how: 'N device connections from one process (clientId = device id, QoS 1, last will, keepalive 600 s), each sends one event and stays connected; settled heap and RSS before and after, and the broker process RSS; each kind with N/2 and with N devices, `perDevice` the difference of the two growths over N/2 (what one more device costs; the average over N also carries what the process pays once); `socket` is a bare net.Socket per device writing a prebuilt CONNECT and PUBLISH (the floor under any Node client). Command: `node dist/bench/connections.js --devices 18000` (18,000: one process may open 20,000 files here).',
});
const pass = fileURLToPath(new URL('./passes/connections-pass.js', import.meta.url));
const kinds = ['bare', 'fleetsim', 'lean', 'socket'];
const passes: Record<string, unknown>[] = [];
const half = Math.floor(devices / 2);
type Grown = Record<'heap' | 'heapTotal' | 'external' | 'rss', number>;
const summary: Record<string, unknown> = {};
for (const kind of kinds) {
  const [small, large] = [await connectPass(kind, half), await connectPass(kind, devices)];
  const a = small.grown as Grown;
  const b = large.grown as Grown;
  const per = (k: keyof Grown) => Math.round((b[k] - a[k]) / (devices - half));
  summary[kind] = {
    ...large,
    perDevice: { heap: per('heap'), heapTotal: per('heapTotal'), external: per('external'), rss: per('rss') },
  };
}

async function connectPass(kind: string, devices: number): Promise<Record<string, unknown>> {
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
    return rec;
  } finally {
    await s.stop();
  }
}
done(passes, summary);
