/**
 * BSON value helpers. Documents exist in two views:
 * - typed: deserialized with `promoteValues: false`, so Int32 / Double / Long wrappers keep the client's number types;
 * - plain: default promotion (numbers are JS numbers, Long beyond 2^53 stays Long), the view mingo understands.
 * Queries, sorts and updates run on plain copies; `retype` maps their results back to exact BSON number types.
 */
import { Binary, BSON, Double, EJSON, Int32, Long, type Document, type ObjectId } from 'bson';
import { documentOf, elements } from './bsonElements';

export type { Document };

const TYPED = { promoteValues: false } as const;
const MAX_DOC_BYTES = 16 * 1024 * 1024;

export class CommandError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
    readonly extra: Document = {},
  ) {
    super(message);
  }
}

/**
 * One immutable version of a stored document: its bytes (off the JavaScript heap) and its plain view (deep-frozen,
 * what queries read). The typed view is not kept: it is decoded from the bytes by whoever needs it (an update's
 * re-typing, a projection's, an aggregation keeping a stored _id, distinct, an E11000 message), so that the heap
 * holds one object view per document, not two (docs/mongo-wire.md §9, "Documents live on the JavaScript heap").
 */
export class Version {
  constructor(
    readonly raw: Buffer,
    /** deep-frozen */
    readonly plain: Document,
  ) {}

  /** The typed view, decoded from `raw` on every call: a fresh object the caller may keep or change. */
  typed(): Document {
    return typedOf(this.raw);
  }

  /**
   * The typed view of the top-level fields `names` and `_id` only (those present), decoded from their bytes alone:
   * what an operator update needs of the stored document (update.ts updatedDocument), the other fields being copied
   * as stored (`KEPT`, makeVersion).
   */
  typedFields(names: ReadonlySet<string>): Document {
    const parts: Buffer[] = [];
    for (const el of elements(this.raw)) if (el.name === '_id' || names.has(el.name)) parts.push(this.raw.subarray(el.start, el.end));
    return typedOf(documentOf(parts));
  }
}

/**
 * The value of a top-level field an update left as it was stored (update.ts applyUpdate with `partial`): makeVersion
 * copies that field's bytes and plain view from the version the update started from instead of encoding it again.
 */
export const KEPT: unique symbol = Symbol('kept as stored');

/**
 * A stored document's bytes as they stand, to be sent as a top-level field of a reply without decoding and encoding
 * it again (protocol.ts encodeReplyParts splices them in): what MongoDB itself sends for a findAndModify's document.
 */
export class RawDocument {
  constructor(readonly bytes: Buffer) {}
}

/**
 * The BSON of each document of a cursor batch, in order, recorded when the batch was cut (engine.ts takeBatch: it
 * needs each document's size anyway). protocol.ts serializeReply splices these bytes into the reply instead of
 * measuring and encoding the documents a second time. Keyed by the batch array, which is never changed afterwards.
 */
export const batchBytes = new WeakMap<readonly Document[], readonly Buffer[]>();

export function serialize(doc: Document): Buffer {
  const bytes = BSON.serialize(doc, { ignoreUndefined: true });
  // under Node, bson returns a fresh Buffer of its own: used as it is, not copied again
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Serializes `doc` (with `_id` first, like MongoDB) and derives the plain view. Fields whose value is `KEPT` are the
 * fields of `from` as stored: their bytes are copied from it and their plain views shared with it (frozen, never
 * changed), so that an update encodes and decodes only the fields it changed; the result is the same version as
 * encoding the whole document (test/wire/keptFields.test.ts).
 */
export function makeVersion(doc: Document, from?: Version): Version {
  const keys = Object.keys(doc);
  if (keys.includes('_id') && keys[0] !== '_id') doc = { _id: doc._id, ...omit(doc, '_id') };
  if (from && keys.some((k) => doc[k] === KEPT)) return composeVersion(doc, from);
  const raw = serialize(doc);
  if (raw.length > MAX_DOC_BYTES) throw tooLarge();
  return new Version(raw, storedView(BSON.deserialize(raw)));
}

const tooLarge = () => new CommandError(10334, 'BSONObjectTooLarge', 'object to insert too large');

function composeVersion(doc: Document, from: Version): Version {
  const keys = Object.keys(doc).filter((k) => doc[k] !== undefined);
  const stored = new Map(elements(from.raw).map((el) => [el.name, el] as const));
  const fresh: Document = {};
  for (const k of keys) if (doc[k] !== KEPT) setOwn(fresh, k, doc[k]);
  const freshRaw = serialize(fresh);
  const freshElements = new Map(elements(freshRaw).map((el) => [el.name, el] as const));
  const freshPlain = storedView(BSON.deserialize(freshRaw));
  const parts: Buffer[] = [];
  const plain: Document = {};
  for (const k of keys) {
    if (doc[k] === KEPT) {
      // KEPT marks a field of `from`'s plain view, which is the decoding of these bytes (update.ts applyUpdate)
      const el = stored.get(k);
      if (!el) throw new Error(`internal: kept field ${k} is not in the stored document`);
      parts.push(from.raw.subarray(el.start, el.end));
      setOwn(plain, k, own(from.plain, k));
    } else {
      const el = freshElements.get(k)!;
      parts.push(freshRaw.subarray(el.start, el.end));
      setOwn(plain, k, own(freshPlain, k));
    }
  }
  const raw = documentOf(parts);
  if (raw.length > MAX_DOC_BYTES) throw tooLarge();
  return new Version(raw, Object.freeze(plain));
}

const SHARED_MAX_CHARS = 64;
const SHARED_MAX_ENTRIES = 50_000;
const shared = new Map<string, string>();

/**
 * One copy of each short string of the stored plain views. BSON decoding makes a new string for every value, and
 * documents repeat the same few (states, verdicts, members' ids and names, dates) across the whole collection: the
 * bench's data holds about 50 MB fewer on the heap with them shared (docs/mongo-wire.md §9, "Documents live on the
 * JavaScript heap"). Strings are values: which copy a document holds cannot be observed. Bounded: the table is
 * emptied when full, so it keeps at most SHARED_MAX_ENTRIES strings alive that no document holds any more.
 */
function share(s: string): string {
  if (s.length > SHARED_MAX_CHARS) return s;
  const known = shared.get(s);
  if (known !== undefined) return known;
  if (shared.size >= SHARED_MAX_ENTRIES) shared.clear();
  shared.set(s, s);
  return s;
}

/**
 * A freshly decoded document as a stored plain view: its short strings shared (`share`), its binary values
 * PlainBinary, then deep-frozen.
 */
function storedView<T>(v: T): T {
  const doc = v as unknown;
  if (Array.isArray(doc)) {
    for (let i = 0; i < doc.length; i++) {
      const x: unknown = doc[i];
      if (typeof x === 'string') doc[i] = share(x);
      else if (bareBinary(x)) doc[i] = plainBinary(x);
      else storedView(x);
    }
    Object.freeze(doc);
  } else if (isObject(doc)) {
    for (const k of Object.keys(doc)) {
      const x: unknown = doc[k];
      // an own `__proto__` (a BSON key like any other) cannot be assigned without changing the prototype: left as it is
      if (typeof x === 'string') {
        if (k !== '__proto__') doc[k] = share(x);
      } else if (bareBinary(x)) setOwn(doc, k, plainBinary(x));
      else storedView(x);
    }
    Object.freeze(doc);
  }
  return v;
}

/**
 * Freezes plain objects and arrays (not BSON values or dates): the stored plain view is shared with queries and
 * with aggregation stages known not to change their input (engine.ts), and must stay as stored.
 */
export function deepFreeze<T>(v: T): T {
  if (Array.isArray(v)) {
    for (const x of v) deepFreeze(x);
    Object.freeze(v);
  } else if (isObject(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/**
 * A copy of a stored plain value that an update may change in place: its objects and arrays are new (not frozen), its
 * leaves (strings, numbers, Dates, ObjectIds and other BSON values, which mingo's update replaces but never changes:
 * mingo.ts runs it with cloneMode 'copy') are shared. The same result as a copy through BSON (`plainCopy`), without
 * encoding and decoding the value; a key `__proto__` (which a plain assignment would not copy) falls back to that.
 */
export function plainClone(v: unknown): unknown {
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = plainClone(v[i]);
    return out;
  }
  if (!isObject(v)) return v;
  const out: Document = {};
  for (const k of Object.keys(v)) {
    if (k === '__proto__') return plainCopy({ v }).v;
    const x: unknown = v[k];
    if (x !== undefined) out[k] = plainClone(x);
  }
  return out;
}

/**
 * A BSON binary value as the plain views hold it (docs/mongo-wire.md §9, "Binary values in the plain views"). mingo
 * tells two objects of a class with a toString of its own apart by their toString() (its util isEqual: `$set`'s
 * no-op test, `$addToSet`, `$pull`, `$eq`, `$in`, group keys), and bson's Binary.toString() decodes the bytes as
 * UTF-8, so two values whose bytes are not valid UTF-8 were one value to it: a `$set` of another such value was
 * skipped as a no-op. Here toString() without an encoding is the subtype and the bytes. Encoded like any Binary
 * (bson goes by `_bsontype`); UUIDs (subtype 4), whose toString is their hex already, stay UUIDs.
 */
export class PlainBinary extends Binary {
  override toString(encoding?: 'hex' | 'base64' | 'utf8' | 'utf-8'): string {
    return encoding === undefined ? `BinData(${this.sub_type}, ${super.toString('base64')})` : super.toString(encoding);
  }
}

const bareBinary = (x: unknown): x is Binary => x instanceof Binary && x.constructor === Binary;
/** `x` as a PlainBinary over the same bytes */
const plainBinary = (x: Binary): PlainBinary => new PlainBinary(x.buffer, x.sub_type);

/** Replaces, in place, every bare Binary of a freshly decoded value by a PlainBinary over the same bytes. */
function plainBinaries(v: unknown): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (bareBinary(x)) v[i] = plainBinary(x);
      else if (typeof x === 'object' && x !== null) plainBinaries(x);
    }
  } else if (isObject(v)) {
    for (const k of Object.keys(v)) {
      const x: unknown = v[k];
      if (bareBinary(x)) setOwn(v, k, plainBinary(x));
      else if (typeof x === 'object' && x !== null) plainBinaries(x);
    }
  }
}

/**
 * The plain view of BSON `bytes` (promoted values), binary values as PlainBinary. A binary element's type byte is 5,
 * so bytes without one hold none and are not walked.
 */
export function plainOf(bytes: Uint8Array): Document {
  const doc = BSON.deserialize(bytes);
  if (bytes.includes(5)) plainBinaries(doc);
  return doc;
}

export const plainCopy = (doc: Document): Document => plainOf(serialize(doc));
export const typedCopy = (doc: Document): Document => BSON.deserialize(serialize(doc), TYPED);
export const typedOf = (bytes: Uint8Array): Document => BSON.deserialize(bytes, TYPED);

export function omit(doc: Document, key: string): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(doc)) if (k !== key) setOwn(out, k, v);
  return out;
}

/** The own property `k` of `obj` (for `__proto__`, the field of that name, not the prototype). */
export function own(obj: Document, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, k) ? obj[k] : undefined;
}

/**
 * `obj[k] = v` as an own data property, the key `__proto__` included: a BSON key like any other, which an assignment
 * would take as the object's prototype instead (and so drop from the document).
 */
export function setOwn(obj: Document, k: string, v: unknown): void {
  if (k === '__proto__') Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
}

export function bsonType(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const t = (v as { _bsontype?: unknown })._bsontype;
  return typeof t === 'string' ? t : undefined;
}

/** A JSON-like object (not an array, Date, RegExp, Buffer or BSON value). */
export function isObject(v: unknown): v is Document {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && bsonType(v) === undefined;
}

/** `{ $op: … }` — a query or update operator expression. */
export function isOperatorObject(v: unknown): v is Document {
  if (!isObject(v)) return false;
  const first = Object.keys(v)[0];
  return first !== undefined && first.startsWith('$');
}

// ---- numbers -------------------------------------------------------------------------------------------------------

export type NumKind = 'int' | 'long' | 'double';

const inInt32 = (n: number) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647;

export function numKind(v: unknown): NumKind | undefined {
  if (typeof v === 'number') return inInt32(v) ? 'int' : 'double';
  if (typeof v === 'bigint') return 'long';
  switch (bsonType(v)) {
    case 'Int32':
      return 'int';
    case 'Double':
      return 'double';
    case 'Long':
      return 'long';
  }
  return undefined;
}

export function numValue(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Int32 || v instanceof Double) return v.value;
  if (v instanceof Long) return v.toNumber();
  return undefined;
}

function makeNum(kind: NumKind, n: number): unknown {
  if (kind === 'double' || !Number.isInteger(n)) return new Double(n);
  if (kind === 'int' && inInt32(n)) return new Int32(n);
  return Long.fromNumber(n);
}

/** Type information from an update: exact values it sets (`pool`) and the operand kinds of $inc/$mul per path. */
export interface TypeHints {
  pool: Map<number, NumKind>;
  arith: { pattern: RegExp; kind: NumKind }[];
}

const ARITH_OPS = new Set(['$inc', '$mul', '$bit']);

export function typeHints(update: unknown): TypeHints {
  const hints: TypeHints = { pool: new Map(), arith: [] };
  const collect = (v: unknown) => {
    const kind = numKind(v);
    const n = numValue(v);
    if (kind && n !== undefined) hints.pool.set(n, kind);
    else if (Array.isArray(v)) v.forEach(collect);
    else if (isObject(v)) Object.values(v).forEach(collect);
  };
  if (Array.isArray(update) || !isObject(update)) {
    collect(update);
    return hints;
  }
  for (const [op, operand] of Object.entries(update)) {
    if (!ARITH_OPS.has(op) || !isObject(operand)) {
      collect(operand);
      continue;
    }
    for (const [path, v] of Object.entries(operand)) {
      const kind = numKind(v);
      if (!kind) continue;
      // positional segments ($, $[], $[id]) match any array index
      const source = path
        .split('.')
        .map((s) => (s.startsWith('$') ? '\\d+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('\\.');
      hints.arith.push({ pattern: new RegExp(`^${source}$`), kind });
    }
  }
  return hints;
}

function retypeNumber(n: number, shadow: unknown, hints: TypeHints | undefined, path: string): unknown {
  const old = numKind(shadow);
  if (old && numValue(shadow) === n) return shadow; // unchanged value keeps its type
  const exact = hints?.pool.get(n);
  if (exact) return makeNum(exact, n); // a value the update set
  if (!old) return n; // new value: the driver's default typing (int32 when it fits, else double)
  const operand = hints?.arith.find((a) => a.pattern.test(path))?.kind;
  // arithmetic result: MongoDB widens int -> long -> double
  if (old === 'double' || operand === 'double') return makeNum('double', n);
  if (old === 'long' || operand === 'long') return makeNum('long', n);
  return inInt32(n) ? makeNum('int', n) : makeNum('long', n);
}

/**
 * Rebuilds a plain value with BSON number types, guided by the previous typed version (`shadow`) and the hints of
 * the update that produced it. Returns fresh objects and arrays, except where `stored` is given: the previous plain
 * version at the same place, whose objects and arrays correspond one to one to `shadow`'s (both decoded from the
 * same bytes). An object or array of `plain` that IS the stored one (the update's working copy left it as it was,
 * update.ts copyPaths) is given back as its typed counterpart, which is what rebuilding it would give.
 */
export function retype(plain: unknown, shadow: unknown, hints?: TypeHints, path = '', stored?: unknown): unknown {
  if (typeof plain === 'number') return retypeNumber(plain, shadow, hints, path);
  if (plain !== null && typeof plain === 'object' && plain === stored && shadow !== undefined) return shadow;
  const join = (k: string | number) => (path ? `${path}.${k}` : String(k));
  if (Array.isArray(plain)) {
    const sh = Array.isArray(shadow) ? shadow : [];
    const st = Array.isArray(stored) && Array.isArray(shadow) ? stored : undefined;
    return plain.map((v, i) => retype(v, sh[i], hints, join(i), st?.[i]));
  }
  if (isObject(plain)) {
    const sh = isObject(shadow) ? shadow : {};
    const st = isObject(stored) && isObject(shadow) ? stored : undefined;
    const out: Document = {};
    for (const [k, v] of Object.entries(plain)) if (v !== undefined) setOwn(out, k, retype(v, own(sh, k), hints, join(k), st && own(st, k)));
    return out;
  }
  return plain;
}

// ---- index keys and messages ---------------------------------------------------------------------------------------

/** Canonical string of a value for equality as MongoDB indexes see it (5, 5.0 and NumberLong(5) are equal). */
export function keyString(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (v instanceof Long && (v.greaterThan(Number.MAX_SAFE_INTEGER) || v.lessThan(-Number.MAX_SAFE_INTEGER))) {
    return `n${v.toString()}`;
  }
  const n = numValue(v);
  if (n !== undefined) return `n${n}`;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (v instanceof Date) return `D${v.getTime()}`;
  if (bsonType(v) === 'ObjectId') return `ObjectId:${(v as ObjectId).toHexString()}`;
  if (v instanceof RegExp) return `R${String(v)}`;
  if (Array.isArray(v)) return `[${v.map(keyString).join(',')}]`;
  const t = bsonType(v);
  if (t) return `${t}:${EJSON.stringify(v as Document, { relaxed: false })}`;
  if (isObject(v)) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${keyString(x)}`).join(',')}}`;
  return String(v);
}

/** A value as the server prints it in E11000 messages. */
export function formatValue(v: unknown): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof Long) return v.toString();
  const n = numValue(v);
  if (n !== undefined) return String(n);
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (bsonType(v) === 'ObjectId') return `ObjectId('${String(v)}')`;
  if (Array.isArray(v)) return `[ ${v.map(formatValue).join(', ')} ]`;
  if (isObject(v)) return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${formatValue(x)}`).join(', ')} }`;
  return typeof v === 'object' ? EJSON.stringify(v as Document) : String(v);
}

export const MISSING = Symbol('missing');

/** Values at a dotted path as an index sees them: arrays along the way and at the end are expanded. */
export function pathValues(doc: unknown, path: string): unknown[] {
  const out: unknown[] = [];
  const walk = (v: unknown, segs: string[], i: number) => {
    if (i === segs.length) {
      if (Array.isArray(v)) {
        if (v.length === 0) out.push([]);
        else out.push(...v);
      } else out.push(v);
      return;
    }
    const seg = segs[i];
    if (Array.isArray(v)) {
      if (/^\d+$/.test(seg)) walk(v[Number(seg)], segs, i + 1);
      else for (const el of v) walk(el, segs, i);
    } else if (isObject(v) && Object.prototype.hasOwnProperty.call(v, seg)) {
      walk(v[seg], segs, i + 1);
    } else {
      out.push(MISSING);
    }
  };
  walk(doc, path.split('.'), 0);
  return out;
}

export function setPath(doc: Document, path: string, value: unknown): void {
  const segs = path.split('.');
  let cur = doc;
  for (const seg of segs.slice(0, -1)) {
    if (!isObject(cur[seg])) cur[seg] = {};
    cur = cur[seg] as Document;
  }
  cur[segs[segs.length - 1]] = value;
}

/** Numeric options may arrive as Int32/Long/Double wrappers or numbers. */
export function toInt(v: unknown, fallback = 0): number {
  const n = numValue(v);
  return n === undefined || Number.isNaN(n) ? fallback : Math.trunc(n);
}
