/**
 * An equality join's output is sent as the stored bytes of the input document and of the joined documents, put
 * together (joinBytes.ts), where that gives what re-typing the output and encoding it gives. Random documents with
 * every kind of value (numbers of each type, whole doubles, small and large int64, NaN, -0, regexes, symbols, code,
 * DBRefs, `$`-prefixed and integer-like keys, sub-document `_id`s, an `as` that names an existing field): the
 * aggregate's reply is the same bytes with and without it, and the common shape does use it.
 */
import { BSON, EJSON, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, ObjectId } from 'bson';
import type { Document } from '../../src/store/embedded/values';
import { isolatedEngine, type RunBytes } from '../support/isolatedEngine';
import { mulberry32 } from '../../src/domain/prng';

const JOIN_BYTES = '../../src/store/embedded/joinBytes';

function engines(): { general: RunBytes; fast: RunBytes; used: () => number } {
  let used = 0;
  const fast = isolatedEngine({
    [JOIN_BYTES]: () => {
      const actual = jest.requireActual(JOIN_BYTES);
      return {
        joinedBytes: (...args: unknown[]) => {
          const out = actual.joinedBytes(...args);
          if (out) used++;
          return out;
        },
      };
    },
  });
  const general = isolatedEngine({ [JOIN_BYTES]: () => ({ joinedBytes: () => undefined }) });
  return { general, fast, used: () => used };
}

const VALUES: (() => unknown)[] = [
  () => new Int32(3),
  () => new Double(3),
  () => new Double(3.5),
  () => new Double(-0),
  () => new Double(NaN),
  () => new Double(2 ** 40),
  () => Long.fromNumber(7),
  () => Long.fromString('9007199254740993'),
  () => 'text',
  () => true,
  () => null,
  () => new Date(0),
  () => new ObjectId(),
  () => new Decimal128('2.5'),
  () => /x/i,
  () => new BSONSymbol('s'),
  () => new Code('f()'),
  () => new DBRef('c', new ObjectId()),
  () => ({ nested: new Double(1) }),
  () => ({ $odd: 1 }),
  () => ({ 5: 'five', b: 1 }),
  () => [new Int32(1), new Double(2)],
];

test('random documents: the aggregate reply of an equality join is the same bytes put together or encoded', () => {
  const { general, fast, used } = engines();
  const next = mulberry32(53);
  const int = (n: number) => Math.floor(next() * n);
  const value = () => VALUES[int(VALUES.length)]();
  const run = (cmd: Document): Buffer => {
    const replies = [general, fast].map((e) => e({ ...cmd, $db: 'db' }));
    expect(replies[1].equals(replies[0])).toBe(true);
    return replies[0];
  };
  run({ createIndexes: 'extras', indexes: [{ key: { campaignId: 1 }, name: 'campaignId_1' }] });
  const campaigns = Array.from({ length: 6 }, () => new ObjectId());
  for (const [i, id] of campaigns.entries()) {
    // half of the campaigns hold only values whose bytes are what the plain encoding gives
    run({ insert: 'campaigns', documents: [i % 2 ? { _id: id, v: value(), w: value() } : { _id: id, name: `c${i}`, n: new Int32(i), at: new Date(i) }] });
    for (let k = int(3); k > 0; k--) run({ insert: 'extras', documents: [{ _id: new ObjectId(), campaignId: id, x: i % 2 ? value() : 'plain', d: new Double(0.5) }] });
  }
  const tasks: unknown[] = [];
  for (let n = 0; n < 120; n++) {
    const id = n % 10 === 0 ? { k: n } : n % 7 === 0 ? new Int32(n) : new ObjectId();
    tasks.push(id);
    const doc: Document = { _id: id, campaignId: campaigns[int(campaigns.length)], a: value(), b: { c: value() } };
    if (n % 9 === 0) doc.joined = 'a field the lookup replaces';
    run({ insert: 'tasks', documents: [doc] });
  }
  let replies = 0;
  for (const id of tasks) {
    const as = int(8) === 0 ? 'joined' : 'campaign';
    run({
      aggregate: 'tasks',
      pipeline: [
        { $match: { _id: id } },
        { $lookup: { from: 'campaigns', localField: 'campaignId', foreignField: '_id', as } },
        { $lookup: { from: 'extras', localField: 'campaignId', foreignField: 'campaignId', as: 'extras' } },
      ],
      cursor: {},
    });
    replies++;
  }
  // several documents at once, in batches of two, the rest through getMore (cursor ids are random: compared apart)
  const batches = [general, fast].map((e) => {
    const typed = (b: Buffer) => BSON.deserialize(b, { promoteValues: false });
    const first = typed(e({ aggregate: 'tasks', pipeline: [{ $match: { a: 'text' } }, { $lookup: { from: 'campaigns', localField: 'campaignId', foreignField: '_id', as: 'c' } }], cursor: { batchSize: 2 }, $db: 'db' }));
    const out = [EJSON.stringify(first.cursor.firstBatch, { relaxed: false })];
    const id = first.cursor.id as Long;
    if (!id.isZero()) out.push(EJSON.stringify(typed(e({ getMore: id, collection: 'tasks', $db: 'db' })).cursor.nextBatch, { relaxed: false }));
    return out;
  });
  expect(batches[1]).toEqual(batches[0]);
  expect(batches[0]).toHaveLength(2);
  expect(replies).toBe(120);
  expect(used()).toBeGreaterThan(20);
});

test('the start’s shape: the task, its campaign and its extra checklists, exactly as encoded from the re-typed document', () => {
  const { general, fast, used } = engines();
  const campaign = new ObjectId();
  const task = new ObjectId();
  const docs: [string, Document][] = [
    ['campaigns', { _id: campaign, name: '2026 年抽查', year: new Int32(2026), window: { from: new Date(0), to: new Date(1) } }],
    ['extrachecklists', { _id: new ObjectId(), campaignId: campaign, items: [{ no: new Int32(1), text: '检查项' }] }],
    ['tasks', { _id: task, campaignId: campaign, version: new Int32(3), score: new Double(2.5), big: Long.fromString('9007199254740993'), small: Long.fromNumber(4) }],
  ];
  for (const e of [general, fast]) {
    for (const [coll, doc] of docs) expect(BSON.deserialize(e({ insert: coll, documents: [doc], $db: 'db' })).ok).toBe(1);
  }
  const cmd = {
    aggregate: 'tasks',
    pipeline: [
      { $match: { _id: task } },
      { $lookup: { from: 'campaigns', localField: 'campaignId', foreignField: '_id', as: '__startCampaign' } },
      { $lookup: { from: 'extrachecklists', localField: 'campaignId', foreignField: 'campaignId', as: '__startExtras' } },
    ],
    cursor: {},
    $db: 'db',
  };
  const [want, got] = [general, fast].map((e) => e(cmd));
  expect(got.equals(want)).toBe(true);
  expect(used()).toBe(1);
  const doc = BSON.deserialize(got, { promoteValues: false }).cursor.firstBatch[0];
  // the task's number types as stored
  expect(doc.version).toBeInstanceOf(Int32);
  expect(doc.small).toBeInstanceOf(Long);
  expect(doc.__startCampaign[0].name).toBe('2026 年抽查');
  expect(doc.__startExtras).toHaveLength(1);
});
