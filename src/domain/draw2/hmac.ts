/**
 * HMAC-SHA256 (RFC 2104 over FIPS 180-4 SHA-256) for the draw's many short messages (§3.3: a selection score per
 * enterprise, a priority per person and load): hundreds of thousands per draw of a city.
 *
 * Node's hashes cost a native call each, plus a string or buffer per result; an HMAC of a short message needs two of
 * them (inner and outer hash) and more to move the bytes. Here the key's two padded blocks are hashed once (their
 * midstates kept), so an HMAC of a message of up to 55 bytes is two SHA-256 compressions in JavaScript, without
 * allocation; the result is read as words (for ordering) and written as hex only where a caller needs the text.
 * Same values as node:crypto's createHmac('sha256', key) (test/unit/draw2/hmac.test.ts compares them on random keys and
 * messages of every length class, ASCII and not).
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01,
  0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
  0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08,
  0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** The message schedule (the first 16 words are the block), shared: nothing here is re-entrant. */
const W = new Int32Array(64);

/** One SHA-256 compression of the block in W[0..15] into `state` (8 words at `at`). */
function compress(state: Int32Array, at: number): void {
  for (let t = 16; t < 64; t++) {
    const w15 = W[t - 15]!;
    const w2 = W[t - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    W[t] = (W[t - 16]! + s0 + W[t - 7]! + s1) | 0;
  }
  let a = state[at]!;
  let b = state[at + 1]!;
  let c = state[at + 2]!;
  let d = state[at + 3]!;
  let e = state[at + 4]!;
  let f = state[at + 5]!;
  let g = state[at + 6]!;
  let h = state[at + 7]!;
  for (let t = 0; t < 64; t++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[t]! + W[t]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[at] = (state[at]! + a) | 0;
  state[at + 1] = (state[at + 1]! + b) | 0;
  state[at + 2] = (state[at + 2]! + c) | 0;
  state[at + 3] = (state[at + 3]! + d) | 0;
  state[at + 4] = (state[at + 4]! + e) | 0;
  state[at + 5] = (state[at + 5]! + f) | 0;
  state[at + 6] = (state[at + 6]! + g) | 0;
  state[at + 7] = (state[at + 7]! + h) | 0;
}

/** Loads W[0..15] from 64 bytes of `bytes` at `from` (big-endian words). */
function loadBlock(bytes: Uint8Array, from: number): void {
  for (let i = 0; i < 16; i++) {
    const j = from + 4 * i;
    W[i] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
  }
}

/** The 32 digest bytes of wordsHex, written here before one native call makes their hex text. */
const HEX_BYTES = Buffer.alloc(32);

/**
 * 8 words of `words` from `at` as 64 lowercase hex digits: one flat string (Buffer's hex encoder), not the chain of
 * concatenations a `+=` loop leaves (a few dozen heap objects per score, kept alive with the selection).
 */
export function wordsHex(words: Int32Array, at: number): string {
  const b = HEX_BYTES;
  for (let i = 0; i < 8; i++) {
    const w = words[at + i]!;
    const j = 4 * i;
    b[j] = w >>> 24;
    b[j + 1] = (w >>> 16) & 255;
    b[j + 2] = (w >>> 8) & 255;
    b[j + 3] = w & 255;
  }
  return b.toString('hex', 0, 32);
}

/**
 * Unsigned comparison of two 8-word values (the order of their hex texts): negative, zero or positive.
 */
export function compareWords(x: Int32Array, i: number, y: Int32Array, j: number): number {
  for (let k = 0; k < 8; k++) {
    const a = x[i + k]! >>> 0;
    const b = y[j + k]! >>> 0;
    if (a !== b) return a < b ? -1 : 1;
  }
  return 0;
}

/** HMAC-SHA256 with a fixed key of at most 64 bytes. Not re-entrant (shared scratch); synchronous use only. */
export class HmacSha256 {
  /** midstates after the key's inner (ipad) and outer (opad) blocks */
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly state = new Int32Array(8);
  /** the message's UTF-8 bytes, then its padding */
  private buf = new Uint8Array(256);

  constructor(key: Uint8Array) {
    if (key.length > 64) throw new RangeError('hmac: keys longer than 64 bytes are not supported here');
    const block = new Uint8Array(64);
    for (const [pad, mid] of [
      [0x36, this.inner],
      [0x5c, this.outer],
    ] as const) {
      block.fill(pad);
      for (let i = 0; i < key.length; i++) block[i] = key[i]! ^ pad;
      mid.set(IV);
      loadBlock(block, 0);
      compress(mid, 0);
    }
  }

  /**
   * HMAC of the UTF-8 bytes of `message`, its 8 words written into `out` at `at` (big-endian words: the digest's
   * bytes in order).
   */
  macInto(message: string, out: Int32Array, at: number): void {
    const n = message.length;
    if (n <= 55 && this.asciiBlock(message)) {
      // One block, loaded straight into W: the inner hash, then the outer.
      const s = this.state;
      const inner = this.inner;
      for (let i = 0; i < 8; i++) s[i] = inner[i]!;
      compress(s, 0);
      this.finish(s, out, at);
      return;
    }
    let buf = this.buf;
    if (buf.length < 3 * n + 72) buf = this.buf = new Uint8Array(3 * n + 72);
    let len = 0;
    for (let i = 0; i < n; i++) {
      const c = message.charCodeAt(i);
      if (c < 0x80) {
        buf[len++] = c;
        continue;
      }
      // Not ASCII: the UTF-8 encoder of the platform (lone surrogates become U+FFFD, as Buffer.from(text) does).
      len = Buffer.from(buf.buffer, buf.byteOffset, buf.length).write(message, 0, 'utf8');
      break;
    }
    // Padding: 0x80, zeros, the bit length of (key block + message) in the last 8 bytes (< 2^32 bits here).
    const blocks = (len + 9 + 63) >>> 6;
    const end = blocks * 64;
    buf[len] = 0x80;
    buf.fill(0, len + 1, end - 4);
    const bits = (64 + len) * 8;
    buf[end - 4] = bits >>> 24;
    buf[end - 3] = (bits >>> 16) & 255;
    buf[end - 2] = (bits >>> 8) & 255;
    buf[end - 1] = bits & 255;
    const s = this.state;
    s.set(this.inner);
    for (let b = 0; b < blocks; b++) {
      loadBlock(buf, b * 64);
      compress(s, 0);
    }
    this.finish(s, out, at);
  }

  /**
   * W[0..15] = the padded single block of an ASCII message of at most 55 characters (its bytes, 0x80, zeros, the bit
   * length of key block + message); false (W undefined) when the message is not ASCII.
   */
  private asciiBlock(message: string): boolean {
    const n = message.length;
    for (let i = 0; i < 16; i++) W[i] = 0;
    for (let i = 0; i < n; i++) {
      const c = message.charCodeAt(i);
      if (c >= 0x80) return false;
      W[i >> 2] = W[i >> 2]! | (c << (24 - 8 * (i & 3)));
    }
    W[n >> 2] = W[n >> 2]! | (0x80 << (24 - 8 * (n & 3)));
    W[15] = (64 + n) * 8;
    return true;
  }

  /** The outer hash of the inner digest `s`: the 32 digest bytes, 0x80, zeros, the bit length of 96 bytes. */
  private finish(s: Int32Array, out: Int32Array, at: number): void {
    for (let i = 0; i < 8; i++) W[i] = s[i]!;
    W[8] = 0x80000000 | 0;
    for (let i = 9; i < 15; i++) W[i] = 0;
    W[15] = 96 * 8;
    const o = this.outer;
    for (let i = 0; i < 8; i++) out[at + i] = o[i]!;
    compress(out, at);
  }

  private readonly one = new Int32Array(8);

  /** HMAC of the UTF-8 bytes of `message`, lowercase hex. */
  hex(message: string): string {
    this.macInto(message, this.one, 0);
    return wordsHex(this.one, 0);
  }
}
