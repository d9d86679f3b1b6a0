/**
 * What each fault did during a run, counted where it was done: per fault (by its index in the
 * scenario's `faults`), named counters such as duplicated, reordered, delayed, skewed, refused,
 * connectionsCut. Plain numbers that merge across workers by adding.
 */
export class FaultCounts {
  readonly byFault: Record<string, number>[];

  constructor(faults: number) {
    this.byFault = Array.from({ length: faults }, () => ({}));
  }

  add(fault: number, what: string, n = 1): void {
    const c = this.byFault[fault];
    if (c) c[what] = (c[what] ?? 0) + n;
  }

  /** Adds another run's counts (a worker's, a shard's) into these. */
  merge(other: readonly Record<string, number>[]): void {
    other.forEach((c, i) => {
      for (const [k, n] of Object.entries(c)) this.add(i, k, n);
    });
  }
}
