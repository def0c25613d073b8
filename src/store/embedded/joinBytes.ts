/**
 * The bytes of an equality join's output documents (equalityJoin.ts), put together from the stored bytes of the input
 * document and of the joined foreign documents, instead of re-typing each output document (engine.ts runPipeline)
 * and encoding it again: the input document's elements, then per lookup an array of the foreign documents.
 *
 * The result must be the bytes the engine sends otherwise, which re-types the output from the input document's
 * typed view (its numbers keep their stored types) and leaves the joined documents plain (docs/mongo-wire.md §5: a
 * whole double or a small int64 comes back as an int32). So a stored document's bytes are used only when a scan of
 * them shows that they are what that gives: for the input document, no value whose decoding and encoding differ (a
 * NaN, a regex, a symbol, code, a DBRef-like or odd-keyed sub-document, …); for a joined document, in addition no
 * double that the default encoding would write as an int32 and no int64 within ±2^53. Otherwise the caller encodes
 * as before. The scans are kept per stored version (versions never change).
 */
import type { Slot } from './collection';
import type { JoinSources } from './equalityJoin';
import { isObject, MAX_DOC_BYTES, transientBuffer, type Version } from './values';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const SAFE = 2 ** 53;
const MAX_DATE_MS = 8.64e15;

/** Whether the names of a document's elements decode and re-encode in place: not `$`-prefixed, integer-like or `__proto__`. */
function plainName(buf: Buffer, at: number, end: number): boolean {
  const c = buf[at];
  if (c === 0x24 || (c >= 0x30 && c <= 0x39)) return false;
  return !(end - at === 9 && buf.toString('latin1', at, end) === '__proto__');
}

/**
 * Whether decoding the document at `start` and encoding it again gives its bytes: with the stored number types
 * (`typed`), or with numbers as plain JavaScript numbers (the default encoding's int32 or double).
 */
function exact(buf: Buffer, start: number, typed: boolean, array: boolean): boolean {
  const stop = start + buf.readInt32LE(start) - 1;
  for (let at = start + 4; at < stop; ) {
    const type = buf[at];
    const nameEnd = buf.indexOf(0, at + 1);
    if (!array && !plainName(buf, at + 1, nameEnd)) return false;
    const v = nameEnd + 1;
    switch (type) {
      case 0x01: {
        const d = buf.readDoubleLE(v);
        if (Number.isNaN(d)) return false;
        if (!typed && !Object.is(d, -0) && Number.isSafeInteger(d) && d >= INT32_MIN && d <= INT32_MAX) return false;
        at = v + 8;
        break;
      }
      case 0x02:
        at = v + 4 + buf.readInt32LE(v);
        break;
      case 0x03:
      case 0x04:
        if (!exact(buf, v, typed, type === 0x04)) return false;
        at = v + buf.readInt32LE(v);
        break;
      case 0x05:
        if (buf[v + 4] === 0x02) return false; // the old binary subtype: decoded without its inner length
        at = v + 5 + buf.readInt32LE(v);
        break;
      case 0x07:
        at = v + 12;
        break;
      case 0x08:
        at = v + 1;
        break;
      case 0x09: {
        const ms = Number(buf.readBigInt64LE(v));
        if (ms > MAX_DATE_MS || ms < -MAX_DATE_MS) return false;
        at = v + 8;
        break;
      }
      case 0x0a:
      case 0xff:
      case 0x7f:
        at = v;
        break;
      case 0x10:
        at = v + 4;
        break;
      case 0x11:
        at = v + 8;
        break;
      case 0x12: {
        if (!typed) {
          const n = buf.readBigInt64LE(v);
          if (n <= BigInt(SAFE) && n >= -BigInt(SAFE)) return false; // decoded as a number
        }
        at = v + 8;
        break;
      }
      case 0x13:
        at = v + 16;
        break;
      default:
        return false; // undefined, regex, DBPointer, code, symbol, code with scope
    }
  }
  return true;
}

const asTyped = new WeakMap<Version, boolean>();
const asPlain = new WeakMap<Version, boolean>();

function exactVersion(v: Version, typed: boolean): boolean {
  const cache = typed ? asTyped : asPlain;
  let ok = cache.get(v);
  if (ok === undefined) {
    ok = exact(v.raw, 0, typed, false);
    cache.set(v, ok);
  }
  return ok;
}

/**
 * The bytes of each output document of an equality join over `input` (the slots entering it, in order), or undefined
 * when any of them cannot be put together exactly (see the header): the caller then re-types and encodes them.
 */
export function joinedBytes(input: Slot[], sources: JoinSources): Buffer[] | undefined {
  const names = sources.lookups.map((l) => l.as);
  if (new Set(names).size !== names.length) return undefined;
  const nameBytes = names.map((n) => Buffer.from(n, 'utf8'));
  for (const n of nameBytes) if (!plainName(n, 0, n.length)) return undefined;
  const out: Buffer[] = [];
  for (let i = 0; i < input.length; i++) {
    const v = input[i].v;
    // the output is re-typed from the stored document found by its _id: one that is a plain _id (not a sub-document)
    if (v.typed._id === undefined || isObject(v.typed._id) || !exactVersion(v, true)) return undefined;
    for (const n of names) if (Object.prototype.hasOwnProperty.call(v.typed, n)) return undefined; // `as` replaces a field in place
    const joined = sources.joined[i];
    let size = v.raw.length;
    const arraySizes: number[] = [];
    for (let l = 0; l < joined.length; l++) {
      let arraySize = 5;
      for (let j = 0; j < joined[l].length; j++) {
        const f = joined[l][j].v;
        if (!exactVersion(f, false)) return undefined;
        arraySize += 2 + String(j).length + f.raw.length;
      }
      arraySizes.push(arraySize);
      size += 2 + nameBytes[l].length + arraySize;
    }
    // a joined document over the BSON limit: the general path refuses it as MongoDB does
    if (size > MAX_DOC_BYTES) return undefined;
    const buf = transientBuffer(size); // lives as long as the reply, or the cursor
    let at = v.raw.copy(buf, 0, 0, v.raw.length - 1);
    for (let l = 0; l < joined.length; l++) {
      buf[at++] = 0x04;
      at += nameBytes[l].copy(buf, at);
      buf[at++] = 0;
      buf.writeInt32LE(arraySizes[l], at);
      at += 4;
      for (let j = 0; j < joined[l].length; j++) {
        buf[at++] = 0x03;
        at += buf.write(String(j), at, 'latin1');
        buf[at++] = 0;
        at += joined[l][j].v.raw.copy(buf, at);
      }
      buf[at++] = 0;
    }
    buf[at] = 0;
    buf.writeInt32LE(size, 0);
    out.push(buf);
  }
  return out;
}
