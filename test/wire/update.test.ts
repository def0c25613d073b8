/** Unique indexes, upserts, findOneAndUpdate and update operators through real mongoose and the mongodb driver. */
import { Schema, Types } from 'mongoose';
import { openTestDb, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb('wire_update');
});
afterAll(async () => {
  await t.close();
});

const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e as Record<string, unknown>,
  );

describe('unique indexes', () => {
  const userSchema = new Schema({ email: String, name: String });
  userSchema.index({ email: 1 }, { unique: true });
  const users = () => t.conn.models.User ?? t.conn.model('User', userSchema, 'users');

  beforeAll(async () => {
    await users().init();
    await users().create([
      { email: 'a@x.cn', name: 'A' },
      { email: 'b@x.cn', name: 'B' },
    ]);
  });

  test('insert of a duplicate fails with E11000, keyPattern and keyValue', async () => {
    const e = await failure(users().create({ email: 'a@x.cn', name: 'A2' }));
    expect(e).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'a@x.cn' } });
    expect(String(e.message)).toMatch(
      new RegExp(`E11000 duplicate key error collection: ${t.dbName}\\.users index: email_1 dup key: \\{ email: "a@x\\.cn" \\}`),
    );
  });

  test('updateOne into a duplicate fails and leaves the document unchanged', async () => {
    const e = await failure(users().updateOne({ email: 'b@x.cn' }, { $set: { email: 'a@x.cn' } }));
    expect(e).toMatchObject({ code: 11000, keyValue: { email: 'a@x.cn' } });
    expect(await users().countDocuments({ email: 'b@x.cn' })).toBe(1);
  });

  test('findOneAndUpdate into a duplicate fails with code 11000', async () => {
    const e = await failure(users().findOneAndUpdate({ email: 'b@x.cn' }, { email: 'a@x.cn' }, { returnDocument: 'after' }));
    expect(e).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'a@x.cn' } });
  });

  test('freed keys can be reused after update and delete', async () => {
    await users().updateOne({ email: 'b@x.cn' }, { $set: { email: 'c@x.cn' } });
    await users().create({ email: 'b@x.cn', name: 'B2' });
    await users().deleteOne({ email: 'b@x.cn' });
    await users().create({ email: 'b@x.cn', name: 'B3' });
    expect(await users().countDocuments()).toBe(3);
  });

  test('compound, sparse and partial unique indexes', async () => {
    const coll = t.conn.collection('constraints');
    await coll.createIndex({ org: 1, code: 1 }, { unique: true });
    await coll.createIndex({ badge: 1 }, { unique: true, sparse: true });
    await coll.createIndex({ slot: 1 }, { unique: true, partialFilterExpression: { active: true } });

    await coll.insertMany([
      { org: 'o1', code: 'c1' },
      { org: 'o1', code: 'c2' },
      { org: 'o2', code: 'c1' },
    ]);
    const e = await failure(coll.insertOne({ org: 'o1', code: 'c1' }));
    expect(e).toMatchObject({ code: 11000, keyPattern: { org: 1, code: 1 }, keyValue: { org: 'o1', code: 'c1' } });

    // sparse: documents without the field do not collide
    await coll.insertMany([{ org: 'o3', code: 'x' }, { org: 'o3', code: 'y', badge: 7 }]);
    expect((await failure(coll.insertOne({ org: 'o3', code: 'z', badge: 7 }))).code).toBe(11000);

    // partial: only active documents are constrained
    await coll.insertMany([
      { org: 'p', code: '1', slot: 1, active: false },
      { org: 'p', code: '2', slot: 1, active: true },
    ]);
    expect((await failure(coll.insertOne({ org: 'p', code: '3', slot: 1, active: true }))).code).toBe(11000);
  });

  test('a unique index cannot be built over duplicates', async () => {
    const coll = t.conn.collection('dups');
    await coll.insertMany([{ k: 1 }, { k: 1 }]);
    expect((await failure(coll.createIndex({ k: 1 }, { unique: true }))).code).toBe(11000);
  });
});

describe('upserts', () => {
  const counterSchema = new Schema(
    { key: String, value: Number, firstSeen: Number, meta: { source: String } },
    { timestamps: true },
  );
  const counters = () => t.conn.models.Counter ?? t.conn.model('Counter', counterSchema, 'counters');

  test('$setOnInsert and timestamps: createdAt is set on insert only', async () => {
    await counters().updateOne({ key: 'k' }, { $set: { value: 1 }, $setOnInsert: { firstSeen: 1 } }, { upsert: true });
    const first = await counters().findOne({ key: 'k' }).lean();
    expect(first).toMatchObject({ key: 'k', value: 1, firstSeen: 1 });
    expect(first?.createdAt).toBeInstanceOf(Date);

    await new Promise((r) => setTimeout(r, 10));
    const res = await counters().updateOne({ key: 'k' }, { $set: { value: 2 }, $setOnInsert: { firstSeen: 2 } }, { upsert: true });
    expect(res).toMatchObject({ matchedCount: 1, upsertedCount: 0 });
    const second = await counters().findOne({ key: 'k' }).lean();
    expect(second).toMatchObject({ value: 2, firstSeen: 1 });
    expect(second?.createdAt).toEqual(first?.createdAt);
    expect(second?.updatedAt.getTime()).toBeGreaterThan(first?.updatedAt.getTime() ?? Infinity);
  });

  test('the inserted document is seeded from equality conditions ($eq, $and, dotted paths)', async () => {
    const coll = t.conn.collection('seeded');
    const res = await coll.updateOne(
      { $and: [{ a: 1 }, { 'b.c': { $eq: 'x' } }], n: { $gt: 5 }, $or: [{ z: 1 }, { z: 2 }] },
      { $set: { d: true } },
      { upsert: true },
    );
    expect(res.upsertedCount).toBe(1);
    const doc = await coll.findOne({ _id: res.upsertedId ?? undefined }, { projection: { _id: 0 } });
    expect(doc).toEqual({ a: 1, b: { c: 'x' }, d: true });

    const id = new Types.ObjectId();
    await coll.updateOne({ _id: id }, { $inc: { hits: 1 } }, { upsert: true });
    await coll.updateOne({ _id: id }, { $inc: { hits: 1 } }, { upsert: true });
    expect(await coll.findOne({ _id: id })).toEqual({ _id: id, hits: 2 });
  });

  test('findOneAndUpdate upsert returns the new document only when asked', async () => {
    const before = await counters().findOneAndUpdate({ key: 'fresh' }, { $set: { value: 1 } }, { upsert: true, returnDocument: 'before' });
    expect(before).toBeNull();
    const after = await counters().findOneAndUpdate(
      { key: 'fresh2' },
      { $set: { value: 1 } },
      { upsert: true, returnDocument: 'after', lean: true },
    );
    expect(after).toMatchObject({ key: 'fresh2', value: 1 });
    expect(after?.createdAt).toBeInstanceOf(Date);
  });
});

describe('findOneAndUpdate and findOneAndDelete', () => {
  const taskSchema = new Schema({ name: String, priority: Number, state: String, owner: String });
  const tasks = () => t.conn.models.Task ?? t.conn.model('Task', taskSchema, 'tasks');

  beforeAll(async () => {
    await tasks().insertMany([
      { name: 't1', priority: 3, state: 'new', owner: 'u1' },
      { name: 't2', priority: 1, state: 'new', owner: 'u2' },
      { name: 't3', priority: 2, state: 'new', owner: 'u3' },
    ]);
  });

  test('sort picks the document; old and new versions; projection', async () => {
    const old = await tasks()
      .findOneAndUpdate({ state: 'new' }, { $set: { state: 'taken' } }, { sort: { priority: 1 }, returnDocument: 'before' })
      .lean();
    expect(old).toMatchObject({ name: 't2', state: 'new' });
    const next = await tasks()
      .findOneAndUpdate({ state: 'new' }, { $set: { state: 'taken' } }, { sort: { priority: 1 }, returnDocument: 'after' })
      .select('name state -_id')
      .lean();
    expect(next).toEqual({ name: 't3', state: 'taken' });
    expect(await tasks().findOneAndUpdate({ state: 'none' }, { $set: { state: 'x' } })).toBeNull();
  });

  test('findOneAndDelete and findOneAndReplace', async () => {
    const removed = await tasks().findOneAndDelete({ name: 't1' }).lean();
    expect(removed).toMatchObject({ name: 't1', priority: 3 });
    expect(await tasks().countDocuments()).toBe(2);
    const replaced = await tasks()
      .findOneAndReplace({ name: 't2' }, { name: 't2b', priority: 9 }, { returnDocument: 'after' })
      .lean();
    expect(replaced).toMatchObject({ name: 't2b', priority: 9 });
    expect(replaced).not.toHaveProperty('state');
  });
});

describe('update operators', () => {
  const coll = () => {
    if (!t.conn.db) throw new Error('not connected');
    return t.conn.db.collection('ops');
  };

  test('positional $, $[], and arrayFilters', async () => {
    const { insertedId } = await coll().insertOne({
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 5 },
        { sku: 'c', qty: 8 },
      ],
    });
    await coll().updateOne({ _id: insertedId, 'items.sku': 'b' }, { $set: { 'items.$.qty': 6 } });
    await coll().updateOne({ _id: insertedId }, { $inc: { 'items.$[it].qty': 10 } }, { arrayFilters: [{ 'it.qty': { $gte: 6 } }] });
    await coll().updateOne({ _id: insertedId }, { $set: { 'items.$[].seen': true } });
    const doc = await coll().findOne({ _id: insertedId });
    expect(doc?.items).toEqual([
      { sku: 'a', qty: 1, seen: true },
      { sku: 'b', qty: 16, seen: true },
      { sku: 'c', qty: 18, seen: true },
    ]);
  });

  test('array and field operators', async () => {
    const opsSchema = new Schema({ tags: [String], n: Number, gone: Number, old: String, renamed: String, lo: Number, hi: Number, touched: Date });
    const Ops = t.conn.model('Ops', opsSchema, 'ops');
    const { _id } = await Ops.create({ tags: ['a'], n: 5, gone: 1, old: 'o', lo: 5, hi: 5 });
    await Ops.updateOne(
      { _id },
      {
        $push: { tags: { $each: ['b', 'c'] } },
        $unset: { gone: '' },
        $rename: { old: 'renamed' },
        $min: { lo: 2 },
        $max: { hi: 9 },
        $mul: { n: 2 },
        $currentDate: { touched: true },
      },
    );
    await Ops.updateOne({ _id }, { $addToSet: { tags: 'a' } });
    await Ops.updateOne({ _id }, { $pull: { tags: 'b' } });
    const doc = await Ops.findById(_id).lean();
    expect(doc).toMatchObject({ tags: ['a', 'c'], n: 10, renamed: 'o', lo: 2, hi: 9 });
    expect(doc).not.toHaveProperty('gone');
    expect(doc).not.toHaveProperty('old');
    expect(doc?.touched).toBeInstanceOf(Date);
  });

  test('replacement keeps _id; empty $set is accepted; pipeline updates', async () => {
    const { insertedId } = await coll().insertOne({ a: 1, b: 2 });
    await coll().replaceOne({ _id: insertedId }, { c: 3 });
    expect(await coll().findOne({ _id: insertedId })).toEqual({ _id: insertedId, c: 3 });

    const res = await coll().updateOne({ _id: insertedId }, { $set: {} });
    expect(res).toMatchObject({ matchedCount: 1, modifiedCount: 0 });

    await coll().updateOne({ _id: insertedId }, [{ $set: { d: { $add: ['$c', 4] } } }]);
    expect(await coll().findOne({ _id: insertedId })).toEqual({ _id: insertedId, c: 3, d: 7 });
  });

  test('invalid updates fail cleanly and change nothing', async () => {
    const { insertedId } = await coll().insertOne({ a: 1, s: 'text' });
    const code = async (update: Record<string, unknown>) => (await failure(coll().updateOne({ _id: insertedId }, update))).code;
    expect(await code({ $frobnicate: { a: 1 } })).toBe(9); // FailedToParse
    expect(await code({ $set: { _id: new Types.ObjectId() } })).toBe(66); // ImmutableField
    expect(await code({ $set: { a: 2 }, $inc: { a: 1 } })).toBe(40); // ConflictingUpdateOperators
    expect(await code({ $inc: { s: 1 } })).toBe(14); // TypeMismatch
    expect(await code({ $push: { s: 1 } })).toBe(2); // BadValue
    expect(await coll().findOne({ _id: insertedId })).toEqual({ _id: insertedId, a: 1, s: 'text' });
  });

  test('updateMany and deleteMany', async () => {
    await coll().insertMany([{ g: 'm', v: 1 }, { g: 'm', v: 2 }, { g: 'k', v: 3 }]);
    expect(await coll().updateMany({ g: 'm' }, { $inc: { v: 100 } })).toMatchObject({ matchedCount: 2, modifiedCount: 2 });
    expect((await coll().find({ g: 'm' }).sort({ v: 1 }).toArray()).map((d) => d.v)).toEqual([101, 102]);
    expect(await coll().deleteMany({ g: { $in: ['m', 'k'] } })).toMatchObject({ deletedCount: 3 });
  });
});
