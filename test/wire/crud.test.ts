/** CRUD, batches, cursors, counting and BSON type fidelity through real mongoose and the mongodb driver. */
import { Schema, Types, mongo } from 'mongoose';
import { openTestDb, type TestDb } from '../support/db';

let t: TestDb;
const started: string[] = [];

interface Item {
  name: string;
  n: number;
  tags: string[];
  secret?: string;
}
const itemSchema = new Schema<Item>({ name: String, n: Number, tags: [String], secret: String });

beforeAll(async () => {
  t = await openTestDb('wire_crud', { monitorCommands: true });
  t.conn.getClient().on('commandStarted', (e) => started.push(e.commandName));
});
afterAll(async () => {
  await t.close();
});

const model = (name: string) => t.conn.model<Item>(name, itemSchema, name.toLowerCase());

test('create, read, update, delete', async () => {
  const Item = model('Basic');
  const a = await Item.create({ name: 'a', n: 1, tags: ['x'] });
  expect((await Item.findById(a._id).lean())?.name).toBe('a');

  const res = await Item.updateOne({ _id: a._id }, { $set: { n: 2 } });
  expect(res).toMatchObject({ matchedCount: 1, modifiedCount: 1 });
  const same = await Item.updateOne({ _id: a._id }, { $set: { n: 2 } });
  expect(same).toMatchObject({ matchedCount: 1, modifiedCount: 0 });
  const none = await Item.updateOne({ name: 'missing' }, { $set: { n: 3 } });
  expect(none).toMatchObject({ matchedCount: 0, modifiedCount: 0 });

  const doc = await Item.findOne({ name: 'a' });
  if (!doc) throw new Error('missing');
  doc.n = 5;
  doc.tags.push('y');
  await doc.save();
  expect(await Item.findById(a._id).lean()).toMatchObject({ n: 5, tags: ['x', 'y'] });

  expect(await Item.deleteOne({ _id: a._id })).toMatchObject({ deletedCount: 1 });
  expect(await Item.findById(a._id)).toBeNull();
});

test('insertMany (document sequences) and ordered:false with a duplicate _id', async () => {
  const Item = model('Many');
  const docs = Array.from({ length: 50 }, (_, i) => ({ name: `m${i}`, n: i, tags: [] }));
  const inserted = await Item.insertMany(docs);
  expect(inserted).toHaveLength(50);
  expect(await Item.countDocuments()).toBe(50);

  const dupId = inserted[0]._id;
  const err = await Item.insertMany(
    [{ name: 'new1', n: 100 }, { _id: dupId, name: 'dup', n: 101 }, { name: 'new2', n: 102 }],
    { ordered: false },
  ).then(
    () => undefined,
    (e: unknown) => e as { code?: number; writeErrors?: unknown[] },
  );
  expect(err?.code).toBe(11000);
  expect(await Item.countDocuments()).toBe(52);
  expect(await Item.deleteMany({ n: { $gte: 100 } })).toMatchObject({ deletedCount: 2 });
});

test('bulkWrite with mixed operations', async () => {
  const Item = model('Bulk');
  await Item.insertMany([
    { name: 'a', n: 1 },
    { name: 'b', n: 2 },
    { name: 'c', n: 3 },
  ]);
  const res = await Item.bulkWrite([
    { insertOne: { document: { name: 'd', n: 4, tags: [] } } },
    { updateOne: { filter: { name: 'a' }, update: { $inc: { n: 10 } } } },
    { updateMany: { filter: { n: { $lte: 3 } }, update: { $set: { tags: ['low'] } } } },
    { replaceOne: { filter: { name: 'c' }, replacement: { name: 'c2', n: 30, tags: [] } } },
    { deleteOne: { filter: { name: 'd' } } },
    { updateOne: { filter: { name: 'e' }, update: { $set: { n: 5 } }, upsert: true } },
  ]);
  expect(res.insertedCount).toBe(1);
  expect(res.matchedCount).toBe(4); // a, then b and c (a is 11 by then), then c replaced
  expect(res.deletedCount).toBe(1);
  expect(res.upsertedCount).toBe(1);
  const all = await Item.find().sort({ name: 1 }).lean();
  expect(all.map((d) => [d.name, d.n])).toEqual([
    ['a', 11],
    ['b', 2],
    ['c2', 30],
    ['e', 5],
  ]);
  expect(all.find((d) => d.name === 'b')?.tags).toEqual(['low']);
});

test('countDocuments, estimatedDocumentCount and distinct with array unwinding', async () => {
  const Item = model('Counted');
  await Item.insertMany([
    { name: 'a', n: 1, tags: ['red', 'blue'] },
    { name: 'b', n: 2, tags: ['blue'] },
    { name: 'c', n: 3, tags: ['green', 'red'] },
    { name: 'd', n: 4, tags: [] },
  ]);
  expect(await Item.countDocuments()).toBe(4);
  expect(await Item.countDocuments({ n: { $gt: 1 } })).toBe(3);
  expect(await Item.countDocuments({ n: { $gt: 1 } }, { skip: 1, limit: 1 })).toBe(1);
  expect(await Item.estimatedDocumentCount()).toBe(4);
  expect((await Item.distinct('tags')).sort()).toEqual(['blue', 'green', 'red']);
  expect((await Item.distinct('name', { tags: 'red' })).sort()).toEqual(['a', 'c']);
});

test('find with filter operators, multi-key sort, skip, limit and projections', async () => {
  const Item = model('Sorted');
  await Item.insertMany([
    { name: 'a', n: 2, tags: ['x'], secret: 's1' },
    { name: 'b', n: 1, tags: ['y'], secret: 's2' },
    { name: 'c', n: 2, tags: ['x', 'y'], secret: 's3' },
    { name: 'd', n: 3, tags: [], secret: 's4' },
  ]);
  const sorted = await Item.find().sort({ n: -1, name: 1 }).lean();
  expect(sorted.map((d) => d.name)).toEqual(['d', 'a', 'c', 'b']);
  const page = await Item.find().sort({ n: 1, name: -1 }).skip(1).limit(2).lean();
  expect(page.map((d) => d.name)).toEqual(['c', 'a']);

  expect((await Item.find({ tags: { $in: ['y'] } }).sort({ name: 1 }).lean()).map((d) => d.name)).toEqual(['b', 'c']);
  expect((await Item.find({ $or: [{ n: 3 }, { name: /^b/ }] }).sort({ name: 1 }).lean()).map((d) => d.name)).toEqual(['b', 'd']);
  expect(await Item.countDocuments({ secret: { $exists: true }, tags: { $size: 0 } })).toBe(1);

  const included = await Item.findOne({ name: 'a' }).select('name -_id').lean();
  expect(included).toEqual({ name: 'a' });
  const excluded = await Item.findOne({ name: 'a' }).select('-secret -tags').lean();
  expect(Object.keys(excluded ?? {}).sort()).toEqual(['__v', '_id', 'n', 'name']);
});

test('a cursor spans several getMore batches, and close() kills it', async () => {
  const Item = model('Cursor');
  await Item.insertMany(Array.from({ length: 250 }, (_, i) => ({ name: `c${i}`, n: i })));
  const before = started.filter((c) => c === 'getMore').length;
  const seen: number[] = [];
  for await (const doc of Item.find().sort({ n: 1 }).batchSize(20).lean().cursor()) seen.push(doc.n);
  expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i));
  expect(started.filter((c) => c === 'getMore').length - before).toBeGreaterThanOrEqual(12);

  const coll = t.conn.collection('cursor');
  const cursor = coll.find({}, { batchSize: 10 });
  await cursor.next();
  const id = cursor.id;
  expect(id).toBeDefined();
  expect(id?.isZero()).toBe(false);
  await cursor.close();
  expect(started).toContain('killCursors');
  await expect(t.conn.db?.command({ getMore: id, collection: 'cursor' })).rejects.toMatchObject({ code: 43 });
});

test('Date, ObjectId, Decimal128 and Binary round-trip', async () => {
  const coll = t.conn.collection('values');
  const when = new Date('2024-02-29T12:34:56.789Z');
  const ref = new Types.ObjectId();
  await coll.insertOne({
    when,
    ref,
    price: mongo.Decimal128.fromString('12.345'),
    bin: new mongo.Binary(Buffer.from([1, 2, 3])),
    nested: { when, list: [ref] },
  });
  const doc = await coll.findOne({ when, ref });
  expect(doc?.when).toEqual(when);
  expect(doc?.ref.equals(ref)).toBe(true);
  expect(doc?.price.toString()).toBe('12.345');
  expect(Buffer.from(doc?.bin.buffer ?? []).equals(Buffer.from([1, 2, 3]))).toBe(true);
  expect(doc?.nested.list[0].equals(ref)).toBe(true);
  expect(await coll.countDocuments({ when: { $gte: new Date('2024-01-01'), $lt: new Date('2024-03-01') } })).toBe(1);
  expect(await coll.countDocuments({ 'nested.list': ref })).toBe(1);
});

test('number types survive storage and updates (int32, int64, double)', async () => {
  const coll = t.conn.collection('numbers');
  const { insertedId } = await coll.insertOne({
    i: new mongo.Int32(5),
    d: new mongo.Double(5),
    l: mongo.Long.fromNumber(5),
    big: mongo.Long.fromString('9007199254740993'),
    frac: 2.5,
  });
  const typesOf = async () => {
    const raw = await coll.findOne({ _id: insertedId }, { promoteValues: false });
    return Object.fromEntries(['i', 'd', 'l', 'big', 'frac', 'other'].map((k) => [k, raw?.[k]?._bsontype]));
  };
  expect(await typesOf()).toMatchObject({ i: 'Int32', d: 'Double', l: 'Long', big: 'Long', frac: 'Double' });

  await coll.updateOne({ _id: insertedId }, { $inc: { i: 1, d: 1, l: 1 }, $set: { other: 'x' } });
  expect(await typesOf()).toMatchObject({ i: 'Int32', d: 'Double', l: 'Long', big: 'Long', frac: 'Double' });
  const promoted = await coll.findOne({ _id: insertedId });
  expect(promoted).toMatchObject({ i: 6, d: 6, l: 6, frac: 2.5 });
  expect((await coll.findOne({ _id: insertedId }, { promoteLongs: false }))?.big.toString()).toBe('9007199254740993');

  // numeric equality crosses types, as in MongoDB
  expect(await coll.countDocuments({ l: 6, d: 6, i: new mongo.Double(6) })).toBe(1);

  // mongoose number schema types
  const Typed = t.conn.model(
    'Typed',
    new Schema({ count: Schema.Types.Int32, ratio: Schema.Types.Double, total: Schema.Types.BigInt, plain: Number }),
    'typed',
  );
  const doc = await Typed.create({ count: 3, ratio: 4, total: 9007199254740993n, plain: 7 });
  const raw = await t.conn.collection('typed').findOne({ _id: doc._id }, { promoteValues: false });
  expect([raw?.count._bsontype, raw?.ratio._bsontype, raw?.total._bsontype, raw?.plain._bsontype]).toEqual([
    'Int32',
    'Double',
    'Long',
    'Int32',
  ]);
  const back = await Typed.findById(doc._id);
  expect(back?.total).toBe(9007199254740993n);
});
