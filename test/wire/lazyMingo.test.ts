/**
 * The wire server loads mingo's expression, pipeline and projection operators (and mingo's index, ≈ 210 modules) only
 * when a command needs them: the everyday commands (indexes, inserts, finds with sorts and plain projections, operator
 * updates, findAndModify, the pipelines pipeline.ts compiles) run on the query operators and the updater alone, and
 * a command that does need the rest still gets MongoDB's answer.
 */
import { Schema } from 'mongoose';
import { openTestDb, type TestDb } from '../support/db';

let mockIndexLoads = 0;
let mockExpressionLoads = 0;
jest.mock('mingo', () => {
  mockIndexLoads += 1;
  return jest.requireActual('mingo');
});
jest.mock('mingo/operators/expression', () => {
  mockExpressionLoads += 1;
  return jest.requireActual('mingo/operators/expression');
});

let t: TestDb;

beforeAll(async () => {
  t = await openTestDb('wire_lazy_mingo');
});
afterAll(async () => {
  await t.close();
});

interface Item {
  name: string;
  n: number;
  tags: string[];
  groupId?: number;
}

it('runs the everyday commands without them and loads them for the first command that needs them', async () => {
  const Item = t.conn.model<Item>('LazyItem', new Schema<Item>({ name: String, n: Number, tags: [String], groupId: Number }), 'lazyitems');
  const Group = t.conn.model('LazyGroup', new Schema({ _id: Number, label: String }), 'lazygroups');
  await Item.collection.createIndex({ name: 1 }, { unique: true });
  await Item.insertMany([
    { name: 'a', n: 3, tags: ['x'], groupId: 1 },
    { name: 'b', n: 1, tags: [], groupId: 2 },
    { name: 'c', n: 2, tags: ['y'], groupId: 1 },
  ]);
  await Group.insertMany([{ _id: 1, label: 'one' }, { _id: 2, label: 'two' }]);
  expect(await Item.find({ n: { $gte: 2 } }, { name: 1, _id: 0 }).sort({ n: -1 }).lean()).toEqual([{ name: 'a' }, { name: 'c' }]);
  expect(await Item.find({}, { tags: 0, _id: 0, groupId: 0, __v: 0 }).sort({ name: 1 }).lean()).toEqual([{ name: 'a', n: 3 }, { name: 'b', n: 1 }, { name: 'c', n: 2 }]);
  await Item.updateOne({ name: 'b' }, { $inc: { n: 10 }, $push: { tags: 'z' } });
  await Item.updateOne({ name: 'd' }, { $set: { n: 0 }, $setOnInsert: { tags: [] } }, { upsert: true });
  const claimed = await Item.findOneAndUpdate({ n: { $lt: 3 } }, { $set: { n: 5 } }, { sort: { n: 1 }, returnDocument: 'after' }).lean();
  expect(claimed).toMatchObject({ name: 'd', n: 5 });
  const groups = await Item.aggregate<{ _id: number; n: number }>([{ $match: { groupId: { $exists: true } } }, { $group: { _id: '$groupId', n: { $sum: '$n' } } }, { $sort: { _id: 1 } }]);
  expect(groups).toEqual([{ _id: 1, n: 5 }, { _id: 2, n: 11 }]);
  expect(await Item.countDocuments({ tags: 'z' })).toBe(1);
  expect({ mockIndexLoads, mockExpressionLoads }).toEqual({ mockIndexLoads: 0, mockExpressionLoads: 0 });

  // $expr needs the expression operators
  expect((await Item.find({ $expr: { $gt: ['$n', 4] } }, { name: 1, _id: 0 }).sort({ name: 1 }).lean()).map((d) => d.name)).toEqual(['b', 'd']);
  expect(mockExpressionLoads).toBe(1);
  // a computed projection, and a pipeline the compiled code leaves to mingo ($lookup)
  expect(await Item.find({ name: 'a' }, { _id: 0, twice: { $multiply: ['$n', 2] } }).lean()).toEqual([{ twice: 6 }]);
  const joined = await Item.aggregate<{ name: string; g: { label: string }[] }>([
    { $match: { name: { $in: ['a', 'b'] } } },
    { $lookup: { from: 'lazygroups', localField: 'groupId', foreignField: '_id', as: 'g' } },
    { $project: { _id: 0, name: 1, 'g.label': 1 } },
    { $sort: { name: 1 } },
  ]);
  expect(joined).toEqual([{ name: 'a', g: [{ label: 'one' }] }, { name: 'b', g: [{ label: 'two' }] }]);
  expect({ mockIndexLoads, mockExpressionLoads }).toEqual({ mockIndexLoads: 1, mockExpressionLoads: 1 });
});
