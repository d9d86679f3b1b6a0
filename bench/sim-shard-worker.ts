/**
 * One shard of the devices bench's fleet on its own worker thread: it builds its shard of the
 * fleet (every device whose fleet index % count === index, as `run --shard` and `--workers` keep
 * them) and its simulator, says it is ready, and on "go" steps every installation to its end with
 * no network, counting the transitions (reported steps) and folding them into a checksum that
 * does not depend on their order across shards. Its own thread's CPU comes from
 * /proc/thread-self/stat (the process's figure counts every thread).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { devicesScenarioText } from './devices-scenario.js';

export interface ShardJob {
  /** The build whose modules are simulated (dist/). */
  dist: string;
  devices: number;
  apps: number;
  shard: { index: number; count: number };
}

export interface ShardReady {
  kind: 'ready';
  /** Building the shard's fleet and simulator: wall ms and this thread's CPU ms. */
  buildMs: number;
  buildCpuMs: number;
  devices: number;
}

export interface ShardDone {
  kind: 'done';
  transitions: number;
  /** The sum over its transitions of seq * 65,536 + node: order-free, so shards add up to the whole. */
  checksum: number;
  /** Stepping: wall ms from "go" and this thread's CPU ms. */
  runMs: number;
  runCpuMs: number;
}

/** This thread's user + system CPU, ms (one clock tick's resolution; 0 where /proc is missing). */
export function threadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, in clock ticks of 10 ms (USER_HZ is 100 on Linux)
    return (Number(f[11]) + Number(f[12])) * 10;
  } catch {
    return 0;
  }
}

type Sim = { next(): number; outSeq: number; outNode: number };

async function main(job: ShardJob): Promise<void> {
  const port = parentPort!;
  const load = (p: string) => import(pathToFileURL(`${job.dist}/${p}`).href);
  const { buildFleet } = await load('agent/fleet/fleet.js');
  const { parseScenario } = await load('agent/scenario/load.js');
  const { Simulator } = await load('agent/sim/simulator.js');
  const scenario = parseScenario(devicesScenarioText(job.apps), 'devices-bench.yaml');
  const w0 = performance.now();
  const c0 = threadCpuMs();
  const fleet = buildFleet(scenario, { devices: job.devices, shard: job.shard });
  const sim: Sim = new Simulator(fleet, { startMs: fleet.startMs, seed: scenario.seed });
  const ready: ShardReady = {
    kind: 'ready',
    buildMs: performance.now() - w0,
    buildCpuMs: threadCpuMs() - c0,
    devices: fleet.devices.length,
  };
  port.once('message', () => {
    const w1 = performance.now();
    const c1 = threadCpuMs();
    let transitions = 0;
    let checksum = 0;
    for (let i = sim.next(); i >= 0; i = sim.next()) {
      transitions++;
      checksum += sim.outSeq * 65_536 + sim.outNode;
    }
    const done: ShardDone = {
      kind: 'done',
      transitions,
      checksum,
      runMs: performance.now() - w1,
      runCpuMs: threadCpuMs() - c1,
    };
    port.postMessage(done);
  });
  port.postMessage(ready);
}

if (parentPort && (workerData as { simShard?: ShardJob } | undefined)?.simShard)
  await main((workerData as { simShard: ShardJob }).simShard);
