/**
 * The status event: what a device sends to the ingestion endpoint on every status change.
 * JSON, one object per event; HTTP also takes an array. The contract is docs/protocol.md.
 */
import { findState, findStatus, isPlatform, PLATFORMS, type Platform } from './catalogue/catalogue.js';

export const EVENT_SCHEMA_VERSION = 1;
/** Largest accepted event payload in bytes (one event; a batch is bounded separately). */
export const MAX_EVENT_BYTES = 4096;

export interface StatusEvent {
  /** Schema version, always EVENT_SCHEMA_VERSION. */
  v: number;
  deviceId: string;
  platform: Platform;
  appId: string;
  appVersion: string;
  /** The distribution (install or update job) this report belongs to. */
  jobId: string;
  /** Per (device, app), strictly increasing from 1. The highest seq wins at the endpoint. */
  seq: number;
  /** Catalogue status id (protocol/catalogue.ts). */
  status: string;
  /** Catalogue state id, belonging to `status` on `platform`. */
  state: string;
  /** Simulated time of the change, ms since the Unix epoch. */
  simTs: number;
  /** Wall-clock time the device sent it, ms since the Unix epoch. */
  wallTs: number;
  /** The native protocol code, `<system>:<code>` (apple:, msi:, scomo:, pkg:, amapi:). */
  native?: string;
  /**
   * The device's enrolment: absent or 0 for the first, 1, 2... after each factory reset (a wipe
   * and re-enrolment). seq starts again at 1 with a new enrolment, and an event of a later
   * enrolment wins over any event of an earlier one, whatever their seq (docs/protocol.md).
   */
  enrolment?: number;
}

export type EventCheck = { ok: true; event: StatusEvent } | { ok: false; field: string; reason: string };

const ID_RE = /^[A-Za-z0-9._:@-]{1,128}$/;
const FIELDS = new Set([
  'v',
  'deviceId',
  'platform',
  'appId',
  'appVersion',
  'jobId',
  'seq',
  'status',
  'state',
  'simTs',
  'wallTs',
  'native',
  'enrolment',
]);

function fail(field: string, reason: string): EventCheck {
  return { ok: false, field, reason };
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  return `${json && json.length > 40 ? `${json.slice(0, 40)}...` : json} (${value === null ? 'null' : typeof value})`;
}

/**
 * Checks a parsed JSON value against the event contract and the catalogue. Hand-written rather
 * than schema-driven: it runs once per ingested event and must name the first bad field.
 */
export function checkEvent(value: unknown): EventCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('(event)', `expected a JSON object, got ${describeValue(value)}`);
  }
  const e = value as Record<string, unknown>;
  if (e.v !== EVENT_SCHEMA_VERSION)
    return fail('v', `expected schema version ${EVENT_SCHEMA_VERSION}, got ${describeValue(e.v)}`);
  for (const f of ['deviceId', 'appId', 'jobId'] as const) {
    const x = e[f];
    if (typeof x !== 'string' || !ID_RE.test(x)) {
      return fail(f, `expected an id of 1-128 characters from [A-Za-z0-9._:@-], got ${describeValue(x)}`);
    }
  }
  if (typeof e.appVersion !== 'string' || e.appVersion.length === 0 || e.appVersion.length > 64) {
    return fail('appVersion', `expected a version string of 1-64 characters, got ${describeValue(e.appVersion)}`);
  }
  if (!isPlatform(e.platform))
    return fail('platform', `expected one of ${PLATFORMS.join(', ')}, got ${describeValue(e.platform)}`);
  if (typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq) || e.seq < 1) {
    return fail('seq', `expected an integer >= 1, got ${describeValue(e.seq)}`);
  }
  for (const f of ['simTs', 'wallTs'] as const) {
    const x = e[f];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0)
      return fail(f, `expected ms since the Unix epoch, got ${describeValue(x)}`);
  }
  if (typeof e.status !== 'string' || !findStatus(e.platform, e.status)) {
    return fail('status', `${describeValue(e.status)} is not a ${e.platform} status in the catalogue`);
  }
  if (typeof e.state !== 'string' || !findState(e.platform, e.status, e.state)) {
    return fail(
      'state',
      `${describeValue(e.state)} is not a state of ${e.platform} status "${e.status}" in the catalogue`,
    );
  }
  if (e.native !== undefined && (typeof e.native !== 'string' || e.native.length > 64)) {
    return fail('native', `expected a string of at most 64 characters, got ${describeValue(e.native)}`);
  }
  if (
    e.enrolment !== undefined &&
    (typeof e.enrolment !== 'number' || !Number.isSafeInteger(e.enrolment) || e.enrolment < 0)
  ) {
    return fail('enrolment', `expected an integer >= 0, got ${describeValue(e.enrolment)}`);
  }
  for (const k in e) {
    // The name is the client's: shown cut short, and counted under one reason (isEventField).
    if (!FIELDS.has(k))
      return fail(shortName(k), `unknown field ${describeValue(k)}; an event has ${[...FIELDS].join(', ')}`);
  }
  return { ok: true, event: e as unknown as StatusEvent };
}

/** True for the fields an event has: the only field names that may label a counter. */
export function isEventField(name: string): boolean {
  return FIELDS.has(name);
}

/** A field name from a client, cut to at most 64 characters for replies and logs. */
export function shortName(name: string): string {
  return name.length > 64 ? `${name.slice(0, 61)}...` : name;
}

/**
 * Where bytes stop being UTF-8 (the byte offset of the first bad sequence), or -1. Offsets are
 * bytes, never string indexes: decoding replaces a bad byte with U+FFFD, three bytes long.
 */
export function invalidUtf8At(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    // RFC 3629 §4: the second byte's range depends on the first (no overlongs, no surrogates, <= U+10FFFF).
    let len: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      len = 3;
      if (b === 0xe0) lo = 0xa0;
      else if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      len = 4;
      if (b === 0xf0) lo = 0x90;
      else if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + len > n) return i;
    const b1 = bytes[i + 1]!;
    if (b1 < lo || b1 > hi) return i;
    for (let k = 2; k < len; k++) {
      const c = bytes[i + k]!;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += len;
  }
  return -1;
}

/** Parses one JSON event from bytes, with the size limit, UTF-8 and the contract applied. */
export function parseEvent(bytes: Buffer | string): EventCheck {
  const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
  if (size > MAX_EVENT_BYTES)
    return fail('(payload)', `payload of ${size} bytes is over the ${MAX_EVENT_BYTES}-byte limit`);
  if (typeof bytes !== 'string') {
    const bad = invalidUtf8At(bytes);
    if (bad >= 0) return fail('(payload)', `the payload is not UTF-8 (byte offset ${bad}); JSON text is UTF-8`);
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch (err) {
    return fail('(payload)', `malformed JSON: ${(err as Error).message}`);
  }
  return checkEvent(value);
}
