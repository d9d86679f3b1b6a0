/**
 * One lean MQTT connection (a device's, or a shared one): its state, the messages it has in
 * flight, and what it does with each incoming frame. No object or closure per message: a publish
 * is one frame Buffer written straight to the wire and kept (for a resend) in the in-flight ring
 * until acknowledged. Timers are the transport's: it sweeps every connection for acknowledgement
 * deadlines and keepalive, and schedules reconnects.
 */
import type { TimerHandle } from '../../core/clock.js';
import { SendError, type SendDone } from '../types.js';
import { DISCONNECT, DUP, PINGREQ, pubrelFrame, T } from './frames.js';
import { EMPTY_RING, InFlight, WAIT_ACK, WAIT_COMP, WRITTEN } from './inflight.js';
import type { Wire, WireEvents } from './wire.js';

/** Not yet opened (waiting for a connect slot), opening, connected, closing by choice, closed. */
export enum State {
  Idle,
  Opening,
  Connected,
  Closing,
  Closed,
}

/** QoS 0 message queued while offline: written on CONNACK and settled then. */
const QOS0 = 8;
/** Counted once as a report that waited on the device for its connection (the offline queue). */
const QUEUED = 16;

/** A device's offline queue: how many reports it holds while it cannot reach the broker, and
 * which a full queue drops (a real agent's bounded store-and-forward buffer). */
export interface OfflineQueue {
  max: number;
  overflow: 'drop-oldest' | 'drop-newest';
}

/** What a connection needs from its transport. */
export interface LeanHost {
  readonly keepaliveMs: number;
  /** Set: reports wait on the device while it is offline, bounded, and their acknowledgement
   * deadline runs only on a live connection. Unset: they wait unbounded, their deadline running. */
  readonly offlineQueue?: OfflineQueue | undefined;
  /** A report waited on the device for its connection; `dropped` when the full queue let it go. */
  queuedOffline?(conn: LeanConnection, dropped: SendDone | undefined): void;
  now(): number;
  open(conn: LeanConnection): Wire;
  connectFrameOf(conn: LeanConnection): Buffer;
  /** A connect slot is free again (CONNACK came, or the attempt failed). */
  released(conn: LeanConnection): void;
  /** The connection dropped without being asked to: the host schedules a reconnect. */
  dropped(conn: LeanConnection, err: Error | undefined): void;
  /** Closed for good (ended, or refused by the broker); `hadWire` when a wire was open until now. */
  closed(conn: LeanConnection, hadWire: boolean): void;
  connected(conn: LeanConnection, again: boolean, sessionPresent: boolean): void;
  settled(conn: LeanConnection, done: SendDone, err: Error | undefined, queuedMs?: number): void;
  /** `n` messages written before went again after a reconnect (the run's `retried`). */
  resent(n: number): void;
}

export class LeanConnection implements WireEvents {
  state = State.Idle;
  wire: Wire | undefined;
  /** Shared and empty until a message goes out; a device's is let go when it empties again
   * (most devices have nothing in flight most of the time, and 100,000 of them are on one box). */
  inflight: InFlight = EMPTY_RING;
  private nextId = 0;
  private lastSentAt = 0;
  private pingAt = 0;
  private rest: Buffer | undefined;
  /** Holds a connect slot: opening and not yet answered. */
  slot = false;
  connectedOnce = false;
  /** The device has nothing more to send: end once the ring is empty. */
  finished = false;
  attempt = 0;
  /** When the last CONNACK came: events sent before it waited for the handshake. */
  connectedAt = 0;
  /** When the last CONNACK after a lost link came: an event sent before it straddled the outage,
   * and its latency is no sample of the endpoint's queue. */
  reconnectedAt = 0;
  reconnectTimer: TimerHandle | undefined;
  /** The last status topic written, cached with its app (a device reports on few apps). */
  topicApp: string | undefined;
  topic: Buffer | undefined;
  /** Why the broker refused this connection (CONNACK return code), when it did. */
  refusal: string | undefined;

  constructor(
    readonly host: LeanHost,
    readonly clientId: string,
    readonly device: boolean,
  ) {}

  start(): void {
    this.state = State.Opening;
    this.slot = true;
    this.wire = this.host.open(this);
  }

  /** A packet id for the next QoS > 0 message, 1..65535. */
  id(): number {
    this.nextId = this.nextId === 65_535 ? 1 : this.nextId + 1;
    return this.nextId;
  }

  send(frame: Buffer, qos: 0 | 1 | 2, id: number, done: SendDone): void {
    const now = this.host.now();
    if (this.state === State.Connected) {
      this.wire!.send(frame);
      this.lastSentAt = now;
      if (qos === 0) {
        this.host.settled(this, done, undefined);
        return;
      }
      this.ring().push(id, now, done, frame, WAIT_ACK | WRITTEN);
    } else {
      // offline: the link was up before, or an attempt failed; a first handshake is not an outage
      const offline = this.connectedOnce || this.attempt > 0;
      const limit = offline ? this.host.offlineQueue : undefined;
      if (limit && this.inflight.live >= limit.max) {
        if (limit.overflow === 'drop-newest') return this.host.queuedOffline?.(this, done);
        // the ring's head is always a live entry: holes are dropped as it moves
        this.host.queuedOffline?.(this, this.take(this.inflight.head));
      }
      if (offline) this.host.queuedOffline?.(this, undefined);
      this.ring().push(id, now, done, frame, (qos === 0 ? QOS0 : WAIT_ACK) | (offline ? QUEUED : 0));
    }
  }

  private ring(): InFlight {
    if (this.inflight === EMPTY_RING) this.inflight = new InFlight();
    return this.inflight;
  }

  /** Takes slot k of the ring (the caller calls its completion); a device's emptied ring goes. */
  private take(k: number): SendDone | undefined {
    const q = this.inflight;
    const done = q.take(k);
    if (q.length === 0 && this.device) this.inflight = EMPTY_RING;
    return done;
  }

  onOpen(): void {
    this.write(this.host.connectFrameOf(this));
  }

  private write(b: Buffer): void {
    this.wire?.send(b);
    this.lastSentAt = this.host.now();
  }

  /** `chunk` may be the process's shared read buffer: what is kept of it is copied. */
  onData(chunk: Buffer, length: number): void {
    let buf = chunk;
    let end = length;
    if (this.rest) {
      buf = Buffer.concat([this.rest, chunk.subarray(0, length)]);
      end = buf.length;
      this.rest = undefined;
    }
    let o = 0;
    while (o < end) {
      let len = 0;
      let mul = 1;
      let i = o + 1;
      let complete = false;
      while (i < end) {
        const byte = buf[i++]!;
        len += (byte & 0x7f) * mul;
        if (!(byte & 0x80)) {
          complete = true;
          break;
        }
        mul *= 128;
      }
      if (!complete || i + len > end) {
        this.rest = Buffer.from(buf.subarray(o, end));
        return;
      }
      this.frame(buf, o, i, i + len);
      if (this.state === State.Closed) return;
      o = i + len;
    }
  }

  /** One incoming frame: its first byte at `start`, its variable header at `body`. */
  private frame(buf: Buffer, start: number, body: number, end: number): void {
    const type = buf[start]! >> 4;
    switch (type) {
      case T.PUBACK:
      case T.PUBCOMP:
        this.acked(buf.readUInt16BE(body));
        return;
      case T.PUBREC:
        this.received(buf.readUInt16BE(body));
        return;
      case T.CONNACK:
        this.connack((buf[body]! & 1) === 1, buf[body + 1]!);
        return;
      case T.PINGRESP:
        this.pingAt = 0;
        return;
      case T.PUBLISH:
        this.incoming(buf, start, body, end);
        return;
      default:
        // SUBACK, UNSUBACK, PUBREL of a message we never received: nothing to do for a publisher.
        return;
    }
  }

  // After a completion ran, read `this.inflight` again: the completion may have sent the next
  // message into a new ring when this one emptied.
  private acked(id: number): void {
    const q = this.inflight;
    const k = q.length > 0 && q.ids[q.head] === id && q.done[q.head] ? q.head : q.find(id);
    if (k < 0) return; // late: its deadline already failed it
    const at = q.at[k]!;
    const done = this.take(k)!;
    this.host.settled(this, done, undefined, this.waited(at));
    if (this.finished && this.inflight.live === 0) this.end();
  }

  /** What the event sent at `at` waited for a handshake, for flow control; NaN when it straddled a
   * lost link (Karn's rule: resent, or waiting out the outage, its latency measures the outage). */
  private waited(at: number): number {
    if (at < this.reconnectedAt) return Number.NaN;
    return this.connectedAt > at ? this.connectedAt - at : 0;
  }

  /** PUBREC of a QoS 2 message: answer PUBREL and wait for PUBCOMP [MQTT-4.3.3-1]. */
  private received(id: number): void {
    const q = this.inflight;
    const k = q.find(id);
    const rel = pubrelFrame(id);
    if (k >= 0) {
      q.stage[k] = WAIT_COMP | WRITTEN | (q.stage[k]! & QUEUED);
      q.frames[k] = rel;
    }
    this.write(rel);
  }

  /** A publish from the broker (a persistent session's queued message): acknowledged, dropped. */
  private incoming(buf: Buffer, start: number, body: number, end: number): void {
    const qos = (buf[start]! >> 1) & 3;
    if (qos === 0) return;
    const topicLen = buf.readUInt16BE(body);
    const at = body + 2 + topicLen;
    if (at + 2 > end) return;
    const ack = Buffer.from([qos === 1 ? 0x40 : 0x50, 2, buf[at]!, buf[at + 1]!]);
    this.write(ack);
  }

  private connack(sessionPresent: boolean, code: number): void {
    this.releaseSlot();
    if (code !== 0) {
      const reason =
        [
          '',
          'unacceptable protocol version',
          'identifier rejected',
          'server unavailable',
          'bad user name or password',
          'not authorised',
        ][code] ?? `code ${code}`;
      this.refusal = `the broker refused the connection of ${this.clientId}: ${reason}`;
      this.failAll(new SendError(this.refusal, 'refused'));
      this.state = State.Closing;
      this.wire?.kill();
      return;
    }
    this.state = State.Connected;
    this.connectedAt = this.host.now();
    const again = this.connectedOnce;
    if (again) this.reconnectedAt = this.connectedAt;
    this.connectedOnce = true;
    this.attempt = 0;
    this.host.connected(this, again, sessionPresent);
    this.resend();
    if (this.finished && this.inflight.live === 0) this.end();
  }

  /** After (re)connecting: everything unacknowledged goes again, a PUBLISH written before with DUP set. */
  private resend(): void {
    const q = this.inflight;
    // Slots stay where they are while entries are taken (only the head moves), so list them first.
    const slots: number[] = [];
    for (let i = 0; i < q.length; i++) slots.push(q.slot(i));
    let again = 0;
    for (const k of slots) {
      const frame = q.frames[k];
      if (!frame || !q.done[k]) continue;
      const stage = q.stage[k]!;
      if (stage & WRITTEN) again++;
      if (stage & WAIT_ACK && stage & WRITTEN) frame[0]! |= DUP;
      this.write(frame);
      q.stage[k] = stage | WRITTEN;
      if (stage & QOS0) {
        const at = q.at[k]!;
        this.host.settled(this, this.take(k)!, undefined, this.waited(at));
      }
    }
    if (again > 0) this.host.resent(again);
  }

  /** Keepalive [MQTT-3.1.2-23]: a PINGREQ when idle for half the period; no PINGRESP within a period means the link is dead. */
  keepalive(now: number): void {
    if (this.state !== State.Connected || this.host.keepaliveMs <= 0) return;
    if (this.pingAt && now - this.pingAt > this.host.keepaliveMs) {
      this.wire?.kill();
      return;
    }
    if (now - this.lastSentAt >= this.host.keepaliveMs / 2) {
      this.pingAt = now;
      this.write(PINGREQ);
    }
  }

  /** Fails the oldest messages whose deadline passed; they were sent in time order. With an
   * offline queue a deadline runs only while connected, from the send or the last CONNACK. */
  expire(deadline: number, err: () => Error): number {
    const q = this.inflight;
    const patient = this.host.offlineQueue !== undefined;
    if (patient && this.state !== State.Connected) return 0;
    const from = patient ? this.connectedAt : 0;
    let n = 0;
    while (q.length > 0 && Math.max(q.at[q.head]!, from) <= deadline) {
      const done = this.take(q.head);
      if (done) {
        n++;
        this.host.settled(this, done, err());
      }
    }
    if (this.finished && this.inflight.live === 0 && n) this.end();
    return n;
  }

  failAll(err: Error): void {
    const q = this.inflight;
    while (q.length > 0) {
      const done = this.take(q.head);
      if (done) this.host.settled(this, done, err);
    }
  }

  private releaseSlot(): void {
    if (!this.slot) return;
    this.slot = false;
    this.host.released(this);
  }

  /** Graceful: DISCONNECT (no will is sent [MQTT-3.14.4-3]) once nothing is in flight; at once otherwise. */
  end(): void {
    if (this.state === State.Closing || this.state === State.Closed) return;
    const wasConnected = this.state === State.Connected;
    this.state = State.Closing;
    if (wasConnected && this.inflight.live === 0) this.wire?.finish(DISCONNECT);
    else this.wire?.kill();
    if (!this.wire) this.onClose(undefined);
  }

  onClose(err: Error | undefined): void {
    const hadWire = this.wire !== undefined;
    this.wire = undefined;
    this.rest = undefined;
    this.pingAt = 0;
    this.releaseSlot();
    if (this.state === State.Closing || this.state === State.Closed) {
      this.state = State.Closed;
      this.host.closed(this, hadWire);
      return;
    }
    this.state = State.Idle;
    this.queueWaiting();
    this.host.dropped(this, err);
  }

  /** The link went down: every report still unacknowledged now waits on the device for the next one. */
  private queueWaiting(): void {
    const q = this.inflight;
    if (!this.host.queuedOffline || q.live === 0) return;
    for (let i = 0; i < q.length; i++) {
      const k = q.slot(i);
      if (!q.done[k] || q.stage[k]! & QUEUED) continue;
      q.stage[k]! |= QUEUED;
      this.host.queuedOffline(this, undefined);
    }
  }
}
