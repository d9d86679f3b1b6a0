/**
 * The order of up to `n` unsigned 32-bit keys by an LSD radix sort, 11 bits a pass: for the
 * calendar queue's big buckets (a million devices put thousands of entries in one 250 ms bucket
 * right after they come online), where sorting a key per entry with the engine's native sort and
 * moving the entries cost about 100 ns per entry; three counting passes cost a fraction of it.
 * Stable, so equal keys keep their places.
 */
const DIGIT = 11;
const BINS = 1 << DIGIT;

export class RadixOrder {
  private keysA = new Uint32Array(1024);
  private keysB = new Uint32Array(1024);
  private idxA = new Int32Array(1024);
  private idxB = new Int32Array(1024);
  private readonly counts = new Int32Array(BINS);

  /** The keys to fill, room for `n` (their contents are not kept). */
  keys(n: number): Uint32Array {
    if (n > this.keysA.length) {
      const size = Math.max(n, this.keysA.length * 2);
      this.keysA = new Uint32Array(size);
      this.keysB = new Uint32Array(size);
      this.idxA = new Int32Array(size);
      this.idxB = new Int32Array(size);
    }
    return this.keysA;
  }

  /** Sorts the first `k` keys (filled through `keys`, all below 2^bits) and returns each rank's place. */
  order(k: number, bits: number): Int32Array {
    let keys = this.keysA;
    let idx = this.idxA;
    let toKeys = this.keysB;
    let toIdx = this.idxB;
    for (let j = 0; j < k; j++) idx[j] = j;
    const counts = this.counts;
    for (let shift = 0; shift < bits; shift += DIGIT) {
      counts.fill(0);
      for (let j = 0; j < k; j++) counts[(keys[j]! >>> shift) & (BINS - 1)]!++;
      let sum = 0;
      for (let d = 0; d < BINS; d++) {
        const c = counts[d]!;
        counts[d] = sum;
        sum += c;
      }
      for (let j = 0; j < k; j++) {
        const key = keys[j]!;
        const at = counts[(key >>> shift) & (BINS - 1)]!++;
        toKeys[at] = key;
        toIdx[at] = idx[j]!;
      }
      const k2 = keys;
      keys = toKeys;
      toKeys = k2;
      const i2 = idx;
      idx = toIdx;
      toIdx = i2;
    }
    // the passes swap the buffers: keep them as they are now, so `keys` hands out the one filled next
    this.keysA = keys;
    this.keysB = toKeys;
    this.idxA = idx;
    this.idxB = toIdx;
    return idx;
  }
}
