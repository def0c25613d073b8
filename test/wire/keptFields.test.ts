/**
 * An operator update decodes and encodes only the top-level fields it names (update.ts updatedDocument, values.ts
 * KEPT and makeVersion): for random stored documents and random updates, the version it makes is the one the whole
 * document's decoding and encoding made (same bytes, same plain view, frozen), and an update refused on the way is
 * refused with the same error. A field named `__proto__` the update does not name stays in the document (it was
 * dropped before: an assignment took it as the object's prototype).
 */
import { BSON, Double, Int32, Long, ObjectId, type Document } from 'bson';
import { Engine } from '../../src/store/embedded/engine';
import { serializeReply } from '../../src/store/embedded/protocol';
import { applyUpdate, updatedDocument, type UpdateSpec } from '../../src/store/embedded/update';
import { CommandError, KEPT, makeVersion, type Version } from '../../src/store/embedded/values';
import { mulberry32 } from '../../src/domain/prng';
import { randomModifier } from '../support/randomValues';

const TYPED = { promoteValues: false } as const;
const NAMES = ['a', 'b', 'c', 'd'];

function leaf(next: () => number): unknown {
  const all = ['x', '检查记录', new Int32(3), new Double(2.5), new Double(4), Long.fromNumber(9), true, null, new Date(1764950000000)];
  return all[Math.floor(next() * all.length)];
}

function value(next: () => number, depth: number): unknown {
  const k = next();
  if (depth > 2 || k < 0.5) return leaf(next);
  if (k < 0.7) return Array.from({ length: Math.floor(next() * 3) }, () => value(next, depth + 1));
  const o: Document = {};
  for (const n of NAMES) if (next() < 0.5) o[n] = value(next, depth + 1);
  return o;
}

/** Paths of one or two parts over NAMES, for randomModifier (test/support/randomValues.ts). */
const PATHS = NAMES.flatMap((a) => [a, ...NAMES.map((b) => `${a}.${b}`)]);

function update(next: () => number): Document {
  const int = (n: number) => Math.floor(next() * n);
  const values = Array.from({ length: 8 }, () => value(next, 1));
  return randomModifier(int, { paths: PATHS, values, maxOps: 2, push: { $each: [new Int32(1), { a: 'x' }], $slice: 3 } }) as Document;
}

function spec(u: Document): UpdateSpec {
  const bytes = BSON.serialize({ q: { _id: 1 }, u });
  const plain = BSON.deserialize(bytes);
  const typed = BSON.deserialize(bytes, TYPED);
  return { q: plain.q, qTyped: typed.q, u: plain.u, uTyped: typed.u };
}

/** The whole document decoded and encoded, as before KEPT. */
function whole(s: UpdateSpec, v: Version): Version {
  return makeVersion(applyUpdate(s, v.typed(), v.plain, false));
}

function outcome(f: () => Version): Version | string {
  try {
    return f();
  } catch (e) {
    if (e instanceof CommandError) return `${e.code} ${e.message}`;
    throw e;
  }
}

test('random documents and updates: the same version as encoding the whole document, or the same refusal', () => {
  const next = mulberry32(511);
  let kept = 0;
  let refused = 0;
  for (let n = 0; n < 3000; n++) {
    const stored: Document = { _id: n % 3 === 0 ? new ObjectId() : new Int32(n) };
    for (const k of NAMES) if (next() < 0.7) stored[k] = value(next, 0);
    const v = makeVersion(BSON.deserialize(BSON.serialize(stored), TYPED));
    const s = spec(update(next));
    const expected = outcome(() => whole(s, v));
    const actual = outcome(() => {
      const doc = updatedDocument(s, v);
      if (Object.values(doc).includes(KEPT)) kept++;
      return makeVersion(doc, v);
    });
    if (typeof expected === 'string') {
      expect(actual).toBe(expected);
      refused++;
      continue;
    }
    expect(typeof actual).toBe('object');
    const got = actual as Version;
    expect(Buffer.compare(got.raw, expected.raw)).toBe(0);
    expect(got.plain).toEqual(expected.plain);
    expect(Object.keys(got.plain)).toEqual(Object.keys(expected.plain));
    expect(Object.isFrozen(got.plain)).toBe(true);
    // the plain view is what decoding the bytes gives
    expect(got.plain).toEqual(BSON.deserialize(got.raw));
  }
  expect(kept).toBeGreaterThan(1000);
  expect(refused).toBeGreaterThan(50);
});

test('a kept field shares the stored plain view; a changed one is new and frozen', () => {
  const v = makeVersion({ _id: 1, big: { deep: [1, 2, 3] }, n: new Int32(1) });
  const s = spec({ $inc: { n: new Int32(1) } });
  const doc = updatedDocument(s, v);
  expect(doc.big).toBe(KEPT);
  const after = makeVersion(doc, v);
  expect(after.plain.big).toBe(v.plain.big);
  expect(after.typed().n).toEqual(new Int32(2));
  expect(after.typed().big).toEqual({ deep: [new Int32(1), new Int32(2), new Int32(3)] });
});

test('a replacement still encodes the whole document', () => {
  const v = makeVersion({ _id: 1, a: 'x' });
  const doc = updatedDocument(spec({ b: 'y' }), v);
  expect(Object.values(doc)).not.toContain(KEPT);
  expect(makeVersion(doc, v).plain).toEqual({ _id: 1, b: 'y' });
});

describe('a field named __proto__ (a BSON key like any other) through an operator update', () => {
  const engine = new Engine();
  const TYPED_OPTS = { promoteValues: false } as const;
  const run = (body: Document) => {
    const bytes = BSON.serialize(body);
    return BSON.deserialize(
      serializeReply(engine.run({ ...BSON.deserialize(bytes), $db: 'x' }, { ...BSON.deserialize(bytes, TYPED_OPTS), $db: 'x' }, { connectionId: 1 })),
    );
  };
  const stored = () => (run({ find: 't', filter: { _id: 1 } }).cursor as Document).firstBatch[0] as Document;
  const has = (o: Document, k: string) => Object.prototype.hasOwnProperty.call(o, k);

  beforeAll(() => {
    // JSON.parse makes own "__proto__" properties, as BSON decoding does
    run({ insert: 't', documents: [JSON.parse('{"_id":1,"__proto__":{"a":1},"n":1,"inner":{"__proto__":"x","b":1}}')] });
  });

  test('a field the update does not name is kept (top level and nested), in its place', () => {
    run({ update: 't', updates: [{ q: { _id: 1 }, u: { $inc: { n: 1 }, $set: { 'inner.b': 2 } } }] });
    const doc = stored();
    expect(Object.keys(doc)).toEqual(['_id', '__proto__', 'n', 'inner']);
    expect(has(doc, '__proto__') && doc['__proto__']).toEqual({ a: 1 });
    expect(Object.getPrototypeOf(doc)).toBe(Object.prototype);
    expect(doc.n).toBe(2);
    expect(Object.keys(doc.inner)).toEqual(['__proto__', 'b']);
    expect(has(doc.inner, '__proto__') && doc.inner['__proto__']).toBe('x');
    expect(doc.inner.b).toBe(2);
  });
});
