/**
 * excludeBytes.ts: an exclusion projection cut from a stored document's bytes gives the bytes of the document with
 * those fields removed (types, order and every other byte as stored), and hands every case it does not take back to
 * the engine's decoded projection, which then answers as MongoDB does. Through the engine: a findAndModify and a find
 * with an exclusion projection answer the same documents as before the change.
 */
import { BSON, Double, Int32, Long, ObjectId, type Document } from 'bson';
import { exclusionTree, excludeBytes } from '../../src/store/embedded/excludeBytes';
import { Engine } from '../../src/store/embedded/engine';
import { mulberry32 } from '../../src/domain/prng';
import { replyOf } from '../support/engineReply';
import { NAMES, randomDoc } from '../support/randomBson';

const TYPED = { promoteValues: false } as const;
function randomPaths(next: () => number): string[] {
  const paths = new Set<string>();
  const count = 1 + Math.floor(next() * 3);
  for (let i = 0; i < count; i++) {
    const depth = 1 + Math.floor(next() * 3);
    paths.add(Array.from({ length: depth }, () => NAMES[Math.floor(next() * NAMES.length)]).join('.'));
  }
  return [...paths];
}

/** MongoDB's exclusion on a typed document, for paths through documents only (what excludeBytes takes). */
function reference(doc: Document, paths: string[]): Document {
  const out: Document = {};
  for (const k of Object.keys(doc)) {
    if (paths.includes(k)) continue;
    const inner = paths.filter((p) => p.startsWith(`${k}.`)).map((p) => p.slice(k.length + 1));
    const v = doc[k];
    const isDoc = v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
    out[k] = inner.length > 0 && isDoc ? reference(v as Document, inner) : v;
  }
  return out;
}

/** Whether a path of `paths` meets an array before its last segment in `doc`. */
function throughArray(doc: unknown, paths: string[]): boolean {
  return paths.some((p) => {
    let v: unknown = doc;
    for (const part of p.split('.').slice(0, -1)) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
      v = (v as Document)[part];
      if (Array.isArray(v)) return true;
    }
    return false;
  });
}

test('random documents and exclusions: the bytes of the document without the fields, or handed back for an array on the path', () => {
  const next = mulberry32(20261205);
  let cut = 0;
  let handedBack = 0;
  for (let n = 0; n < 2000; n++) {
    const bytes = Buffer.from(BSON.serialize({ _id: new ObjectId(), ...randomDoc(next, 0) }));
    const paths = randomPaths(next);
    const tree = exclusionTree(Object.fromEntries(paths.map((p) => [p, 0])));
    const typed = BSON.deserialize(bytes, TYPED);
    const collides = paths.some((p) => paths.some((q) => q !== p && q.startsWith(`${p}.`)));
    if (collides) {
      expect(tree).toBeUndefined();
      continue;
    }
    const out = excludeBytes(bytes, tree!);
    if (throughArray(typed, paths)) {
      expect(out).toBeUndefined();
      handedBack++;
      continue;
    }
    expect(out).toBeDefined();
    expect(Buffer.compare(out!, Buffer.from(BSON.serialize(reference(typed, paths))))).toBe(0);
    cut++;
  }
  // both kinds were exercised
  expect(cut).toBeGreaterThan(500);
  expect(handedBack).toBeGreaterThan(50);
});

test('projections it does not take: inclusions, operators, $ paths, empty segments, collisions', () => {
  for (const p of [
    { a: 1 },
    { a: 0, b: 1 },
    { a: true },
    { a: { $slice: 1 } },
    { 'a.$': 0 },
    { 'a..b': 0 },
    { '': 0 },
    { a: 0, 'a.b': 0 },
    { 'a.b': 0, a: 0 },
    { a: '0' },
    {},
  ]) {
    expect(exclusionTree(p)).toBeUndefined();
  }
  expect(exclusionTree({ a: 0, 'b.c': false })).toBeDefined();
});

test('nothing named is there: the same bytes', () => {
  const bytes = Buffer.from(BSON.serialize({ _id: 1, a: { b: 1 }, c: 'x' }));
  expect(excludeBytes(bytes, exclusionTree({ 'a.z': 0, q: 0, 'c.d': 0 })!)).toBe(bytes);
});

describe('through the engine', () => {
  const engine = new Engine();
  // the reply as the client reads it: encoded as the server sends it (stored bytes spliced in), decoded
  const run = (body: Document) => replyOf(engine, body);
  const task = {
    _id: 1,
    version: new Int32(3),
    score: new Double(1),
    big: Long.fromNumber(5),
    inspection: { cursor: new Int32(2), answers: [{ item: new Int32(1) }], history: [{ item: new Int32(1), outcome: 'saved' }], lastActive: { ou_a: new Date(0) } },
    items: [{ history: 1, keep: 2 }],
  };

  beforeAll(() => {
    expect(run({ insert: 't', documents: [task] }).n).toEqual(new Int32(1));
  });

  test('findAndModify with the answer exclusion: the document without history and lastActive, number types kept', () => {
    const reply = run({
      findAndModify: 't',
      query: { _id: 1 },
      update: { $inc: { version: new Int32(1) } },
      new: true,
      fields: { 'inspection.history': 0, 'inspection.lastActive': 0 },
    });
    expect(reply.ok).toEqual(new Double(1));
    const value = reply.value as Document;
    expect(Object.keys(value)).toEqual(['_id', 'version', 'score', 'big', 'inspection', 'items']);
    expect(value.version).toEqual(new Int32(4));
    expect(value.score).toEqual(new Double(1));
    expect(value.big).toEqual(Long.fromNumber(5));
    expect(value.inspection).toEqual({ cursor: new Int32(2), answers: [{ item: new Int32(1) }] });
  });

  test('an exclusion through an array is projected per element, as MongoDB does', () => {
    const reply = run({ find: 't', filter: { _id: 1 }, projection: { 'items.history': 0 } });
    const doc = (reply.cursor as Document).firstBatch[0] as Document;
    expect(doc.items).toEqual([{ keep: new Int32(2) }]);
    expect(doc.inspection.history).toHaveLength(1);
  });
});
