/**
 * The workers' live figures as one: their progress summed for the terminal, and their
 * per-second points merged into one stream, a second going out once every worker is past it.
 */
import type { TimelinePoint } from '../drive/metrics.js';
import { mergeTimelines } from '../result/merge.js';
import type { LiveState } from './run-options.js';

/** The workers' progress as one: counts add, times and p99 take the largest, the latest error shows. */
export function sumProgress(parts: readonly (LiveState | undefined)[]): LiveState | undefined {
  let sum: LiveState | undefined;
  for (const p of parts) {
    if (!p) continue;
    if (!sum) {
      sum = { ...p };
      continue;
    }
    for (const k of SUMMED) sum[k] += p[k];
    for (const k of LARGEST) sum[k] = Math.max(sum[k], p[k]);
    if (p.devicesDown) {
      sum.devicesDown = (sum.devicesDown ?? 0) + p.devicesDown;
      sum.downForMs = Math.max(sum.downForMs ?? 0, p.downForMs ?? 0);
    }
    if (p.lastError) sum.lastError = p.lastError;
  }
  return sum;
}

const SUMMED = [
  'offered',
  'sent',
  'retried',
  'acked',
  'failed',
  'connections',
  'devicesOnline',
  'devicesDone',
  'devicesTotal',
  'installsDone',
  'installsTotal',
  'remaining',
] as const satisfies readonly (keyof LiveState)[];
const LARGEST = ['elapsedMs', 'simElapsedMs', 'p99Ms'] as const satisfies readonly (keyof LiveState)[];

/**
 * The workers' per-second points as one stream: second t goes out, summed exactly
 * (mergeTimelines), once every worker has reported a later second or ended.
 */
export class PointMerger {
  private readonly latest: number[];
  private readonly pending = new Map<number, TimelinePoint[]>();
  constructor(
    workers: number,
    private readonly out: (p: TimelinePoint) => void,
  ) {
    this.latest = new Array(workers).fill(-1);
  }
  add(worker: number, p: TimelinePoint): void {
    this.latest[worker] = p.t;
    this.pending.set(p.t, [...(this.pending.get(p.t) ?? []), p]);
    const upTo = Math.min(...this.latest);
    for (const t of [...this.pending.keys()].sort((a, b) => a - b)) if (t < upTo) this.emit(t);
  }
  flush(): void {
    for (const t of [...this.pending.keys()].sort((a, b) => a - b)) this.emit(t);
  }
  private emit(t: number): void {
    const parts = this.pending.get(t)!;
    this.pending.delete(t);
    this.out(mergeTimelines(parts.map((p) => [p]))[0]!);
  }
}
