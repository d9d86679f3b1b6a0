/**
 * One report in flight per device, in seq order: a real agent waits for the answer to one
 * status report before it sends the next, and a service that trusts arrival order (rather than
 * "highest seq wins") counts right only then. Concurrency comes from many devices, not from one
 * device racing itself over a connection pool. Unordered sending belongs to fault injection.
 */
export class DeviceOrder<T> {
  /** Devices with a report in flight -> the reports waiting behind it, oldest first. */
  private readonly waiting = new Map<string, T[]>();

  constructor(private readonly start: (deviceId: string, item: T) => void) {}

  /** Starts `item` now if the device has nothing in flight, else queues it behind. */
  submit(deviceId: string, item: T): void {
    const queue = this.waiting.get(deviceId);
    if (queue) queue.push(item);
    else {
      this.waiting.set(deviceId, []);
      this.start(deviceId, item);
    }
  }

  /** The device's report in flight is settled: its next one starts. */
  settled(deviceId: string): void {
    const queue = this.waiting.get(deviceId);
    const next = queue?.shift();
    if (next !== undefined) this.start(deviceId, next);
    else this.waiting.delete(deviceId);
  }

  /** Devices with a report in flight. */
  get active(): number {
    return this.waiting.size;
  }

  /** Everything still queued, for a close that fails them. */
  drain(): T[] {
    const out = [...this.waiting.values()].flat();
    this.waiting.clear();
    return out;
  }
}
