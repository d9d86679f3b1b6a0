/**
 * Reads the client-to-broker half of an MQTT 3.1.1 stream as it passes through the fault proxy:
 * the client id from CONNECT (so a cohort's connections can be told apart), and every PUBLISH's
 * fixed header, so the proxy counts on the wire what was published and what was sent again with
 * the DUP flag [MQTT-3.3.1-1]. Only fixed headers are read past the CONNECT; bodies are skipped.
 */

/** The client id of a complete CONNECT frame in `b` (starting at 0), or undefined when `b` is not one. */
export function connectClientId(b: Buffer): string | undefined {
  if (b.length < 2 || b[0]! >> 4 !== 1) return undefined;
  let len = 0;
  let mul = 1;
  let i = 1;
  for (;;) {
    if (i >= b.length || i > 4) return undefined;
    const byte = b[i++]!;
    len += (byte & 0x7f) * mul;
    if (!(byte & 0x80)) break;
    mul *= 128;
  }
  if (i + len > b.length) return undefined;
  // variable header: protocol name (2 + n), level (1), flags (1), keepalive (2); then the client id
  const nameLen = b.readUInt16BE(i);
  const at = i + 2 + nameLen + 4;
  if (at + 2 > i + len) return undefined;
  const idLen = b.readUInt16BE(at);
  return b.toString('utf8', at + 2, at + 2 + idLen);
}

/** Bytes of a complete first frame in `b`, or 0 while it is still incomplete. */
export function firstFrameLength(b: Buffer): number {
  let len = 0;
  let mul = 1;
  for (let i = 1; i < b.length && i <= 4; i++) {
    const byte = b[i]!;
    len += (byte & 0x7f) * mul;
    if (!(byte & 0x80)) return i + 1 + len <= b.length ? i + 1 + len : 0;
    mul *= 128;
  }
  return 0;
}

/** Counts PUBLISH frames (and those with DUP set) across chunk boundaries, header by header. */
export class PublishCounter {
  publishes = 0;
  dupPublishes = 0;
  /** Body bytes of the current frame still to skip. */
  private skip = 0;
  /** Reading a fixed header: its first byte seen, the remaining length so far. */
  private inHeader = false;
  private first = 0;
  private len = 0;
  private mul = 1;

  feed(b: Buffer): void {
    let o = 0;
    while (o < b.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, b.length - o);
        this.skip -= n;
        o += n;
        continue;
      }
      if (!this.inHeader) {
        this.first = b[o++]!;
        this.inHeader = true;
        this.len = 0;
        this.mul = 1;
        continue;
      }
      const byte = b[o++]!;
      this.len += (byte & 0x7f) * this.mul;
      this.mul *= 128;
      if (byte & 0x80) continue;
      this.inHeader = false;
      if (this.first >> 4 === 3) {
        this.publishes++;
        if (this.first & 0x08) this.dupPublishes++;
      }
      this.skip = this.len;
    }
  }
}
