/**
 * Status events past aedes' publish pipeline. aedes handles every PUBLISH with a chain of
 * callbacks, a PUBACK written on its own, a setImmediate, a Packet object, a Promise for the
 * offline-subscription lookup and two topic-tree matches, all for messages that are never
 * forwarded. Here a connected client's QoS 0/1 PUBLISH on a status topic is taken straight from
 * its parser: checked and ingested once, its PUBACK written when the ingestor says it may be
 * (with --data-dir, after the group commit), the acknowledgements of one read leaving in one
 * write. Anything else (CONNECT, SUBSCRIBE, QoS 2, retained, wills, a refused event) goes the
 * way aedes goes, so refusals are answered exactly as before.
 *
 * The seam is aedes' Client internals (lib/client.js: the parser's 'packet' listener, the read
 * batch count and its nextBatch); when they are not there the fast path is not installed.
 */
import type { Client } from 'aedes';

/** A PUBLISH as aedes' parser (mqtt-packet) gives it. */
export interface ParsedPublish {
  cmd: 'publish';
  qos: 0 | 1;
  retain: boolean;
  dup: boolean;
  messageId?: number;
  topic: string;
  payload: Buffer;
}

interface ParsedPacket {
  cmd: string;
  qos?: number;
  retain?: boolean;
  messageId?: number;
  topic?: string;
  payload?: Buffer;
}

/**
 * Takes a status event (checks it, ingests it, and calls `done` once when it may be
 * acknowledged) and returns true; returns false, having done nothing, for aedes to handle it.
 */
export type StatusTaker = (client: Client, packet: ParsedPublish, done: () => void) => boolean;

/** What of aedes' Client the fast path reads and drives (aedes 1.x lib/client.js). */
interface ClientSeam {
  connected: boolean;
  conn: NodeJS.WritableStream & { destroyed: boolean; writableNeedDrain: boolean };
  _parser: NodeJS.EventEmitter;
  _parsingBatch: number;
  _nextBatch: () => void;
  _keepaliveInterval: number;
  _keepaliveTimer: { refresh(): void } | null;
}

function seamOf(client: Client): ClientSeam | undefined {
  const c = client as unknown as Partial<ClientSeam>;
  const ok =
    c._parser !== undefined &&
    c._parser.listenerCount('packet') === 1 &&
    typeof c._parsingBatch === 'number' &&
    typeof c._nextBatch === 'function' &&
    c.conn !== undefined;
  return ok ? (c as ClientSeam) : undefined;
}

/** PUBACK, MQTT 3.1.1 §3.4: fixed header 0x40, remaining length 2, the packet id. */
function pubacks(ids: number[]): Buffer {
  const b = Buffer.allocUnsafe(ids.length * 4);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    b[i * 4] = 0x40;
    b[i * 4 + 1] = 2;
    b[i * 4 + 2] = id >> 8;
    b[i * 4 + 3] = id & 0xff;
  }
  return b;
}

/** Installs the fast path on one client; false when aedes' internals are not as expected. */
export function installFastIngest(client: Client, take: StatusTaker): boolean {
  const c = seamOf(client);
  if (!c) return false;
  const parser = c._parser;
  const aedesEnqueue = parser.listeners('packet')[0] as (this: unknown, p: ParsedPacket) => void;
  /** Holds one count of aedes' read batch while events of the current read are in flight. */
  let held = false;
  let outstanding = 0;
  let flushing = false;
  const acks: number[] = [];

  const writeAcks = () => {
    if (acks.length > 0 && !c.conn.destroyed) c.conn.write(pubacks(acks));
    acks.length = 0;
  };
  const flush = () => {
    flushing = false;
    writeAcks();
    if (!held || outstanding > 0) return;
    held = false;
    // The next read once what was written has gone, as aedes' own write waits for drain.
    if (c.conn.writableNeedDrain) c.conn.once('drain', c._nextBatch);
    else c._nextBatch();
  };
  const later = () => {
    if (flushing) return;
    flushing = true;
    // Never inside the parser's loop (reading on from there would re-enter it): after this read's packets.
    process.nextTick(flush);
  };
  const settled = (qos: number, id: number) => {
    if (qos === 1) acks.push(id);
    outstanding--;
    later();
  };

  parser.removeListener('packet', aedesEnqueue);
  parser.on('packet', function fastOrAedes(this: unknown, p: ParsedPacket) {
    const qos = p.qos ?? 0;
    if (!c.connected || p.cmd !== 'publish' || qos > 1 || p.retain || !p.topic || !p.payload) {
      writeAcks();
      return aedesEnqueue.call(this, p);
    }
    const id = p.messageId ?? 0;
    if (!held) {
      held = true;
      c._parsingBatch++;
      if (c._keepaliveInterval > 0) c._keepaliveTimer?.refresh();
    }
    outstanding++;
    if (take(client, p as ParsedPublish, () => settled(qos, id))) return;
    outstanding--;
    later();
    // PUBACKs leave in the order of their PUBLISHes [MQTT-4.6.0-2]: those settled go before aedes answers this one.
    writeAcks();
    aedesEnqueue.call(this, p);
  });
  return true;
}
