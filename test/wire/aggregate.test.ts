/** Aggregation pipelines through real mongoose: $match/$group/$sort/$lookup/$unwind/$facet/$project and cursors. */
import { Schema, Types } from 'mongoose';
import { openTestDb, type TestDb } from '../support/db';

let t: TestDb;

const customerSchema = new Schema({ name: String, city: String });
const orderSchema = new Schema({ customer: Schema.Types.ObjectId, item: String, qty: Number, price: Number, at: Date });
const customers = () => t.conn.models.Customer ?? t.conn.model('Customer', customerSchema, 'customers');
const orders = () => t.conn.models.Order ?? t.conn.model('Order', orderSchema, 'orders');

const ids = { ann: new Types.ObjectId(), bob: new Types.ObjectId(), cid: new Types.ObjectId() };

beforeAll(async () => {
  t = await openTestDb('wire_agg');
  await customers().insertMany([
    { _id: ids.ann, name: 'Ann', city: 'Hangzhou' },
    { _id: ids.bob, name: 'Bob', city: 'Ningbo' },
    { _id: ids.cid, name: 'Cid', city: 'Hangzhou' },
  ]);
  await orders().insertMany([
    { customer: ids.ann, item: 'pen', qty: 2, price: 3, at: new Date('2024-01-05') },
    { customer: ids.ann, item: 'ink', qty: 1, price: 10, at: new Date('2024-02-01') },
    { customer: ids.bob, item: 'pen', qty: 5, price: 3, at: new Date('2024-02-03') },
    { customer: ids.cid, item: 'pad', qty: 4, price: 2.5, at: new Date('2024-03-09') },
  ]);
});
afterAll(async () => {
  await t.close();
});

test('$match, $group, $sort and $project', async () => {
  const rows = await orders().aggregate<{ _id: string; units: number; revenue: number; orders: number }>([
    { $match: { qty: { $gte: 1 } } },
    { $group: { _id: '$item', units: { $sum: '$qty' }, revenue: { $sum: { $multiply: ['$qty', '$price'] } }, orders: { $sum: 1 } } },
    { $sort: { revenue: -1, _id: 1 } },
  ]);
  expect(rows).toEqual([
    { _id: 'pen', units: 7, revenue: 21, orders: 2 },
    { _id: 'ink', units: 1, revenue: 10, orders: 1 },
    { _id: 'pad', units: 4, revenue: 10, orders: 1 },
  ]);

  const projected = await orders().aggregate([
    { $match: { item: 'ink' } },
    { $project: { _id: 0, item: 1, total: { $multiply: ['$qty', '$price'] }, month: { $dateToString: { format: '%Y-%m', date: '$at' } } } },
  ]);
  expect(projected).toEqual([{ item: 'ink', total: 10, month: '2024-02' }]);
});

test('$lookup across collections with $unwind', async () => {
  const rows = await orders().aggregate<{ item: string; name: string; city: string }>([
    { $lookup: { from: 'customers', localField: 'customer', foreignField: '_id', as: 'who' } },
    { $unwind: '$who' },
    { $match: { 'who.city': 'Hangzhou' } },
    { $project: { _id: 0, item: 1, name: '$who.name', city: '$who.city' } },
    { $sort: { name: 1, item: 1 } },
  ]);
  expect(rows).toEqual([
    { item: 'ink', name: 'Ann', city: 'Hangzhou' },
    { item: 'pen', name: 'Ann', city: 'Hangzhou' },
    { item: 'pad', name: 'Cid', city: 'Hangzhou' },
  ]);
  // the stored documents are untouched by the pipeline
  expect(await customers().findById(ids.ann).lean()).toMatchObject({ name: 'Ann', city: 'Hangzhou' });
  expect(await customers().findById(ids.ann).lean()).not.toHaveProperty('who');
});

test('$facet and $count', async () => {
  const [facets] = await orders().aggregate<{ total: { n: number }[]; byCustomer: { _id: Types.ObjectId; n: number }[] }>([
    {
      $facet: {
        total: [{ $count: 'n' }],
        byCustomer: [{ $group: { _id: '$customer', n: { $sum: 1 } } }, { $sort: { n: -1 } }, { $limit: 1 }],
      },
    },
  ]);
  expect(facets.total).toEqual([{ n: 4 }]);
  expect(facets.byCustomer[0]._id.equals(ids.ann)).toBe(true);
  expect(facets.byCustomer[0].n).toBe(2);
});

test('aggregate cursors honour batchSize across getMore', async () => {
  const coll = t.conn.collection('many');
  await coll.insertMany(Array.from({ length: 45 }, (_, i) => ({ i, even: i % 2 === 0 })));
  const seen: number[] = [];
  const cursor = coll.aggregate([{ $match: { even: true } }, { $sort: { i: -1 } }], { batchSize: 5 });
  for await (const doc of cursor) seen.push(doc.i as number);
  expect(seen).toEqual(Array.from({ length: 23 }, (_, k) => 44 - 2 * k));
});

test('countDocuments on an empty result and on a missing collection', async () => {
  expect(await orders().countDocuments({ item: 'nothing' })).toBe(0);
  expect(await t.conn.collection('absent').countDocuments()).toBe(0);
  expect(await t.conn.collection('absent').find().toArray()).toEqual([]);
  expect(await t.conn.collection('absent').aggregate([{ $match: {} }]).toArray()).toEqual([]);
});

test('deliberately unsupported features fail cleanly on the wire server', async () => {
  if (t.mongo.kind !== 'wire-server') return; // a real server supports them
  await expect(orders().aggregate([{ $out: 'copy' }])).rejects.toMatchObject({ code: 2 });
  await expect(orders().find({ $text: { $search: 'pen' } })).rejects.toMatchObject({ code: 2 });
  expect(await orders().countDocuments()).toBe(4);
});
