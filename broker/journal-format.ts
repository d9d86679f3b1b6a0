/**
 * The journal's bytes (docs/endpoint.md, "The journal on disk"). Text, one line each, so that
 * `less` and `grep` still work on it; every line carries a CRC-32 (node:zlib) of what it says:
 *
 *   J <crc> <epoch>                 first line: which compaction generation this file is
 *   B <crc> <length> <count>        a group commit: <length> bytes of <count> R lines follow
 *   R <crc> {"at":..,"event":..}    one accepted event
 *
 * A batch is written whole and fdatasync'ed before any of its events is acknowledged, so a batch
 * that is shorter than its header says was never acknowledged: that, at the very end, is the
 * only damage a restart forgives (a torn tail). Everything else is corruption.
 */
import { crc32 } from 'node:zlib';

export const JOURNAL_NAME = 'journal.log';
/** Longest J or B line; a header line must end within this many bytes. */
export const MAX_HEADER_BYTES = 64;

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
const crcOf = (s: string | Buffer) => hex(crc32(s));

export function epochLine(epoch: number): Buffer {
  const body = String(epoch);
  return Buffer.from(`J ${crcOf(body)} ${body}\n`);
}

/** One event as an R line. */
export function recordLine(json: string): Buffer {
  const body = Buffer.from(json);
  const head = Buffer.from(`R ${crcOf(body)} `);
  const out = Buffer.allocUnsafe(head.length + body.length + 1);
  head.copy(out, 0);
  body.copy(out, head.length);
  out[out.length - 1] = 10;
  return out;
}

/** A batch: its B line, then its R lines, as one buffer for one write. */
export function batchBytes(records: readonly Buffer[]): Buffer {
  let length = 0;
  for (const r of records) length += r.length;
  const body = `${length} ${records.length}`;
  const head = Buffer.from(`B ${crcOf(body)} ${body}\n`);
  return Buffer.concat([head, ...records], head.length + length);
}

export type Line =
  | { ok: true; kind: 'J'; epoch: number; end: number }
  | { ok: true; kind: 'B'; length: number; count: number; end: number }
  | { ok: true; kind: 'R'; body: Buffer; end: number }
  | { ok: false; problem: string; incomplete: boolean };

/** Reads the line at `pos` (bytes, never string offsets); `incomplete` when the file ends inside it. */
export function readLine(buf: Buffer, pos: number, limit: number): Line {
  const nl = buf.indexOf(10, pos);
  if (nl === -1 || nl >= limit) return { ok: false, problem: 'the line has no end', incomplete: true };
  const kind = buf[pos];
  if (buf[pos + 1] !== 32 || buf[pos + 10] !== 32 || (kind !== 74 && kind !== 66 && kind !== 82))
    return { ok: false, problem: 'not a J, B or R line', incomplete: false };
  const crc = buf.toString('latin1', pos + 2, pos + 10);
  const body = buf.subarray(pos + 11, nl);
  if (crcOf(body) !== crc) return { ok: false, problem: 'checksum mismatch', incomplete: false };
  const end = nl + 1;
  if (kind === 82) return { ok: true, kind: 'R', body, end };
  const nums = body.toString('latin1').split(' ').map(Number);
  if (kind === 74 && nums.length === 1 && Number.isSafeInteger(nums[0]))
    return { ok: true, kind: 'J', epoch: nums[0]!, end };
  if (kind === 66 && nums.length === 2 && nums.every((n) => Number.isSafeInteger(n) && n >= 0))
    return { ok: true, kind: 'B', length: nums[0]!, count: nums[1]!, end };
  return { ok: false, problem: 'a header with the wrong fields', incomplete: false };
}

/** The commit mark: how far the journal of `epoch` was acknowledged (see journal.ts). */
export function markBytes(offset: number, epoch: number): Buffer {
  const body = `${offset} ${epoch}`;
  // Fixed width, so that each overwrite covers the last one whole.
  return Buffer.from(`M ${crcOf(body)} ${body}`.padEnd(63, ' ') + '\n');
}

export interface Mark {
  offset: number;
  epoch: number;
}

export function parseMark(buf: Buffer): Mark | undefined {
  const m = /^M ([0-9a-f]{8}) (\d+) (\d+) *\n$/.exec(buf.toString('latin1'));
  if (!m || crcOf(`${m[2]} ${m[3]}`) !== m[1]) return undefined;
  return { offset: Number(m[2]), epoch: Number(m[3]) };
}
