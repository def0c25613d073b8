/**
 * Stored versions' bytes in the engine's arena (src/store/embedded/arena.ts), through the real driver over TCP:
 * an open cursor still sends the documents as they were when it ran (docs/mongo-wire.md §9: cursors are snapshots)
 * even after every one of them was updated many times, slots are reused once no cursor can send them, and a steady
 * stream of updates stops growing the memory the arena holds.
 */
import { Binary, MongoClient, type Collection } from 'mongodb';
import { startWireServer, type WireServer } from '../../src/store/embedded';

let server: WireServer;
let client: MongoClient;
let db: ReturnType<MongoClient['db']>;

const pad = (ch: string, n: number) => ch.repeat(n);
const arena = () => server.engine!.arenaStats();

beforeAll(async () => {
  server = await startWireServer();
  client = await new MongoClient(server.uri, { directConnection: true }).connect();
  db = client.db('arena_test');
});

afterAll(async () => {
  await client?.close();
  await server?.close();
});

interface Doc {
  _id: number;
  n: number;
  pad: string;
}

async function seed(name: string, n: number): Promise<Collection<Doc>> {
  const coll = db.collection<Doc>(name);
  await coll.insertMany(Array.from({ length: n }, (_, i) => ({ _id: i, n: i, pad: pad('x', 2000) })));
  return coll;
}

test('an open cursor sends its snapshot after every document was updated and their slots would have been reused', async () => {
  const coll = await seed('snapshot', 60);
  const cursor = coll.find({}).sort({ _id: 1 }).batchSize(5);
  const seen: Doc[] = [];
  for (let i = 0; i < 5; i++) seen.push((await cursor.next())!);
  // each update supersedes a version of the same size: without the cursor holding them, the next commands would
  // write new versions into exactly the slots the cursor's remaining documents are in
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 60; i++) await coll.updateOne({ _id: i }, { $set: { pad: pad(String.fromCharCode(97 + round), 2000), n: 1000 + i } });
  }
  expect(arena().retiredPending).toBeGreaterThanOrEqual(180);
  for (let d = await cursor.next(); d; d = await cursor.next()) seen.push(d);
  expect(seen).toHaveLength(60);
  seen.forEach((d, i) => expect(d).toEqual({ _id: i, n: i, pad: pad('x', 2000) }));
  // the cursor is exhausted (closed by the server): the next command frees the retired slots, later versions reuse them
  const before = arena().reused;
  await coll.updateOne({ _id: 0 }, { $set: { pad: pad('z', 2000) } });
  expect(arena().retiredPending).toBeLessThanOrEqual(1);
  expect(arena().reused).toBeGreaterThan(before);
  expect(await coll.find({}).sort({ _id: 1 }).toArray()).toEqual(
    Array.from({ length: 60 }, (_, i) => ({ _id: i, n: 1000 + i, pad: pad(i === 0 ? 'z' : 'c', 2000) })),
  );
});

test('an aggregation cursor keeps its snapshot across updates of binary values (a later batch is encoded at getMore)', async () => {
  const coll = db.collection<{ _id: number; bin: Binary; pad: string }>('binary');
  // bytes below 0x80: binary values whose bytes are not valid UTF-8 meet another bug (docs/mongo-wire.md §9)
  const bytesOf = (i: number, round: number) => Buffer.alloc(1500, (i * 7 + round * 13) & 0x7f);
  await coll.insertMany(Array.from({ length: 40 }, (_, i) => ({ _id: i, bin: new Binary(bytesOf(i, 0)), pad: pad('x', 500) })));
  const shapes = [
    [{ $sort: { _id: 1 } }, { $project: { bin: 1 } }],
    [{ $match: { _id: { $gte: 0 } } }, { $sort: { _id: 1 } }, { $addFields: { k: { $add: ['$_id', 1] } } }, { $project: { pad: 0 } }],
  ];
  for (const [s, pipeline] of shapes.entries()) {
    const cursor = coll.aggregate<{ _id: number; bin: Binary }>(pipeline, { batchSize: 4 });
    const seen: { _id: number; bin: Binary }[] = [];
    for (let i = 0; i < 4; i++) seen.push((await cursor.next())!);
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < 40; i++) await coll.updateOne({ _id: i }, { $set: { bin: new Binary(bytesOf(i, s * 3 + round)) } });
    }
    for (let d = await cursor.next(); d; d = await cursor.next()) seen.push(d);
    expect(seen.map((d) => d._id)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    seen.forEach((d, i) => expect(Buffer.from(d.bin.buffer).equals(bytesOf(i, s * 3))).toBe(true));
  }
});

test('a killed cursor releases the slots it held', async () => {
  const coll = await seed('killed', 30);
  const cursor = coll.find({}).batchSize(2);
  await cursor.next();
  for (let i = 0; i < 30; i++) await coll.updateOne({ _id: i }, { $inc: { n: 1 } });
  expect(arena().retiredPending).toBeGreaterThanOrEqual(30);
  await cursor.close();
  await coll.findOne({ _id: 1 });
  expect(arena().retiredPending).toBe(0);
});

test('findOneAndUpdate returns the version before the update intact, many times over', async () => {
  const coll = await seed('before', 10);
  let expected = pad('x', 2000);
  for (let i = 0; i < 300; i++) {
    const next = pad(String.fromCharCode(97 + (i % 26)), 2000);
    const before = await coll.findOneAndUpdate({ _id: 3 }, { $set: { pad: next } }, { returnDocument: 'before' });
    expect(before).toEqual({ _id: 3, n: 3, pad: expected });
    expected = next;
  }
});

test('steady updates, deletes and a dropped collection: slots are reused and the arena stops growing', async () => {
  const coll = await seed('steady', 200);
  const grown: number[] = [];
  for (let round = 0; round < 30; round++) {
    for (let i = 0; i < 200; i++) {
      await coll.updateOne({ _id: i }, { $set: { pad: pad(String.fromCharCode(97 + (round % 26)), 2000 + (i % 5) * 8) } });
    }
    grown.push(arena().chunkBytes);
  }
  // 6,000 versions of ~2 KB (12 MB) stored; the arena stopped growing after the first rounds
  expect(grown.at(-1)).toBe(grown[5]);
  expect(arena().chunkBytes).toBeLessThan(16 * 1024 * 1024);
  await coll.deleteMany({ _id: { $lt: 100 } });
  await coll.drop();
  const { reused } = arena();
  const again = await seed('after_drop', 200);
  expect(arena().reused - reused).toBeGreaterThanOrEqual(200);
  expect(await again.countDocuments({ pad: pad('x', 2000) })).toBe(200);
  expect(grown.at(-1)).toBe(arena().chunkBytes);
});
