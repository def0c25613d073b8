/**
 * Lookups by _id, by a unique index and counts do not read the collection: 5,000 documents, then `explain`
 * (executionStats.totalDocsExamined, as MongoDB reports it) through the real driver for the shapes the service sends —
 * findOne by _id, findOne by a unique compound key, countDocuments (aggregate $match + $group) on indexed fields,
 * estimatedDocumentCount, find + sort + limit, findOneAndUpdate and updateOne by key. Plus the semantics the maps
 * must keep: multikey arrays, missing fields and null, sparse and partial indexes, keys that move on update.
 */
import { Types } from 'mongoose';
import type { Collection, Document } from 'mongodb';
import { openTestDb, type TestDb } from '../support/db';

// 5,000 documents: a lookup that scanned would examine thousands where the index reads one (or none), so every
// totalDocsExamined below still tells the two apart; N is a multiple of 500 (the team open ids cycle through 500).
const N = 5_000;
const COUNTIES = ['盐湖区', '永济市', '河津市', '临猗县', '万荣县'];

let t: TestDb;
let tasks: Collection<Document>;
const ids: Types.ObjectId[] = [];
const campaignId = new Types.ObjectId();
const drawId = new Types.ObjectId();

interface Explained {
  queryPlanner: { winningPlan: { stage: string; inputStage?: { stage: string; indexName: string } } };
  executionStats: { nReturned: number; totalDocsExamined: number; totalKeysExamined: number };
}

beforeAll(async () => {
  t = await openTestDb('wire_index');
  if (!t.conn.db) throw new Error('not connected');
  tasks = t.conn.db.collection('tasks');
  await tasks.createIndex({ drawId: 1, no: 1 }, { unique: true });
  await tasks.createIndex({ campaignId: 1, 'enterprise.county': 1, state: 1 });
  await tasks.createIndex({ 'team.openId': 1, state: 1 });
  for (let b = 0; b < N; b += 5000) {
    const batch: Document[] = [];
    for (let i = b; i < Math.min(N, b + 5000); i++) {
      const _id = new Types.ObjectId();
      ids.push(_id);
      batch.push({
        _id,
        campaignId,
        drawId,
        no: i + 1,
        enterprise: { county: COUNTIES[i % COUNTIES.length], name: `企业${i}` },
        team: [{ openId: `ou_${i % 500}` }, { openId: `ou_${(i + 1) % 500}` }],
        state: i % 3 === 0 ? '已公示' : '待检查',
      });
    }
    await tasks.insertMany(batch);
  }
}, 180_000);
afterAll(async () => {
  await t.close();
});

const explainAggregate = (pipeline: Document[]) => tasks.aggregate(pipeline).explain('executionStats') as unknown as Promise<Explained>;

test('findOne by _id reads one document', async () => {
  const e = (await tasks.find({ _id: ids[3_456] }).limit(1).explain('executionStats')) as unknown as Explained;
  expect(e.executionStats).toMatchObject({ nReturned: 1, totalDocsExamined: 1 });
  expect(e.queryPlanner.winningPlan).toMatchObject({ stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: '_id_' } });
  expect((await tasks.findOne({ _id: ids[3_456] }))?.no).toBe(3_457);
});

test('findOne by the unique {drawId, no} reads one document', async () => {
  const e = (await tasks.find({ drawId, no: 777 }).limit(1).explain('executionStats')) as unknown as Explained;
  expect(e.executionStats).toMatchObject({ nReturned: 1, totalDocsExamined: 1 });
  expect(e.queryPlanner.winningPlan.inputStage).toMatchObject({ stage: 'IXSCAN', indexName: 'drawId_1_no_1' });
  expect((await tasks.findOne({ drawId, no: 777 }))?._id).toEqual(ids[776]);
});

test('countDocuments on an indexed field reads no document', async () => {
  const e = await explainAggregate([{ $match: { 'enterprise.county': '河津市' } }, { $group: { _id: 1, n: { $sum: 1 } } }]);
  expect(e.executionStats).toMatchObject({ totalDocsExamined: 0, totalKeysExamined: N / 5 });
  expect(e.queryPlanner.winningPlan.stage).toBe('COUNT_SCAN');
  expect(await tasks.countDocuments({ 'enterprise.county': '河津市' })).toBe(N / 5);
  expect(await tasks.countDocuments({ campaignId })).toBe(N);
  expect(await tasks.countDocuments({ campaignId: new Types.ObjectId() })).toBe(0);
  expect(await tasks.countDocuments({ state: { $in: ['已公示'] } })).toBe(Math.ceil(N / 3));
});

test('countDocuments with extra conditions reads only the indexed candidates; an empty filter reads nothing', async () => {
  const e = await explainAggregate([{ $match: { 'team.openId': 'ou_7', state: { $ne: '已作废' } } }, { $group: { _id: 1, n: { $sum: 1 } } }]);
  expect(e.executionStats.totalDocsExamined).toBe(N / 250); // ou_7 is on 2 × N/500 tasks
  expect(await tasks.countDocuments({ 'team.openId': 'ou_7', state: { $ne: '已作废' } })).toBe(N / 250);
  const all = await explainAggregate([{ $match: {} }, { $group: { _id: 1, n: { $sum: 1 } } }]);
  expect(all.executionStats.totalDocsExamined).toBe(0);
  expect(await tasks.countDocuments()).toBe(N);
  expect(await tasks.estimatedDocumentCount()).toBe(N);
  const count = (await t.conn.db?.command({ explain: { count: 'tasks', query: {} }, verbosity: 'executionStats' })) as Explained;
  expect(count.executionStats.totalDocsExamined).toBe(0);
});

test('a filter on an unindexed field scans (so the counter is real)', async () => {
  const e = (await tasks.find({ 'enterprise.name': `企业${N - 1}` }).explain('executionStats')) as unknown as Explained;
  expect(e.queryPlanner.winningPlan.stage).toBe('COLLSCAN');
  expect(e.executionStats).toMatchObject({ nReturned: 1, totalDocsExamined: N });
});

test('find + sort + limit, findOneAndUpdate and updateOne by key read the key’s documents only', async () => {
  const e = (await tasks.find({ campaignId, 'enterprise.county': '永济市', state: '已公示' }).sort({ no: -1 }).limit(3).explain('executionStats')) as unknown as Explained;
  expect(e.executionStats.totalDocsExamined).toBeLessThanOrEqual(N / 5);
  const top = await tasks.find({ 'team.openId': 'ou_3' }).sort({ no: -1 }).limit(2).toArray();
  expect(top.map((d) => d.no)).toEqual([N - 496, N - 497]); // the last i ≡ 3 and i ≡ 2 (mod 500), numbered i + 1

  const fam = (await t.conn.db?.command({
    explain: { findAndModify: 'tasks', query: { drawId, no: 5 }, update: { $set: { seen: true } } },
    verbosity: 'executionStats',
  })) as Explained;
  expect(fam.executionStats.totalDocsExamined).toBe(1);
  const upd = (await t.conn.db?.command({
    explain: { update: 'tasks', updates: [{ q: { _id: ids[9] }, u: { $set: { seen: true } } }] },
    verbosity: 'executionStats',
  })) as Explained;
  expect(upd.executionStats.totalDocsExamined).toBe(1);
  expect(await tasks.countDocuments({ seen: true })).toBe(0); // explain does not write
  expect(await tasks.findOneAndUpdate({ drawId, no: 5 }, { $set: { state: '检查中' } }, { returnDocument: 'after' })).toMatchObject({ no: 5, state: '检查中' });
  expect(await tasks.countDocuments({ state: '检查中' })).toBe(1);
});

type Numbered = { _id: number; [k: string]: unknown };

test('a $or whose branches each have an indexed equality reads only those branches’ documents (the outbox claim)', async () => {
  if (!t.conn.db) throw new Error('not connected');
  const outbox = t.conn.db.collection('outbox');
  await outbox.createIndex({ status: 1, nextAttemptAt: 1 });
  const now = new Date();
  await outbox.insertMany(Array.from({ length: 3000 }, (_, i) => ({ key: `k${i}`, status: 'sent', rateKey: `u${i % 7}`, nextAttemptAt: now })));
  await outbox.insertMany([
    { key: 'p1', status: 'pending', rateKey: 'u1', nextAttemptAt: new Date(now.getTime() - 1000) },
    { key: 'p2', status: 'pending', rateKey: 'u2', nextAttemptAt: new Date(now.getTime() + 60_000) },
    { key: 's1', status: 'sending', rateKey: 'u3', leaseUntil: new Date(now.getTime() - 1000), nextAttemptAt: now },
  ]);
  const claim = {
    rateKey: { $nin: ['u3'] },
    $or: [
      { status: 'pending', nextAttemptAt: { $lte: now } },
      { status: 'sending', leaseUntil: { $lt: now } },
    ],
  };
  const e = (await t.conn.db.command({
    explain: { findAndModify: 'outbox', query: claim, sort: { nextAttemptAt: 1, _id: 1 }, update: { $set: { status: 'sending' } } },
    verbosity: 'executionStats',
  })) as Explained;
  // candidates: the 3 pending/sending documents (never the 3,000 sent ones); tested in nextAttemptAt order, p1 (the
  // earliest, no tie) matches first and ends the read (collection.ts, firstMatches)
  expect(e.executionStats).toMatchObject({ nReturned: 1, totalDocsExamined: 1 });
  expect(await outbox.findOneAndUpdate(claim, { $set: { status: 'sending' } }, { sort: { nextAttemptAt: 1, _id: 1 } })).toMatchObject({ key: 'p1' });
});

describe('semantics the lookup maps keep', () => {
  let c: Collection<Numbered>;
  beforeAll(async () => {
    if (!t.conn.db) throw new Error('not connected');
    c = t.conn.db.collection<Numbered>('semantics');
    await c.createIndex({ tags: 1 });
    await c.createIndex({ k: 1 }, { sparse: true });
    await c.createIndex({ p: 1 }, { unique: true, partialFilterExpression: { live: true } });
    await c.insertMany([
      { _id: 1, tags: ['a', 'b'], k: 1, p: 'x', live: true },
      { _id: 2, tags: 'a', k: null, p: 'x', live: false },
      { _id: 3, tags: [['a']], p: 'y' },
      { _id: 4, k: 1.0 },
      { _id: 5, tags: [] },
    ]);
  });

  test('multikey arrays: equality matches an element; a nested array does not (MongoDB semantics, like mingo)', async () => {
    expect((await c.find({ tags: 'a' }).toArray()).map((d) => d._id)).toEqual([1, 2]);
    expect((await c.find({ tags: { $in: ['b', 'zz'] } }).toArray()).map((d) => d._id)).toEqual([1]);
    expect(await c.countDocuments({ tags: 'a' })).toBe(2);
  });

  test('null and missing: {k: null} matches both (answered by a scan, not the sparse map)', async () => {
    expect((await c.find({ k: null }).toArray()).map((d) => d._id)).toEqual([2, 3, 5]);
    expect((await c.find({ k: 1 }).toArray()).map((d) => d._id)).toEqual([1, 4]); // 1 and 1.0 are one key
  });

  test('partial and sparse indexes still find documents outside them', async () => {
    expect((await c.find({ p: 'x' }).toArray()).map((d) => d._id)).toEqual([1, 2]);
    expect(await c.countDocuments({ p: 'x' })).toBe(2);
  });

  test('keys move with updates and leave with deletes; natural order is kept', async () => {
    await c.updateOne({ _id: 1 }, { $set: { tags: ['c'] } });
    await c.updateOne({ _id: 5 }, { $push: { tags: 'a' } } as Document);
    expect((await c.find({ tags: 'a' }).toArray()).map((d) => d._id)).toEqual([2, 5]);
    expect((await c.find({ tags: 'c' }).toArray()).map((d) => d._id)).toEqual([1]);
    await c.deleteOne({ _id: 2 });
    expect((await c.find({ tags: 'a' }).toArray()).map((d) => d._id)).toEqual([5]);
    expect(await c.countDocuments({ tags: 'a' })).toBe(1);
  });
});
