/**
 * Updates MongoDB 7 refuses are refused here too, with MongoDB's code and message, through the real mongodb driver
 * and mongoose over the socket. Each case names the MongoDB server source (src/mongo/db/update/…) whose behaviour it
 * mirrors; see src/store/embedded/updateRules.ts and docs/mongo-wire.md. A refused update changes nothing.
 */
import { Schema, Types } from 'mongoose';
import type { Collection, Document } from 'mongodb';
import { openTestDb, type TestDb } from '../support/db';

let t: TestDb;
let coll: Collection<Document>;
beforeAll(async () => {
  t = await openTestDb('wire_reject');
  if (!t.conn.db) throw new Error('not connected');
  coll = t.conn.db.collection('rejections');
});
afterAll(async () => {
  await t.close();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as { code?: number; codeName?: string; message: string },
  );

const BASE = { s: 'text', n: 5, z: null, obj: { k: 1 }, arr: [1, 2], objs: [{ q: 1 }, { q: 2 }], items: [{ sku: 'a', qty: 1 }] };

interface Case {
  name: string;
  update: Document | Document[];
  code: number;
  message: RegExp;
  /** the MongoDB source whose behaviour the case mirrors */
  mirrors: string;
  filter?: Document;
  options?: Document;
}

const cases: Case[] = [
  {
    name: '$set and $setOnInsert of the same path',
    update: { $set: { a: 1 }, $setOnInsert: { a: 2 } },
    code: 40,
    message: /^Updating the path 'a' would create a conflict at 'a'$/,
    mirrors: 'update_object_node.cpp parseAndMerge: one leaf per path, whichever operators',
  },
  {
    name: '$set of a path and $setOnInsert of its prefix',
    update: { $set: { 'a.b': 1 }, $setOnInsert: { a: {} } },
    code: 40,
    message: /^Updating the path 'a' would create a conflict at 'a'$/,
    mirrors: 'update_object_node.cpp parseAndMerge: the prefix already holds an object node',
  },
  {
    name: '$set of a prefix, then $inc below it',
    update: { $set: { a: 1 }, $inc: { 'a.b': 1 } },
    code: 40,
    message: /^Updating the path 'a\.b' would create a conflict at 'a'$/,
    mirrors: 'update_object_node.cpp parseAndMerge: a leaf on the way down',
  },
  {
    name: '$set and $inc of one path',
    update: { $set: { n: 2 }, $inc: { n: 1 } },
    code: 40,
    message: /would create a conflict at 'n'/,
    mirrors: 'update_object_node.cpp parseAndMerge',
  },
  {
    name: '$rename source used by another operator',
    update: { $rename: { s: 't' }, $set: { s: 'x' } },
    code: 40,
    message: /^Updating the path 's' would create a conflict at 's'$/,
    mirrors: 'update_object_node.cpp: $rename puts a ConflictPlaceholderNode at its source',
  },
  {
    name: '$set into a string parent',
    update: { $set: { 's.b': 1 } },
    code: 28,
    message: /^Cannot create field 'b' in element \{s: "text"\}$/,
    mirrors: 'path_support.cpp createPathAt: PathNotViable below a non-object',
  },
  {
    name: '$set into a null parent',
    update: { $set: { 'z.b': 1 } },
    code: 28,
    message: /^Cannot create field 'b' in element \{z: null\}$/,
    mirrors: 'path_support.cpp createPathAt',
  },
  {
    name: '$set into a number parent, two levels down',
    update: { $set: { 'n.b.c': 1 } },
    code: 28,
    message: /^Cannot create field 'b' in element \{n: 5\}$/,
    mirrors: 'path_support.cpp createPathAt',
  },
  {
    name: '$set of a named field in an array',
    update: { $set: { 'arr.x': 1 } },
    code: 28,
    message: /^Cannot create field 'x' in element \{arr: \[ 1, 2 \]\}$/,
    mirrors: 'path_support.cpp createPathAt: arrays need numeric parts',
  },
  {
    name: '$inc creating below a string',
    update: { $inc: { 's.c': 1 } },
    code: 28,
    message: /^Cannot create field 'c' in element \{s: "text"\}$/,
    mirrors: 'modifier_node.cpp applyToNonexistentElement → createPathAt',
  },
  {
    name: '$inc of a string',
    update: { $inc: { s: 1 } },
    code: 14,
    message: /^Cannot apply \$inc to a value of non-numeric type\. \{_id: ObjectId\('[0-9a-f]{24}'\)\} has the field 's' of non-numeric type string$/,
    mirrors: 'arithmetic_node.cpp updateExistingElement',
  },
  {
    name: '$mul of null',
    update: { $mul: { z: 2 } },
    code: 14,
    message: /^Cannot apply \$mul to a value of non-numeric type\. .* has the field 'z' of non-numeric type null$/,
    mirrors: 'arithmetic_node.cpp updateExistingElement',
  },
  {
    name: '$inc with a non-numeric argument',
    update: { $inc: { n: 'one' } },
    code: 14,
    message: /^Cannot increment with non-numeric argument: \{n: "one"\}$/,
    mirrors: 'arithmetic_node.cpp init',
  },
  {
    name: '$push on a string',
    update: { $push: { s: 1 } },
    code: 2,
    message: /^The field 's' must be an array but is of type string in document \{_id: ObjectId\('[0-9a-f]{24}'\)\}$/,
    mirrors: 'push_node.cpp performPush',
  },
  {
    name: '$addToSet on an object',
    update: { $addToSet: { obj: 1 } },
    code: 2,
    message: /^Cannot apply \$addToSet to non-array field\. Field named 'obj' has non-array type object$/,
    mirrors: 'addtoset_node.cpp updateExistingElement',
  },
  {
    name: '$pull on a number',
    update: { $pull: { n: 5 } },
    code: 2,
    message: /^Cannot apply \$pull to a non-array value$/,
    mirrors: 'array_culling_node.cpp updateExistingElement',
  },
  {
    name: '$pull through a string',
    update: { $pull: { 's.x': 1 } },
    code: 28,
    message: /^Cannot use the part \(x\) of \(s\.x\) to traverse the element \(\{s: "text"\}\)$/,
    mirrors: 'update_leaf_node.cpp checkViability',
  },
  {
    name: '$pop on a string',
    update: { $pop: { s: 1 } },
    code: 14,
    message: /^Path 's' contains an element of non-array type 'string'$/,
    mirrors: 'pop_node.cpp',
  },
  {
    name: '$pullAll with a non-array argument',
    update: { $pullAll: { arr: 1 } },
    code: 2,
    message: /^\$pullAll requires an array argument but was given a int$/,
    mirrors: 'pullall_node.cpp init',
  },
  {
    name: 'changing _id with $set',
    update: { $set: { _id: new Types.ObjectId() } },
    code: 66,
    message: /immutable field '_id'/,
    mirrors: 'modifier_node.cpp checkImmutablePathsNotModified',
  },
  {
    name: 'removing _id with $unset',
    update: { $unset: { _id: '' } },
    code: 66,
    message: /immutable field '_id'/,
    mirrors: 'modifier_node.cpp checkImmutablePathsNotModified',
  },
  {
    name: 'an unknown update operator',
    update: { $frobnicate: { a: 1 } },
    code: 9,
    message: /^Unknown modifier: \$frobnicate\. Expected a valid update modifier or pipeline-style update specified as an array$/,
    mirrors: 'update_driver.cpp / modifier_table.cpp',
  },
  {
    name: 'an operator whose argument is not an object',
    update: { $set: 'a' },
    code: 9,
    message: /^Modifiers operate on fields but we found type string instead/,
    mirrors: 'update_object_node.cpp / update_driver.cpp',
  },
  {
    name: 'an empty update path',
    update: { $set: { '': 1 } },
    code: 56,
    message: /^An empty update path is not valid\.$/,
    mirrors: 'field_checker.cpp isUpdatable',
  },
  {
    name: 'an update path with an empty part',
    update: { $set: { 'a..b': 1 } },
    code: 56,
    message: /^The update path 'a\.\.b' contains an empty field name, which is not allowed\.$/,
    mirrors: 'field_checker.cpp isUpdatable',
  },
  {
    name: 'positional $ first in the path',
    update: { $set: { '$.a': 1 } },
    code: 2,
    message: /^Cannot have positional \(i\.e\. '\$'\) element in the first position in path '\$\.a'$/,
    mirrors: 'update_object_node.cpp parseAndMerge',
  },
  {
    name: 'two positional $ in one path',
    update: { $set: { 'items.$.x.$': 1 } },
    code: 2,
    message: /^Too many positional \(i\.e\. '\$'\) elements found in path 'items\.\$\.x\.\$'$/,
    mirrors: 'update_object_node.cpp parseAndMerge',
  },
  {
    name: '$[id] without an array filter',
    update: { $set: { 'items.$[it].qty': 1 } },
    code: 2,
    message: /^No array filter found for identifier 'it' in path 'items\.\$\[it\]\.qty'$/,
    mirrors: 'update_object_node.cpp parseArrayFilterIdentifier',
  },
  {
    name: 'an array filter no path uses',
    update: { $set: { n: 1 } },
    options: { arrayFilters: [{ 'x.q': 1 }] },
    code: 9,
    message: /^The array filter for identifier 'x' was not used in the update/,
    mirrors: 'update_driver.cpp: every array filter must be used',
  },
  {
    name: '$[] on a non-array',
    update: { $set: { 's.$[].x': 1 } },
    code: 2,
    message: /^Cannot apply array updates to non-array element s: "text"$/,
    mirrors: 'update_array_node.cpp apply',
  },
  {
    name: '$[] on a missing path',
    update: { $set: { 'nope.$[].x': 1 } },
    code: 2,
    message: /^The path 'nope' must exist in the document in order to apply array updates\.$/,
    mirrors: 'update_array_node.cpp apply',
  },
  {
    name: 'positional $ without a matching array condition in the query',
    update: { $set: { 'items.$.qty': 1 } },
    code: 2,
    message: /^The positional operator did not find the match needed from the query\.$/,
    mirrors: 'update_object_node.cpp: the positional element needs the matched field',
  },
  {
    name: '$rename to a non-string',
    update: { $rename: { s: 1 } },
    code: 2,
    message: /^The 'to' field for \$rename must be a string: s: 1$/,
    mirrors: 'update_object_node.cpp parseAndMerge ($rename)',
  },
  {
    name: '$rename onto its own sub-path',
    update: { $rename: { obj: 'obj.k2' } },
    code: 2,
    message: /^The source and target field for \$rename must not be on the same path/,
    mirrors: 'rename_node.cpp init',
  },
  {
    name: 'a top-level $-prefixed field created by $set',
    update: { $set: { $x: 1 } },
    code: 52,
    message: /^The dollar \(\$\) prefixed field '\$x' in '\$x' is not allowed/,
    mirrors: 'storage_validation.cpp: top-level $-prefixed fields',
  },
];

describe('updates MongoDB refuses (updateOne through the driver)', () => {
  let id: Types.ObjectId;
  beforeAll(async () => {
    id = new Types.ObjectId();
    await coll.insertOne({ _id: id, ...BASE });
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const e = await failure(coll.updateOne(c.filter ?? { _id: id }, c.update, c.options));
    expect({ code: e.code, mirrors: c.mirrors }).toEqual({ code: c.code, mirrors: c.mirrors });
    expect(e.message).toMatch(c.message);
    expect(await coll.findOne({ _id: id }, { projection: { _id: 0 } })).toEqual(BASE);
  });
});

describe('refused before any document is read', () => {
  test('conflicts, unknown operators and empty paths fail even when nothing matches (parse time)', async () => {
    const none = { _id: new Types.ObjectId() };
    expect((await failure(coll.updateOne(none, { $set: { a: 1 }, $setOnInsert: { a: 1 } }))).code).toBe(40);
    expect((await failure(coll.updateMany(none, { $bogus: { a: 1 } }))).code).toBe(9);
    expect((await failure(coll.updateOne(none, { $inc: { a: 'x' } } as Document))).code).toBe(14);
    expect((await failure(coll.findOneAndUpdate(none, { $set: { 'a..b': 1 } }))).code).toBe(56);
  });

  test('apply-time rules do not fire when nothing matches (MongoDB checks them per document)', async () => {
    const none = { _id: new Types.ObjectId() };
    expect(await coll.updateOne(none, { $set: { 's.b': 1 } })).toMatchObject({ matchedCount: 0 });
    expect(await coll.updateOne(none, { $inc: { s: 1 } })).toMatchObject({ matchedCount: 0 });
  });
});

describe('other paths of the same rules', () => {
  test('findOneAndUpdate returns the code at top level with its codeName', async () => {
    const { insertedId } = await coll.insertOne({ s: 'x' });
    const e = await failure(coll.findOneAndUpdate({ _id: insertedId }, { $set: { 's.b': 1 } }));
    expect(e).toMatchObject({ code: 28, codeName: 'PathNotViable' });
    const e2 = await failure(coll.findOneAndUpdate({ _id: insertedId }, { $set: { a: 1 }, $setOnInsert: { a: 2 } }, { upsert: true }));
    expect(e2).toMatchObject({ code: 40, codeName: 'ConflictingUpdateOperators' });
  });

  test('upsert: $set and $setOnInsert of one path fail before inserting', async () => {
    const e = await failure(coll.updateOne({ key: 'upsert-conflict' }, { $set: { v: 1 }, $setOnInsert: { v: 2 } }, { upsert: true }));
    expect(e.code).toBe(40);
    expect(await coll.countDocuments({ key: 'upsert-conflict' })).toBe(0);
  });

  test('upsert: $setOnInsert into a parent the query seeded as a string', async () => {
    const e = await failure(coll.updateOne({ p: 'seeded' }, { $setOnInsert: { 'p.q': 1 } }, { upsert: true }));
    expect(e).toMatchObject({ code: 28 });
    expect(e.message).toBe(`Cannot create field 'q' in element {p: "seeded"}`);
    expect(await coll.countDocuments({ p: 'seeded' })).toBe(0);
  });

  test('upsert with positional $ fails like MongoDB (no matched array element on insert)', async () => {
    const e = await failure(coll.updateOne({ 'pos.k': 1 }, { $set: { 'pos.$.v': 1 } }, { upsert: true }));
    expect(e).toMatchObject({ code: 2 });
    expect(e.message).toMatch(/positional operator did not find the match/);
  });

  test('updateMany stops at the first refused document, the ones before it stay updated (no transaction)', async () => {
    await coll.insertMany([{ g: 'm', v: 1 }, { g: 'm', v: 'x' }, { g: 'm', v: 3 }]);
    const e = await failure(coll.updateMany({ g: 'm' }, { $inc: { v: 1 } }));
    expect(e.code).toBe(14);
    expect((await coll.find({ g: 'm' }).toArray()).map((d) => d.v)).toEqual([2, 'x', 3]);
    const bulk = await failure(
      coll.bulkWrite([
        { updateOne: { filter: { g: 'm', v: 2 }, update: { $set: { ok: true } } } },
        { updateOne: { filter: { g: 'm', v: 2 }, update: { $set: { 'v.w': 1 } } } },
        { updateOne: { filter: { g: 'm', v: 3 }, update: { $set: { ok: true } } } },
      ]),
    );
    expect(bulk).toMatchObject({ code: 28 });
    expect(await coll.countDocuments({ g: 'm', ok: true })).toBe(1); // ordered: the third never ran
  });

  test('replacement: a top-level $-prefixed field is refused (52), a nested one is stored (MongoDB 5+)', async () => {
    const { insertedId } = await coll.insertOne({ r: 1 });
    const e = await failure(coll.replaceOne({ _id: insertedId }, { r: 2, $bad: 1 }));
    expect(e.code).toBe(52);
    expect(e.message).toMatch(/^The dollar \(\$\) prefixed field '\$bad' in '\$bad' is not allowed/);
    await coll.replaceOne({ _id: insertedId }, { r: 3, nested: { $ok: 1 } });
    expect(await coll.findOne({ _id: insertedId })).toEqual({ _id: insertedId, r: 3, nested: { $ok: 1 } });
  });

  test('replacement changing _id: 66 ImmutableField (object_replace_executor.cpp); an array _id: 53 InvalidIdField', async () => {
    const { insertedId } = await coll.insertOne({ r: 1 });
    const e = await failure(coll.replaceOne({ _id: insertedId }, { _id: 7, r: 2 }));
    expect(e.code).toBe(66);
    expect(e.message).toBe("After applying the update, the (immutable) field '_id' was found to have been altered to _id: 7");
    // an array is no _id (storage_validation.cpp storageValidIdField)
    const upsertArray = await failure(coll.replaceOne({ key: 'array-id' }, { _id: [1], r: 1 } as Document, { upsert: true }));
    expect(upsertArray).toMatchObject({ code: 53 });
    // the same _id is fine
    await coll.replaceOne({ _id: insertedId }, { _id: insertedId, r: 2 });
    expect(await coll.findOne({ _id: insertedId })).toEqual({ _id: insertedId, r: 2 });
  });

  test('mongoose: an update a model would send with a conflicting path fails with the code', async () => {
    const M = t.conn.model('RejectModel', new Schema({ name: String, meta: { a: Number } }), 'reject_models');
    const doc = await M.create({ name: 'n', meta: { a: 1 } });
    const e = await failure(M.updateOne({ _id: doc._id }, { $set: { meta: { a: 2 } }, $inc: { 'meta.a': 1 } }).exec());
    expect(e.code).toBe(40);
    expect((await M.findById(doc._id).lean())?.meta).toEqual({ a: 1 });
  });
});

describe('what MongoDB accepts still works', () => {
  test('$set creating nested paths, array padding, no-ops through missing paths', async () => {
    const { insertedId } = await coll.insertOne({ s: 'x', arr: [1], objs: [{ q: 1 }] });
    await coll.updateOne({ _id: insertedId }, { $set: { 'new.deep.path': 1, 'arr.3': 4, 'objs.0.r': 2 } });
    // $unset, $pull and $pop through a missing path do nothing; $unset through a scalar too
    await coll.updateOne({ _id: insertedId }, { $unset: { 's.x': '', 'none.y': '' }, $pull: { 'none.z': 1 }, $pop: { missing: 1 } } as Document);
    expect(await coll.findOne({ _id: insertedId }, { projection: { _id: 0 } })).toEqual({
      s: 'x',
      arr: [1, null, null, 4],
      objs: [{ q: 1, r: 2 }],
      new: { deep: { path: 1 } },
    });
  });

  test('$set and $setOnInsert of different paths; $inc and $push creating fields; $mul of a missing field', async () => {
    const res = await coll.updateOne(
      { key: 'fine' },
      { $set: { a: 1 }, $setOnInsert: { b: 2 }, $inc: { c: 1 }, $push: { d: 'x' }, $mul: { e: 3 } } as Document,
      { upsert: true },
    );
    expect(res.upsertedCount).toBe(1);
    expect(await coll.findOne({ key: 'fine' }, { projection: { _id: 0 } })).toEqual({ key: 'fine', a: 1, b: 2, c: 1, d: ['x'], e: 0 });
  });

  test('positional $, $[] and $[id] with arrayFilters on the same array', async () => {
    const { insertedId } = await coll.insertOne({ items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 5 }, { sku: 'c', qty: 'n/a' }] });
    await coll.updateOne({ _id: insertedId, 'items.sku': 'b' }, { $inc: { 'items.$.qty': 1 } });
    // the string qty is not selected by the filter, so $inc never sees it
    await coll.updateOne({ _id: insertedId }, { $inc: { 'items.$[big].qty': 10 } }, { arrayFilters: [{ 'big.qty': { $gte: 5 } }] });
    await coll.updateOne({ _id: insertedId }, { $set: { 'items.$[].seen': true } });
    expect((await coll.findOne({ _id: insertedId }))?.items).toEqual([
      { sku: 'a', qty: 1, seen: true },
      { sku: 'b', qty: 16, seen: true },
      { sku: 'c', qty: 'n/a', seen: true },
    ]);
    // … but $[] would reach it: refused with 14, nothing changed
    expect((await failure(coll.updateOne({ _id: insertedId }, { $inc: { 'items.$[].qty': 1 } }))).code).toBe(14);
  });

  test('$set of _id to its own value is accepted (a no-op in MongoDB); $setOnInsert of _id on upsert', async () => {
    const { insertedId } = await coll.insertOne({ v: 1 });
    await coll.updateOne({ _id: insertedId }, { $set: { _id: insertedId, v: 2 } });
    expect(await coll.findOne({ _id: insertedId })).toEqual({ _id: insertedId, v: 2 });
    const chosen = new Types.ObjectId();
    const res = await coll.updateOne({ key: 'chosen-id' }, { $setOnInsert: { _id: chosen, v: 1 } }, { upsert: true });
    expect(res.upsertedId).toEqual(chosen);
    expect(await coll.findOne({ _id: chosen })).toEqual({ _id: chosen, key: 'chosen-id', v: 1 });
  });
});
