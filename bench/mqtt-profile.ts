/**
 * Where the MQTT path's CPU goes: one lean fleetsim pass (as in mqtt-ratio, same endpoint
 * settings) under V8's sampling profiler (--cpu-prof), its samples summed by area of the code,
 * beside a raw mqtt.js pass in the same run (not profiled: the raw publisher builds its payloads
 * with the simulator before it starts, which would swamp its profile). Each area's share of the
 * busy samples (idle left out; the whole pass, warm-up and result included) times the pass's
 * steady CPU per event gives an estimate of its µs per event: the profiler samples wall time on
 * a loaded machine, so the shares are the figure to trust, the µs an apportioning of them.
 *
 *   npm run build && node dist/bench/mqtt-profile.js [--devices 100000] [--seconds 8]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRecord } from './method/output.js';
import { runPass, type PassResult } from './method/pass.js';
import { argOf } from './method/stats.js';
import { startServe } from './serve-process.js';

const config = {
  qos: 1,
  connections: 16,
  inFlight: 256,
  devices: argOf('devices', 100_000),
  rawSeconds: argOf('seconds', 8),
  how: "One lean pass as in mqtt-ratio under `node --cpu-prof`, its self time summed by the file of each sampled frame (dist/agent and dist/core: simulator; dist/drive: drive loop, encoding, run metrics; dist/transport: the lean connection; node: internals and natives: sockets, buffers, timers; hdr-histogram-js; GC), idle left out; the µs are each share of the pass's steady CPU per event. The raw mqtt.js pass beside it is not profiled. Command: `node dist/bench/mqtt-profile.js`.",
};
const done = startRecord('mqtt-profile', config);

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string } }[];
  samples: number[];
  timeDeltas: number[];
}

/** The area of the code a sampled frame belongs to. */
function areaOf(url: string, fn: string): string | undefined {
  if (fn === '(idle)') return undefined;
  if (fn === '(garbage collector)') return 'GC';
  if (fn === 'cpuUsage' || url.includes('/dist/bench/')) return 'bench sampling';
  if (url.includes('node_modules/hdr-histogram-js')) return 'histograms (hdr)';
  if (/node_modules\/(mqtt|mqtt-packet|bl|readable-stream|debug)\//.test(url)) return 'mqtt.js, mqtt-packet';
  if (/\/dist\/(agent|core)\//.test(url)) return 'simulator (agent, core)';
  if (url.includes('/dist/drive/')) return 'drive loop, encoding, run metrics';
  if (url.includes('/dist/transport/')) return 'fleetsim transport';
  if (/\/dist\/(run|result|reconcile|endpoint-client|protocol|cli)\//.test(url)) return 'run set-up, result, protocol';
  if (url === '' || url.startsWith('node:')) return 'Node: sockets, buffers, streams, timers';
  return 'other';
}

function areas(dir: string): { busyMs: number; byArea: Record<string, number> } {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return { busyMs: 0, byArea: {} };
  const p = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const frames = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const sums = new Map<string, number>();
  let busy = 0;
  p.samples.forEach((id, i) => {
    const f = frames.get(id);
    const area = f ? areaOf(f.url, f.functionName) : 'other';
    if (!area) return;
    const dt = p.timeDeltas[i] ?? 0;
    busy += dt;
    sums.set(area, (sums.get(area) ?? 0) + dt);
  });
  const byArea: Record<string, number> = {};
  for (const [k, v] of [...sums].sort((a, b) => b[1] - a[1])) byArea[k] = Math.round((v / busy) * 1000) / 10;
  return { busyMs: Math.round(busy / 1000), byArea };
}

async function profiled(
  side: string,
  script: string,
  args: (s: { mqtt: string; http: string; pid: number }) => string[],
  profile: boolean,
) {
  const s = await startServe();
  const dir = mkdtempSync(join(tmpdir(), 'fleetsim-prof-'));
  try {
    const nodeArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
    const pass: PassResult = await runPass(
      side,
      script,
      args({ mqtt: s.mqtt, http: s.http, pid: s.child.pid! }),
      nodeArgs,
    );
    return { pass, ...areas(dir) };
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const common = ['--connections', '16', '--in-flight', '256', '--qos', '1'];
const lean = await profiled(
  'fleetsim-lean',
  'mqtt-fleetsim',
  (s) => [
    ...common,
    ...['--target', s.mqtt, '--tallies', s.http, '--peer-pid', `${s.pid}`],
    ...['--devices', `${config.devices}`, '--client', 'lean'],
  ],
  true,
);
const raw = await profiled(
  'raw-mqtt.js',
  'mqtt-raw',
  (s) => [...common, ...['--target', s.mqtt, '--peer-pid', `${s.pid}`, '--seconds', `${config.rawSeconds}`]],
  false,
);

/** "area": "share % (≈ µs/event)" for one side. */
function apportion(p: typeof lean): Record<string, string> {
  const cpu = p.pass.steady.cpuUsPerEvent;
  const out: Record<string, string> = {};
  for (const [k, share] of Object.entries(p.byArea)) out[k] = `${share}% (~${Math.round(cpu * share) / 100} µs/event)`;
  return out;
}

const summary: Record<string, unknown> = {
  'fleetsim-lean steady CPU µs/event': lean.pass.steady.cpuUsPerEvent,
  'raw-mqtt.js steady CPU µs/event': raw.pass.steady.cpuUsPerEvent,
};
for (const [k, v] of Object.entries(apportion(lean))) summary[`lean: ${k}`] = v;
done([lean.pass, raw.pass], summary);
