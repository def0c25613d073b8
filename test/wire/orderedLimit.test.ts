/**
 * A sort with a limit (find().sort().limit(), findOneAndUpdate with a sort) tests candidates in the order of the
 * sort's first key and stops once the answer is known (collection.ts, firstMatches). It must return exactly what a
 * full scan + sort returns — the same documents in the same order, full ties in natural order — and read fewer
 * documents when the first candidates match.
 */
import type { Collection, Document } from 'mongodb';
import { openTestDb, type TestDb } from '../support/db';

let t: TestDb;
let outbox: Collection<Document>;
// 1,000 documents over 3 statuses × 60 timestamps: still ~5 full ties per (status, time) and ~17 per time on each
// sort key, and the earliest time's candidates (~pending/60) stay far below the pending/10 bound of the read test.
const N = 1000;
const base = Date.UTC(2026, 11, 4);

// deterministic pseudo-random numbers (no flakiness, reproducible failures)
let seed = 12345;
const rand = (n: number): number => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed % n;
};

interface Explained {
  executionStats: { nReturned: number; totalDocsExamined: number };
}

beforeAll(async () => {
  t = await openTestDb('wire_ordered_limit');
  if (!t.conn.db) throw new Error('not connected');
  outbox = t.conn.db.collection('outbox');
  await outbox.createIndex({ status: 1, nextAttemptAt: 1 });
  const docs: Document[] = [];
  for (let i = 0; i < N; i++) {
    docs.push({
      key: `k${i}`,
      // few distinct values: many ties on the first sort key, and on the second too
      status: ['pending', 'sending', 'sent'][rand(3)],
      rateKey: `r${rand(20)}`,
      nextAttemptAt: new Date(base + rand(60) * 1000),
      leaseUntil: new Date(base + rand(60) * 1000),
      prio: rand(4),
    });
  }
  await outbox.insertMany(docs);
}, 120_000);
afterAll(async () => {
  await t.close();
});

const keys = (docs: Document[]) => docs.map((d) => d.key as string);

test('the claim (filter with $or, $nin, sort, take one) returns what a full sort returns, ties included', async () => {
  for (let round = 0; round < 10; round++) {
    const now = new Date(base + rand(60) * 1000);
    const busy = Array.from({ length: rand(6) }, () => `r${rand(20)}`);
    const filter = {
      rateKey: { $nin: busy },
      $or: [
        { status: 'pending', nextAttemptAt: { $lte: now } },
        { status: 'sending', leaseUntil: { $lt: now } },
      ],
    };
    for (const sort of [{ nextAttemptAt: 1, _id: 1 }, { nextAttemptAt: -1, prio: 1 }, { nextAttemptAt: 1 }, { prio: -1, nextAttemptAt: 1 }] as Document[]) {
      const all = await outbox.find(filter).sort(sort).toArray(); // no limit: every match sorted
      for (const limit of [1, 3, 50]) {
        const some = await outbox.find(filter).sort(sort).limit(limit).toArray();
        expect(keys(some)).toEqual(keys(all.slice(0, limit)));
        const skipped = await outbox.find(filter).sort(sort).skip(2).limit(limit).toArray();
        expect(keys(skipped)).toEqual(keys(all.slice(2, 2 + limit)));
      }
    }
  }
}, 120_000);

test('findOneAndUpdate with a sort changes the document a full sort puts first', async () => {
  const now = new Date(base + 30_000);
  const filter = { status: 'pending', nextAttemptAt: { $lte: now } };
  const first = (await outbox.find(filter).sort({ nextAttemptAt: 1, _id: 1 }).toArray())[0];
  const claimed = await outbox.findOneAndUpdate(filter, { $set: { status: 'sending' } }, { sort: { nextAttemptAt: 1, _id: 1 }, returnDocument: 'after' });
  expect(claimed?.key).toBe(first.key);
  expect(claimed?.status).toBe('sending');
  // the returned document is a copy: changing it changes nothing stored
  (claimed as Document).status = 'changed';
  expect((await outbox.findOne({ key: first.key }))?.status).toBe('sending');
});

test('reads only the candidates up to the answer when the earliest ones match', async () => {
  const pending = await outbox.countDocuments({ status: 'pending' });
  const e = (await outbox.find({ status: 'pending' }).sort({ nextAttemptAt: 1, _id: 1 }).limit(1).explain('executionStats')) as unknown as Explained;
  expect(e.executionStats.nReturned).toBe(1);
  // all candidates tie on the first key's earliest value at most: ~pending/60 of them, far fewer than all
  expect(e.executionStats.totalDocsExamined).toBeLessThan(pending / 10);
  expect(e.executionStats.totalDocsExamined).toBeGreaterThan(0);
});

test('falls back to a full sort when the first sort key is missing, an array or of mixed types', async () => {
  await outbox.insertMany([
    { key: 'x1', status: 'pending', prio: 1 }, // no nextAttemptAt: sorts first ascending
    { key: 'x2', status: 'pending', nextAttemptAt: [new Date(base - 5000), new Date(base + 99_000)] },
    { key: 'x3', status: 'pending', nextAttemptAt: 7 }, // a number sorts before every Date
  ]);
  for (const sort of [{ nextAttemptAt: 1, _id: 1 }, { nextAttemptAt: -1, _id: 1 }] as Document[]) {
    const all = await outbox.find({ status: 'pending' }).sort(sort).toArray();
    const some = await outbox.find({ status: 'pending' }).sort(sort).limit(4).toArray();
    expect(keys(some)).toEqual(keys(all.slice(0, 4)));
  }
  const asc = await outbox.find({ status: 'pending' }).sort({ nextAttemptAt: 1, _id: 1 }).limit(3).toArray();
  expect(keys(asc)).toEqual(['x1', 'x3', 'x2']);
});
