/**
 * The devices bench's fleet simulated as K shards on K worker threads of one process: every
 * worker builds its shard and its simulator, and once all are ready they step at the same moment.
 * A device's path is a function of (seed, its id, the scenario) alone, and the bench's fleet has
 * no VPP pool (a pool's outcome is decided before the run, agent/sim/licence-pool.ts), so the
 * shards' transitions are exactly the whole fleet's, split.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ShardDone, ShardJob, ShardReady } from './sim-shard-worker.js';

export interface ShardsPass {
  shards: number;
  devices: number;
  transitions: number;
  checksum: number;
  /** Each shard's transitions, by shard index. */
  perShard: number[];
  /** From "go" until the last shard is done, ms; per shard, its own stepping. */
  runMs: number;
  shardRunMs: number[];
  /** The process's CPU (every thread: the shards, the GC's helpers, the main thread) over the stepping, ms. */
  cpuMs: number;
  /** Each shard thread's own CPU over its stepping, ms. */
  shardCpuMs: number[];
  /** Building the shards' fleets and simulators (in parallel), until the last is ready, ms; and the process's CPU for it. */
  buildMs: number;
  buildCpuMs: number;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function onceMessage<T>(w: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    const fail = (e: unknown) => reject(e instanceof Error ? e : new Error(`shard worker exited with code ${e}`));
    w.once('message', (m: T) => {
      w.off('error', fail);
      w.off('exit', fail);
      resolve(m);
    });
    w.once('error', fail);
    w.once('exit', fail);
  });
}

/** Simulates `devices` devices of the bench fleet as `shards` shards, one worker thread each. */
export async function simulateShards(
  dist: string,
  devices: number,
  apps: number,
  shards: number,
  maxOldGenerationSizeMb = 8192,
): Promise<ShardsPass> {
  const file = fileURLToPath(new URL('./sim-shard-worker.js', import.meta.url));
  const w0 = performance.now();
  const c0 = cpuMs();
  const workers = Array.from({ length: shards }, (_, index) => {
    const simShard: ShardJob = { dist, devices, apps, shard: { index, count: shards } };
    return new Worker(file, { workerData: { simShard }, resourceLimits: { maxOldGenerationSizeMb } });
  });
  try {
    const ready = await Promise.all(workers.map((w) => onceMessage<ShardReady>(w)));
    const w1 = performance.now();
    const c1 = cpuMs();
    const finished = workers.map((w) => onceMessage<ShardDone>(w));
    for (const w of workers) w.postMessage('go');
    const done = await Promise.all(finished);
    const w2 = performance.now();
    const c2 = cpuMs();
    return {
      shards,
      devices: ready.reduce((a, r) => a + r.devices, 0),
      transitions: done.reduce((a, d) => a + d.transitions, 0),
      checksum: done.reduce((a, d) => a + d.checksum, 0),
      perShard: done.map((d) => d.transitions),
      runMs: Math.round(w2 - w1),
      shardRunMs: done.map((d) => Math.round(d.runMs)),
      cpuMs: Math.round(c2 - c1),
      shardCpuMs: done.map((d) => d.runCpuMs),
      buildMs: Math.round(w1 - w0),
      buildCpuMs: Math.round(c1 - c0),
    };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
