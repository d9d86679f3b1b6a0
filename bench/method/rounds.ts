/**
 * Rounds of passes, one per side each round, in alternating order, each on a fresh endpoint
 * (`fleetsim serve` in its own process, whose CPU is the pass's peer figure). The summary per
 * side is medians with min-max of the steady-state figures, and the warm-up beside them.
 */
import { startServe, type Served } from '../serve-process.js';
import type { PassResult } from './pass.js';
import { orderOf, ratio, spread, type Spread } from './stats.js';

export interface Side {
  name: string;
  run(served: Served): Promise<PassResult>;
}

export async function rounds(sides: Side[], count: number, serveArgs: string[] = []): Promise<PassResult[]> {
  const out: PassResult[] = [];
  for (let r = 0; r < count; r++) {
    for (const side of orderOf(sides, r)) {
      const served = await startServe(serveArgs);
      try {
        const p = await side.run(served);
        out.push({ ...p, round: r + 1 });
        process.stderr.write(
          `round ${r + 1} ${side.name}: steady ${p.steady.cpuUsPerEvent} µs CPU/event, ${p.steady.eventsPerSec} events/s, endpoint ${p.steady.peerCpuUsPerEvent} µs/event; warm-up ${p.warmup.seconds} s at ${p.warmup.cpuUsPerEvent} µs/event; load ${p.load.join('->')}\n`,
        );
      } finally {
        await served.stop();
      }
    }
  }
  return out;
}

export interface SideSummary {
  cpuUsPerEvent: Spread;
  eventsPerSec: Spread;
  peerCpuUsPerEvent: Spread;
  warmupSeconds: Spread;
  warmupCpuUsPerEvent: Spread;
  load: Spread;
}

export function summarise(passes: PassResult[], side: string): SideSummary {
  const mine = passes.filter((p) => p.side === side);
  return {
    cpuUsPerEvent: spread(mine.map((p) => p.steady.cpuUsPerEvent)),
    eventsPerSec: spread(mine.map((p) => p.steady.eventsPerSec)),
    peerCpuUsPerEvent: spread(mine.map((p) => p.steady.peerCpuUsPerEvent)),
    warmupSeconds: spread(mine.map((p) => p.warmup.seconds)),
    warmupCpuUsPerEvent: spread(mine.map((p) => p.warmup.cpuUsPerEvent)),
    load: spread(mine.flatMap((p) => p.load)),
  };
}

/** Per round, a / b of events/s (the context figure), as medians with min-max. */
export function roundRatios(
  passes: PassResult[],
  a: string,
  b: string,
  key: 'eventsPerSec' | 'cpuUsPerEvent' | 'peerCpuUsPerEvent',
): Spread {
  const xs: number[] = [];
  for (const p of passes) {
    if (p.side !== a) continue;
    const q = passes.find((x) => x.side === b && x.round === p.round);
    if (q?.steady[key]) xs.push(p.steady[key] / q.steady[key]);
  }
  return spread(xs);
}

export { ratio };

/**
 * Which process set the pace of a side's passes: client and endpoint run as a pipeline on the same
 * shared cores, so the one with the larger CPU per event is the limit (its share of the machine is
 * what the events/s figure measures). `pairEventsPerCpuSec`: events per CPU-second of client and
 * endpoint together, the pair's throughput on cores given to it alone (robust to neighbours).
 */
export interface Limit {
  endpoint: number;
  client: number;
  passes: number;
  pairEventsPerCpuSec: Spread;
}

export function limitOf(passes: PassResult[], side: string): Limit {
  const mine = passes.filter((p) => p.side === side);
  const endpoint = mine.filter((p) => p.steady.peerCpuUsPerEvent > p.steady.cpuUsPerEvent).length;
  const pair = mine.map((p) => 1e6 / (p.steady.cpuUsPerEvent + p.steady.peerCpuUsPerEvent));
  return {
    endpoint,
    client: mine.length - endpoint,
    passes: mine.length,
    pairEventsPerCpuSec: spread(pair.map((x) => Math.round(x))),
  };
}
