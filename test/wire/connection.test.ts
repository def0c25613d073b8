/** Handshake, admin and DDL commands, sessions and transactions, through real mongoose and the mongodb driver. */
import mongoose, { Schema } from 'mongoose';
import { openTestDb, type TestDb } from '../support/db';
import { startWireServer } from '../../src/store/embedded';

let t: TestDb;
const db = () => {
  const d = t.conn.db;
  if (!d) throw new Error('not connected');
  return d;
};

beforeAll(async () => {
  t = await openTestDb('wire_conn');
});
afterAll(async () => {
  await t.close();
});

test('handshake yields a writable primary with a usable wire version', async () => {
  expect(t.conn.readyState).toBe(1);
  const hello = await db().admin().command({ hello: 1 });
  expect(hello.isWritablePrimary).toBe(true);
  expect(hello.maxWireVersion).toBeGreaterThanOrEqual(9);
  expect(await db().admin().command({ ping: 1 })).toMatchObject({ ok: 1 });
  const info = await db().admin().command({ buildInfo: 1 });
  expect(typeof info.version).toBe('string');
});

test('an unknown command fails with CommandNotFound and the connection keeps working', async () => {
  await expect(db().command({ noSuchCommand: 1 })).rejects.toMatchObject({ code: 59, codeName: 'CommandNotFound' });
  expect(await db().command({ ping: 1 })).toMatchObject({ ok: 1 });
});

test('create, autoCreate and NamespaceExists', async () => {
  await db().createCollection('explicit');
  // MongoDB answers NamespaceExists (48) for an existing collection (newer servers accept identical options)
  const again = await db().command({ create: 'explicit' }).then(
    (r) => r.ok,
    (e: { code?: number }) => e.code,
  );
  expect([1, 48]).toContain(again);

  const Auto = t.conn.model('Auto', new Schema({ x: Number }), 'auto_created');
  await Auto.init();
  await Auto.createCollection(); // mongoose ignores NamespaceExists
  const names = (await db().listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
  expect(names).toEqual(expect.arrayContaining(['explicit', 'auto_created']));
  const filtered = await db().listCollections({ name: 'explicit' }).toArray();
  expect(filtered.map((c) => c.name)).toEqual(['explicit']);
});

test('createIndexes, listIndexes and dropIndexes', async () => {
  const schema = new Schema({ email: String, org: String, code: String, at: Date });
  schema.index({ email: 1 }, { unique: true });
  schema.index({ org: 1, code: -1 });
  const Indexed = t.conn.model('Indexed', schema, 'indexed');
  await Indexed.init();
  const indexes = await Indexed.listIndexes();
  const byName = Object.fromEntries(indexes.map((i) => [i.name as string, i]));
  expect(byName._id_.key).toEqual({ _id: 1 });
  expect(byName.email_1).toMatchObject({ key: { email: 1 }, unique: true });
  expect(byName['org_1_code_-1'].key).toEqual({ org: 1, code: -1 });

  // creating the same index again is a no-op
  await Indexed.collection.createIndex({ email: 1 }, { unique: true, name: 'email_1' });
  expect(await Indexed.listIndexes()).toHaveLength(3);

  await Indexed.collection.dropIndex('org_1_code_-1');
  expect((await Indexed.listIndexes()).map((i) => i.name).sort()).toEqual(['_id_', 'email_1']);
  await expect(Indexed.collection.dropIndex('nope_1')).rejects.toMatchObject({ code: 27 });
  await expect(db().collection('never_created').listIndexes().toArray()).rejects.toMatchObject({ code: 26 });
});

test('listDatabases includes this database', async () => {
  await db().collection('listed').insertOne({ a: 1 });
  const { databases } = await db().admin().listDatabases();
  expect(databases.map((d) => d.name)).toContain(t.dbName);
});

test('a transaction gets the behaviour of the topology: rejected by a standalone (code 20)', async () => {
  const hello = await db().admin().command({ hello: 1 });
  const standalone = hello.setName === undefined && hello.msg !== 'isdbgrid';
  const Tx = t.conn.model('Tx', new Schema({ n: Number }), 'tx');
  await Tx.createCollection();
  const session = await t.conn.startSession();
  try {
    const attempt = session.withTransaction(async () => {
      await Tx.create([{ n: 1 }], { session });
    });
    if (standalone) {
      // for writes the driver rewraps code 20 as "does not support retryable writes", keeping it as originalError
      const err = (await attempt.then(() => undefined, (e: unknown) => e)) as { code?: number; originalError?: { code?: number } };
      expect(err?.code ?? err?.originalError?.code).toBe(20);
      expect(await Tx.countDocuments()).toBe(0);
    } else {
      await attempt;
      expect(await Tx.countDocuments()).toBe(1);
    }
  } finally {
    await session.endSession();
  }
  expect(await db().command({ ping: 1 })).toMatchObject({ ok: 1 });
});

test('sessions ended on disconnect (endSessions, moreToCome) do not disturb the server', async () => {
  const other = await mongoose
    .createConnection(t.mongo.uri, { dbName: t.dbName, serverSelectionTimeoutMS: 5000 })
    .asPromise();
  const session = await other.startSession();
  await other.collection('sessions').insertOne({ a: 1 }, { session });
  expect(await other.collection('sessions').findOne({}, { session })).toMatchObject({ a: 1 });
  await session.endSession();
  await other.close(); // the driver sends endSessions without expecting a reply
  expect(await db().command({ ping: 1 })).toMatchObject({ ok: 1 });
  expect(await db().collection('sessions').countDocuments()).toBe(1);
});

test('drop and dropDatabase', async () => {
  await db().collection('doomed').insertOne({ a: 1 });
  expect(await db().collection('doomed').drop()).toBe(true);
  expect((await db().listCollections({ name: 'doomed' }).toArray()).length).toBe(0);

  const side = t.conn.useDb(`${t.dbName}_side`);
  await side.collection('c').insertMany([{ a: 1 }, { a: 2 }]);
  expect(await side.collection('c').countDocuments()).toBe(2);
  await side.dropDatabase();
  expect(await side.collection('c').countDocuments()).toBe(0);
  expect(await side.db?.listCollections().toArray()).toEqual([]);
});

test('the wire server closes promptly with clients still connected', async () => {
  const server = await startWireServer();
  const client = await mongoose.createConnection(server.uri, { dbName: 'closing', serverSelectionTimeoutMS: 2000 }).asPromise();
  await client.collection('c').insertOne({ a: 1 });
  const began = Date.now();
  await server.close();
  expect(Date.now() - began).toBeLessThan(1000);
  await client.close();
});
