/**
 * The messages a connection has sent and not yet had acknowledged, in send order: a ring of
 * parallel arrays (packet id, stage, send time, completion, frame), no object per message. A
 * broker acknowledges QoS 1 and QoS 2 publishes in the order it received them [MQTT-4.6.0-2,
 * MQTT-4.6.0-3], so the oldest entry is nearly always the one acknowledged; a lookup scans forward
 * otherwise. Entries settled out of order leave a hole that is dropped when it reaches the head.
 */
import type { SendDone } from '../types.js';

/** Stage bits: waiting for PUBACK/PUBREC, waiting for PUBCOMP (PUBREL sent), written once. */
export const WAIT_ACK = 1;
export const WAIT_COMP = 2;
export const WRITTEN = 4;

/** A device connection's ring (one or two messages out) is let go when it empties: most devices
 * hold a connection with nothing in flight most of the time, and 100,000 of them are on one box. */
const SMALL = 2;
const NONE = {
  ids: new Uint16Array(0),
  stage: new Uint8Array(0),
  at: new Float64Array(0),
  // frozen: nothing is ever stored in a ring of no capacity (a push grows it first)
  done: Object.freeze([]) as unknown as (SendDone | undefined)[],
  frames: Object.freeze([]) as unknown as (Buffer | undefined)[],
};

export class InFlight {
  ids: Uint16Array;
  stage: Uint8Array;
  at: Float64Array;
  done: (SendDone | undefined)[];
  frames: (Buffer | undefined)[];
  head = 0;
  /** Slots from head, holes included. */
  length = 0;
  /** Live entries (not settled). */
  live = 0;

  /** With no capacity, nothing is allocated until the first push. */
  constructor(capacity = 0) {
    this.ids = capacity ? new Uint16Array(capacity) : NONE.ids;
    this.stage = capacity ? new Uint8Array(capacity) : NONE.stage;
    this.at = capacity ? new Float64Array(capacity) : NONE.at;
    this.done = capacity ? new Array<SendDone | undefined>(capacity) : NONE.done;
    this.frames = capacity ? new Array<Buffer | undefined>(capacity) : NONE.frames;
  }

  private get mask(): number {
    return this.ids.length - 1;
  }

  push(id: number, at: number, done: SendDone, frame: Buffer | undefined, stage: number): void {
    if (this.length === this.ids.length) this.grow();
    const k = (this.head + this.length) & this.mask;
    this.ids[k] = id;
    this.at[k] = at;
    this.stage[k] = stage;
    this.done[k] = done;
    this.frames[k] = frame;
    this.length++;
    this.live++;
  }

  /** The slot of the live entry with this packet id, or -1. */
  find(id: number): number {
    const m = this.mask;
    for (let i = 0; i < this.length; i++) {
      const k = (this.head + i) & m;
      if (this.ids[k] === id && this.done[k] !== undefined) return k;
    }
    return -1;
  }

  /** Removes the entry in slot k and returns its completion (the caller calls it). */
  take(k: number): SendDone | undefined {
    const done = this.done[k];
    this.done[k] = undefined;
    this.frames[k] = undefined;
    this.stage[k] = 0;
    if (done) this.live--;
    const m = this.mask;
    while (this.length > 0 && this.done[this.head] === undefined) {
      this.head = (this.head + 1) & m;
      this.length--;
    }
    if (this.length === 0) {
      this.head = 0;
      if (this.ids.length <= SMALL) this.release();
    }
    return done;
  }

  /** Slot of the i-th entry from the head (holes included). */
  slot(i: number): number {
    return (this.head + i) & this.mask;
  }

  private release(): void {
    this.ids = NONE.ids;
    this.stage = NONE.stage;
    this.at = NONE.at;
    this.done = NONE.done;
    this.frames = NONE.frames;
  }

  private grow(): void {
    const n = Math.max(SMALL, this.ids.length * 2);
    const ids = new Uint16Array(n);
    const stage = new Uint8Array(n);
    const at = new Float64Array(n);
    const done = new Array<SendDone | undefined>(n);
    const frames = new Array<Buffer | undefined>(n);
    for (let i = 0; i < this.length; i++) {
      const k = this.slot(i);
      ids[i] = this.ids[k]!;
      stage[i] = this.stage[k]!;
      at[i] = this.at[k]!;
      done[i] = this.done[k];
      frames[i] = this.frames[k];
    }
    this.ids = ids;
    this.stage = stage;
    this.at = at;
    this.done = done;
    this.frames = frames;
    this.head = 0;
  }
}

/** The ring of a connection with nothing in flight, shared by all of them; frozen, so a write to
 * it throws rather than leaking one connection's message into another's. */
export const EMPTY_RING = Object.freeze(new InFlight()) as InFlight;
