/**
 * MQTT 3.1.1 frames for the lean device connection. Control packets that happen once per
 * connection (CONNECT, DISCONNECT) come from mqtt-packet, the MQTT.js project's codec; the
 * per-event PUBLISH is laid out here into one Buffer: fixed header, remaining length, the topic
 * (its length-prefixed bytes cached per topic), the packet id, the payload. Acknowledgements
 * (PUBACK, PUBREC, PUBREL, PUBCOMP) are four bytes each and are read and written in place.
 */
import mqttPacket from 'mqtt-packet';
import { SendError, type PayloadWriter } from '../types.js';

export const PINGREQ = Buffer.from([0xc0, 0x00]);
export const DISCONNECT = mqttPacket.generate({ cmd: 'disconnect' });

/** Packet types (the high nibble of the first byte). */
export const T = { CONNACK: 2, PUBLISH: 3, PUBACK: 4, PUBREC: 5, PUBREL: 6, PUBCOMP: 7, PINGRESP: 13 } as const;

/** The DUP flag of a PUBLISH [MQTT-3.3.1-1]: set when a QoS > 0 message is sent again. */
export const DUP = 0x08;

export interface ConnectSpec {
  clientId: string;
  keepaliveSec: number;
  clean: boolean;
  username?: string | undefined;
  password?: string | undefined;
  will?: { topic: string; payload: Buffer; qos: 0 | 1 | 2; retain: boolean } | undefined;
}

export function connectFrame(s: ConnectSpec): Buffer {
  return mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: s.clientId,
    clean: s.clean,
    keepalive: s.keepaliveSec,
    ...(s.username !== undefined ? { username: s.username } : {}),
    ...(s.password !== undefined ? { password: Buffer.from(s.password) } : {}),
    ...(s.will ? { will: s.will } : {}),
  });
}

/** PUBREL of a QoS 2 message: its first byte carries the reserved flags 0b0010 [MQTT-3.6.1-1]. */
export function pubrelFrame(id: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b[0] = 0x62;
  b[1] = 2;
  b.writeUInt16BE(id, 2);
  return b;
}

/** Length-prefixed topic bytes, as they sit in a PUBLISH. */
export function topicBytes(topic: string): Buffer {
  const n = Buffer.byteLength(topic);
  const b = Buffer.allocUnsafe(2 + n);
  b.writeUInt16BE(n, 0);
  b.write(topic, 2, 'utf8');
  return b;
}

function varintSize(n: number): number {
  return n < 128 ? 1 : n < 16_384 ? 2 : n < 2_097_152 ? 3 : 4;
}

/** What a PUBLISH carries: an encoded event, or one that writes itself in place. */
export type Payload = string | Buffer | PayloadWriter;

function payloadLength(p: Payload): number {
  return typeof p === 'string' ? Buffer.byteLength(p) : p.byteLength;
}

/** A PUBLISH frame of `remaining` bytes after its fixed header; returns it and where the topic goes. */
function publishHead(remaining: number, qos: 0 | 1 | 2): { frame: Buffer; at: number } {
  const frame = Buffer.allocUnsafe(1 + varintSize(remaining) + remaining);
  frame[0] = 0x30 | (qos << 1);
  let o = 1;
  let r = remaining;
  do {
    let byte = r & 0x7f;
    r >>>= 7;
    if (r) byte |= 0x80;
    frame[o++] = byte;
  } while (r);
  return { frame, at: o };
}

/** The packet id (QoS > 0) and the payload from `o` on. */
function publishTail(frame: Buffer, o: number, payload: Payload, qos: 0 | 1 | 2, id: number): Buffer {
  if (qos) {
    frame[o++] = id >>> 8;
    frame[o++] = id & 0xff;
  }
  if (typeof payload === 'string') frame.write(payload, o, 'utf8');
  else if (Buffer.isBuffer(payload)) payload.copy(frame, o);
  else payload.writeTo(frame, o);
  return frame;
}

/**
 * One PUBLISH: `topic` from `topicBytes`, `id` ignored at QoS 0. The payload is written straight
 * into the frame (no intermediate Buffer of it).
 */
export function publishFrame(topic: Buffer, payload: Payload, qos: 0 | 1 | 2, id: number): Buffer {
  const len = payloadLength(payload);
  const { frame, at } = publishHead(topic.length + (qos ? 2 : 0) + len, qos);
  return publishTail(frame, at + topic.copy(frame, at), payload, qos, id);
}

const DEVICES = Buffer.from('devices/');
/** `/apps/{appId}/status` by app: bounded by the scenario's apps. */
const appSuffixes = new Map<string, Buffer>();

/** True when every character of `s` is one byte in UTF-8. */
function ascii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * A PUBLISH on fleetsim's status topic (protocol/topics.ts statusTopic), the topic written in
 * place: a shared connection carries many devices' reports, so there is no one topic to cache.
 */
export function statusPublishFrame(
  deviceId: string,
  appId: string,
  payload: Payload,
  qos: 0 | 1 | 2,
  id: number,
): Buffer {
  let suffix = appSuffixes.get(appId);
  if (suffix === undefined) {
    suffix = Buffer.from(`/apps/${appId}/status`);
    if (appSuffixes.size < 10_000) appSuffixes.set(appId, suffix);
  }
  const plain = ascii(deviceId);
  const idLen = plain ? deviceId.length : Buffer.byteLength(deviceId);
  const topicLen = DEVICES.length + idLen + suffix.length;
  const { frame, at } = publishHead(2 + topicLen + (qos ? 2 : 0) + payloadLength(payload), qos);
  let o = at;
  frame[o++] = topicLen >>> 8;
  frame[o++] = topicLen & 0xff;
  o += DEVICES.copy(frame, o);
  if (plain) for (let i = 0; i < deviceId.length; i++) frame[o++] = deviceId.charCodeAt(i);
  else o += frame.write(deviceId, o, 'utf8');
  o += suffix.copy(frame, o);
  return publishTail(frame, o, payload, qos, id);
}

/**
 * Splits a byte stream into frames: calls `onFrame(buf, start, end)` for each complete one, with
 * `start` at its first byte. Returns the bytes of an incomplete last frame (to prepend to the
 * next chunk) or undefined.
 */
export function splitFrames(
  buf: Buffer,
  onFrame: (buf: Buffer, start: number, end: number) => void,
): Buffer | undefined {
  let o = 0;
  while (o < buf.length) {
    let len = 0;
    let mul = 1;
    let i = o + 1;
    for (;;) {
      if (i >= buf.length) return buf.subarray(o);
      const byte = buf[i++]!;
      len += (byte & 0x7f) * mul;
      if (!(byte & 0x80)) break;
      mul *= 128;
      if (mul > 2_097_152) throw new SendError('malformed MQTT remaining length', 'network');
    }
    const end = i + len;
    if (end > buf.length) return buf.subarray(o);
    onFrame(buf, o, end);
    o = end;
  }
  return undefined;
}
