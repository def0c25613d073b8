/**
 * TTL expiry at the scale of a city: the embedded server's expiry reads only the documents whose date came due
 * (collection.ts keeps each TTL index's dates in a heap), never the whole collection, while expiring exactly what a
 * full scan would. The wire-level behaviour is in ttl.test.ts.
 */
import { Collection } from '../../src/store/embedded/collection';

const MINUTE = 60_000;
const now = Date.UTC(2026, 11, 4, 6, 0, 0);

function events(n: number): Collection {
  const c = new Collection('db', 'events');
  c.createIndex({ key: { at: 1 }, name: 'at_1', expireAfterSeconds: 60 });
  for (let i = 0; i < n; i++) c.insert({ _id: i, at: new Date(now + i * 1000) });
  return c;
}

test('expiry reads only the due documents, not the 5,000 others', () => {
  const c = events(5000);
  c.insert({ _id: 'old', at: new Date(now - 2 * MINUTE) });
  c.insert({ _id: 'undated' });
  c.insert({ _id: 'several', at: [new Date(now + 10 * MINUTE), new Date(now - 5 * MINUTE)] });
  c.sweepTtl(now);
  expect(c.byId('old')).toBeUndefined();
  expect(c.byId('several')).toBeUndefined(); // the earliest date counts, as in MongoDB
  expect(c.byId('undated')).toBeDefined();
  expect(c.slots.size).toBe(5001);
  expect(c.stats.ttlExamined).toBe(2);

  c.sweepTtl(now + 1000); // nothing more came due: nothing read
  expect(c.stats.ttlExamined).toBe(2);
  expect(c.slots.size).toBe(5001);
});

test('a date an update moves is expired at its new time, not at its old one', () => {
  const c = events(100);
  const earlier = c.byId(50)!;
  c.replace(earlier, { _id: 50, at: new Date(now - 2 * MINUTE) });
  const later = c.byId(0)!;
  c.replace(later, { _id: 0, at: new Date(now + 60 * MINUTE) });
  const kept = c.byId(1)!;
  c.replace(kept, { _id: 1, at: new Date(now + 1000), note: 'same date' });

  c.sweepTtl(now);
  expect(c.byId(50)).toBeUndefined();
  expect(c.byId(0)).toBeDefined();

  // a minute and a second on, documents 0 (its old date) and 1 come due: 0 is read again and kept, 1 goes
  c.sweepTtl(now + MINUTE + 1000);
  expect(c.byId(0)).toBeDefined();
  expect(c.byId(1)).toBeUndefined();
  expect(c.byId(2)).toBeDefined();
  expect(c.stats.ttlExamined).toBe(3);
});

test('documents stored before the TTL index exists expire too; removed ones are skipped', () => {
  const c = new Collection('db', 'events');
  c.insert({ _id: 'a', at: new Date(now - 2 * MINUTE) });
  c.insert({ _id: 'b', at: new Date(now - 2 * MINUTE) });
  c.insert({ _id: 'c', at: new Date(now) });
  c.createIndex({ key: { at: 1 }, name: 'at_1', expireAfterSeconds: 60 });
  c.remove(c.byId('b')!);
  c.sweepTtl(now);
  expect([...c.slots].map((s) => s.v.typed()._id)).toEqual(['c']);
  expect(c.stats.ttlExamined).toBe(1);
});
