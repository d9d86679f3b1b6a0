/**
 * The event JSON written straight into a Buffer (the lean MQTT client's PUBLISH frame), byte for
 * byte what encodeEvent gives, with no string per event: the parts that repeat are cached as bytes
 * (the fields of a platform, app and version; of a status and state; a native code), the device id
 * is copied in as bytes when it needs no escaping, and the numbers are written as digits. Number
 * to string conversion of the two 13-digit timestamps alone cost more than the whole copy.
 */
import { EVENT_SCHEMA_VERSION } from '../protocol/event.js';
import type { Emitted } from '../agent/sim/simulator.js';
import type { PayloadWriter } from '../transport/types.js';

/** Cached fragments are bounded by the catalogue and the scenario; past this, made per event. */
const MAX_CACHED = 10_000;
let cached = 0;

const bytes = (s: string) => Buffer.from(s, 'utf8');
const q = JSON.stringify;

const PRE = bytes(`{"v":${q(EVENT_SCHEMA_VERSION)},"deviceId":`);
const WALL = bytes(',"wallTs":');
const ENROLMENT = bytes(',"enrolment":');
const END = bytes('}');

/** `,"platform":..,"appId":..,"appVersion":..,"jobId":..,"seq":` by platform, app, version. */
const appParts = new Map<string, Map<string, Map<string, Buffer>>>();
/** `,"status":..,"state":..,"simTs":` by status, state. */
const statusParts = new Map<string, Map<string, Buffer>>();
/** `,"native":..` by native code. */
const nativeParts = new Map<string, Buffer>();

function put<K>(m: Map<K, Buffer>, k: K, json: string): Buffer {
  const b = bytes(json);
  if (cached < MAX_CACHED) {
    cached++;
    m.set(k, b);
  }
  return b;
}

function inner<K, V>(m: Map<K, Map<string, V>>, k: K): Map<string, V> {
  let v = m.get(k);
  if (v === undefined) {
    v = new Map();
    m.set(k, v);
  }
  return v;
}

// The JSON of a fragment is built only when the cache misses (`??`): no string per event.
function appPart(platform: string, app: string, version: string): Buffer {
  const m = inner(inner(appParts, platform), app);
  return (
    m.get(version) ??
    put(
      m,
      version,
      `,"platform":${q(platform)},"appId":${q(app)},"appVersion":${q(version)},"jobId":${q(`${app}@${version}`)},"seq":`,
    )
  );
}

function statusPart(status: string, state: string): Buffer {
  const m = inner(statusParts, status);
  return m.get(state) ?? put(m, state, `,"status":${q(status)},"state":${q(state)},"simTs":`);
}

function nativePart(native: string): Buffer {
  return nativeParts.get(native) ?? put(nativeParts, native, `,"native":${q(native)}`);
}

/** True when `s` goes into JSON as it is, one byte per character: printable ASCII, no quote or backslash. */
function plainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return false;
  }
  return true;
}

/** Digits of a non-negative safe integer; 0 for any other number (written as its string instead). */
function digitCount(n: number): number {
  if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER) || Math.floor(n) !== n) return 0;
  let len = 1;
  for (let p = 10; n >= p && len < 16; p *= 10) len++;
  return len;
}

/** Writes `len` digits of `n` (as digitCount found them) ending at o + len. */
function putDigits(buf: Buffer, o: number, n: number, len: number): number {
  let e = o + len;
  let x = n;
  // above 2^31, the low 8 digits by integer arithmetic, the rest after
  if (x >= 2_147_483_648) {
    const hi = Math.floor(x / 1e8);
    let lo = x - hi * 1e8;
    for (let k = 0; k < 8; k++) {
      const d = (lo / 10) | 0;
      buf[--e] = 48 + lo - d * 10;
      lo = d;
    }
    x = hi;
  }
  do {
    const d = (x / 10) | 0;
    buf[--e] = 48 + x - d * 10;
    x = d;
  } while (e > o);
  return o + len;
}

/**
 * One event's payload, prepared and then written where the transport wants it. One per drive,
 * reused for every event: `prepare` returns it with `byteLength` set, `writeTo` lays it out.
 */
export class EventBytes implements PayloadWriter {
  byteLength = 0;
  private id = '';
  /** The device id's JSON when it needs escaping or is not ASCII. */
  private idJson: Buffer | undefined;
  private app: Buffer = END;
  private status: Buffer = END;
  private native: Buffer | undefined;
  private readonly num = [0, 0, 0, 0];
  private readonly numLen = [0, 0, 0, 0];
  /** A number that is not a non-negative integer, as encodeEvent writes it. */
  private readonly numText: (Buffer | undefined)[] = [undefined, undefined, undefined, undefined];

  /** `skewMs` shifts the simTs the device reports (a clock-skew fault), as in encodeEvent. */
  prepare(e: Emitted, wallTs: number, skewMs = 0): this {
    const { inst, step } = e;
    const id = inst.device.id;
    this.id = id;
    this.idJson = plainAscii(id) ? undefined : bytes(q(id));
    this.app = appPart(inst.device.platform, inst.app.id, step.version);
    this.status = statusPart(step.status, step.state);
    this.native = step.native ? nativePart(step.native) : undefined;
    let n = PRE.length + (this.idJson ? this.idJson.length : id.length + 2) + this.app.length + this.status.length;
    n += WALL.length + (this.native ? this.native.length : 0) + END.length;
    n += this.number(0, e.seq) + this.number(1, step.at + skewMs) + this.number(2, Math.round(wallTs));
    if (e.enrolment) n += ENROLMENT.length + this.number(3, e.enrolment);
    else this.numLen[3] = -1;
    this.byteLength = n;
    return this;
  }

  private number(k: number, n: number): number {
    this.num[k] = n;
    const len = digitCount(n);
    this.numLen[k] = len;
    if (len) {
      this.numText[k] = undefined;
      return len;
    }
    const text = bytes(`${n}`);
    this.numText[k] = text;
    return text.length;
  }

  private putNumber(buf: Buffer, o: number, k: number): number {
    const len = this.numLen[k]!;
    if (len) return putDigits(buf, o, this.num[k]!, len);
    const text = this.numText[k]!;
    buf.set(text, o);
    return o + text.length;
  }

  writeTo(buf: Buffer, offset: number): void {
    let o = offset;
    buf.set(PRE, o);
    o += PRE.length;
    if (this.idJson) {
      buf.set(this.idJson, o);
      o += this.idJson.length;
    } else {
      const id = this.id;
      buf[o++] = 0x22;
      for (let i = 0; i < id.length; i++) buf[o++] = id.charCodeAt(i);
      buf[o++] = 0x22;
    }
    buf.set(this.app, o);
    o = this.putNumber(buf, o + this.app.length, 0);
    buf.set(this.status, o);
    o = this.putNumber(buf, o + this.status.length, 1);
    buf.set(WALL, o);
    o = this.putNumber(buf, o + WALL.length, 2);
    if (this.native) {
      buf.set(this.native, o);
      o += this.native.length;
    }
    if (this.numLen[3] !== -1) {
      buf.set(ENROLMENT, o);
      o = this.putNumber(buf, o + ENROLMENT.length, 3);
    }
    buf[o] = 0x7d;
  }

  /** The payload as a Buffer of its own. */
  toBuffer(): Buffer {
    const b = Buffer.allocUnsafe(this.byteLength);
    this.writeTo(b, 0);
    return b;
  }
}
