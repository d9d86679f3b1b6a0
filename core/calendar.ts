/**
 * A calendar queue (a bucketed timing wheel over simulated time) with the order of TimeHeap:
 * entries come out by time, ties by id. The simulator keeps one entry per device, and at a million
 * devices a binary heap's sift touches twenty cache lines per event; here an event lands in the
 * bucket of its time in O(1), and a bucket is sorted once when the queue reaches it.
 *
 * Three places hold entries. The wheel: `buckets` lists of width `widthMs`, covering the
 * buckets from the current one on; each list in push order, linked through per-id arrays, so the
 * queue allocates nothing per entry. The far heap: entries past the wheel's horizon, moved into
 * the wheel as it turns. The current bucket: its entries sorted in `run`, and a small heap for
 * entries pushed into it (or before it) while it drains.
 *
 * At most one entry per id at a time (ids 0..capacity-1), as the simulator has one per device.
 */
import { TimeHeap } from './heap.js';

export class CalendarQueue {
  /** Per id: its time, then the next id in its bucket's list (side by side: one cache line). */
  private readonly rec: Float64Array;
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly mask: number;
  private readonly far = new TimeHeap();
  private run = new Int32Array(1024);
  private keys = new Float64Array(1024);
  /** A power of two above every id: the id's room in a sort key. */
  private readonly idSpan: number;
  private runPos = 0;
  private runLen = 0;
  private sideT = new Float64Array(256);
  private sideI = new Int32Array(256);
  private sideN = 0;
  /** The bucket being drained (absolute: buckets since `origin`). */
  private cur = -1;
  private inWheel = 0;
  private n = 0;
  private topT = 0;
  private topI = -1;
  private topSide = false;

  constructor(
    capacity: number,
    private readonly origin: number,
    private readonly widthMs: number,
    buckets = 1 << 16,
  ) {
    if ((buckets & (buckets - 1)) !== 0) throw new RangeError('buckets must be a power of two');
    this.rec = new Float64Array(2 * Math.max(1, capacity));
    this.head = new Int32Array(buckets).fill(-1);
    this.tail = new Int32Array(buckets).fill(-1);
    this.mask = buckets - 1;
    this.idSpan = 2 ** Math.ceil(Math.log2(Math.max(2, capacity)));
  }

  get size(): number {
    return this.n;
  }

  peekTime(): number | undefined {
    return this.n > 0 ? this.topT : undefined;
  }

  peekId(): number | undefined {
    return this.n > 0 ? this.topI : undefined;
  }

  private bucketOf(t: number): number {
    return Math.floor((t - this.origin) / this.widthMs);
  }

  push(t: number, id: number): void {
    const b = this.bucketOf(t);
    this.n++;
    if (b <= this.cur) {
      this.sidePush(t, id);
      if (this.n === 1 || t < this.topT || (t === this.topT && id < this.topI)) {
        this.topT = t;
        this.topI = id;
        this.topSide = true;
      }
      return;
    }
    this.rec[2 * id] = t;
    if (b <= this.cur + this.mask) this.append(b, id);
    else this.far.push(t, id);
    // entries beyond the current bucket come after everything in it
    if (this.n === 1) this.advance();
  }

  /** Removes the earliest entry and returns its id (undefined when empty). */
  pop(): number | undefined {
    if (this.n === 0) return undefined;
    const id = this.topI;
    if (this.topSide) this.sidePop();
    else this.runPos++;
    this.n--;
    this.settleTop();
    return id;
  }

  /** pop() then push(t, id); the queue must not be empty. */
  replaceTop(t: number, id: number): void {
    this.pop();
    this.push(t, id);
  }

  private append(b: number, id: number): void {
    const s = b & this.mask;
    this.rec[2 * id + 1] = -1;
    if (this.head[s] === -1) this.head[s] = id;
    else this.rec[2 * this.tail[s]! + 1] = id;
    this.tail[s] = id;
    this.inWheel++;
  }

  /** Finds the earliest of the run's next entry and the side heap's top; turns the wheel if both are empty. */
  private settleTop(): void {
    if (this.runPos >= this.runLen && this.sideN === 0) {
      if (this.n === 0) return;
      this.advance();
      return;
    }
    this.pickTop();
  }

  private pickTop(): void {
    if (this.runPos < this.runLen) {
      const r = this.run[this.runPos]!;
      const rt = this.rec[2 * r]!;
      if (this.sideN > 0) {
        const st = this.sideT[0]!;
        const si = this.sideI[0]!;
        if (st < rt || (st === rt && si < r)) {
          this.topT = st;
          this.topI = si;
          this.topSide = true;
          return;
        }
      }
      this.topT = rt;
      this.topI = r;
      this.topSide = false;
      return;
    }
    this.topT = this.sideT[0]!;
    this.topI = this.sideI[0]!;
    this.topSide = true;
  }

  /** Moves to the next bucket that holds entries and sorts it into the run. */
  private advance(): void {
    for (;;) {
      if (this.inWheel === 0) {
        // nothing in the wheel: jump to the far heap's first bucket
        this.cur = this.bucketOf(this.far.peekTime()!) - 1;
      }
      this.cur++;
      this.pullFar();
      const s = this.cur & this.mask;
      if (this.head[s] !== -1) {
        this.load(s);
        this.pickTop();
        return;
      }
    }
  }

  /** Far entries whose bucket the wheel now covers go into it. */
  private pullFar(): void {
    const far = this.far;
    const horizon = this.cur + this.mask;
    while (far.size > 0 && this.bucketOf(far.peekTime()!) <= horizon) {
      const id = far.peekId()!;
      this.rec[2 * id] = far.peekTime()!;
      far.pop();
      this.append(this.bucketOf(this.rec[2 * id]!), id);
    }
  }

  private load(s: number): void {
    let k = 0;
    for (let id = this.head[s]!; id !== -1; id = this.rec[2 * id + 1]!) {
      if (k === this.run.length) {
        const grown = new Int32Array(k * 2);
        grown.set(this.run);
        this.run = grown;
      }
      this.run[k++] = id;
    }
    this.head[s] = -1;
    this.tail[s] = -1;
    this.inWheel -= k;
    this.runPos = 0;
    this.runLen = k;
    this.sortRun(k);
  }

  private sortRun(k: number): void {
    const run = this.run;
    const time = this.rec;
    let sorted = true;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < k; i++) {
      const id = run[i]!;
      const t = time[2 * id]!;
      if (t < min) min = t;
      if (t > max) max = t;
      if (i > 0 && sorted) {
        const p = run[i - 1]!;
        if (time[2 * p]! > t || (time[2 * p] === t && p > id)) sorted = false;
      }
    }
    if (sorted) return;
    if (k <= 24) this.insertionSort(k);
    else if (!this.keySort(k, min, max)) run.subarray(0, k).sort((a, b) => time[2 * a]! - time[2 * b]! || a - b);
  }

  /**
   * Sorts the run by one exact number per entry, (time - min) in units of the times' last bit
   * times a power of two, plus the id, with the engine's native sort (no comparator). Times a
   * few ms apart near 1.7e12 (simulated epoch ms) have 40-odd bits to spare for the id. False
   * when the times do not fit exactly: then the comparator sort runs.
   */
  private keySort(k: number, min: number, max: number): boolean {
    if (!(min > 0) || min < max / 2) return false;
    const unit = 2 ** (Math.floor(Math.log2(max)) - 53);
    const span = this.idSpan;
    if (((max - min) / unit + 1) * span > Number.MAX_SAFE_INTEGER) return false;
    if (this.keys.length < k) this.keys = new Float64Array(Math.max(k, this.keys.length * 2));
    const keys = this.keys;
    const run = this.run;
    const time = this.rec;
    for (let i = 0; i < k; i++) {
      const id = run[i]!;
      const q = (time[2 * id]! - min) / unit;
      if (!Number.isInteger(q)) return false;
      keys[i] = q * span + id;
    }
    const sorted = keys.subarray(0, k).sort();
    for (let i = 0; i < k; i++) run[i] = sorted[i]! % span;
    return true;
  }

  private insertionSort(k: number): void {
    const run = this.run;
    const time = this.rec;
    for (let i = 1; i < k; i++) {
      const id = run[i]!;
      const t = time[2 * id]!;
      let j = i - 1;
      while (j >= 0) {
        const o = run[j]!;
        if (time[2 * o]! < t || (time[2 * o] === t && o < id)) break;
        run[j + 1] = o;
        j--;
      }
      run[j + 1] = id;
    }
  }

  private sidePush(t: number, id: number): void {
    if (this.sideN === this.sideT.length) {
      const t2 = new Float64Array(this.sideN * 2);
      t2.set(this.sideT);
      this.sideT = t2;
      const i2 = new Int32Array(this.sideN * 2);
      i2.set(this.sideI);
      this.sideI = i2;
    }
    const T = this.sideT;
    const I = this.sideI;
    let i = this.sideN++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (T[p]! < t || (T[p] === t && I[p]! <= id)) break;
      T[i] = T[p]!;
      I[i] = I[p]!;
      i = p;
    }
    T[i] = t;
    I[i] = id;
  }

  private sidePop(): void {
    const T = this.sideT;
    const I = this.sideI;
    const n = --this.sideN;
    if (n === 0) return;
    const t = T[n]!;
    const id = I[n]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (T[r]! < T[l]! || (T[r] === T[l] && I[r]! < I[l]!))) c = r;
      if (T[c]! > t || (T[c] === t && I[c]! > id)) break;
      T[i] = T[c]!;
      I[i] = I[c]!;
      i = c;
    }
    T[i] = t;
    I[i] = id;
  }
}
