/**
 * Deterministic randomness. Every device (and every device-app installation) gets its own
 * generator seeded from (scenario seed, deviceId[, appId]) so that its path depends on nothing
 * else: not on fleet size, device order, shard, worker or machine speed.
 */

/** 32-bit string hash (Murmur3-style mixing over UTF-16 code units). */
export function hash32(text: string, salt = 0): number {
  let h = 0x9e3779b9 ^ salt;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0xcc9e2d51);
    h = (h << 15) | (h >>> 17);
    h = Math.imul(h, 0x1b873593);
  }
  h ^= text.length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const fmix = (h: number, n: number) => {
  h ^= n;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
};

/**
 * hash32(text, 1..4) in one pass over the text, into `out` at `o` (as int32): the four words of an
 * sfc32 state. Seeding a generator per installation is on the simulator's path; one pass instead
 * of four.
 */
function seedWords(text: string, out: Int32Array, o: number): void {
  let h1 = 0x9e3779b9 ^ 1;
  let h2 = 0x9e3779b9 ^ 2;
  let h3 = 0x9e3779b9 ^ 3;
  let h4 = 0x9e3779b9 ^ 4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0xcc9e2d51);
    h2 = Math.imul(h2 ^ c, 0xcc9e2d51);
    h3 = Math.imul(h3 ^ c, 0xcc9e2d51);
    h4 = Math.imul(h4 ^ c, 0xcc9e2d51);
    h1 = Math.imul((h1 << 15) | (h1 >>> 17), 0x1b873593);
    h2 = Math.imul((h2 << 15) | (h2 >>> 17), 0x1b873593);
    h3 = Math.imul((h3 << 15) | (h3 >>> 17), 0x1b873593);
    h4 = Math.imul((h4 << 15) | (h4 >>> 17), 0x1b873593);
  }
  out[o] = fmix(h1, text.length);
  out[o + 1] = fmix(h2, text.length);
  out[o + 2] = fmix(h3, text.length);
  out[o + 3] = fmix(h4, text.length);
}

/** The four lanes of seedWords (and hash32's, with salt 0) while a key is hashed in parts. */
const LANES = new Int32Array(5);

/** Mixes `text` into LANES: the same as if it were one more piece of a longer key. */
function mixPart(text: string): void {
  let h0 = LANES[0]!;
  let h1 = LANES[1]!;
  let h2 = LANES[2]!;
  let h3 = LANES[3]!;
  let h4 = LANES[4]!;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h0 = Math.imul(h0 ^ c, 0xcc9e2d51);
    h1 = Math.imul(h1 ^ c, 0xcc9e2d51);
    h2 = Math.imul(h2 ^ c, 0xcc9e2d51);
    h3 = Math.imul(h3 ^ c, 0xcc9e2d51);
    h4 = Math.imul(h4 ^ c, 0xcc9e2d51);
    h0 = Math.imul((h0 << 15) | (h0 >>> 17), 0x1b873593);
    h1 = Math.imul((h1 << 15) | (h1 >>> 17), 0x1b873593);
    h2 = Math.imul((h2 << 15) | (h2 >>> 17), 0x1b873593);
    h3 = Math.imul((h3 << 15) | (h3 >>> 17), 0x1b873593);
    h4 = Math.imul((h4 << 15) | (h4 >>> 17), 0x1b873593);
  }
  LANES[0] = h0;
  LANES[1] = h1;
  LANES[2] = h2;
  LANES[3] = h3;
  LANES[4] = h4;
}

/**
 * Hashes the key a + b + c without building it (a simulator seeds two generators per device it
 * brings online, and the joined strings were most of what it allocated): seedWords' four words
 * into `out` at `o`, and returns hash32(key) (salt 0). Same results as for the joined string.
 */
function seedWordsOf3(a: string, b: string, c: string, out: Int32Array, o: number): number {
  LANES[0] = 0x9e3779b9;
  LANES[1] = 0x9e3779b9 ^ 1;
  LANES[2] = 0x9e3779b9 ^ 2;
  LANES[3] = 0x9e3779b9 ^ 3;
  LANES[4] = 0x9e3779b9 ^ 4;
  mixPart(a);
  mixPart(b);
  mixPart(c);
  const n = a.length + b.length + c.length;
  out[o] = fmix(LANES[1]!, n);
  out[o + 1] = fmix(LANES[2]!, n);
  out[o + 2] = fmix(LANES[3]!, n);
  out[o + 3] = fmix(LANES[4]!, n);
  return fmix(LANES[0]!, n) >>> 0;
}

/**
 * The hash lanes after the head of a key (a + b), for keys that share it: a device's own key and
 * its apps' keys all begin `${seed}|${deviceId}`, hashed once for all of them.
 */
export class KeyHead {
  readonly lanes = new Int32Array(5);
  length = 0;

  /** Hashes the head a + b (not built). */
  set(a: string, b: string): this {
    LANES[0] = 0x9e3779b9;
    LANES[1] = 0x9e3779b9 ^ 1;
    LANES[2] = 0x9e3779b9 ^ 2;
    LANES[3] = 0x9e3779b9 ^ 3;
    LANES[4] = 0x9e3779b9 ^ 4;
    mixPart(a);
    mixPart(b);
    this.lanes.set(LANES);
    this.length = a.length + b.length;
    return this;
  }
}

/** seedWordsOf3 for the key head + tail. */
function seedWordsOfTail(head: KeyHead, tail: string, out: Int32Array, o: number): number {
  LANES.set(head.lanes);
  mixPart(tail);
  const n = head.length + tail.length;
  out[o] = fmix(LANES[1]!, n);
  out[o + 1] = fmix(LANES[2]!, n);
  out[o + 2] = fmix(LANES[3]!, n);
  out[o + 3] = fmix(LANES[4]!, n);
  return fmix(LANES[0]!, n) >>> 0;
}

/** Advances the sfc32 state at `o` by `n` draws (the warm-up after seeding). */
function warm(s: Int32Array, o: number, n: number): void {
  let a = s[o]!;
  let b = s[o + 1]!;
  let c = s[o + 2]!;
  let d = s[o + 3]!;
  for (let i = 0; i < n; i++) {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (((c << 21) | (c >>> 11)) + t) | 0;
  }
  s[o] = a;
  s[o + 1] = b;
  s[o + 2] = c;
  s[o + 3] = d;
}

/**
 * sfc32: small, fast, passes PractRand to 2^40+. The state is four numbers so a device that is
 * not running costs four numbers, not a closure.
 */
export class Rng {
  a: number;
  b: number;
  c: number;
  d: number;

  constructor(key: string) {
    this.a = hash32(key, 1);
    this.b = hash32(key, 2);
    this.c = hash32(key, 3);
    this.d = hash32(key, 4);
    for (let i = 0; i < 12; i++) this.next();
  }

  /** Uniform in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller; one of the pair is dropped to keep the state small). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

export function deviceRng(seed: number | string, deviceId: string): Rng {
  return new Rng(`${seed}|${deviceId}`);
}

export function installRng(seed: number | string, deviceId: string, appId: string): Rng {
  return new Rng(`${seed}|${deviceId}|${appId}`);
}

/** Anything that draws uniforms in [0, 1): an Rng, or one slot of an RngSlots. */
export interface RandomSource {
  next(): number;
}

/**
 * Many sfc32 generators in one Int32Array (four words each), for a fleet's installations and
 * devices: no object per generator. `at(slot)` points the shared cursor at one of them; the
 * sequence of each slot is exactly that of `new Rng(key)`. The four words may live inside a
 * larger record (`stride` words apart, from word `offset` on) of storage another table owns, so
 * a device's generator shares its cache line with the rest of the device.
 */
export class RngSlots implements RandomSource {
  private s: Int32Array;
  private o = 0;

  constructor(
    capacity: number,
    private readonly stride = 4,
    private readonly offset = 0,
    storage?: Int32Array,
  ) {
    this.s = storage ?? new Int32Array(Math.max(4, capacity * stride));
  }

  get capacity(): number {
    return Math.floor(this.s.length / this.stride);
  }

  /** Makes room for `n` slots (keeps what is there); storage owned elsewhere is grown by its owner. */
  reserve(n: number): void {
    if (n * this.stride <= this.s.length) return;
    const next = new Int32Array(Math.max(n * this.stride, this.s.length * 2));
    next.set(this.s);
    this.s = next;
  }

  /** The storage moved (its owner grew it), laid out as before. */
  rebind(storage: Int32Array): void {
    this.s = storage;
  }

  /** Seeds `slot` from a key, as the Rng constructor does. */
  seed(slot: number, key: string): void {
    const o = slot * this.stride + this.offset;
    seedWords(key, this.s, o);
    warm(this.s, o, 12);
    this.o = o;
  }

  /** Seeds `slot` from the key a + b + c (not built); returns hash32 of that key. */
  seed3(slot: number, a: string, b: string, c: string): number {
    const o = slot * this.stride + this.offset;
    const h = seedWordsOf3(a, b, c, this.s, o);
    warm(this.s, o, 12);
    this.o = o;
    return h;
  }

  /** Seeds `slot` from the key head + tail (as seed3 of the same key); returns hash32 of it. */
  seedTail(slot: number, head: KeyHead, tail: string): number {
    const o = slot * this.stride + this.offset;
    const h = seedWordsOfTail(head, tail, this.s, o);
    warm(this.s, o, 12);
    this.o = o;
    return h;
  }

  /** Points the cursor at `slot`; returns this, to draw from it. */
  at(slot: number): this {
    this.o = slot * this.stride + this.offset;
    return this;
  }

  next(): number {
    const s = this.s;
    const o = this.o;
    const a = s[o]!;
    const b = s[o + 1]!;
    const c = s[o + 2]!;
    const d = s[o + 3]!;
    const t = (((a + b) | 0) + d) | 0;
    s[o + 3] = (d + 1) | 0;
    s[o] = b ^ (b >>> 9);
    s[o + 1] = (c + (c << 3)) | 0;
    s[o + 2] = (((c << 21) | (c >>> 11)) + t) | 0;
    return (t >>> 0) / 4294967296;
  }
}

/** mix32's bits as a signed int32 (a small integer to V8: an unsigned one above 2^31 is boxed on the heap). */
function mixBits(a: number, b: number): number {
  let h = (a ^ Math.imul(b | 0, 0x9e3779b1)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A 32-bit mix of two integers (murmur3's finaliser over their combination): stateless draws. */
export function mix32(a: number, b: number): number {
  return mixBits(a, b) >>> 0;
}

/** A uniform in [0, 1) from (key, index, salt) with no state: the same arguments, the same draw. */
export function unitAt(key: number, index: number, salt: number): number {
  return (mixBits(mixBits(key, index), salt) >>> 0) / 4294967296;
}
