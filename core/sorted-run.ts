/**
 * The bucket a calendar queue drains: its entries (time, id and the two words the queue carries)
 * in parallel typed arrays, sorted once by (time, id) when the queue reaches the bucket, with a
 * second set of arrays the sort permutes into. Most buckets hold a few entries (insertion sort);
 * a big one (a fleet coming online at once) is sorted by one exact number per entry with the
 * engine's native sort, no comparator.
 */
import { RadixOrder } from './radix-order.js';

/** Runs up to this long have their keys insertion-sorted (a native sort's call costs more). */
const SHORT = 64;
/** Runs at least this long whose keys fit 32 bits are radix-sorted. */
const LONG = 256;

function insertionSortKeys(keys: Float64Array, k: number): void {
  for (let j = 1; j < k; j++) {
    const x = keys[j]!;
    let m = j - 1;
    while (m >= 0 && keys[m]! > x) {
      keys[m + 1] = keys[m]!;
      m--;
    }
    keys[m + 1] = x;
  }
}

export class SortedRun {
  t = new Float64Array(1024);
  i = new Int32Array(1024);
  a = new Int32Array(1024);
  b = new Int32Array(1024);
  private st = new Float64Array(1024);
  private si = new Int32Array(1024);
  private sa = new Int32Array(1024);
  private sb = new Int32Array(1024);
  private keys = new Float64Array(1024);
  private order = new Int32Array(1024);
  private readonly radix = new RadixOrder();

  /** Room for `n` entries (keeps the first ones). */
  grow(n: number): void {
    const size = Math.max(n, this.t.length * 2);
    const t = new Float64Array(size);
    t.set(this.t);
    this.t = t;
    const i = new Int32Array(size);
    i.set(this.i);
    this.i = i;
    const a = new Int32Array(size);
    a.set(this.a);
    this.a = a;
    const b = new Int32Array(size);
    b.set(this.b);
    this.b = b;
    this.st = new Float64Array(size);
    this.si = new Int32Array(size);
    this.sa = new Int32Array(size);
    this.sb = new Int32Array(size);
    this.keys = new Float64Array(size);
    this.order = new Int32Array(size);
  }

  /** Sorts the first `k` entries by (time, id); ids are below `idSpan`, a power of two. */
  sort(k: number, idSpan: number): void {
    const T = this.t;
    const I = this.i;
    let sorted = true;
    let ints = true;
    let min = Infinity;
    let max = -Infinity;
    for (let j = 0; j < k; j++) {
      const t = T[j]!;
      if (t < min) min = t;
      if (t > max) max = t;
      if (ints && !Number.isInteger(t)) ints = false;
      if (j > 0 && sorted && (T[j - 1]! > t || (T[j - 1] === t && I[j - 1]! > I[j]!))) sorted = false;
    }
    if (sorted) return;
    if (k <= 24) this.insertionSort(k);
    else if (!ints || !((k >= LONG && this.radixSort(k, min, max, idSpan)) || this.keySort(k, min, max, idSpan)))
      this.comparatorSort(k);
  }

  /**
   * Sorts the run by one exact number per entry, ((time - min) * idSpan + id) * runSpan + its
   * place (one array of keys, insertion-sorted when short, else with the engine's native sort, no
   * comparator), then moves each entry to its rank. Whole-ms times a bucket apart leave ample
   * bits. False when the key would not be exact.
   */
  private keySort(k: number, min: number, max: number, span: number): boolean {
    const runSpan = 2 ** Math.ceil(Math.log2(Math.max(2, k)));
    if ((max - min + 1) * span * runSpan > Number.MAX_SAFE_INTEGER) return false;
    const keys = this.keys;
    const T = this.t;
    const I = this.i;
    for (let j = 0; j < k; j++) keys[j] = ((T[j]! - min) * span + I[j]!) * runSpan + j;
    if (k <= SHORT) insertionSortKeys(keys, k);
    else keys.subarray(0, k).sort();
    const order = this.order;
    // the place is the key's low bits: runSpan is a power of two, so this is exact (and no fmod)
    for (let j = 0; j < k; j++) {
      const key = keys[j]!;
      order[j] = key - Math.floor(key / runSpan) * runSpan;
    }
    this.permute(k, order);
    return true;
  }

  /** A long run by one 32-bit key per entry, (time - min) * idSpan + id, radix-sorted; false when the key would not fit. */
  private radixSort(k: number, min: number, max: number, span: number): boolean {
    const bits = Math.ceil(Math.log2((max - min + 1) * span));
    if (bits > 32) return false;
    const keys = this.radix.keys(k);
    const T = this.t;
    const I = this.i;
    for (let j = 0; j < k; j++) keys[j] = (T[j]! - min) * span + I[j]!;
    this.permute(k, this.radix.order(k, bits));
    return true;
  }

  /** Any times: an index sort with a comparator (slower; the simulator's times are whole ms). */
  private comparatorSort(k: number): void {
    const T = this.t;
    const I = this.i;
    const order = new Int32Array(k);
    for (let j = 0; j < k; j++) order[j] = j;
    order.sort((x, y) => T[x]! - T[y]! || I[x]! - I[y]!);
    this.permute(k, order);
  }

  /** Puts entry order[j] at place j (through the second set of run arrays, which then become the run). */
  private permute(k: number, order: Int32Array): void {
    const { t: rt, i: ri, a: ra, b: rb, st, si, sa, sb } = this;
    for (let j = 0; j < k; j++) {
      const x = order[j]!;
      st[j] = rt[x]!;
      si[j] = ri[x]!;
      sa[j] = ra[x]!;
      sb[j] = rb[x]!;
    }
    this.t = st;
    this.st = rt;
    this.i = si;
    this.si = ri;
    this.a = sa;
    this.sa = ra;
    this.b = sb;
    this.sb = rb;
  }

  private insertionSort(k: number): void {
    const { t: T, i: I, a: A, b: B } = this;
    for (let j = 1; j < k; j++) {
      const t = T[j]!;
      const id = I[j]!;
      const a = A[j]!;
      const b = B[j]!;
      let m = j - 1;
      while (m >= 0 && (T[m]! > t || (T[m] === t && I[m]! > id))) {
        T[m + 1] = T[m]!;
        I[m + 1] = I[m]!;
        A[m + 1] = A[m]!;
        B[m + 1] = B[m]!;
        m--;
      }
      T[m + 1] = t;
      I[m + 1] = id;
      A[m + 1] = a;
      B[m + 1] = b;
    }
  }
}
