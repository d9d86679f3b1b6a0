/**
 * How many connections may be opening at once, apart from the event window: a check-in storm
 * of thousands of devices must not open thousands of handshakes at once (the broker's accept
 * queue overflows and SYNs are retried after a second), nor wait behind events in flight.
 * Connections past the limit wait in arrival order.
 */
export class ConnectGate<C> {
  private running = 0;
  private readonly queue: (C | undefined)[] = [];
  private head = 0;

  constructor(
    private readonly limit: number,
    private readonly start: (c: C) => void,
  ) {}

  /** Starts `c` now if a slot is free, else when one is. */
  enter(c: C): void {
    if (this.running < this.limit) {
      this.running++;
      this.start(c);
    } else this.queue.push(c);
  }

  /** A connection left its slot (answered or failed): the next waiting one starts. */
  release(): void {
    this.running--;
    while (this.head < this.queue.length && this.running < this.limit) {
      const next = this.queue[this.head];
      this.queue[this.head++] = undefined;
      if (next === undefined) continue;
      this.running++;
      this.start(next);
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
  }

  /** Forgets a waiting connection (it ended before its turn). */
  drop(c: C): void {
    const i = this.queue.indexOf(c, this.head);
    if (i >= 0) this.queue[i] = undefined;
  }

  get waiting(): number {
    return this.queue.length - this.head;
  }

  get opening(): number {
    return this.running;
  }
}
