/**
 * The fleet's arrivals in time order, kept out of the scheduler. Every device starts as one
 * arrival; a million of them in the calendar queue cost a push, a copy out of their bucket and a
 * place in one huge sort each (most of a big run's start-up), and 20 bytes per waiting device.
 * Here they are the fleet positions sorted by (arrival, position), the order the queue gave them
 * (ties by id, and a device's id in the queue is its position), read in sequence; no list at
 * all when the fleet is already in that order, as a fleet that arrives at once is.
 */
import type { DeviceSpec } from '../fleet/fleet.js';

export class ArrivalOrder {
  /** Fleet positions by arrival; null when that is the fleet's own order. */
  private readonly order: Int32Array | null;
  private k = -1;
  /** The next device to arrive: its fleet position (-1 when none is left) and its time. */
  pos = -1;
  at = Infinity;

  constructor(
    private readonly devices: readonly DeviceSpec[],
    private readonly startMs: number,
  ) {
    this.order = inOrder(devices, startMs) ? null : sortedByArrival(devices, startMs);
    this.advance();
  }

  /** The next device arrives: `pos` and `at` move on to the one after it. */
  advance(): void {
    const k = ++this.k;
    if (k >= this.devices.length) {
      this.pos = -1;
      this.at = Infinity;
      return;
    }
    const pos = this.order ? this.order[k]! : k;
    this.pos = pos;
    this.at = this.startMs + this.devices[pos]!.arrivalMs;
  }
}

// compared as the queue compared them: absolute times, start + arrival
function inOrder(devices: readonly DeviceSpec[], startMs: number): boolean {
  for (let i = 1; i < devices.length; i++)
    if (startMs + devices[i]!.arrivalMs < startMs + devices[i - 1]!.arrivalMs) return false;
  return true;
}

/** Positions by (arrival, position): a stable sort by arrival time. */
function sortedByArrival(devices: readonly DeviceSpec[], startMs: number): Int32Array {
  const at = new Float64Array(devices.length);
  const order = new Int32Array(devices.length);
  for (let i = 0; i < order.length; i++) {
    at[i] = startMs + devices[i]!.arrivalMs;
    order[i] = i;
  }
  return order.sort((a, b) => at[a]! - at[b]! || a - b);
}
