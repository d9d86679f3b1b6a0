/**
 * The simulator across cores: the devices bench's 1,000,000-device fleet (no network) simulated on
 * one worker thread, then as K shards on K worker threads of one process (K: the machine's cores),
 * the two passes alternating round by round. Per pass: transitions per wall second for the whole
 * fleet, from the moment every shard is ready to the last one's end, per CPU-second of the whole
 * process (every thread: the shards, the GC's and compiler's helpers), and per CPU-second of the
 * shard threads alone; the build (fleets and simulators, in parallel) beside it, since a user
 * waits for it too. The check: the shards' transition counts (and an order-free checksum of their
 * steps) add up exactly to the one-thread pass's, every round.
 *
 *   npm run build && node dist/bench/devices-parallel.js [--devices 1000000] [--shards K] [--rounds 3] [--apps 1]
 */
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { argOf, orderOf, spread } from './method/stats.js';
import { startRecord } from './method/output.js';
import { type ShardsPass, simulateShards } from './sim-shards.js';

interface Pass extends ShardsPass {
  round: number;
  load1: number;
  transitionsPerSec: number;
  transitionsPerCpuSec: number;
  transitionsPerShardCpuSec: number;
  /** Build and stepping together, wall: what a user waits for. */
  transitionsPerSecWithBuild: number;
  /** An estimate, not a measurement: the rate if the process's CPU over the stepping had K free cores to itself. */
  transitionsPerSecIfCoresFree: number;
}

const rate = (n: number, ms: number) => (ms > 0 ? Math.round(n / (ms / 1000)) : 0);

async function onePass(dist: string, devices: number, apps: number, shards: number, round: number): Promise<Pass> {
  const load1 = Math.round(loadavg()[0]! * 100) / 100;
  const r = await simulateShards(dist, devices, apps, shards);
  const p: Pass = {
    ...r,
    round,
    load1,
    transitionsPerSec: rate(r.transitions, r.runMs),
    transitionsPerCpuSec: rate(r.transitions, r.cpuMs),
    transitionsPerShardCpuSec: rate(
      r.transitions,
      r.shardCpuMs.reduce((a, b) => a + b, 0),
    ),
    transitionsPerSecWithBuild: rate(r.transitions, r.runMs + r.buildMs),
    transitionsPerSecIfCoresFree: rate(r.transitions, Math.max(r.cpuMs / shards, ...r.shardCpuMs)),
  };
  process.stderr.write(`${JSON.stringify(p)}\n`);
  return p;
}

async function main(): Promise<void> {
  const devices = argOf('devices', 1_000_000);
  const apps = argOf('apps', 1);
  const rounds = argOf('rounds', 3);
  const shards = argOf('shards', Math.max(2, availableParallelism()));
  const dist = fileURLToPath(new URL('..', import.meta.url)).replace(/\/$/, '');
  const done = startRecord('devices-parallel', {
    devices,
    apps,
    shards,
    rounds,
    how: `The devices bench's fleet of ${devices.toLocaleString('en-US')} devices (four platforms, no network), on 1 worker thread and as ${shards} shards on ${shards} worker threads of one process (shard i keeps the devices whose fleet index % ${shards} === i, as run --shard does), alternating round by round. Stepping starts when every shard has built its fleet and simulator; transitions per wall second are the whole fleet's until the last shard ends; per CPU-second counts every thread of the process, per shard CPU-second the shard threads alone (/proc/thread-self/stat). Build: the shards' fleets and simulators, built in parallel. IfCoresFree is an estimate, not a measurement: the transitions over the larger of (the process's CPU over the stepping / K) and the slowest shard thread's CPU, i.e. what K cores free of neighbours would give. The check: each round, the shards' transition counts and an order-free checksum of their steps equal the one-thread pass's. Command: \`node dist/bench/devices-parallel.js --devices ${devices}\`.`,
  });
  const passes: Pass[] = [];
  let exact = true;
  for (let round = 0; round < rounds; round++) {
    const got = new Map<number, Pass>();
    for (const k of orderOf([1, shards], round)) got.set(k, await onePass(dist, devices, apps, k, round));
    const one = got.get(1)!;
    const many = got.get(shards)!;
    if (many.transitions !== one.transitions || many.checksum !== one.checksum) exact = false;
    passes.push(one, many);
  }
  const side = (k: number) => passes.filter((p) => p.shards === k);
  const figures = (k: number) => ({
    transitionsPerSec: spread(side(k).map((p) => p.transitionsPerSec)),
    transitionsPerCpuSec: spread(side(k).map((p) => p.transitionsPerCpuSec)),
    transitionsPerShardCpuSec: spread(side(k).map((p) => p.transitionsPerShardCpuSec)),
    transitionsPerSecWithBuild: spread(side(k).map((p) => p.transitionsPerSecWithBuild)),
    transitionsPerSecIfCoresFree: spread(side(k).map((p) => p.transitionsPerSecIfCoresFree)),
    runMs: spread(side(k).map((p) => p.runMs)),
    buildMs: spread(side(k).map((p) => p.buildMs)),
    buildCpuMs: spread(side(k).map((p) => p.buildCpuMs)),
  });
  const one = figures(1);
  const many = figures(shards);
  done(passes, {
    devices,
    shards,
    transitions: passes[0]?.transitions,
    shardsAddUp: exact,
    transitionsPerSec: many.transitionsPerSec,
    transitionsPerCpuSec: many.transitionsPerCpuSec,
    transitionsPerShardCpuSec: many.transitionsPerShardCpuSec,
    transitionsPerSecWithBuild: many.transitionsPerSecWithBuild,
    transitionsPerSecIfCoresFree: many.transitionsPerSecIfCoresFree,
    buildMs: many.buildMs,
    oneThreadTransitionsPerSec: one.transitionsPerSec,
    oneThreadTransitionsPerCpuSec: one.transitionsPerCpuSec,
    oneThreadTransitionsPerShardCpuSec: one.transitionsPerShardCpuSec,
    oneThreadBuildMs: one.buildMs,
    wallSpeedup: Math.round((many.transitionsPerSec.median / one.transitionsPerSec.median) * 100) / 100,
    loads: spread(passes.map((p) => p.load1)),
  });
  if (!exact) {
    process.stderr.write('devices-parallel: the shards do not add up to the whole fleet\n');
    process.exitCode = 2;
  }
}

await main();
