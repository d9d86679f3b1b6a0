/**
 * A guard in front of aedes's MQTT parser. mqtt-packet buffers a packet until its remaining
 * length has arrived, whatever that length says, so three unauthenticated sockets announcing
 * 200 MB each take 600 MB. The guard reads only the fixed headers (MQTT 3.1.1 §2.2: one type
 * byte, then a remaining length of 1-4 bytes) as bytes pass, skips the bodies by arithmetic, and
 * stops a connection whose packet is too large, or whose first packet is not CONNECT
 * ([MQTT-3.1.0-1]) or is a CONNECT over the smaller pre-authentication limit. No copy, no
 * allocation per chunk.
 */

const CONNECT = 1;

export class PacketGuard {
  /** Bytes of the current packet's body still to pass. */
  private skip = 0;
  /** 0: expect a type byte; 1-4: reading the nth remaining-length byte. */
  private lengthByte = 0;
  private length = 0;
  private multiplier = 1;
  private type = 0;
  private packets = 0;

  constructor(
    private readonly maxPacketBytes: number,
    private readonly maxConnectBytes: number,
  ) {}

  /** Feeds bytes about to be parsed; returns why the connection must close, or undefined. */
  feed(buf: Uint8Array): string | undefined {
    let i = 0;
    const n = buf.length;
    while (i < n) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, n - i);
        this.skip -= take;
        i += take;
        continue;
      }
      const b = buf[i++]!;
      if (this.lengthByte === 0) {
        this.type = b >> 4;
        if (this.packets === 0 && this.type !== CONNECT)
          return `the first packet must be CONNECT [MQTT-3.1.0-1], got packet type ${this.type}`;
        this.lengthByte = 1;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (b & 0x7f) * this.multiplier;
      if (b & 0x80) {
        if (++this.lengthByte > 4) return 'the remaining length takes more than 4 bytes [MQTT 3.1.1 §2.2.3]';
        this.multiplier *= 128;
        continue;
      }
      const first = this.packets === 0;
      const limit = first ? this.maxConnectBytes : this.maxPacketBytes;
      if (this.length > limit)
        return `${first ? 'CONNECT' : `packet type ${this.type}`} of ${this.length} bytes is over the ${limit}-byte limit`;
      this.packets++;
      this.lengthByte = 0;
      this.skip = this.length;
    }
    return undefined;
  }
}
