/**
 * A new version of a stored document built from the previous one, for an update that changed a few of its values:
 * what `makeVersion(doc)` gives (values.ts: the bytes of `doc`, `_id` first, and both views decoded from them),
 * without encoding the whole document and decoding it twice.
 *
 * The update's result shares, by identity, the values it left as they were with the previous typed view (update.ts
 * applyUpdate and retype give back the stored typed values for them). Such a value's bytes are taken from the
 * previous bytes, and its typed and plain views are the previous ones (both were decoded from those very bytes, and
 * a BSON element decodes the same wherever it stands: bson's deserializer reads element after element). Objects and
 * arrays the update went through are rebuilt level by level the same way; every other value (new, or changed) is
 * encoded with bson and decoded from those bytes, like makeVersion does with the whole document
 * (test/wire/versionFrom.test.ts compares the two).
 *
 * Whenever the shapes do not line up exactly (a level whose keys JavaScript orders differently from the bytes,
 * a `$`-prefixed key that would make a DBRef, a `__proto__` key, an element bson skips), it gives up and the caller
 * uses makeVersion.
 */
import { BSON } from 'bson';
import { CommandError, deepFreeze, isObject, MAX_DOC_BYTES, promotedOf, serialize, type Document, type Version } from './values';

const TYPED = { promoteValues: false } as const;

const T_STRING = 0x02;
const T_OBJECT = 0x03;
const T_ARRAY = 0x04;
const T_BOOL = 0x08;
const T_NULL = 0x0a;

/** Where an element's value ends, from its type and where its value starts; -1 for a type not known here. */
function valueEnd(buf: Buffer, type: number, at: number): number {
  switch (type) {
    case 0x01: // double
    case 0x09: // date
    case 0x11: // timestamp
    case 0x12: // int64
      return at + 8;
    case 0x02: // string
    case 0x0d: // code
    case 0x0e: // symbol
      return at + 4 + buf.readInt32LE(at);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return at + buf.readInt32LE(at);
    case 0x05: // binary: size, subtype, bytes
      return at + 5 + buf.readInt32LE(at);
    case 0x06: // undefined
    case 0x0a: // null
    case 0xff: // minKey
    case 0x7f: // maxKey
      return at;
    case 0x07: // ObjectId
      return at + 12;
    case 0x08: // boolean
      return at + 1;
    case 0x0b: {
      // regex: two C strings
      const source = buf.indexOf(0, at);
      return source < 0 ? -1 : buf.indexOf(0, source + 1) + 1 || -1;
    }
    case 0x0c: // DBPointer: string, ObjectId
      return at + 4 + buf.readInt32LE(at) + 12;
    case 0x10: // int32
      return at + 4;
    case 0x13: // decimal128
      return at + 16;
    default:
      return -1;
  }
}

/** One element of an encoded document: its type, where it starts (type byte), where its value starts and ends. */
interface Element {
  type: number;
  start: number;
  value: number;
  end: number;
}

/** The elements of the document (or array) whose bytes start at `start`; undefined for an element type not known. */
function elementsOf(buf: Buffer, start: number): Element[] | undefined {
  const stop = start + buf.readInt32LE(start) - 1;
  const out: Element[] = [];
  for (let at = start + 4; at < stop; ) {
    const type = buf[at];
    const nameEnd = buf.indexOf(0, at + 1);
    if (nameEnd < 0 || nameEnd >= stop) return undefined;
    const end = valueEnd(buf, type, nameEnd + 1);
    if (end < 0 || end > stop) return undefined;
    out.push({ type, start: at, value: nameEnd + 1, end });
    at = end;
  }
  return out;
}

/** A part of the new bytes: a range of some buffer, or a nested level (its element header, then its own parts). */
type Piece = { buf: Buffer; from: number; to: number } | { head: Buffer; from: number; to: number; level: Level };

interface Level {
  pieces: Piece[];
  /** the level's encoded size: its int32 size, its pieces, its terminating zero */
  size: number;
  typed: Document | unknown[];
  plain: Document | unknown[];
}

/**
 * Whether the same primitive's previous bytes are what encoding it gives: a string, a boolean, a null (in a typed view
 * they only come from those types; checked all the same, as the bytes are copied on the strength of it).
 */
function samePrimitive(v: unknown, type: number): boolean {
  return (typeof v === 'string' && type === T_STRING) || (typeof v === 'boolean' && type === T_BOOL) || (v === null && type === T_NULL);
}

/** Keys that cannot be put back in the same order or the same way: integer-like ones (JavaScript orders them first), `__proto__`. */
function unsafeKeys(keys: string[]): boolean {
  for (const k of keys) {
    const c = k.charCodeAt(0);
    if ((c >= 48 && c <= 57) || k === '__proto__') return true;
  }
  return false;
}

/**
 * One level (the document, or an object or array within it): `next` is the new typed value, `prevTyped`/`prevPlain`
 * the previous views of the same place, encoded at `start` in `prev`. Undefined: give up.
 */
function level(
  next: Document | unknown[],
  prevTyped: Document | unknown[],
  prevPlain: Document | unknown[],
  prev: Buffer,
  start: number,
  keys: string[],
  minShared: number,
): Level | undefined {
  const array = Array.isArray(next);
  const prevKeys = array ? undefined : Object.keys(prevTyped);
  if (prevKeys && unsafeKeys(prevKeys)) return undefined;
  const elements = elementsOf(prev, start);
  const prevCount = array ? (prevTyped as unknown[]).length : (prevKeys as string[]).length;
  if (!elements || elements.length !== prevCount) return undefined;
  // where each previous key's element is
  let at: Map<string, number> | undefined;
  if (prevKeys) {
    at = new Map();
    for (let i = 0; i < prevKeys.length; i++) at.set(prevKeys[i], i);
  }

  const pieces: (Piece | undefined)[] = [];
  const typed: Document | unknown[] = array ? [] : {};
  const plain: Document | unknown[] = array ? [] : {};
  const t = typed as Document;
  const p = plain as Document;
  const pt = prevTyped as Document;
  const pp = prevPlain as Document;
  let fresh: Document | undefined;
  const freshAt: number[] = [];
  let size = 5;
  for (let n = 0; n < keys.length; n++) {
    const k = keys[n];
    const v: unknown = (next as Document)[k];
    if (v === undefined) {
      if (array) return undefined; // encoded as null in an array, skipped in a document: not handled here
      continue;
    }
    const i = array ? (n < prevCount ? n : -1) : (at!.get(k) ?? -1);
    const e = i >= 0 ? elements[i] : undefined;
    const old: unknown = e ? pt[k] : undefined;
    if (e && v === old && ((typeof v === 'object' && v !== null) || samePrimitive(v, e.type))) {
      pieces.push({ buf: prev, from: e.start, to: e.end });
      size += e.end - e.start;
      t[k] = old;
      p[k] = pp[k];
      continue;
    }
    const container = e && ((e.type === T_ARRAY && Array.isArray(v) && Array.isArray(old)) || (e.type === T_OBJECT && isObject(v) && isObject(old)));
    if (e && container && e.end - e.value >= minShared) {
      const subKeys = Array.isArray(v) ? v.map((_, j) => String(j)) : Object.keys(v);
      // a `$ref`/`$id` pair decodes as a DBRef; integer-like keys and `__proto__` (see unsafeKeys): encoded afresh
      const odd = !Array.isArray(v) && (unsafeKeys(subKeys) || subKeys.some((s) => s.charCodeAt(0) === 36));
      const sub = odd ? undefined : level(v, old, pp[k] as Document | unknown[], prev, e.value, subKeys, minShared);
      if (sub) {
        pieces.push({ head: prev, from: e.start, to: e.value, level: sub });
        size += e.value - e.start + sub.size;
        t[k] = sub.typed;
        p[k] = sub.plain;
        continue;
      }
    }
    // encoded afresh, with the level's other new values
    (fresh ??= {})[k] = v;
    freshAt.push(pieces.length);
    pieces.push(undefined);
    t[k] = undefined;
    p[k] = undefined;
  }
  if (fresh) {
    const bytes = serialize(fresh);
    const els = elementsOf(bytes, 0);
    if (!els || els.length !== freshAt.length) return undefined;
    const freshTyped = BSON.deserialize(bytes, TYPED);
    const freshPlain = promotedOf(freshTyped) ?? BSON.deserialize(bytes);
    const freshKeys = Object.keys(fresh);
    for (let j = 0; j < els.length; j++) {
      const e = els[j];
      const k = freshKeys[j];
      pieces[freshAt[j]] = { buf: bytes, from: e.start, to: e.end };
      size += e.end - e.start;
      t[k] = freshTyped[k];
      p[k] = deepFreeze(freshPlain[k]);
    }
  }
  Object.freeze(plain);
  return { pieces: pieces as Piece[], size, typed, plain };
}

function write(l: Level, out: Buffer, at: number): number {
  out.writeInt32LE(l.size, at);
  at += 4;
  for (const piece of l.pieces) {
    if ('level' in piece) {
      at += piece.head.copy(out, at, piece.from, piece.to);
      at = write(piece.level, out, at);
    } else {
      at += piece.buf.copy(out, at, piece.from, piece.to);
    }
  }
  out[at] = 0;
  return at + 1;
}

/**
 * Below these sizes, going through a level costs more than encoding it afresh: a stored document smaller than
 * MIN_DOCUMENT_BYTES is left to makeVersion, and a changed object or array smaller than MIN_SHARED_BYTES is encoded
 * afresh rather than rebuilt level by level (an update of small documents, or of arrays of numbers, measured slower
 * that way).
 */
const MIN_DOCUMENT_BYTES = 512;
const MIN_SHARED_BYTES = 256;

/**
 * The version `makeVersion(doc)` would make, built from `prev` where `doc` shares values with `prev.typed`;
 * undefined when this cannot be done exactly or is not worth it (the caller then calls makeVersion). Throws what
 * makeVersion throws for a document that is too large. `sizes` (for tests): other thresholds than the defaults above.
 */
export function versionFrom(doc: Document, prev: Version, sizes = { document: MIN_DOCUMENT_BYTES, shared: MIN_SHARED_BYTES }): Version | undefined {
  if (prev.raw.length < sizes.document) return undefined;
  const keys = Object.keys(doc);
  if (keys.includes('_id') && keys[0] !== '_id') keys.unshift(...keys.splice(keys.indexOf('_id'), 1));
  if (unsafeKeys(keys) || keys.some((k) => k.charCodeAt(0) === 36)) return undefined;
  const l = level(doc, prev.typed, prev.plain, prev.raw, 0, keys, sizes.shared);
  if (!l) return undefined;
  if (l.size > MAX_DOC_BYTES) throw new CommandError(10334, 'BSONObjectTooLarge', 'object to insert too large');
  const raw = Buffer.allocUnsafe(l.size);
  write(l, raw, 0);
  return { raw, typed: l.typed as Document, plain: l.plain as Document };
}
