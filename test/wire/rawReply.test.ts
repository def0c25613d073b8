/**
 * findAndModify sends the stored document's bytes as they stand (values.ts RawDocument, protocol.ts serializeReply):
 * the reply decodes to what encoding the document would have given, with every number type, and the driver's
 * findOneAndUpdate returns the same documents as before (before/after, upsert, remove, projection).
 */
import { BSON, Double, Int32, Long, ObjectId } from 'bson';
import { serializeReply } from '../../src/store/embedded/protocol';
import { makeVersion, RawDocument, serialize } from '../../src/store/embedded/values';
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
