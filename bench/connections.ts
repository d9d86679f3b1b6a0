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
import { argOf, argText, spread } from './method/stats.js';
import { startServe } from './serve-process.js';

const devices = argOf('devices', 10_000);
/** Pairs of passes (N/2, N) per kind; the lean and socket kinds, the figures at stake, get them all. */
const rounds = Math.max(1, argOf('rounds', 1));
const kinds = argText('kinds', 'bare,fleetsim,lean,socket').split(',');
const done = startRecord('connections', {
  devices,
  rounds,
  how: `N device connections from one process (clientId = device id, QoS 1, last will, keepalive 600 s), each sends one event and stays connected; settled heap and RSS before and after, and the broker process RSS; each kind with N/2 and with N devices, \`perDevice\` the difference of the two growths over N/2 (what one more device costs; the average over N also carries what the process pays once), the median over ${rounds} pair(s) of passes with min-max for lean and socket (one pair for the mqtt.js kinds). \`rssParts\` splits that RSS per device: \`young\` the V8 young generation's resident pages (per process, not per device: it grows with what survives scavenges, up to 32 MB at Node's defaults, so it falls on the larger pass more often than not), \`v8Old\` the rest of the V8 heap (the objects that live with the connection), \`native\` anonymous memory outside V8 (malloc: libuv's handle and Node's C++ socket object, free chunks not returned), \`file\` file-backed pages. \`socket\` is a bare net.Socket per device writing a prebuilt CONNECT and PUBLISH (a default Node socket, with no client around it). No environment variable is set (glibc's malloc as it comes). Command: \`node dist/bench/connections.js --devices 18000 --rounds ${rounds}\` (18,000: one process may open 20,000 files here).`,
});
const pass = fileURLToPath(new URL('./passes/connections-pass.js', import.meta.url));
const passes: Record<string, unknown>[] = [];
const half = Math.floor(devices / 2);
type Grown = Record<'heap' | 'heapTotal' | 'external' | 'rss' | 'young' | 'v8Old' | 'native' | 'file', number>;
const summary: Record<string, unknown> = {};
for (const kind of kinds) {
  const pairs: { large: Record<string, unknown>; per: Grown }[] = [];
  const n = kind === 'lean' || kind === 'socket' ? rounds : 1;
  for (let r = 0; r < n; r++) {
    // alternate which size goes first, so drift in the machine falls on both
    const [small, large] =
      r % 2
        ? [await connectPass(kind, devices), await connectPass(kind, half)].reverse()
        : [await connectPass(kind, half), await connectPass(kind, devices)];
    const a = small!.grown as Grown;
    const b = large!.grown as Grown;
    const per = Object.fromEntries(
      Object.keys(b).map((k) => [k, Math.round((b[k as keyof Grown] - a[k as keyof Grown]) / (devices - half))]),
    ) as Grown;
    pairs.push({ large: large!, per });
  }
  const med = (k: keyof Grown) => spread(pairs.map((p) => p.per[k]));
  const one = (k: keyof Grown) => med(k).median;
  summary[kind] = {
    ...pairs[pairs.length - 1]!.large,
    perDevice: { heap: one('heap'), heapTotal: one('heapTotal'), external: one('external'), rss: one('rss') },
    ...(n > 1 ? { perDeviceRss: med('rss'), perDeviceHeap: med('heap') } : {}),
    rssParts: { young: one('young'), v8Old: one('v8Old'), native: one('native'), file: one('file') },
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
