/**
 * The 检查明细 rows read from the detail cursor's raw BSON (operations/summary.ts openDetailRows), without the generic
 * BSON.deserialize of each row: a row document is `{ r: [...], k: rank, n: no }` (detailPipeline), and its array's
 * elements are read here where they lie in the reply's bytes.
 * - The texts that may go into the sheet as they are (`bytesAt`: the inline columns' names and codes, most of a
 *   row's bytes) are never decoded when their UTF-8 needs no care (plainInline): the writer copies their bytes
 *   (exports/summaryXlsx.ts detailRowsXml).
 * - Any other element is decoded from the row's bytes, unless it has the bytes of the same element in the row read
 *   before: then that row's value is used again (the county, the product, a date … repeat from row to row).
 * - A text is checked as UTF-8 as the driver checks it by default (bson's toUTF8 with `fatal`, the cursor's
 *   `validation: { utf8: true }`): invalid UTF-8 throws BSONError, which fails the summary.
 * - Anything else (an element of another BSON type, a key not expected, a malformed document) is left to
 *   BSON.deserialize with the driver's options: the same values, the same errors.
 */
import { BSON, BSONError } from 'bson';

/** What the driver's cursor decodes a document with (AbstractCursor's deserializationOptions, by default). */
export const DECODE = { validation: { utf8: true } } as const;

/** The most characters (UTF-16 units) Excel holds in a cell (exports/summaryXlsx.ts CELL_MAX). */
const CELL_MAX = 32_767;

const isHexDigit = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/** True when bytes from `i` (an underscore) before `end` are `_x`, four hex digits and `_`. */
function escapeLikeAt(b: Uint8Array, i: number, end: number): boolean {
  if (i + 6 >= end || b[i + 1] !== 0x78 || b[i + 6] !== 0x5f) return false;
  for (let k = i + 2; k < i + 6; k++) if (!isHexDigit(b[k]!)) return false;
  return true;
}

/**
 * True when bytes [start, end) are valid UTF-8 that the sheet can hold as they are: the text matches neither
 * exports/summaryXlsx.ts INLINE_CARE (&, <, >, C0 and C1 controls and DEL, the bidi controls U+202A–U+202E and
 * U+2066–U+2069, noncharacters U+FDD0–U+FDEF, U+FFFE, U+FFFF, any character outside the BMP (a surrogate pair in
 * UTF-16), white space as JavaScript's \s at either end, `_xHHHH_`: exports/xlsxText.ts) nor is longer than CELL_MAX
 * UTF-16 units. Then textCell would keep it as it is, PRESERVE would not match (a line break is a control, white
 * space at either end excluded), nothing would be escaped, and Buffer#write would write these very bytes. False
 * for anything else, invalid UTF-8 too (the careful path decodes it, and the decoding throws).
 */
export function plainInline(b: Uint8Array, start: number, end: number): boolean {
  if (start >= end) return false;
  // white space at the start: U+0020 (controls are refused below), U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029,
  // U+202F, U+205F, U+3000, U+FEFF
  if (isSpaceAt(b, start, end)) return false;
  let units = 0;
  let lastStart = start;
  for (let i = start; i < end; ) {
    const c = b[i]!;
    lastStart = i;
    units++;
    if (c < 0x80) {
      // controls, DEL, &, <, >
      if (c < 0x20 || c === 0x7f || c === 0x26 || c === 0x3c || c === 0x3e) return false;
      // `_xHHHH_`, which a reader would take for an escaped character (exports/xlsxText.ts)
      if (c === 0x5f && escapeLikeAt(b, i, end)) return false;
      i += 1;
    } else if (c < 0xc2) {
      // a continuation byte where a character starts, or an overlong lead
      return false;
    } else if (c < 0xe0) {
      if (i + 1 >= end) return false;
      const c1 = b[i + 1]!;
      if ((c1 & 0xc0) !== 0x80) return false;
      // C1 controls U+0080–U+009F: C2 80–C2 9F
      if (c === 0xc2 && c1 < 0xa0) return false;
      i += 2;
    } else if (c < 0xf0) {
      if (i + 2 >= end) return false;
      const c1 = b[i + 1]!;
      const c2 = b[i + 2]!;
      if ((c1 & 0xc0) !== 0x80 || (c2 & 0xc0) !== 0x80) return false;
      // overlong (E0 80–9F) and surrogates (ED A0–BF): invalid
      if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 >= 0xa0)) return false;
      if (c === 0xe2) {
        // U+202A–U+202E: E2 80 AA–AE; U+2066–U+2069: E2 81 A6–A9
        if (c1 === 0x80 && c2 >= 0xaa && c2 <= 0xae) return false;
        if (c1 === 0x81 && c2 >= 0xa6 && c2 <= 0xa9) return false;
      } else if (c === 0xef) {
        // U+FDD0–U+FDEF: EF B7 90–AF; U+FFFE, U+FFFF: EF BF BE, BF (U+FF08 （ is EF BC 88: allowed)
        if (c1 === 0xb7 && c2 >= 0x90 && c2 <= 0xaf) return false;
        if (c1 === 0xbf && c2 >= 0xbe) return false;
      }
      i += 3;
    } else {
      // outside the BMP (a surrogate pair: INLINE_CARE's careful path), or not UTF-8
      return false;
    }
  }
  if (units > CELL_MAX) return false;
  return !isSpaceAt(b, lastStart, end);
}

/** Whether the character whose UTF-8 starts at `i` (valid or not: checked elsewhere) is white space as \s. */
function isSpaceAt(b: Uint8Array, i: number, end: number): boolean {
  const c = b[i]!;
  if (c === 0x20) return true;
  if (c === 0xc2) return i + 1 < end && b[i + 1] === 0xa0;
  if (c === 0xe1) return i + 2 < end && b[i + 1] === 0x9a && b[i + 2] === 0x80;
  if (c === 0xe2) {
    if (i + 2 >= end) return false;
    const c1 = b[i + 1]!;
    const c2 = b[i + 2]!;
    if (c1 === 0x80) return (c2 >= 0x80 && c2 <= 0x8a) || c2 === 0xa8 || c2 === 0xa9 || c2 === 0xaf;
    return c1 === 0x81 && c2 === 0x9f;
  }
  if (c === 0xe3) return i + 2 < end && b[i + 1] === 0x80 && b[i + 2] === 0x80;
  if (c === 0xef) return i + 2 < end && b[i + 1] === 0xbb && b[i + 2] === 0xbf;
  return false;
}

/** A text of a document, as bson decodes one with `validation: { utf8: true }` (its toUTF8 with `fatal`). */
function utf8Text(b: Buffer, start: number, end: number): string {
  const text = b.toString('utf8', start, end);
  // U+FFFD where the bytes were not UTF-8 (or the character itself): the bytes checked strictly, as bson does
  if (text.indexOf('\ufffd') !== -1) {
    try {
      strict.decode(b.subarray(start, end));
    } catch (cause) {
      throw new BSONError('Invalid UTF-8 string in BSON document', { cause });
    }
  }
  return text;
}
const strict = new TextDecoder('utf-8', { fatal: true });

const T_DOUBLE = 0x01;
const T_STRING = 0x02;
const T_ARRAY = 0x04;
const T_BOOLEAN = 0x08;
const T_NULL = 0x0a;
const T_INT32 = 0x10;

const int32 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);

/** A value's bytes [start, end) equal those at [start2, end2) of `b2`. */
function sameBytes(b: Uint8Array, start: number, end: number, b2: Uint8Array, start2: number, end2: number): boolean {
  if (end - start !== end2 - start2) return false;
  for (let i = start, j = start2; i < end; i++, j++) if (b[i] !== b2[j]) return false;
  return true;
}

/** Marks a row the byte reader leaves to BSON.deserialize. */
class Unusual extends Error {}
const UNUSUAL = new Unusual();

/**
 * Reads the row documents of one detail read, one after the other: `row` fills `values` (the row array's elements,
 * ROW_FIELDS' order) and, for the `bytesAt` elements whose text goes as bytes, their place in the document
 * (`spans`); it returns the row's `k`.
 */
export class RowBytesReader {
  /** the row's elements (`values`, the same array for every row: read it before the next; or the decoded row's) */
  elements: readonly unknown[];
  private readonly values: unknown[];
  /** per `bytesAt` element: the start and end of its text in the row's bytes, or -1 (its value is in `values`) */
  readonly spans: Int32Array;
  /** the row's bytes, as a Buffer */
  bytes: Buffer = Buffer.alloc(0);
  /** per element: the bytes of the value last decoded (its document, start, end, BSON type) and the value */
  private readonly prevDoc: (Uint8Array | undefined)[];
  private readonly prevStart: Int32Array;
  private readonly prevEnd: Int32Array;
  private readonly prevType: Uint8Array;
  private readonly prevValue: unknown[];
  /** per element: its place in `bytesAt`, or -1 */
  private readonly slot: Int32Array;
  private readonly short = new ShortTexts();

  constructor(
    /** elements of the row array */
    private readonly size: number,
    /** elements whose text may go as bytes */
    bytesAt: readonly number[],
  ) {
    this.values = new Array<unknown>(size).fill(null);
    this.elements = this.values;
    this.spans = new Int32Array(bytesAt.length * 2);
    this.prevDoc = new Array<Uint8Array | undefined>(size).fill(undefined);
    this.prevStart = new Int32Array(size);
    this.prevEnd = new Int32Array(size);
    this.prevType = new Uint8Array(size);
    this.prevValue = new Array<unknown>(size).fill(undefined);
    this.slot = new Int32Array(size).fill(-1);
    bytesAt.forEach((at, j) => (this.slot[at] = j));
  }

  /** Reads one row document; returns its `k` (undefined when it has none, as the decoded document would). */
  row(doc: Uint8Array): number | undefined {
    const b = Buffer.isBuffer(doc) ? doc : Buffer.from(doc.buffer, doc.byteOffset, doc.byteLength);
    this.bytes = b;
    this.elements = this.values;
    try {
      return this.read(b);
    } catch (err) {
      if (!(err instanceof Unusual)) throw err;
      // the generic decoding: the driver's own values, or its error
      const sent = BSON.deserialize(b, DECODE) as { r: unknown[]; k?: number };
      this.spans.fill(-1);
      this.elements = sent.r;
      return sent.k;
    }
  }

  private read(b: Buffer): number | undefined {
    const size = b.length;
    if (size < 5 || int32(b, 0) !== size || b[size - 1] !== 0) throw UNUSUAL;
    let arrayStart = -1;
    let k: number | undefined;
    let n = false;
    let i = 4;
    while (i < size - 1) {
      const type = b[i]!;
      const key = b[i + 1];
      // one-letter keys only: r, k, n
      if (b[i + 2] !== 0) throw UNUSUAL;
      i += 3;
      if (key === 0x72 && type === T_ARRAY && arrayStart < 0) {
        arrayStart = i;
        const length = i + 4 <= size ? int32(b, i) : -1;
        if (length < 5 || length > size - 1 - i) throw UNUSUAL;
        i += length;
      } else if ((key === 0x6b && k === undefined) || (key === 0x6e && !n)) {
        let v: number;
        if (type === T_INT32 && i + 4 <= size - 1) {
          v = int32(b, i);
          i += 4;
        } else if (type === T_DOUBLE && i + 8 <= size - 1) {
          v = b.readDoubleLE(i);
          i += 8;
        } else throw UNUSUAL;
        if (key === 0x6b) k = v;
        else n = true;
      } else throw UNUSUAL;
    }
    if (i !== size - 1 || arrayStart < 0) throw UNUSUAL;
    this.readArray(b, arrayStart);
    return k;
  }

  /** The row array's elements at `start` (its length checked by `read`). */
  private readArray(b: Buffer, start: number): void {
    const end = start + int32(b, start) - 1;
    if (b[end] !== 0) throw UNUSUAL;
    const { values, spans, slot } = this;
    let i = start + 4;
    let e = 0;
    while (i < end) {
      if (e >= this.size) throw UNUSUAL;
      const type = b[i]!;
      i += 1;
      // the key (the element's index, which bson does not read either)
      while (i < end && b[i] !== 0) i++;
      i += 1;
      if (i > end) throw UNUSUAL;
      const j = slot[e]!;
      if (j >= 0) spans[2 * j] = -1;
      if (type === T_STRING) {
        const length = i + 4 <= end ? int32(b, i) : -1;
        if (length <= 0 || length > end - i - 4 || b[i + 4 + length - 1] !== 0) throw UNUSUAL;
        const s = i + 4;
        const t = s + length - 1;
        i = t + 1;
        if (j >= 0 && plainInline(b, s, t)) {
          spans[2 * j] = s;
          spans[2 * j + 1] = t;
          values[e] = undefined;
        } else values[e] = this.decoded(e, T_STRING, b, s, t);
      } else if (type === T_NULL) {
        values[e] = null;
      } else if (type === T_INT32) {
        if (i + 4 > end) throw UNUSUAL;
        values[e] = int32(b, i);
        i += 4;
      } else if (type === T_DOUBLE) {
        if (i + 8 > end) throw UNUSUAL;
        values[e] = b.readDoubleLE(i);
        i += 8;
      } else if (type === T_BOOLEAN) {
        if (i + 1 > end || b[i]! > 1) throw UNUSUAL;
        values[e] = b[i] === 1;
        i += 1;
      } else if (type === T_ARRAY) {
        const length = i + 4 <= end ? int32(b, i) : -1;
        if (length < 5 || length > end - i) throw UNUSUAL;
        values[e] = this.decoded(e, T_ARRAY, b, i, i + length);
        i += length;
      } else throw UNUSUAL;
      e += 1;
    }
    if (i !== end || e !== this.size) throw UNUSUAL;
  }

  /**
   * Element `e`'s value from bytes [start, end): the previous row's value when its bytes were the same; a short
   * text as decoded before (`short`) when it was.
   */
  private decoded(e: number, type: number, b: Buffer, start: number, end: number): unknown {
    const prev = this.prevDoc[e];
    if (prev !== undefined && this.prevType[e] === type && sameBytes(b, start, end, prev, this.prevStart[e]!, this.prevEnd[e]!)) return this.prevValue[e];
    const value = type === T_STRING ? this.short.text(b, start, end) : textArray(b, start, end);
    // a copy of the value's bytes, not the reply they lie in: a value that never changes (the state, the county)
    // would otherwise keep the first reply's buffer alive for the whole export
    this.prevDoc[e] = new Uint8Array(b.subarray(start, end));
    this.prevStart[e] = 0;
    this.prevEnd[e] = end - start;
    this.prevType[e] = type;
    this.prevValue[e] = value;
    return value;
  }
}

/**
 * Short texts already decoded, by their bytes: the dates (a few hundred for 20,000 rows, each in several columns),
 * states, labels … decoded once each, not once a row. A table of SHORT_SLOTS entries by a hash of the bytes (a new
 * text takes its entry's place); the bytes kept are a copy (never the reply's buffer, which would stay alive).
 */
class ShortTexts {
  private readonly keys = new Uint8Array(SHORT_SLOTS * SHORT_BYTES);
  private readonly lengths = new Int32Array(SHORT_SLOTS).fill(-1);
  private readonly texts: string[] = new Array<string>(SHORT_SLOTS).fill('');

  text(b: Buffer, start: number, end: number): string {
    const length = end - start;
    if (length > SHORT_BYTES) return utf8Text(b, start, end);
    // FNV-1a
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
    const slot = (h >>> 0) & (SHORT_SLOTS - 1);
    const at = slot * SHORT_BYTES;
    const keys = this.keys;
    if (this.lengths[slot] === length) {
      let same = true;
      for (let i = 0; i < length; i++) {
        if (keys[at + i] !== b[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.texts[slot]!;
    }
    const text = utf8Text(b, start, end);
    for (let i = 0; i < length; i++) keys[at + i] = b[start + i]!;
    this.lengths[slot] = length;
    this.texts[slot] = text;
    return text;
  }
}
/** Entries of ShortTexts (a power of 2), and the longest text it keeps (in bytes). */
const SHORT_SLOTS = 4096;
const SHORT_BYTES = 32;

/** An array of texts and nulls (the 组长's names) from its BSON at [start, end); anything else is unusual. */
function textArray(b: Buffer, start: number, end: number): (string | null)[] {
  const out: (string | null)[] = [];
  const last = end - 1;
  if (b[last] !== 0) throw UNUSUAL;
  let i = start + 4;
  while (i < last) {
    const type = b[i]!;
    i += 1;
    while (i < last && b[i] !== 0) i++;
    i += 1;
    if (i > last) throw UNUSUAL;
    if (type === T_NULL) out.push(null);
    else if (type === T_STRING) {
      const length = i + 4 <= last ? int32(b, i) : -1;
      if (length <= 0 || length > last - i - 4 || b[i + 4 + length - 1] !== 0) throw UNUSUAL;
      out.push(utf8Text(b, i + 4, i + 4 + length - 1));
      i += 4 + length;
    } else throw UNUSUAL;
  }
  if (i !== last) throw UNUSUAL;
  return out;
}
