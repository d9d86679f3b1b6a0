/**
 * A binary min-heap of queue entries (time, id and two int32 words the owner keeps with the
 * entry) in typed arrays, ordered by time, ties by id as TimeHeap. The calendar queue keeps two:
 * entries past its wheel's horizon, and entries pushed into the bucket it is draining.
 */
export class EntryHeap {
  t = new Float64Array(64);
  i = new Int32Array(64);
  a = new Int32Array(64);
  b = new Int32Array(64);
  size = 0;

  push(time: number, id: number, a: number, b: number): void {
    if (this.size === this.t.length) this.grow();
    const T = this.t;
    const I = this.i;
    const A = this.a;
    const B = this.b;
    let k = this.size++;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (T[p]! < time || (T[p] === time && I[p]! <= id)) break;
      T[k] = T[p]!;
      I[k] = I[p]!;
      A[k] = A[p]!;
      B[k] = B[p]!;
      k = p;
    }
    T[k] = time;
    I[k] = id;
    A[k] = a;
    B[k] = b;
  }

  /** Drops the top entry (the heap must not be empty). */
  pop(): void {
    const T = this.t;
    const I = this.i;
    const A = this.a;
    const B = this.b;
    const n = --this.size;
    if (n === 0) return;
    const time = T[n]!;
    const id = I[n]!;
    const a = A[n]!;
    const b = B[n]!;
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (T[r]! < T[l]! || (T[r] === T[l] && I[r]! < I[l]!))) c = r;
      if (T[c]! > time || (T[c] === time && I[c]! > id)) break;
      T[k] = T[c]!;
      I[k] = I[c]!;
      A[k] = A[c]!;
      B[k] = B[c]!;
      k = c;
    }
    T[k] = time;
    I[k] = id;
    A[k] = a;
    B[k] = b;
  }

  private grow(): void {
    const n = this.t.length * 2;
    const t = new Float64Array(n);
    t.set(this.t);
    this.t = t;
    const i = new Int32Array(n);
    i.set(this.i);
    this.i = i;
    const a = new Int32Array(n);
    a.set(this.a);
    this.a = a;
    const b = new Int32Array(n);
    b.set(this.b);
    this.b = b;
  }
}
