/**
 * includeBytes.ts: an inclusion projection of top-level fields cut from a stored document's bytes gives the bytes of
 * `_id` (unless excluded) and the fields named, in the document's order, with their stored types; every case it does
 * not take goes back to the engine's decoded projection. Through the engine: find and findAndModify with such a
 * projection answer the fields in the document's order (MongoDB's; the decoded projection follows the projection's
 * order) and keep Int32 / Long / Double as stored.
 */
import { BSON, Double, Int32, Long, ObjectId, type Document } from 'bson';
import { mulberry32 } from '../../src/domain/prng';
import { replyOf } from '../support/engineReply';
import { Engine } from '../../src/store/embedded/engine';
import { includeBytes, inclusionOf } from '../../src/store/embedded/includeBytes';
import { NAMES, randomDoc } from '../support/randomBson';

const TYPED = { promoteValues: false } as const;

/** MongoDB's inclusion of top-level fields on a typed document: `_id` first unless excluded, then the document's order. */
function reference(doc: Document, fields: string[], id: boolean): Document {
  const out: Document = {};
  for (const k of Object.keys(doc)) if ((k === '_id' && id) || (k !== '_id' && fields.includes(k))) out[k] = doc[k];
  return out;
}

test('random documents and inclusions: the bytes of _id and the fields named, as stored, in the document’s order', () => {
  const next = mulberry32(20261206);
  let withoutId = 0;
  let someMissing = 0;
  for (let n = 0; n < 2000; n++) {
    const bytes = Buffer.from(BSON.serialize({ _id: new ObjectId(), ...randomDoc(next, 0) }));
    const typed = BSON.deserialize(bytes, TYPED);
    const fields = NAMES.filter(() => next() < 0.4);
    const id = next() < 0.7;
    // the projection's own order differs from the document's half of the time
    const ordered = next() < 0.5 ? fields : [...fields].reverse();
    const projection: Document = Object.fromEntries(ordered.map((f) => [f, next() < 0.5 ? 1 : true]));
    if (!id) projection._id = 0;
    else if (next() < 0.3) projection._id = 1;
    const inclusion = inclusionOf(projection);
    if (fields.length === 0 && !id) {
      expect(inclusion).toBeUndefined(); // {_id: 0}: an exclusion
      continue;
    }
    if (fields.length === 0 && projection._id === undefined) {
      expect(inclusion).toBeUndefined(); // {}: no projection
      continue;
    }
    expect(inclusion).toBeDefined();
    const out = includeBytes(bytes, inclusion!);
    expect(Buffer.compare(out!, Buffer.from(BSON.serialize(reference(typed, fields, id))))).toBe(0);
    if (!id) withoutId++;
    if (fields.some((f) => !(f in typed))) someMissing++;
  }
  // the cases were exercised
  expect(withoutId).toBeGreaterThan(300);
  expect(someMissing).toBeGreaterThan(300);
});

test('projections it does not take: paths, operators, literals, other numbers, exclusions, $ and empty names', () => {
  for (const p of [
    { 'a.b': 1 },
    { a: { $slice: 1 } },
    { a: 'x' },
    { a: 2 },
    { a: 0 },
    { a: 1, b: 0 },
    { $a: 1 },
    { '': 1 },
    { a: 1, _id: 'x' },
    { _id: 0 },
    {},
  ]) {
    expect(inclusionOf(p)).toBeUndefined();
  }
  expect(inclusionOf({ _id: 1 })).toEqual({ fields: new Set(), id: true });
  expect(inclusionOf({ a: true, _id: false })).toEqual({ fields: new Set(['a']), id: false });
});

test('a stored document whose _id is not first goes back to the decoded projection (which puts _id first)', () => {
  const bytes = Buffer.from(BSON.serialize({ a: 1, _id: 2, b: 3 }));
  expect(includeBytes(bytes, inclusionOf({ b: 1 })!)).toBeUndefined();
  // without _id, the order does not matter
  expect(BSON.deserialize(includeBytes(bytes, inclusionOf({ b: 1, _id: 0 })!)!)).toEqual({ b: 3 });
});

describe('through the engine', () => {
  const engine = new Engine();
  // the reply as the client reads it: encoded as the server sends it (stored bytes spliced in), decoded
  const run = (body: Document) => replyOf(engine, body);
  const staff = { _id: 1, openId: 'ou_a', name: '李明', county: '盐湖区', n: new Int32(3), big: Long.fromNumber(5), score: new Double(1), sub: { a: 1 } };

  beforeAll(() => {
    expect(run({ insert: 's', documents: [staff] }).n).toEqual(new Int32(1));
  });

  test('find: the fields in the document’s order, number types as stored, missing ones absent', () => {
    const reply = run({ find: 's', filter: {}, projection: { county: 1, openId: 1, n: 1, big: 1, score: 1, missing: 1 } });
    const doc = (reply.cursor as Document).firstBatch[0] as Document;
    expect(Object.keys(doc)).toEqual(['_id', 'openId', 'county', 'n', 'big', 'score']);
    expect(doc.n).toEqual(new Int32(3));
    expect(doc.big).toEqual(Long.fromNumber(5));
    expect(doc.score).toEqual(new Double(1));
    const noId = (run({ find: 's', filter: {}, projection: { name: 1, _id: 0 } }).cursor as Document).firstBatch[0] as Document;
    expect(noId).toEqual({ name: '李明' });
  });

  test('findAndModify: the new version’s fields (a campaign’s extrasRev, operations/checklists/extrasRevision.ts)', () => {
    const reply = run({ findAndModify: 's', query: { _id: 1 }, update: { $inc: { n: new Int32(1) } }, new: true, fields: { n: 1 } });
    expect(reply.value).toEqual({ _id: new Int32(1), n: new Int32(4) });
  });

  test('a path is still projected on the decoded copy, as before', () => {
    const doc = (run({ find: 's', filter: {}, projection: { 'sub.a': 1 } }).cursor as Document).firstBatch[0] as Document;
    expect(doc).toEqual({ _id: new Int32(1), sub: { a: new Int32(1) } });
  });
});
