/**
 * Walking a BSON document's elements on its bytes (type, name, where its value starts and ends), for the operations
 * that copy stored bytes as they stand instead of decoding and encoding them (excludeBytes.ts, values.ts
 * composeVersion). The layout is the BSON specification's (bsonspec.org): int32 size, elements, a terminating zero;
 * each element a type byte, a C-string name, the value.
 */

/** One element of a document: its type, its name, and where it (from its type byte) and its value start and end. */
export interface Element {
  type: number;
  name: string;
  start: number;
  valueStart: number;
  end: number;
}

/** The elements of the document at `start` of `buf`, in order. */
export function elements(buf: Buffer, start = 0): Element[] {
  const end = start + buf.readInt32LE(start) - 1; // the terminating zero
  const out: Element[] = [];
  let at = start + 4;
  while (at < end) {
    const type = buf[at]!;
    const nameEnd = buf.indexOf(0, at + 1);
    if (nameEnd < 0 || nameEnd >= end) throw new Error('malformed BSON: unterminated element name');
    const valueStart = nameEnd + 1;
    const next = valueStart + valueSize(buf, type, valueStart);
    if (next > end) throw new Error('malformed BSON: element past the end of its document');
    out.push({ type, name: buf.toString('utf8', at + 1, nameEnd), start: at, valueStart, end: next });
    at = next;
  }
  return out;
}

/** A document whose elements are `parts` (runs of whole elements' bytes), in order: size, the parts, the terminator. */
export function documentOf(parts: readonly Buffer[]): Buffer {
  let length = 5;
  for (const p of parts) length += p.length;
  const out = Buffer.allocUnsafe(length);
  out.writeInt32LE(length, 0);
  let o = 4;
  for (const p of parts) o += p.copy(out, o);
  out[o] = 0;
  return out;
}

/** The size in bytes of the value of an element of BSON type `type` starting at `at`. */
export function valueSize(buf: Buffer, type: number, at: number): number {
  switch (type) {
    case 0x01: // double
    case 0x09: // UTC datetime
    case 0x11: // timestamp
    case 0x12: // int64
      return 8;
    case 0x02: // string
    case 0x0d: // JavaScript code
    case 0x0e: // symbol
      return 4 + buf.readInt32LE(at);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return buf.readInt32LE(at);
    case 0x05: // binary: length, subtype, bytes
      return 5 + buf.readInt32LE(at);
    case 0x06: // undefined
    case 0x0a: // null
    case 0x7f: // max key
    case 0xff: // min key
      return 0;
    case 0x07: // ObjectId
      return 12;
    case 0x08: // boolean
      return 1;
    case 0x0b: {
      // regular expression: pattern and options, two C strings
      const p = buf.indexOf(0, at);
      return buf.indexOf(0, p + 1) + 1 - at;
    }
    case 0x0c: // DBPointer: string, then ObjectId
      return 4 + buf.readInt32LE(at) + 12;
    case 0x10: // int32
      return 4;
    case 0x13: // decimal128
      return 16;
    default:
      throw new Error(`malformed BSON: element type 0x${type.toString(16)}`);
  }
}
