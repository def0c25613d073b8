/**
 * findAndModify sends the stored document's bytes as they stand (values.ts RawDocument, protocol.ts serializeReply):
 * the reply decodes to what encoding the document would have given, with every number type, and the driver's
 * findOneAndUpdate returns the same documents as before (before/after, upsert, remove, projection).
 * A cursor batch is sent as the bytes each document got when the batch was cut (values.ts batchBytes): the same
 * bytes as encoding the batch whole, cut at the same byte limit.
 */
import { BSON, Double, Int32, Long, ObjectId } from 'bson';
import { Engine } from '../../src/store/embedded/engine';
import { serializeReply } from '../../src/store/embedded/protocol';
import { makeVersion, RawDocument, serialize, type Document } from '../../src/store/embedded/values';
import { openTestDb, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb('wire_raw_reply');
});
afterAll(async () => {
  await t.close();
});

test('a reply with raw fields decodes as the same reply encoded whole', () => {
  const v = makeVersion({
    _id: new ObjectId('6b12ba9180b58ead65a02e43'),
    i: new Int32(5),
    d: new Double(5),
    l: Long.fromNumber(5),
    s: '检查中',
    at: new Date('2026-12-04T13:05:34.863Z'),
    nested: { a: [1, { b: 'x' }], z: null },
  });
  for (const reply of [
    { lastErrorObject: { n: 1, updatedExisting: true }, value: new RawDocument(v.raw), ok: 1 },
    { value: new RawDocument(v.raw) },
    { a: new RawDocument(v.raw), b: 1, c: new RawDocument(serialize({ x: 1 })) },
  ]) {
    const whole = Object.fromEntries(Object.entries(reply).map(([k, x]) => [k, x instanceof RawDocument ? BSON.deserialize(x.bytes, { promoteValues: false }) : x]));
    const bytes = serializeReply(reply);
    expect(bytes.readInt32LE(0)).toBe(bytes.length);
    expect(BSON.deserialize(bytes, { promoteValues: false })).toEqual(BSON.deserialize(serialize(whole), { promoteValues: false }));
  }
  expect(serializeReply({ ok: 1, n: 2 })).toEqual(serialize({ ok: 1, n: 2 }));
});

test('findOneAndUpdate through the driver: the documents as stored, before and after, upsert, remove, projection', async () => {
  const c = t.conn.db!.collection('raw_reply');
  const _id = new ObjectId();
  const at = new Date('2026-12-04T13:05:34.863Z');
  await c.insertOne({ _id, version: new Int32(1), score: new Double(2), big: Long.fromString('9007199254740993'), state: '检查中', team: [{ openId: 'ou_a' }], at });
  const after = await c.findOneAndUpdate({ _id, version: 1, 'team.openId': 'ou_a' }, { $inc: { version: 1 }, $set: { state: '待签字' } }, { returnDocument: 'after', promoteValues: false });
  expect(after).toEqual({ _id, version: new Int32(2), score: new Double(2), big: Long.fromString('9007199254740993'), state: '待签字', team: [{ openId: 'ou_a' }], at });
  const before = await c.findOneAndUpdate({ _id }, { $set: { state: '已公示' } }, { returnDocument: 'before' });
  expect(before).toEqual({ _id, version: 2, score: 2, big: Long.fromString('9007199254740993'), state: '待签字', team: [{ openId: 'ou_a' }], at });
  expect(await c.findOneAndUpdate({ _id, version: 1 }, { $set: { state: 'x' } })).toBeNull();
  expect(await c.findOneAndUpdate({ _id }, { $set: { state: 'y' } }, { returnDocument: 'after', projection: { state: 1 } })).toEqual({ _id, state: 'y' });
  const up = new ObjectId();
  expect(await c.findOneAndUpdate({ _id: up }, { $set: { n: 1 } }, { upsert: true, returnDocument: 'after' })).toEqual({ _id: up, n: 1 });
  expect(await c.findOneAndDelete({ _id: up })).toEqual({ _id: up, n: 1 });
  expect(await c.findOne({ _id: up })).toBeNull();
});

/** The `cursor` field's bytes in an encoded reply. */
function cursorField(bytes: Buffer): Buffer {
  const raw = BSON.deserialize(bytes, { raw: true, fieldsAsRaw: { cursor: true } } as never) as { cursor: Buffer };
  return Buffer.from(raw.cursor);
}

test('cursor batches are sent as the bytes they were cut with: the same as encoding the cursor document whole', () => {
  const engine = new Engine(() => {});
  const run = (body: Document) => engine.run(body, body, { connectionId: 1 }) as Document & { cursor: Document };
  const docs = Array.from({ length: 7 }, (_, i) => ({
    _id: i,
    i: new Int32(i),
    d: new Double(i / 2),
    l: Long.fromString('9007199254740993'),
    s: `企业${i}`,
    at: new Date(Date.UTC(2026, 11, 4, 0, 0, i)),
    team: [{ openId: `ou_${i}`, role: '组长' }],
    none: null,
  }));
  run({ insert: 'c', documents: docs, $db: 'raw' });
  // a find without a projection (the stored bytes), with one, an aggregate, and the getMores after each
  for (const first of [
    { find: 'c', filter: {}, batchSize: 3, $db: 'raw' },
    { find: 'c', filter: {}, projection: { s: 1, l: 1 }, batchSize: 3, $db: 'raw' },
    { aggregate: 'c', pipeline: [{ $match: { _id: { $gte: 1 } } }, { $project: { s: 1, team: 1, n: { $add: ['$i', 1] } } }], cursor: { batchSize: 4 }, $db: 'raw' },
  ]) {
    let reply = run(first);
    let seen = 0;
    for (;;) {
      const batch = (reply.cursor.firstBatch ?? reply.cursor.nextBatch) as Document[];
      const bytes = serializeReply(reply);
      expect(bytes.readInt32LE(0)).toBe(bytes.length);
      // the cursor document byte for byte as BSON encodes it ({firstBatch | nextBatch, id, ns}), and the reply as a whole
      expect(cursorField(bytes).equals(serialize(reply.cursor))).toBe(true);
      expect(BSON.deserialize(bytes, { promoteValues: false })).toEqual(BSON.deserialize(serialize(reply), { promoteValues: false }));
      seen += batch.length;
      const id = reply.cursor.id as Long;
      if (id.isZero()) break;
      reply = run({ getMore: id, collection: 'c', batchSize: 3, $db: 'raw' });
    }
    expect(seen).toBe('find' in first ? 7 : 6);
  }
});

test('a batch stops before the 8 MiB it may not exceed, and holds at least one document', async () => {
  const c = t.conn.db!.collection<{ _id: number; big: string; n: Int32 }>('raw_reply_big');
  const big = 'x'.repeat(3 * 1024 * 1024);
  await c.insertMany(Array.from({ length: 5 }, (_, i) => ({ _id: i, big, n: new Int32(i) })));
  // a document larger than the limit alone still makes a batch of one
  const engine = new Engine(() => {});
  const run = (body: Document) => engine.run(body, body, { connectionId: 1 }) as { cursor: { firstBatch: Document[] } };
  run({ insert: 'b', documents: [{ _id: 0, big: 'y'.repeat(9 * 1024 * 1024) }, { _id: 1, big }], $db: 'raw' });
  expect(run({ find: 'b', filter: {}, batchSize: 10, $db: 'raw' }).cursor.firstBatch.map((d) => Number(d._id))).toEqual([0]);
  // through the driver: five documents of 3 MiB arrive in batches of two, two and one, all of them intact
  const cursor = c.find({}, { batchSize: 10, promoteValues: false }).sort({ _id: 1 });
  const batches: number[] = [];
  const found: Document[] = [];
  while (await cursor.hasNext()) {
    batches.push(cursor.bufferedCount());
    found.push(...cursor.readBufferedDocuments());
  }
  expect(batches).toEqual([2, 2, 1]);
  expect(found.map((d) => [d._id, (d.big as string).length, d.n])).toEqual(Array.from({ length: 5 }, (_, i) => [new Int32(i), big.length, new Int32(i)]));
});
