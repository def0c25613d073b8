/**
 * An operator update's new version is built from the stored one (versionFrom.ts): the bytes of the values it left
 * as they were are copied, their views shared. It must be exactly the version makeVersion builds from scratch: the
 * same bytes, the same typed and plain views (number types, key order, DBRefs), the plain view deep-frozen; and
 * through the engine, the same replies and stored documents as without it, refusals included.
 */
import { isDeepStrictEqual } from 'node:util';
import { BSON, DBRef, Double, Int32, Long, ObjectId } from 'bson';
import { applyUpdate, touchedFields, type UpdateSpec } from '../../src/store/embedded/update';
import { CommandError, makeVersion, typedOf, type Document, type Version } from '../../src/store/embedded/values';
import { versionFrom } from '../../src/store/embedded/versionFrom';
import { isolatedEngine, type RunBytes } from '../support/isolatedEngine';
import { mulberry32 } from '../../src/domain/prng';
import { randomModifier } from '../support/randomValues';

function deeplyFrozen(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return true;
  const proto: unknown = Object.getPrototypeOf(v);
  if (!Array.isArray(v) && proto !== Object.prototype && proto !== null) return true; // BSON values, Dates: not frozen
  return Object.isFrozen(v) && Object.values(v).every(deeplyFrozen);
}

function expectSameVersion(got: Version, want: Version): void {
  expect(got.raw.equals(want.raw)).toBe(true);
  expect(isDeepStrictEqual(got.typed, want.typed)).toBe(true);
  expect(isDeepStrictEqual(got.plain, want.plain)).toBe(true);
  expect(JSON.stringify(Object.keys(got.typed))).toBe(JSON.stringify(Object.keys(want.typed)));
  expect(deeplyFrozen(got.plain)).toBe(true);
}

const ALL_LEVELS = { document: 0, shared: 0 };

const PATHS = ['a', 'c.d', 'c.e', 'c.f.g', 'arr', 'objs', 'n', 'c', 'objs.$[]', 'objs.$[].k', 'arr.1', 'c.arr', 'objs.1.k', 'm.7', 'c.$ref'];
const VALUES: unknown[] = [1, 2.5, -1, 'x', true, null, [1, 2], ['x'], { k: 1 }, new Date(0), { k: [1, { z: 2 }] }, new Int32(4), new Double(4), Long.fromNumber(4), { $ref: 'r', $id: 1 }];

test('random operator updates: the version built from the stored one is the version built from scratch', () => {
  const next = mulberry32(29);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  let built = 0;
  let builtByDefault = 0;
  let compared = 0;
  for (let n = 0; n < 3000; n++) {
    const v = makeVersion({
      _id: n,
      a: pick(VALUES),
      c: { d: pick(VALUES), e: { x: new Int32(1), y: new Double(2) }, f: { g: pick(VALUES) }, arr: [new Long(3), 'q'], long: 'q'.repeat(n % 3 ? 300 : 1) },
      arr: [1, 'x', 2],
      objs: [{ k: new Int32(1), v: [1, 2] }, { k: 2.5, w: { deep: 'y' } }],
      m: { b: 1, 7: 'seven' },
      n: int(5),
      ref: new DBRef('r', new ObjectId()),
      big: Long.fromString('9007199254740993'),
      pad: 'p'.repeat(n % 2 ? 600 : 1),
    });
    const modifier: Document = randomModifier(int, { paths: PATHS, values: VALUES, maxOps: 3, push: { $each: [1, { k: 3 }], $slice: 3 }, renameTo: (p) => !p.includes('$') });
    const typedModifier = typedOf(BSON.serialize(modifier));
    const spec: UpdateSpec = { q: {}, qTyped: {}, u: BSON.deserialize(BSON.serialize(modifier)), uTyped: typedModifier };
    let out: Document;
    try {
      out = applyUpdate(spec, v.typed, v.plain, false);
    } catch (e) {
      if (e instanceof CommandError) continue; // refused: nothing stored
      throw e;
    }
    expect(touchedFields(spec)).toBeDefined();
    const want = makeVersion(out);
    compared++;
    // every level gone through (no size below which a level is encoded afresh), and with the default sizes
    const got = versionFrom(out, v, ALL_LEVELS);
    if (got) {
      built++;
      expectSameVersion(got, want);
    }
    const byDefault = versionFrom(out, v);
    if (byDefault) {
      builtByDefault++;
      expectSameVersion(byDefault, want);
    }
  }
  expect(compared).toBeGreaterThan(1000);
  // it gives up only on the odd shapes (here: `m` with an integer-like key, a `$ref` set into `c`)
  expect(built).toBeGreaterThan(compared * 0.6);
  // by default, only documents of 512 bytes or more (half of them here)
  expect(builtByDefault).toBeGreaterThan(compared * 0.3);
});

test('values that decode differently from how they look: DBRef-like objects, integer-like keys, __proto__, arrays with holes', () => {
  const v = makeVersion({ _id: 1, a: { x: 1 }, m: { b: 1, 2: 'two' }, arr: [1, 2], s: 'k' });
  const cases: Document[] = [
    { ...v.typed, a: { $ref: 'coll', $id: new Int32(5) } }, // becomes a DBRef when decoded
    { ...v.typed, a: { ...(v.typed.a as Document), $ref: 'coll', $id: 5 } },
    { ...v.typed, m: { ...(v.typed.m as Document), 1: 'one' } }, // JavaScript puts integer-like keys first
    { ...v.typed, arr: [...(v.typed.arr as unknown[]), undefined] }, // undefined in an array is encoded as null
    { ...v.typed, a: { ...(v.typed.a as Document), y: undefined } }, // and skipped in a document
    { ...v.typed, s: 'k', n: new Double(1), l: Long.fromString('9007199254740993'), d: new Date(5) },
    { a: v.typed.a, _id: v.typed._id }, // _id first, as makeVersion puts it
  ];
  const weird: Document = { ...v.typed };
  Object.defineProperty(weird, '__proto__', { value: { x: 1 }, enumerable: true, configurable: true, writable: true });
  cases.push(weird);
  for (const doc of cases) {
    const want = makeVersion(doc);
    const got = versionFrom(doc, v, ALL_LEVELS);
    if (got) expectSameVersion(got, want);
  }
  // the common shape is built, not left to makeVersion
  const common = versionFrom({ ...v.typed, a: { ...(v.typed.a as Document), x: new Int32(2) }, arr: [...(v.typed.arr as unknown[]), new Int32(3)] }, v, ALL_LEVELS);
  expect(common).toBeDefined();
  expect((common as Version).typed.m).toBe(v.typed.m); // the untouched field's view is the stored one
  expect((common as Version).plain.m).toBe(v.plain.m);
});

test('a document grown past 16 MB is refused as makeVersion refuses it', () => {
  const v = makeVersion({ _id: 1, a: 'x'.repeat(600) });
  const doc = { ...v.typed, big: 'y'.repeat(16 * 1024 * 1024) };
  expect(() => versionFrom(doc, v)).toThrow(expect.objectContaining({ code: 10334 }));
});

const VERSION_FROM = '../../src/store/embedded/versionFrom';

/** An engine whose updates always build versions from scratch, and one that builds them from the stored versions. */
function engines(): { general: RunBytes; fast: RunBytes; built: () => number } {
  let built = 0;
  const fast = isolatedEngine({
    [VERSION_FROM]: () => {
      const actual = jest.requireActual(VERSION_FROM);
      return {
        versionFrom: (doc: Document, prev: Version) => {
          const out = actual.versionFrom(doc, prev);
          if (out) built++;
          return out;
        },
      };
    },
  });
  const general = isolatedEngine({ [VERSION_FROM]: () => ({ versionFrom: () => undefined }) });
  return { general, fast, built: () => built };
}

test('through the engine: the same replies and the same stored documents, refusals included', () => {
  const { general, fast, built } = engines();
  const run = (cmd: Document) => {
    const replies = [general, fast].map((e) => e({ ...cmd, $db: 'db' }));
    expect(replies[1].equals(replies[0])).toBe(true);
    return BSON.deserialize(replies[0]);
  };
  run({ createIndexes: 'tasks', indexes: [{ key: { code: 1 }, name: 'code_1', unique: true }, { key: { 'team.openId': 1 }, name: 'team' }] });
  const id = new ObjectId();
  const other = new ObjectId();
  run({ insert: 'tasks', documents: [{ _id: other, code: 'taken', team: [{ openId: 'o2' }] }] });
  run({
    insert: 'tasks',
    documents: [
      {
        _id: id,
        code: new Int32(7),
        version: new Int32(1),
        state: '检查中',
        team: [{ openId: 'o1', name: '检查员' }],
        enterprise: { name: '压测企业'.repeat(60) },
        inspection: { cursor: new Int32(1), answers: [], history: [], lastActive: {}, photos: [{ n: 1 }, { n: 2 }], note: '记录'.repeat(100) },
        counts: { 3: 'c', x: new Double(1) },
      },
    ],
  });
  const updates: Document[] = [
    // the bench's answer: dotted $set, $push, $inc
    { $set: { 'inspection.answers': [{ item: 1, verdict: '符合', at: new Date(1) }], 'inspection.cursor': 2, 'inspection.lastActive.o1': new Date(1), updatedAt: new Date(1) }, $push: { 'inspection.history': { item: 1 } }, $inc: { version: 1 } },
    { $push: { 'inspection.history': { $each: [{ item: 2 }, { item: 3 }], $position: 0, $slice: 2 } }, $inc: { version: new Long(1) } },
    { $push: { 'inspection.history': { $each: [{ item: 0 }], $sort: { item: 1 } } } },
    { $set: { 'inspection.photos.$[p].n': 9 } , arrayFilters: [{ 'p.n': 2 }] },
    { $set: { 'inspection.photos.1.n': new Double(3) } },
    { $set: { 'team.$[].name': '改名' } },
    { $pull: { 'inspection.photos': { n: 1 } }, $pop: { 'inspection.history': -1 } },
    { $rename: { state: 'status' }, $unset: { 'inspection.lastActive': 1 } },
    { $set: { code: '7' } }, // the unique index's value changes type
    { $set: { code: 'taken' } }, // E11000: nothing changes
    { $set: { 'counts.4': 'd', 'counts.x': 2 } },
    { $set: { 'inspection.link': { $ref: 'campaigns', $id: other } } },
    { $min: { version: 0 }, $max: { 'inspection.cursor': new Long(10) }, $mul: { 'counts.x': new Double(1.5) } },
    { $set: { 'team.openId': 'x' } }, // through an array: refused
    { $set: { _id: other } }, // immutable: refused
  ];
  for (const u of updates) {
    const { arrayFilters, ...update } = u;
    run({ findAndModify: 'tasks', query: { _id: id }, update, new: true, ...(arrayFilters ? { arrayFilters } : {}) });
    run({ update: 'tasks', updates: [{ q: { _id: id }, u: { $inc: { version: 1 }, $set: { [`n${updates.indexOf(u)}`]: 1 } } }] });
  }
  // the positional $ through the query
  run({ findAndModify: 'tasks', query: { _id: id, 'team.openId': 'o1' }, update: { $set: { 'team.$.name': 'p' } }, new: true });
  const all = run({ find: 'tasks', filter: {}, sort: { _id: 1 } });
  expect((all.cursor as Document).firstBatch).toHaveLength(2);
  const byCode = run({ find: 'tasks', filter: { code: '7' } });
  expect((byCode.cursor as Document).firstBatch).toHaveLength(1);
  expect(built()).toBeGreaterThan(updates.length);
});
