/**
 * Cost per virtual device, no network, side by side with the simulator before the device agent
 * (built from commit BASELINE into a temp dir by bench/baseline-build.ts): memory per waiting
 * device (fleet built, simulator constructed, nothing arrived), per online device (every device
 * arrived, its first steps reported, the next ones pending), and transitions per second (wall
 * and per CPU-second) from the first pop to the end, arrivals included, for both. Each pass runs
 * in its own process with the GC exposed, the two sides alternating.
 *
 *   npm run build && node dist/bench/devices.js [--devices 1000000] [--apps 1] [--no-baseline]
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BASELINE, baselineDist } from './baseline-build.js';
import { devicesScenarioText } from './devices-scenario.js';
import { selfCpuUs } from './method/cpu.js';
import { startRecord } from './method/output.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};
const argText = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  // typed arrays keep their contents outside the JS heap: count both
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

interface PassResult {
  side: string;
  devices: number;
  apps: number;
  bytesPerWaitingDevice: number;
  bytesPerOnlineDevice: number;
  transitions: number;
  transitionsPerSec: number;
  transitionsPerCpuSec: number;
  /** Model transitions taken (every hop, silent ones included), where the simulator counts them. */
  hops?: number;
  hopsPerCpuSec?: number;
  runMs: number;
  /** Building the fleet and constructing the simulator (before the first step): wall and CPU ms. */
  buildMs: number;
  buildCpuMs: number;
}

type Sim = {
  pop(): { step: { at: number } } | undefined;
  next?(): number;
  outAt?: number;
  visits?: Map<unknown, { transitions: Uint32Array }>;
};

/** Every model transition the simulator took (its coverage counts), or undefined when it keeps none. */
function hopsOf(sim: Sim): number | undefined {
  if (!sim.visits) return undefined;
  let n = 0;
  for (const v of sim.visits.values()) for (const c of v.transitions) n += c;
  return n;
}

/**
 * The next step's simulated time, or undefined at the end: through `next()` where the simulator
 * has it (no object per step: what a consumer that keeps nothing sees), else `pop()` (the baseline).
 */
function stepper(sim: Sim): () => number | undefined {
  if (typeof sim.next === 'function') return () => (sim.next!() < 0 ? undefined : sim.outAt);
  return () => sim.pop()?.step.at;
}

/** One pass in this process: the modules of `dist` (ours or the baseline's). */
async function pass(dist: string, side: string, devices: number, apps: number): Promise<PassResult> {
  const load = (p: string) => import(pathToFileURL(`${dist}/${p}`).href);
  const { buildFleet } = await load('agent/fleet/fleet.js');
  const { parseScenario } = await load('agent/scenario/load.js');
  const { Simulator } = await load('agent/sim/simulator.js');
  const scenario = parseScenario(devicesScenarioText(apps), 'devices-bench.yaml');
  const t0Sim = Date.parse(scenario.startTime);
  const h0 = heap();
  const b0 = performance.now();
  const bc0 = selfCpuUs();
  const fleet = buildFleet(scenario, { devices });
  const sim: Sim = new Simulator(fleet, { startMs: t0Sim, seed: scenario.seed });
  const buildMs = performance.now() - b0;
  const buildCpuMs = (selfCpuUs() - bc0) / 1000;
  const step = stepper(sim);
  const h1 = heap();
  const t1 = performance.now();
  const c1 = selfCpuUs();
  // every device of this fleet arrives at the start: once an event lies past it, all are online
  let transitions = 0;
  for (let at = step(); at !== undefined; at = step()) {
    transitions++;
    if (at > t0Sim) break;
  }
  const pausedMs = performance.now();
  const pausedCpu = selfCpuUs();
  const h2 = heap();
  const t2 = performance.now();
  const c2 = selfCpuUs();
  for (let at = step(); at !== undefined; at = step()) transitions++;
  const ran = pausedMs - t1 + (performance.now() - t2);
  const cpuSec = (pausedCpu - c1 + (selfCpuUs() - c2)) / 1e6;
  const hops = hopsOf(sim);
  return {
    side,
    devices,
    apps,
    ...(hops !== undefined ? { hops, hopsPerCpuSec: Math.round(hops / cpuSec) } : {}),
    bytesPerWaitingDevice: Math.round((h1 - h0) / devices),
    bytesPerOnlineDevice: Math.round((h2 - h0) / devices),
    transitions,
    transitionsPerSec: Math.round(transitions / (ran / 1000)),
    transitionsPerCpuSec: Math.round(transitions / cpuSec),
    runMs: Math.round(ran),
    buildMs: Math.round(buildMs),
    buildCpuMs: Math.round(buildCpuMs),
  };
}

function runPass(dist: string, side: string, devices: number, apps: number): PassResult | undefined {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    [
      '--expose-gc',
      '--max-old-space-size=12288',
      self,
      '--pass',
      dist,
      '--side',
      side,
      '--devices',
      String(devices),
      '--apps',
      String(apps),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 15 * 60_000 },
  );
  const line = r.stdout
    ?.trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (r.status !== 0 || !line) {
    process.stderr.write(`devices bench: the ${side} pass (${devices} devices) failed\n`);
    return undefined;
  }
  process.stderr.write(`${line}\n`);
  return JSON.parse(line) as PassResult;
}

async function main(): Promise<void> {
  const passDist = argText('pass');
  if (passDist) {
    const r = await pass(passDist, argText('side') ?? 'current', arg('devices', 10_000), arg('apps', 1));
    process.stdout.write(`${JSON.stringify(r)}\n`);
    return;
  }
  const max = arg('devices', 1_000_000);
  const apps = arg('apps', 1);
  const ours = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
  const base = process.argv.includes('--no-baseline') ? undefined : baselineDist();
  const done = startRecord('devices', {
    devices: max,
    apps,
    baseline: base ? BASELINE : 'not built',
    how: `A four-platform fleet of N devices, no network; each pass in its own process with the GC exposed. Memory is the JS heap plus typed-array storage (heapUsed + arrayBuffers). Waiting: fleet built and simulator constructed; online: every device arrived with its first steps reported; transitions per second (reported steps, wall and per CPU-second of the process) from the first step to the end, arrivals included; build: the fleet built and the simulator constructed, before the first step (wall and CPU ms) (hops: every model transition taken, silent ones too, from the coverage counts), stepping with next() where the simulator has it (no object per step), pop() on the baseline. The baseline is the simulator at commit ${BASELINE.slice(0, 10)} (before the device agent), built into a temp dir. Command: \`node dist/bench/devices.js --devices ${max}\`.`,
  });
  const passes: PassResult[] = [];
  for (const n of [100_000, max].filter((v, i, a) => v <= max && a.indexOf(v) === i)) {
    const sides: [string, string][] = [['current', ours]];
    if (base) sides.push(['baseline', base]);
    for (const [side, dist] of sides) {
      const r = runPass(dist, side, n, apps);
      if (r) passes.push(r);
    }
  }
  const at = (side: string) => passes.filter((p) => p.side === side && p.devices === max).pop();
  const cur = at('current');
  const old = at('baseline');
  done(passes, {
    devices: max,
    transitions: cur?.transitions,
    transitionsPerSec: cur?.transitionsPerSec,
    transitionsPerCpuSec: cur?.transitionsPerCpuSec,
    hopsPerCpuSec: cur?.hopsPerCpuSec,
    bytesPerIdleDevice: cur?.bytesPerWaitingDevice,
    bytesPerArrivedDevice: cur?.bytesPerOnlineDevice,
    buildMs: cur?.buildMs,
    buildCpuMs: cur?.buildCpuMs,
    ...(old
      ? {
          baseline: {
            transitionsPerSec: old.transitionsPerSec,
            transitionsPerCpuSec: old.transitionsPerCpuSec,
            bytesPerIdleDevice: old.bytesPerWaitingDevice,
            bytesPerArrivedDevice: old.bytesPerOnlineDevice,
          },
          cpuSpeedup: cur ? Math.round((cur.transitionsPerCpuSec / old.transitionsPerCpuSec) * 100) / 100 : undefined,
        }
      : {}),
  });
}

await main();
