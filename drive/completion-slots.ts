/**
 * Completion callbacks for the events in flight without a closure per event: one callback per
 * slot, made the first time the slot is needed and reused after, with the send time and tag row
 * of the slot's event in typed arrays. There are never more slots than events were in flight at
 * once (the window's ceiling), so a long run allocates nothing per event here.
 */
import type { SendDone } from '../transport/types.js';

export type Complete = (
  deviceId: string,
  sentAt: number,
  row: number,
  err: Error | undefined,
  queuedMs: number,
) => void;

export class CompletionSlots {
  private readonly callbacks: SendDone[] = [];
  private readonly free: number[] = [];
  private sentAt = new Float64Array(64);
  private row = new Int32Array(64);
  private busy = new Uint8Array(64);
  private readonly device: string[] = [];

  constructor(private readonly complete: Complete) {}

  /** The callback to hand the transport for device `deviceId`'s event sent at `sentAt` in tag row `row`. */
  take(sentAt: number, row: number, deviceId: string): SendDone {
    let k = this.free.pop();
    if (k === undefined) k = this.add();
    this.sentAt[k] = sentAt;
    this.row[k] = row;
    this.device[k] = deviceId;
    this.busy[k] = 1;
    return this.callbacks[k]!;
  }

  private add(): number {
    const k = this.callbacks.length;
    if (k === this.sentAt.length) {
      const n = k * 2;
      this.sentAt = grow(this.sentAt, new Float64Array(n));
      this.row = grow(this.row, new Int32Array(n));
      this.busy = grow(this.busy, new Uint8Array(n));
    }
    this.callbacks.push((err, queuedMs) => this.settle(k, err, queuedMs ?? 0));
    return k;
  }

  private settle(k: number, err: Error | undefined, queuedMs: number): void {
    // a transport answers once per event; a second answer for a slot since reused must not count
    if (!this.busy[k]) return;
    this.busy[k] = 0;
    const sentAt = this.sentAt[k]!;
    const row = this.row[k]!;
    const deviceId = this.device[k]!;
    this.free.push(k);
    this.complete(deviceId, sentAt, row, err, queuedMs);
  }
}

function grow<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
