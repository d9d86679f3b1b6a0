/**
 * Cost per virtual device, no network: memory per idle device (built and scheduled, its first
 * step pending, no connection) and scheduler transitions per second with a whole fleet in one
 * heap, up to 1,000,000 devices. Run with the GC exposed so heap figures are settled:
 *
 *   npm run build && node --expose-gc --max-old-space-size=8192 dist/bench/devices.js [--devices 1000000]
 *
 * Prints one JSON line per case.
 */
import { buildFleet } from '../agent/fleet/fleet.js';
import { parseScenario } from '../agent/scenario/load.js';
import { Simulator } from '../agent/sim/simulator.js';
import { selfCpuUs } from './method/cpu.js';
import { startRecord } from './method/output.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
};

const SCENARIO = `
name: devices-bench
seed: 5
apps:
  - { id: com.acme.mail, version: 1.0.0, ios: { kind: vpp } }
cohorts:
  - { name: ios, platform: ios, count: 250, supervised: 0.8 }
  - { name: android, platform: android, count: 250 }
  - { name: windows, platform: windows, count: 250 }
  - { name: dme, platform: dme, count: 250, method: 0.8 }
`;

function heap(): number {
  (globalThis as { gc?: () => void }).gc?.();
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

function measure(devices: number) {
  const scenario = parseScenario(SCENARIO, 'devices-bench.yaml');
  const h0 = heap();
  const fleet = buildFleet(scenario, { devices });
  const h1 = heap();
  const t0 = performance.now();
  const sim = new Simulator(fleet, { startMs: Date.parse(scenario.startTime), seed: scenario.seed });
  const built = performance.now() - t0;
  const h2 = heap();
  // Every device of this fleet arrives at the start: settling them creates their installations,
  // each with its first step computed and pending (a device online, waiting, not sending).
  sim.nextTime();
  const h3 = heap();
  const t1 = performance.now();
  const c1 = selfCpuUs();
  let transitions = 0;
  for (let e = sim.pop(); e; e = sim.pop()) transitions++;
  const ran = performance.now() - t1;
  const cpuSec = (selfCpuUs() - c1) / 1e6;
  return {
    devices,
    bytesPerDeviceSpec: Math.round((h1 - h0) / devices),
    bytesPerIdleDevice: Math.round((h2 - h0) / devices),
    bytesPerArrivedDevice: Math.round((h3 - h0) / devices),
    buildMs: Math.round(built),
    transitions,
    transitionsPerSec: Math.round(transitions / (ran / 1000)),
    transitionsPerCpuSec: Math.round(transitions / cpuSec),
    runMs: Math.round(ran),
  };
}

if (!(globalThis as { gc?: unknown }).gc) process.stderr.write('note: run with --expose-gc for settled heap figures\n');
const max = arg('devices', 1_000_000);
const done = startRecord('devices', {
  devices: max,
  how: 'A four-platform fleet of N devices, no network, one heap; memory settled with the GC exposed; then the whole fleet run to its end in virtual time. Command: `node --expose-gc --max-old-space-size=8192 dist/bench/devices.js --devices 1000000`.',
});
const cases = [10_000, 100_000, max].filter((n, i, a) => n <= max && a.indexOf(n) === i).map(measure);
const big = cases[cases.length - 1]!;
done(cases, {
  devices: big.devices,
  transitions: big.transitions,
  transitionsPerSec: big.transitionsPerSec,
  transitionsPerCpuSec: big.transitionsPerCpuSec,
  bytesPerIdleDevice: big.bytesPerIdleDevice,
  bytesPerArrivedDevice: big.bytesPerArrivedDevice,
});
