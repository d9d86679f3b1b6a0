/**
 * The pairs of one app: by device id for ingest, and in device-id order for the device listing's
 * keyset pages. The order is kept lazily: a pair seen for the first time waits in `added` until
 * the next read sorts the newcomers and merges them in. A page is then a binary search and a walk
 * of one page, not a sort of the whole app per page (which made reading 100,000 devices' rows a
 * thousand pages long quadratic: tens of CPU seconds in serve's owner after a big run).
 */
interface Keyed {
  readonly deviceId: string;
}

/** Device ids compared as the listing has always ordered them (UTF-16 code units). */
const byDeviceId = (a: Keyed, b: Keyed) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0);

export class AppPairs<PairState extends Keyed> {
  private readonly byId = new Map<string, PairState>();
  private sorted: PairState[] = [];
  private added: PairState[] = [];

  get(deviceId: string): PairState | undefined {
    return this.byId.get(deviceId);
  }

  has(deviceId: string): boolean {
    return this.byId.has(deviceId);
  }

  /** A pair not seen before (the caller checked). */
  add(p: PairState): void {
    this.byId.set(p.deviceId, p);
    this.added.push(p);
  }

  values(): IterableIterator<PairState> {
    return this.byId.values();
  }

  /** Every pair, ascending by device id. The array is the index itself: read it, do not keep it. */
  inOrder(): readonly PairState[] {
    if (this.added.length > 0) this.mergeAdded();
    return this.sorted;
  }

  /** The position in `inOrder()` of the first pair whose device id sorts after `deviceId`. */
  firstAfter(deviceId: string): number {
    const rows = this.inOrder();
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rows[mid]!.deviceId <= deviceId) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private mergeAdded(): void {
    const add = this.added.sort(byDeviceId);
    this.added = [];
    const old = this.sorted;
    if (old.length === 0) {
      this.sorted = add;
      return;
    }
    const out: PairState[] = new Array(old.length + add.length);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < old.length && j < add.length) out[k++] = byDeviceId(old[i]!, add[j]!) <= 0 ? old[i++]! : add[j++]!;
    while (i < old.length) out[k++] = old[i++]!;
    while (j < add.length) out[k++] = add[j++]!;
    this.sorted = out;
  }
}
