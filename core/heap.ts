/**
 * A binary min-heap of (time, id) pairs in two parallel arrays: one scheduler for the whole fleet,
 * never a timer per device. Ties break on id so the order is deterministic.
 */
export class TimeHeap {
  private times: number[] = [];
  private ids: number[] = [];

  get size(): number {
    return this.times.length;
  }

  peekTime(): number | undefined {
    return this.times[0];
  }

  peekId(): number | undefined {
    return this.ids[0];
  }

  push(time: number, id: number): void {
    const t = this.times;
    const d = this.ids;
    let i = t.length;
    t.push(time);
    d.push(id);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (t[p]! < time || (t[p] === time && d[p]! <= id)) break;
      t[i] = t[p]!;
      d[i] = d[p]!;
      i = p;
    }
    t[i] = time;
    d[i] = id;
  }

  /**
   * Replaces the earliest entry by (time, id), as pop() then push() would but in one sift: the
   * simulator moves the device it just served to its next event. The heap must not be empty.
   */
  replaceTop(time: number, id: number): void {
    const t = this.times;
    const d = this.ids;
    const n = t.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && (t[r]! < t[l]! || (t[r] === t[l] && d[r]! < d[l]!))) c = r;
      if (t[c]! > time || (t[c] === time && d[c]! > id)) break;
      t[i] = t[c]!;
      d[i] = d[c]!;
      i = c;
    }
    t[i] = time;
    d[i] = id;
  }

  /** Removes the earliest entry and returns its id (undefined when empty). */
  pop(): number | undefined {
    const t = this.times;
    const d = this.ids;
    if (t.length === 0) return undefined;
    const top = d[0]!;
    const lastT = t.pop()!;
    const lastD = d.pop()!;
    const n = t.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && (t[r]! < t[l]! || (t[r] === t[l] && d[r]! < d[l]!))) c = r;
        if (t[c]! > lastT || (t[c] === lastT && d[c]! > lastD)) break;
        t[i] = t[c]!;
        d[i] = d[c]!;
        i = c;
      }
      t[i] = lastT;
      d[i] = lastD;
    }
    return top;
  }
}
