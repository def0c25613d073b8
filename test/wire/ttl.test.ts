/**
 * TTL indexes. Against the wire server documents expire within about a second of their deadline; a real mongod's
 * TTL monitor runs only every 60 s, so against MONGODB_URI only the index definition is checked.
 */
import { Schema } from 'mongoose';
import { openTestDb, type TestDb } from '../support/db';

let t: TestDb;
beforeAll(async () => {
  t = await openTestDb('wire_ttl');
});
afterAll(async () => {
  await t.close();
});

test('expireAfterSeconds is accepted and documents expire', async () => {
  const schema = new Schema({ label: String, at: Date });
  schema.index({ at: 1 }, { expireAfterSeconds: 1 });
  const Event = t.conn.model('Event', schema, 'events');
  await Event.init();
  const ttl = (await Event.listIndexes()).find((i) => i.name === 'at_1');
  expect(ttl).toMatchObject({ key: { at: 1 }, expireAfterSeconds: 1 });

  const now = Date.now();
  await Event.insertMany([
    { label: 'old', at: new Date(now - 60_000) },
    { label: 'soon', at: new Date(now) },
    { label: 'future', at: new Date(now + 3_600_000) },
    { label: 'undated' },
  ]);
  if (t.mongo.kind === 'external') return;

  const deadline = Date.now() + 3_000;
  let labels: string[] = [];
  while (Date.now() < deadline) {
    labels = (await Event.find().sort({ label: 1 }).lean()).map((e) => e.label ?? '');
    if (labels.length === 2) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  expect(labels).toEqual(['future', 'undated']);
});
