/**
 * Canonical JSON (docs/draw-spec.md §1) written straight as UTF-8 bytes into a reused buffer that feeds a hash: the same
 * bytes as hashing the UTF-8 of jcs(value) (jcs.ts), without building the text, checking the value in a separate walk,
 * or converting a large two-byte string to UTF-8 (for a city's registry and result those cost several times the
 * hashing itself). test/unit/draw2/canonicalBytes.test.ts compares the two on random values.
 */
export class CanonicalError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalError';
  }
}

/** What a writer feeds: a hash's update (it must not keep the view: the buffer is reused). */
export type ByteSink = (bytes: Uint8Array) => void;

const CHUNK = 1 << 16;

const HEX = '0123456789abcdef';
/** JSON escapes of the code units below U+0020 (as JSON.stringify writes them), as byte lists. */
const CONTROL: number[][] = [];
for (let c = 0; c < 0x20; c++) {
  const short: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r' };
  const text = short[c] ?? `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
  CONTROL.push([...text].map((ch) => ch.charCodeAt(0)));
}

export class CanonicalWriter {
  private buf = new Uint8Array(CHUNK);
  private n = 0;

  constructor(private readonly sink: ByteSink) {}

  /** Room for `k` more bytes (feeding what is written when the buffer is full). */
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    this.flush();
    if (k > this.buf.length) this.buf = new Uint8Array(k);
  }

  /** Feeds the sink what is written so far. */
  flush(): void {
    if (this.n > 0) this.sink(this.buf.subarray(0, this.n));
    this.n = 0;
    this.flushes++;
  }

  /** how many times the buffer was fed to the sink (a member name is kept only when written in one piece) */
  private flushes = 0;

  byte(b: number): void {
    if (this.n >= this.buf.length) this.flush();
    this.buf[this.n++] = b;
  }

  /** Text known to be ASCII without anything to escape (JSON punctuation, digits, prepared member names). */
  ascii(s: string): void {
    this.room(s.length);
    const buf = this.buf;
    let n = this.n;
    for (let i = 0; i < s.length; i++) buf[n++] = s.charCodeAt(i);
    this.n = n;
  }

  /** Bytes prepared once (e.g. `,"name":`). */
  bytes(b: Uint8Array): void {
    this.room(b.length);
    const buf = this.buf;
    let n = this.n;
    // (a loop: a few bytes at a time, cheaper than TypedArray.prototype.set)
    for (let i = 0; i < b.length; i++) buf[n++] = b[i]!;
    this.n = n;
  }

  /**
   * `s` as a JSON string, UTF-8. A lone surrogate is refused (JCS, §1) — or, with `loneAsEscape`, written `\udxxx` as
   * JSON.stringify writes it.
   */
  string(s: string, where: string, loneAsEscape = false, key = false): void {
    const len = s.length;
    // At most 6 bytes per code unit (\u00xx; a lone surrogate's \udxxx), and the quotes.
    this.room(6 * len + 2);
    const buf = this.buf;
    let n = this.n;
    buf[n++] = 0x22;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c !== 0x22 && c !== 0x5c) buf[n++] = c;
        else if (c === 0x22 || c === 0x5c) {
          buf[n++] = 0x5c;
          buf[n++] = c;
        } else for (const b of CONTROL[c]!) buf[n++] = b;
      } else if (c < 0x800) {
        buf[n++] = 0xc0 | (c >> 6);
        buf[n++] = 0x80 | (c & 63);
      } else if (c < 0xd800 || c > 0xdfff) {
        buf[n++] = 0xe0 | (c >> 12);
        buf[n++] = 0x80 | ((c >> 6) & 63);
        buf[n++] = 0x80 | (c & 63);
      } else {
        const d = i + 1 < len ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          buf[n++] = 0xf0 | (cp >> 18);
          buf[n++] = 0x80 | ((cp >> 12) & 63);
          buf[n++] = 0x80 | ((cp >> 6) & 63);
          buf[n++] = 0x80 | (cp & 63);
          i++;
        } else if (loneAsEscape) {
          buf[n++] = 0x5c;
          buf[n++] = 0x75; // u
          for (const shift of [12, 8, 4, 0]) buf[n++] = HEX.charCodeAt((c >> shift) & 15);
        } else {
          this.n = 0;
          throw new CanonicalError(`${where}${key ? '.<key>' : ''}: lone surrogate in text`);
        }
      }
    }
    buf[n++] = 0x22;
    this.n = n;
  }

  /** Text that is already JSON (JSON.stringify's output: well-formed), as UTF-8. */
  jsonText(s: string): void {
    const len = s.length;
    this.room(3 * len);
    const buf = this.buf;
    let n = this.n;
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) buf[n++] = c;
      else if (c < 0x800) {
        buf[n++] = 0xc0 | (c >> 6);
        buf[n++] = 0x80 | (c & 63);
      } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
        const cp = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
        buf[n++] = 0xf0 | (cp >> 18);
        buf[n++] = 0x80 | ((cp >> 12) & 63);
        buf[n++] = 0x80 | ((cp >> 6) & 63);
        buf[n++] = 0x80 | (cp & 63);
      } else {
        buf[n++] = 0xe0 | (c >> 12);
        buf[n++] = 0x80 | ((c >> 6) & 63);
        buf[n++] = 0x80 | (c & 63);
      }
    }
    this.n = n;
  }

  /** A JCS integer (§1): |n| ≤ 2^53 − 1, `-0` written `0`. */
  number(v: number, where: string): void {
    if (!Number.isSafeInteger(v)) {
      this.n = 0;
      throw new CanonicalError(`${where}: only integers within ±(2^53−1) are allowed`);
    }
    if (v >= 0 && v < 10) this.byte(0x30 + v);
    else if (v > 0 && v <= 0x7fffffff) {
      // Digits straight into the buffer (String(v) is a fresh string per number: tens of thousands in a result).
      let d = 1;
      for (let t = v; t >= 10; t = (t / 10) | 0) d++;
      this.room(d);
      const buf = this.buf;
      let n = this.n + d;
      this.n = n;
      for (let t = v; ; ) {
        buf[--n] = 0x30 + (t % 10);
        t = (t / 10) | 0;
        if (t === 0) break;
      }
    } else this.ascii(v === 0 ? '0' : String(v));
  }

  /** Any value as its canonical text (jcs.ts: the same values accepted and refused). */
  value(v: unknown, where: string): void {
    if (v === null) return this.ascii('null');
    switch (typeof v) {
      case 'string':
        return this.string(v, where);
      case 'number':
        return this.number(v, where);
      case 'boolean':
        return this.ascii(v ? 'true' : 'false');
      case 'object':
        break;
      default:
        this.n = 0;
        throw new CanonicalError(`${where}: unsupported ${typeof v}`);
    }
    if (Array.isArray(v)) {
      this.byte(0x5b);
      for (let i = 0; i < v.length; i++) {
        if (i > 0) this.byte(0x2c);
        this.value(v[i], where);
      }
      this.byte(0x5d);
      return;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) {
      this.n = 0;
      throw new CanonicalError(`${where}: only plain objects are allowed`);
    }
    const record = v as Record<string, unknown>;
    // Members as they come while their names increase (objects built in canonical order); else sorted.
    let prev: string | null = null;
    let inOrder = true;
    for (const k in record) {
      if (prev !== null && !(prev < k)) {
        inOrder = false;
        break;
      }
      prev = k;
    }
    this.byte(0x7b);
    let first = true;
    if (inOrder) {
      for (const k in record) if (this.member(record, k, first, where)) first = false;
    } else {
      for (const k of canonicalKeys(record, where)) if (this.member(record, k, first, where)) first = false;
    }
    this.byte(0x7d);
  }

  /** `"k":value` (after a comma unless first); false when the value is undefined (left out). */
  private member(record: Record<string, unknown>, k: string, first: boolean, where: string): boolean {
    if (k === '__proto__') {
      this.n = 0;
      throw new CanonicalError(`${where}: the member name __proto__ is not allowed`);
    }
    const x = record[k];
    if (x === undefined) return false;
    if (!first) this.byte(0x2c);
    let name = MEMBER_NAMES.get(k);
    if (name === undefined) {
      // `"k":` written once (a lone surrogate refused as always), its bytes kept for the next object with this member.
      const at = this.n;
      const flushes = this.flushes;
      this.string(k, where, false, true);
      this.byte(0x3a);
      if (flushes === this.flushes && k.length <= 64 && MEMBER_NAMES.size < MEMBER_NAMES_MAX) MEMBER_NAMES.set(k, this.buf.slice(at, this.n));
    } else this.bytes(name);
    this.value(x, where);
    return true;
  }
}

/**
 * Member names as written (`"name":`), by name: the few names of a result's tens of thousands of objects are written
 * once instead of once per object. Bounded (names that are data, such as person refs, are many).
 */
const MEMBER_NAMES = new Map<string, Uint8Array>();
const MEMBER_NAMES_MAX = 4096;

/** The member names of a plain object in code-unit order (§1); refuses other objects and the name __proto__. */
export function canonicalKeys(record: object, where: string): string[] {
  const proto: unknown = Object.getPrototypeOf(record);
  if (proto !== Object.prototype && proto !== null) throw new CanonicalError(`${where}: only plain objects are allowed`);
  const keys = Object.keys(record);
  let sorted = true;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k === '__proto__') throw new CanonicalError(`${where}: the member name __proto__ is not allowed`);
    if (i > 0 && !(keys[i - 1]! < k)) sorted = false;
  }
  if (!sorted) keys.sort(); // default sort: UTF-16 code units
  return keys;
}
