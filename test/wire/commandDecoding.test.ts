/**
 * A command is decoded once, with exact number types (`typed`); its promoted view (`body`) is derived from that
 * (values.ts promotedOf) instead of decoding the bytes a second time. It must be what bson's default decoding gives,
 * value for value and type for type, with containers of its own; where a value is not one promotedOf maps (DBRef,
 * Code, Symbol), the bytes are decoded again.
 */
import { isDeepStrictEqual } from 'node:util';
import { BSON, BSONSymbol, Binary, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID } from 'bson';
import { OP_MSG, parseRequest } from '../../src/store/embedded/protocol';
import { promotedOf, typedOf, type Document } from '../../src/store/embedded/values';
import { mulberry32 } from '../../src/domain/prng';

function opMsg(body: Document, sequence?: { id: string; docs: Document[] }): Buffer {
  const parts = [Buffer.from([0]), Buffer.from(BSON.serialize(body))];
  if (sequence) {
    const payload = Buffer.concat([Buffer.from(`${sequence.id}\0`), ...sequence.docs.map((d) => Buffer.from(BSON.serialize(d)))]);
    const size = Buffer.alloc(4);
    size.writeInt32LE(payload.length + 4);
    parts.push(Buffer.from([1]), size, payload);
  }
  const rest = Buffer.concat(parts);
  const head = Buffer.alloc(20);
  head.writeInt32LE(20 + rest.length, 0);
  head.writeInt32LE(1, 4);
  head.writeInt32LE(OP_MSG, 12);
  return Buffer.concat([head, rest]);
}

const SCALARS: (() => unknown)[] = [
  () => new Int32(-7),
  () => new Double(2),
  () => new Double(-0),
  () => new Double(NaN),
  () => 2.5,
  () => 2 ** 31,
  () => Long.fromNumber(5),
  () => Long.fromNumber(2 ** 53), // promoted to a number: the bound is inclusive
  () => Long.fromNumber(-(2 ** 53)),
  () => Long.fromString('9007199254740993'), // stays a Long
  () => Long.fromString('-9007199254740993'),
  () => 'text',
  () => '',
  () => true,
  () => null,
  () => new Date(1_700_000_000_000),
  () => new ObjectId(),
  () => new Binary(Buffer.from([1, 2, 3])),
  () => new UUID(),
  () => new Decimal128('1.5'),
  () => new Timestamp({ t: 1, i: 2 }),
  () => new MinKey(),
  () => new MaxKey(),
  () => /a.c/i,
];

test('random commands: the derived promoted view is bson’s promoted decoding, with containers of its own', () => {
  const next = mulberry32(41);
  const int = (n: number) => Math.floor(next() * n);
  const value = (depth: number): unknown => {
    const r = next();
    if (depth < 3 && r < 0.2) return Array.from({ length: int(4) }, () => value(depth + 1));
    if (depth < 3 && r < 0.4) return Object.fromEntries(Array.from({ length: int(4) }, (_, i) => [`k${i}`, value(depth + 1)]));
    return SCALARS[int(SCALARS.length)]();
  };
  for (let n = 0; n < 500; n++) {
    const doc: Document = { find: 'c', filter: value(0), extra: value(0), $db: 'db' };
    const bytes = Buffer.from(BSON.serialize(doc));
    const typed = typedOf(bytes);
    const body = promotedOf(typed);
    expect(body).toBeDefined();
    expect(isDeepStrictEqual(body, BSON.deserialize(bytes))).toBe(true);
    // no object, array, Date or RegExp shared with the typed view
    const shared = (a: unknown, b: unknown): boolean => {
      if (a === null || typeof a !== 'object' || a !== b) {
        if (Array.isArray(a) && Array.isArray(b)) return a.some((x, i) => shared(x, b[i]));
        if (a && b && typeof a === 'object' && typeof b === 'object' && Object.getPrototypeOf(a) === Object.prototype) {
          return Object.keys(a).some((k) => shared((a as Document)[k], (b as Document)[k]));
        }
        return false;
      }
      return Array.isArray(a) || a instanceof Date || a instanceof RegExp || Object.getPrototypeOf(a) === Object.prototype;
    };
    expect(shared(body, typed)).toBe(false);
  }
});

test('DBRef, Code and Symbol: decoded again, the same as before', () => {
  for (const odd of [new DBRef('c', new ObjectId(), undefined, { n: new Int32(1) }), new Code('x', { n: new Int32(1) }), new Code('y'), new BSONSymbol('s')]) {
    const doc: Document = { insert: 'c', documents: [{ a: { b: odd } }], $db: 'db' };
    const bytes = Buffer.from(BSON.serialize(doc));
    expect(promotedOf(typedOf(bytes))).toBeUndefined();
    const req = parseRequest(opMsg(doc));
    expect(isDeepStrictEqual(req.body, BSON.deserialize(bytes))).toBe(true);
    expect(isDeepStrictEqual(req.typed, BSON.deserialize(bytes, { promoteValues: false }))).toBe(true);
  }
});

test('an OP_MSG with a document sequence: both views of the body and of each sequence document', () => {
  const docs = [{ _id: new Int32(1), x: new Double(1.0), l: Long.fromNumber(3) }, { _id: 2, s: new BSONSymbol('q') }];
  const req = parseRequest(opMsg({ insert: 'c', $db: 'db' }, { id: 'documents', docs }));
  const bytes = docs.map((d) => Buffer.from(BSON.serialize(d)));
  expect(isDeepStrictEqual(req.body.documents, bytes.map((b) => BSON.deserialize(b)))).toBe(true);
  expect(isDeepStrictEqual(req.typed.documents, bytes.map((b) => BSON.deserialize(b, { promoteValues: false })))).toBe(true);
  expect(req.body.documents[0].x).toBe(1);
  expect(req.typed.documents[0].x).toBeInstanceOf(Double);
});
