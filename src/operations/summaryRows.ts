/**
 * The 检查明细 detail cursor's rows (operations/summary.ts detailPipeline: documents `{ r: [ …24 values ] }`) read
 * from their BSON bytes (the cursor runs with `raw: true`).
 *
 * The driver would decode each row in three steps: an index of the batch element's fields, a document decoded
 * from it, then the row array read out of that document. A row's values are strings, numbers, nulls, booleans and
 * arrays of those (the 组长's names, the extra checklists' names), so they are read here in one pass, with bson's
 * own UTF-8 reader (validated, as the driver validates). Any other type anywhere in the row (a document in an
 * array, a date, a 64-bit integer, …), or a row of another shape, is decoded by bson itself with the options the
 * driver decodes documents with, so every row comes out as the driver would have given it.
 */
import { BSON, onDemand } from 'bson';

const { toUTF8 } = onDemand.ByteUtils;

/** The driver's defaults for the documents of a reply (mongodb's resolveBSONOptions and parseUtf8ValidationOption). */
const DRIVER_BSON: BSON.DeserializeOptions = {
  promoteLongs: true,
  promoteValues: true,
  promoteBuffers: false,
  bsonRegExp: false,
  useBigInt64: false,
  validation: { utf8: true },
};

const T_DOUBLE = 0x01;
const T_STRING = 0x02;
const T_ARRAY = 0x04;
const T_BOOL = 0x08;
const T_NULL = 0x0a;
const T_INT32 = 0x10;

/**
 * The values of the BSON array at `at` (its int32 size first), or undefined when it holds something not read here
 * (see the module comment) or anything malformed (bson then decodes the row, and throws what it throws).
 */
function readArray(b: Buffer, at: number): unknown[] | undefined {
  if (at + 5 > b.length) return undefined;
  const size = b.readInt32LE(at);
  if (size < 5 || at + size > b.length || b[at + size - 1] !== 0) return undefined;
  const end = at + size - 1;
  const out: unknown[] = [];
  let p = at + 4;
  while (p < end) {
    const type = b[p++];
    // the element's name ("0", "1", …): an array's values are read in order, as bson reads them
    while (p < end && b[p] !== 0) p++;
    p++;
    switch (type) {
      case T_STRING: {
        if (p + 4 > end) return undefined;
        const len = b.readInt32LE(p);
        // bson's own check of a string's length
        if (len <= 0 || len > end - p - 4 + 1 || b[p + 4 + len - 1] !== 0) return undefined;
        out.push(toUTF8(b, p + 4, p + 4 + len - 1, true));
        p += 4 + len;
        break;
      }
      case T_NULL:
        out.push(null);
        break;
      case T_INT32:
        if (p + 4 > end) return undefined;
        out.push(b.readInt32LE(p));
        p += 4;
        break;
      case T_DOUBLE:
        if (p + 8 > end) return undefined;
        out.push(b.readDoubleLE(p));
        p += 8;
        break;
      case T_BOOL: {
        const v = b[p];
        if (v !== 0 && v !== 1) return undefined;
        out.push(v === 1);
        p += 1;
        break;
      }
      case T_ARRAY: {
        const inner = readArray(b, p);
        if (inner === undefined) return undefined;
        out.push(inner);
        p += b.readInt32LE(p);
        break;
      }
      default:
        return undefined;
    }
  }
  return p === end ? out : undefined;
}

/** The row array `r` of a detail cursor document given as its BSON bytes (see the module comment). */
export function rowValues(bytes: Uint8Array): unknown[] {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // { r: [ … ] } and nothing else: int32 size, 0x04 "r" 0x00, the array, the document's terminating 0
  if (b.length >= 12 && b.readInt32LE(0) === b.length && b[4] === T_ARRAY && b[5] === 0x72 && b[6] === 0) {
    const values = readArray(b, 7);
    if (values !== undefined && 7 + b.readInt32LE(7) === b.length - 1 && b[b.length - 1] === 0) return values;
  }
  const doc = BSON.deserialize(b, DRIVER_BSON) as { r?: unknown };
  if (!Array.isArray(doc.r)) throw new Error('a detail row without its array');
  return doc.r as unknown[];
}
