/**
 * Every device's path, hashed, for every shipped scenario: the guard for changes to the simulator
 * that must change no draw (a new scheduler, fewer allocations). Per scenario it walks the fleet as
 * a run does (faults included) and as trace does (paths recorded), hashes each device's steps
 * (app, seq, enrolment, time, node, version, device done), folds the device hashes in id order,
 * and hashes the order of the whole stream too; trace's and the run's device hashes must agree.
 * Print the table on two builds and compare:
 *
 *   node dist/bench/path-hash.js [--dist <other build's dist dir>] [--devices N] > hashes.json
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** FNV-1a over a string, continued from `h`. */
function fnv(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

interface Emit {
  inst: { device: { id: string }; app: { id: string } };
  step: { at: number; node: string; version: string };
  seq: number;
  deviceDone: boolean;
  enrolment?: number;
}
type Sim = { runToEnd(onStep: (e: Emit) => void): void };

function scenarios(root: string): string[] {
  const out: string[] = [];
  for (const dir of ['scenarios', 'scenarios/faults'])
    for (const f of readdirSync(join(root, dir)).sort()) if (f.endsWith('.yaml')) out.push(join(dir, f));
  return out;
}

async function main(): Promise<void> {
  const root = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
  const dist = arg('dist') ?? join(root, 'dist');
  const devices = arg('devices');
  const load = (p: string) => import(pathToFileURL(join(dist, p)).href);
  const { loadScenario } = await load('agent/scenario/load.js');
  const { buildFleet } = await load('agent/fleet/fleet.js');
  const { planFaults } = await load('agent/faults/plan.js');
  const { Simulator } = await load('agent/sim/simulator.js');
  const out: Record<string, unknown> = {};
  for (const file of scenarios(root)) {
    const s = loadScenario(join(root, file));
    const size = devices !== undefined ? { devices: Number(devices) } : {};
    const walk = (recordPaths: boolean) => {
      const fleet = buildFleet(s, { seed: s.seed, ...size });
      const faults = planFaults(s, { seed: s.seed, ...size });
      const sim: Sim = new Simulator(fleet, { startMs: fleet.startMs, seed: s.seed, faults, recordPaths });
      const perDevice = new Map<string, number>();
      let order = 2166136261;
      let events = 0;
      sim.runToEnd((e) => {
        const id = e.inst.device.id;
        const line = `${e.inst.app.id}|${e.seq}|${e.enrolment ?? 0}|${e.step.at}|${e.step.node}|${e.step.version}|${e.deviceDone}`;
        perDevice.set(id, fnv(perDevice.get(id) ?? 2166136261, line));
        order = fnv(order, `${id}|${line}`);
        events++;
      });
      let all = 2166136261;
      for (const id of [...perDevice.keys()].sort()) all = fnv(all, `${id}:${perDevice.get(id)}`);
      return { devices: perDevice.size, events, paths: all.toString(16), order: order.toString(16) };
    };
    const run = walk(false);
    const traced = walk(true);
    out[file] = { ...run, traceAgrees: traced.paths === run.paths && traced.order === run.order };
  }
  process.stdout.write(`${JSON.stringify(out, null, 1)}\n`);
}

await main();
