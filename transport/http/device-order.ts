/**
 * One request in flight per device, its reports in seq order: a real agent waits for the answer
 * to one status report before it sends the next, and a service that trusts arrival order (rather
 * than "highest seq wins") counts right only then. A device's reports that wait together may go
 * in one batch, in order; concurrency comes from many devices, not from one device racing itself
 * over a connection pool. Unordered sending belongs to fault injection.
 */
export class DeviceOrder<T> {
  /** Devices with a request in flight -> the reports waiting behind it, oldest first. */
  private readonly busy = new Map<string, T[]>();

  constructor(private readonly start: (deviceId: string, item: T) => void) {}

  /** Starts `item` now if the device has no request in flight, else queues it behind. */
  submit(deviceId: string, item: T): void {
    const queue = this.busy.get(deviceId);
    if (queue) queue.push(item);
    else this.start(deviceId, item);
  }

  /** A request carrying the device's reports went out. */
  dispatched(deviceId: string): void {
    if (!this.busy.has(deviceId)) this.busy.set(deviceId, []);
  }

  /** The device's request in flight is settled (call once per request): what waited goes on. */
  settled(deviceId: string): void {
    const queue = this.busy.get(deviceId);
    if (!queue) return;
    this.busy.delete(deviceId);
    for (const item of queue) this.submit(deviceId, item);
  }

  /** True when the device has nothing in flight or waiting. */
  idle(deviceId: string): boolean {
    return !this.busy.has(deviceId);
  }

  /** Everything still waiting, for a close that fails it. */
  drain(): T[] {
    const out = [...this.busy.values()].flat();
    this.busy.clear();
    return out;
  }
}
