/**
 * The devices' offline queues by the fault they followed. A device does not say why it was
 * offline, so the queue counts are read at each disruption (a drop's pass, a partition's start, a
 * restart): what queued after one fault struck and before the next is the first's.
 */

export interface QueueCounts {
  queued: number;
  dropped: number;
}

export class QueueBlame {
  private read: (() => QueueCounts) | undefined;
  private readonly share = new Map<number, QueueCounts>();
  private blamed: { index: number; at: QueueCounts } | undefined;

  /** Where the devices' offline-queue counts are read (the run's transport). */
  watch(read: () => QueueCounts): void {
    this.read = read;
  }

  /** Fault `index` disrupts now: what queued since the last disruption was that one's. */
  blame(index: number): void {
    const now = this.read?.();
    if (!now) return;
    if (this.blamed) addQueue(this.share, this.blamed.index, now, this.blamed.at);
    this.blamed = { index, at: now };
  }

  /** Offline-queue counts by the fault they followed, with `final` the transport's counts at its close. */
  counts(final: QueueCounts): ReadonlyMap<number, QueueCounts> {
    const out = new Map([...this.share].map(([i, q]) => [i, { ...q }]));
    if (this.blamed) addQueue(out, this.blamed.index, final, this.blamed.at);
    return out;
  }
}

function addQueue(into: Map<number, QueueCounts>, index: number, now: QueueCounts, from: QueueCounts): void {
  const q = into.get(index) ?? { queued: 0, dropped: 0 };
  q.queued += now.queued - from.queued;
  q.dropped += now.dropped - from.dropped;
  into.set(index, q);
}
