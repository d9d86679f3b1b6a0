/**
 * A calendar queue (a bucketed timing wheel over simulated time) with the order of TimeHeap:
 * entries come out by time, ties by id. The simulator keeps one entry per device, and at a million
 * devices a binary heap's sift touches twenty cache lines per event; here an event lands in the
 * bucket of its time in O(1), and a bucket is sorted once when the queue reaches it.
 *
 * An entry is its time, its id and two int32 words its owner keeps with it (the simulator: the
 * device's slot and its first installation), so whoever pops it has them without a lookup by id,
 * which at a million devices is a cache miss per event.
 *
 * Three places hold entries. The wheel: `buckets` lists of width `widthMs`, each a chain of
 * blocks of 16 entries in push order (blocks come from one arena and go back to it), so an entry
 * costs no object and a bucket is read in sequence, not by chasing a link per entry through
 * memory. The far heap: entries past the wheel's horizon, moved into the wheel as it turns. The
 * current bucket: its entries copied out and sorted into the run, a small heap for entries
 * pushed into it (or before it) while it drains that fall inside the run, and a list of those
 * that fall after it (sorted into the next run when this one is done).
 */
import { EntryHeap } from './entry-heap.js';
import { SortedRun } from './sorted-run.js';

const BLOCK = 16;
/** An entry in the arena: its time (a double), then id, a and b (int32 words 2-4), 24 bytes. */
const STRIDE_F = 3;
const STRIDE_W = 6;

export class CalendarQueue {
  // the block arena: entries by block * BLOCK + k, one record each (an append touches one cache
  // line, not one per field), and each block's successor in its bucket
  private af = new Float64Array(1024 * BLOCK * STRIDE_F);
  private aw = new Int32Array(this.af.buffer);
  private bnext = new Int32Array(1024);
  private blocks = 0;
  private free = -1;
  /** Per bucket: its first and last block, and how full the last one is. */
  private readonly head: Int32Array;
  private readonly tail: Int32Array;
  private readonly fill: Uint8Array;
  /** One bit per bucket that holds entries: the wheel turns to the next one without visiting the empty ones. */
  private readonly occupied: Uint32Array;
  private readonly mask: number;
  /**
   * The slot past the buckets: entries pushed into the bucket being drained that come after its
   * whole run. At a fleet's start a million devices come online in one bucket, and each one's
   * next event a moment later went into the side heap, which grew to the fleet's size.
   */
  private readonly later: number;
  /** The run's last entry (time, id): what a push into the current bucket is compared with. */
  private endT = -Infinity;
  private endI = -1;
  private readonly far = new EntryHeap();
  private readonly side = new EntryHeap();
  /** The run: the current bucket's entries in order. */
  private readonly run = new SortedRun();
  /** A power of two above every id: the id's room in a sort key. */
  private readonly idSpan: number;
  private runPos = 0;
  private runLen = 0;
  /** The bucket being drained (absolute: buckets since `origin`). */
  private cur = -1;
  private inWheel = 0;
  private n = 0;
  private topT = 0;
  private topI = -1;
  private topA = 0;
  private topB = 0;
  private topSide = false;
  /** The top fields are out of date: the next look at the top finds it (findTop). */
  private stale = false;

  constructor(
    capacity: number,
    private readonly origin: number,
    private readonly widthMs: number,
    buckets = 1 << 16,
  ) {
    if ((buckets & (buckets - 1)) !== 0) throw new RangeError('buckets must be a power of two');
    this.head = new Int32Array(buckets + 1).fill(-1);
    this.tail = new Int32Array(buckets + 1).fill(-1);
    this.fill = new Uint8Array(buckets + 1);
    this.occupied = new Uint32Array(Math.max(1, buckets >>> 5));
    this.mask = buckets - 1;
    this.later = buckets;
    this.idSpan = 2 ** Math.ceil(Math.log2(Math.max(2, capacity)));
  }

  get size(): number {
    return this.n;
  }

  peekTime(): number | undefined {
    if (this.n === 0) return undefined;
    if (this.stale) this.findTop();
    return this.topT;
  }

  peekId(): number | undefined {
    if (this.n === 0) return undefined;
    if (this.stale) this.findTop();
    return this.topI;
  }

  /** The earliest entry's first word (the queue must not be empty). */
  peekA(): number {
    if (this.stale) this.findTop();
    return this.topA;
  }

  /** The earliest entry's second word (the queue must not be empty). */
  peekB(): number {
    if (this.stale) this.findTop();
    return this.topB;
  }

  /**
   * Whether (t, id) comes before every entry, answered without turning the wheel when t lies in
   * a bucket before the next one that holds entries (and nothing waits in the current one). The
   * simulator asks it before each device that comes online: when a fleet comes online at one
   * moment, a wheel turned to the first device's next event put the events of every device after
   * it, all before that bucket, into the side heap (750,000 at a million devices).
   */
  before(t: number, id: number): boolean {
    if (this.n === 0) return true;
    if (this.stale) {
      if (this.runPos >= this.runLen && this.side.size === 0 && this.head[this.later] === -1) {
        const next = this.inWheel === 0 ? this.bucketOf(this.far.t[0]!) : this.nextOccupied(this.cur + 1);
        if (this.bucketOf(t) < next) return true;
      }
      this.findTop();
    }
    return t < this.topT || (t === this.topT && id < this.topI);
  }

  private bucketOf(t: number): number {
    return Math.floor((t - this.origin) / this.widthMs);
  }

  push(t: number, id: number, a = 0, b = 0): void {
    const k = this.bucketOf(t);
    // into an empty queue, the top is found when asked for
    if (this.n++ === 0) this.stale = true;
    if (k <= this.cur) {
      if (k === this.cur && (t > this.endT || (t === this.endT && id > this.endI))) {
        // after the whole run: it waits with the others like it, not in the side heap
        this.append(this.later, t, id, a, b);
        return;
      }
      this.side.push(t, id, a, b);
      if (!this.stale && (t < this.topT || (t === this.topT && id < this.topI))) {
        this.topT = t;
        this.topI = id;
        this.topA = a;
        this.topB = b;
        this.topSide = true;
      }
      return;
    }
    // entries beyond the current bucket come after everything in it
    if (k <= this.cur + this.mask) this.append(k & this.mask, t, id, a, b);
    else this.far.push(t, id, a, b);
  }

  /** Removes the earliest entry and returns its id (undefined when empty). */
  pop(): number | undefined {
    if (this.n === 0) return undefined;
    if (this.stale) this.findTop();
    const id = this.topI;
    if (this.topSide) this.side.pop();
    else this.runPos++;
    this.n--;
    // the next top is found when asked for: a push that follows may come first
    this.stale = true;
    return id;
  }

  /** pop() then push(t, id, a, b); the queue must not be empty. */
  replaceTop(t: number, id: number, a = 0, b = 0): void {
    this.pop();
    this.push(t, id, a, b);
  }

  /** Appends an entry to bucket slot `s` (or to `later`). */
  private append(s: number, t: number, id: number, a: number, b: number): void {
    let blk = this.tail[s]!;
    let f = this.fill[s]!;
    if (blk === -1) {
      blk = this.newBlock();
      this.head[s] = blk;
      this.tail[s] = blk;
      f = 0;
      if (s !== this.later) this.occupied[s >>> 5]! |= 1 << (s & 31);
    } else if (f === BLOCK) {
      const next = this.newBlock();
      this.bnext[blk] = next;
      this.tail[s] = next;
      blk = next;
      f = 0;
    }
    const o = blk * BLOCK + f;
    this.af[o * STRIDE_F] = t;
    const w = o * STRIDE_W;
    this.aw[w + 2] = id;
    this.aw[w + 3] = a;
    this.aw[w + 4] = b;
    this.fill[s] = f + 1;
    this.inWheel++;
  }

  private newBlock(): number {
    let blk = this.free;
    if (blk !== -1) this.free = this.bnext[blk]!;
    else {
      if (this.blocks === this.bnext.length) this.growArena();
      blk = this.blocks++;
    }
    this.bnext[blk] = -1;
    return blk;
  }

  private growArena(): void {
    const n = this.bnext.length * 2;
    const next = new Int32Array(n);
    next.set(this.bnext);
    this.bnext = next;
    const f = new Float64Array(n * BLOCK * STRIDE_F);
    f.set(this.af);
    this.af = f;
    this.aw = new Int32Array(f.buffer);
  }

  /** Finds the earliest of the run's next entry and the side heap's top; turns the wheel if both are empty. */
  private findTop(): void {
    this.stale = false;
    if (this.runPos >= this.runLen && this.side.size === 0) {
      if (this.n === 0) return;
      if (this.head[this.later] !== -1) this.loadLater();
      else this.advance();
      return;
    }
    this.pickTop();
  }

  private pickTop(): void {
    const side = this.side;
    if (this.runPos < this.runLen) {
      const p = this.runPos;
      const run = this.run;
      const rt = run.t[p]!;
      const r = run.i[p]!;
      if (side.size > 0) {
        const st = side.t[0]!;
        const si = side.i[0]!;
        if (st < rt || (st === rt && si < r)) {
          this.topFromSide();
          return;
        }
      }
      this.topT = rt;
      this.topI = r;
      this.topA = run.a[p]!;
      this.topB = run.b[p]!;
      this.topSide = false;
      return;
    }
    this.topFromSide();
  }

  private topFromSide(): void {
    const side = this.side;
    this.topT = side.t[0]!;
    this.topI = side.i[0]!;
    this.topA = side.a[0]!;
    this.topB = side.b[0]!;
    this.topSide = true;
  }

  /**
   * Moves to the next bucket that holds entries and sorts it into the run. Far entries are always
   * past every bucket of the wheel, so the next entry is in the wheel's next occupied bucket, or,
   * when the wheel is empty, in the far heap's first bucket.
   */
  private advance(): void {
    this.cur = this.inWheel === 0 ? this.bucketOf(this.far.t[0]!) : this.nextOccupied(this.cur + 1);
    this.pullFar();
    this.load(this.cur & this.mask);
    this.pickTop();
  }

  /** The first bucket at or after `from` (absolute) that holds entries; the wheel must hold some. */
  private nextOccupied(from: number): number {
    const occ = this.occupied;
    const words = occ.length;
    const slot = from & this.mask;
    let w = slot >>> 5;
    // the first word without the bits before `slot`
    let bits = occ[w]! & (~0 << (slot & 31));
    for (let k = 0; k <= words; k++) {
      if (bits !== 0) {
        const found = (w << 5) + (31 - Math.clz32(bits & -bits));
        return from + ((found - slot) & this.mask);
      }
      w = w + 1 === words ? 0 : w + 1;
      bits = occ[w]!;
    }
    throw new Error('calendar queue: the wheel holds entries but no bucket has any');
  }

  /** Far entries whose bucket the wheel now covers go into it. */
  private pullFar(): void {
    const far = this.far;
    const horizon = this.cur + this.mask;
    while (far.size > 0 && this.bucketOf(far.t[0]!) <= horizon) {
      const t = far.t[0]!;
      this.append(this.bucketOf(t) & this.mask, t, far.i[0]!, far.a[0]!, far.b[0]!);
      far.pop();
    }
  }

  /** Copies bucket `s` into the run, in push order, gives its blocks back, and sorts the run. */
  private load(s: number): void {
    let k = 0;
    for (let blk = this.head[s]!; blk !== -1; ) {
      const count = blk === this.tail[s] ? this.fill[s]! : BLOCK;
      const run = this.run;
      if (k + count > run.t.length) run.grow(k + count);
      const { t: rt, i: ri, a: ra, b: rb } = run;
      const { af, aw } = this;
      for (let o = blk * BLOCK, end = o + count; o < end; o++, k++) {
        rt[k] = af[o * STRIDE_F]!;
        const w = o * STRIDE_W;
        ri[k] = aw[w + 2]!;
        ra[k] = aw[w + 3]!;
        rb[k] = aw[w + 4]!;
      }
      const next = this.bnext[blk]!;
      this.bnext[blk] = this.free;
      this.free = blk;
      blk = next;
    }
    this.head[s] = -1;
    this.tail[s] = -1;
    this.fill[s] = 0;
    if (s !== this.later) this.occupied[s >>> 5]! &= ~(1 << (s & 31));
    this.inWheel -= k;
    this.runPos = 0;
    this.runLen = k;
    this.run.sort(k, this.idSpan);
    this.endT = this.run.t[k - 1]!;
    this.endI = this.run.i[k - 1]!;
  }

  /** The entries pushed after the drained run's end become the run. */
  private loadLater(): void {
    this.load(this.later);
    this.pickTop();
  }
}
