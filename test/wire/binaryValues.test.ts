/**
 * Binary values whose bytes are not valid UTF-8, through the real driver: each is a value of its own for updates,
 * queries and pipelines (docs/mongo-wire.md §9, "Binary values in the plain views"). mingo compared binary values by
 * bson's Binary.toString(), a UTF-8 decoding, under which all such values were one: a $set of another such value was
 * skipped as a no-op (modifiedCount 0, the old bytes kept), $addToSet saw it present, $pull removed the wrong ones.
 */
import { Binary, type Collection } from 'mongodb';
import { openTestDb, type TestDb } from '../support/db';

let t: TestDb;
let coll: Collection<{ _id: number; bin?: Binary; bins?: Binary[]; tag?: string }>;

/** 64 bytes, all 0x80–0xff: not valid UTF-8, so every one decodes to the same replacement characters */
const bytes = (seed: number) => Buffer.from(Array.from({ length: 64 }, (_, i) => 0x80 | ((seed * 31 + i * 7) & 0x7f)));
const bin = (seed: number, subtype = 0) => new Binary(bytes(seed), subtype);
const hex = (b: Binary | undefined) => (b ? Buffer.from(b.buffer).toString('hex') : undefined);

beforeAll(async () => {
  t = await openTestDb('binary_values');
  if (!t.conn.db) throw new Error('not connected');
  coll = t.conn.db.collection('docs');
});

afterAll(async () => {
  await t?.close();
});

beforeEach(async () => {
  await coll.deleteMany({});
});

test('$set of another value changes the document; of the same value it is a no-op', async () => {
  await coll.insertOne({ _id: 1, bin: bin(1) });
  const changed = await coll.updateOne({ _id: 1 }, { $set: { bin: bin(2) } });
  expect(changed.modifiedCount).toBe(1);
  expect(hex((await coll.findOne({ _id: 1 }))?.bin)).toBe(bytes(2).toString('hex'));
  const same = await coll.updateOne({ _id: 1 }, { $set: { bin: bin(2) } });
  expect(same.modifiedCount).toBe(0);
  // the same bytes under another subtype are another value
  const subtype = await coll.updateOne({ _id: 1 }, { $set: { bin: bin(2, 128) } });
  expect(subtype.modifiedCount).toBe(1);
  expect((await coll.findOne({ _id: 1 }))?.bin?.sub_type).toBe(128);
  // findOneAndUpdate too, with the document after
  const after = await coll.findOneAndUpdate({ _id: 1 }, { $set: { bin: bin(3) } }, { returnDocument: 'after' });
  expect(hex(after?.bin)).toBe(bytes(3).toString('hex'));
});

test('$addToSet and $pull tell such values apart', async () => {
  await coll.insertOne({ _id: 1, bins: [bin(1)] });
  await coll.updateOne({ _id: 1 }, { $addToSet: { bins: bin(2) } });
  await coll.updateOne({ _id: 1 }, { $addToSet: { bins: bin(1) } });
  expect((await coll.findOne({ _id: 1 }))?.bins?.map(hex)).toEqual([bytes(1), bytes(2)].map((b) => b.toString('hex')));
  await coll.updateOne({ _id: 1 }, { $pull: { bins: bin(1) } });
  expect((await coll.findOne({ _id: 1 }))?.bins?.map(hex)).toEqual([bytes(2).toString('hex')]);
});

test('queries and pipelines: equality, $in, $group and $addToSet accumulators', async () => {
  await coll.insertMany([
    { _id: 1, bin: bin(1), tag: 'a' },
    { _id: 2, bin: bin(2), tag: 'b' },
    { _id: 3, bin: bin(1), tag: 'c' },
  ]);
  expect((await coll.find({ bin: bin(2) }).toArray()).map((d) => d._id)).toEqual([2]);
  expect((await coll.find({ bin: { $in: [bin(1), bin(9)] } }).toArray()).map((d) => d._id)).toEqual([1, 3]);
  expect((await coll.find({ bin: { $ne: bin(1) } }).toArray()).map((d) => d._id)).toEqual([2]);
  const groups = await coll.aggregate<{ _id: Binary; n: number }>([{ $group: { _id: '$bin', n: { $sum: 1 } } }, { $sort: { n: -1 } }]).toArray();
  expect(groups.map((g) => [hex(g._id), g.n])).toEqual([
    [bytes(1).toString('hex'), 2],
    [bytes(2).toString('hex'), 1],
  ]);
  const set = await coll.aggregate<{ bins: Binary[] }>([{ $group: { _id: null, bins: { $addToSet: '$bin' } } }]).toArray();
  expect(set[0]?.bins.map(hex).sort()).toEqual([bytes(1), bytes(2)].map((b) => b.toString('hex')).sort());
  const matched = await coll.aggregate<{ _id: number }>([{ $match: { bin: bin(1) } }, { $project: { _id: 1 } }]).toArray();
  expect(matched.map((d) => d._id)).toEqual([1, 3]);
});
