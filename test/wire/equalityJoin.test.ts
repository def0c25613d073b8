/**
 * $lookup stages on equality of one field, answered from the foreign collection's lookup maps
 * (src/store/embedded/equalityJoin.ts): for random documents (arrays, nested arrays, nulls, missing fields, mixed
 * types, -0, dates, ObjectIds) that keep changing, with and without an index on the foreign field, the joined
 * documents are mingo's, in the same order, each foreign document once as MongoDB joins it (mingo repeats one whose
 * array holds the value twice; the reference below drops those repeats); a local value the maps do not key (missing,
 * null, an array, a sub-document) leaves the pipeline to mingo. Through the engine too, with the start's shape.
 */
import { ObjectId } from 'bson';
import { Aggregator, ProcessingMode } from 'mingo';
import { Collection } from '../../src/store/embedded/collection';
import { Engine } from '../../src/store/embedded/engine';
import { equalityJoin } from '../../src/store/embedded/equalityJoin';
import { plainCopy, type Document } from '../../src/store/embedded/values';
import { mulberry32 } from '../../src/domain/prng';
import { churn, randomValues } from '../support/randomValues';

const IDS = [new ObjectId(), new ObjectId(), new ObjectId()];
const DATES = [new Date(0), new Date(86_400_000)];

function gen(rnd: () => number) {
  const { pick, scalar, value } = randomValues(rnd, { ints: 3, strings: ['x', 'y', '1'], dates: DATES, ids: IDS, arrayChance: 0.2, arrayLength: 4, docChance: 0.07 });
  const doc = (): Document => {
    const d: Document = {};
    if (rnd() < 0.9) d.a = rnd() < 0.7 ? scalar() : value();
    if (rnd() < 0.6) d.b = rnd() < 0.6 ? { c: scalar() } : Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => ({ c: value() }));
    if (rnd() < 0.8) d.k = rnd() < 0.7 ? scalar() : value();
    return d;
  };
  return { doc, pick, scalar };
}

/** mingo's joins, with a foreign document joined once (mingo repeats it, next to itself, per matching element) */
const reference = (stages: Document[], input: Document[], foreign: Map<string, Document[]>) =>
  new Aggregator(stages, { processingMode: ProcessingMode.CLONE_INPUT, collectionResolver: (name: string) => (foreign.get(name) ?? []).map(plainCopy) })
    .run(input.map(plainCopy))
    .map((doc) => {
      const out: Document = { ...doc };
      for (const s of stages) {
        const as = (s.$lookup as { as: string }).as;
        const joined = out[as] as Document[];
        out[as] = joined.filter((d, i) => i === 0 || !idEqual(d._id, joined[i - 1]._id));
      }
      return out;
    });

const idEqual = (a: unknown, b: unknown) => (a instanceof ObjectId && b instanceof ObjectId ? a.equals(b) : a === b);

test('a foreign document whose array holds the value twice is joined once (MongoDB), not once per element (mingo)', () => {
  const foreign = new Collection('db', 'f');
  const twice = foreign.insert({ k: [5, 5] });
  const nested = foreign.insert({ b: [{ c: 5 }, { c: 5 }] });
  const out = equalityJoin(
    [{ $lookup: { from: 'f', localField: 'a', foreignField: 'k', as: 'j' } }, { $lookup: { from: 'f', localField: 'a', foreignField: 'b.c', as: 'n' } }],
    () => [{ _id: 1, a: 5 }],
    () => foreign,
  );
  expect(out).toEqual([{ _id: 1, a: 5, j: [twice.v.plain], n: [nested.v.plain] }]);
});

test('equality lookups from the lookup maps give exactly mingo’s joins (random data, changing, indexed or not)', () => {
  const rnd = mulberry32(20261204);
  const g = gen(rnd);
  const indexed = new Collection('db', 'indexed');
  indexed.createIndex({ key: { k: 1, a: 1 }, name: 'k_a' });
  indexed.createIndex({ key: { 'b.c': 1 }, name: 'bc' });
  const plain = new Collection('db', 'plain');
  for (let i = 0; i < 150; i++) {
    indexed.insert(g.doc());
    plain.insert(g.doc());
  }
  const colls = new Map([
    ['indexed', indexed],
    ['plain', plain],
  ]);
  let answered = 0;
  let declined = 0;
  for (let round = 0; round < 6; round++) {
    for (const coll of colls.values()) churn(coll, rnd, 15, g.doc);
    const views = new Map([...colls].map(([name, c]) => [name, c.plainViews()]));
    for (let i = 0; i < 60; i++) {
      const stages: Document[] = Array.from({ length: 1 + Math.floor(rnd() * 2) }, (_, j) => ({
        $lookup: { from: g.pick(['indexed', 'plain', 'missing']), localField: g.pick(['a', 'k', 'b.c', '_id']), foreignField: g.pick(['k', 'a', 'b.c', '_id']), as: `j${j}` },
      }));
      const input = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => ({ _id: new ObjectId(), a: g.scalar(), k: rnd() < 0.8 ? g.scalar() : [g.scalar()] }));
      const used = () => indexed.stats.lookups + plain.stats.lookups + plain.stats.scans;
      const before = used();
      const indexedScans = indexed.stats.scans;
      const out = equalityJoin(stages, () => input, (name) => colls.get(name));
      if (out === undefined) {
        declined++;
        continue;
      }
      answered++;
      expect({ stages, input, out: out.map(plainCopy) }).toEqual({ stages, input, out: reference(stages, input, views).map(plainCopy) });
      if (stages.some((s) => (s.$lookup as Document).from !== 'missing')) expect(used()).toBeGreaterThan(before);
      // every foreign field of `indexed` has a lookup map: no document read but the candidates
      expect(indexed.stats.scans).toBe(indexedScans);
    }
  }
  // both ways were exercised
  expect(answered).toBeGreaterThan(150);
  expect(declined).toBeGreaterThan(20);
});

test('other stages, sub-pipelines, let and dotted `as` are not this shape', () => {
  const input = () => [{ _id: 1, a: 1 }];
  const none = () => undefined;
  const lookup = { from: 'x', localField: 'a', foreignField: 'k', as: 'j' };
  expect(equalityJoin([], input, none)).toBeUndefined();
  expect(equalityJoin([{ $lookup: lookup }, { $unwind: '$j' }], input, none)).toBeUndefined();
  expect(equalityJoin([{ $lookup: { ...lookup, pipeline: [] } }], input, none)).toBeUndefined();
  expect(equalityJoin([{ $lookup: { ...lookup, let: { x: '$a' } } }], input, none)).toBeUndefined();
  expect(equalityJoin([{ $lookup: { ...lookup, as: 'j.k' } }], input, none)).toBeUndefined();
  expect(equalityJoin([{ $lookup: lookup }], input, none)).toEqual([{ _id: 1, a: 1, j: [] }]);
  // a local value the maps do not key: left to mingo
  expect(equalityJoin([{ $lookup: lookup }], () => [{ _id: 1 }], none)).toBeUndefined();
  expect(equalityJoin([{ $lookup: lookup }], () => [{ _id: 1, a: [1] }], none)).toBeUndefined();
});

test('through the engine: the start’s read (a task by _id, its campaign by _id, its lists by campaignId) from the maps', () => {
  const engine = new Engine();
  const run = (cmd: Document) => engine.run({ ...cmd, $db: 'e' }, { ...cmd, $db: 'e' }, { connectionId: 1 });
  const campaigns = [{ _id: new ObjectId(), from: '2024-03-15', to: '2024-10-31' }, { _id: new ObjectId(), from: '2025-01-01', to: '2025-12-31' }];
  const lists = [
    { _id: new ObjectId(), campaignId: campaigns[0]._id, name: 'B', items: [{ no: 1, text: 'x' }] },
    { _id: new ObjectId(), campaignId: campaigns[1]._id, name: 'other', items: [] },
    { _id: new ObjectId(), campaignId: campaigns[0]._id, name: 'A', items: [{ no: 1, text: 'y' }, { no: 2, text: 'z' }] },
  ];
  const task = { _id: new ObjectId(), campaignId: campaigns[0]._id, state: '待检查', version: 3, team: [{ openId: 'ou_1' }] };
  run({ insert: 'campaigns', documents: campaigns });
  run({ createIndexes: 'extras', indexes: [{ key: { campaignId: 1, name: 1 }, name: 'campaignId_1_name_1', unique: true }] });
  run({ insert: 'extras', documents: lists });
  run({ insert: 'tasks', documents: [task, { _id: new ObjectId(), campaignId: campaigns[1]._id }] });
  const pipeline = [
    { $match: { _id: task._id } },
    { $lookup: { from: 'campaigns', localField: 'campaignId', foreignField: '_id', as: 'c' } },
    { $lookup: { from: 'extras', localField: 'campaignId', foreignField: 'campaignId', as: 'x' } },
  ];
  const reply = run({ aggregate: 'tasks', pipeline, cursor: {} }) as { ok: number; cursor: { firstBatch: Document[] } };
  expect(reply.ok).toBe(1);
  expect(engine.equalityJoins).toBe(1);
  const expected = reference(pipeline.slice(1), [task], new Map<string, Document[]>([['campaigns', campaigns], ['extras', lists]]));
  expect(reply.cursor.firstBatch.map(plainCopy)).toEqual(expected.map(plainCopy));
  expect(reply.cursor.firstBatch[0]).toMatchObject({ c: [campaigns[0]], x: [lists[0], lists[2]] });
});
