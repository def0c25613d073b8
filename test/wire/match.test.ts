/**
 * The filter tree (src/store/embedded/match.ts) answers like mingo: random documents (scalars of every type the tree
 * knows, arrays, nested arrays, sub-documents, missing fields, null, big Longs, NaN) against random filters of the
 * shapes it compiles, each answer compared with a plain mingo Query of the same filter.
 */
import { BSON, Long, ObjectId } from 'bson';
import { compileMatcher, compileTree, treeStats } from '../../src/store/embedded/match';
import { newQuery } from '../../src/store/embedded/mingo';
import { deepFreeze, type Document } from '../../src/store/embedded/values';
import { mulberry32 } from '../../src/domain/prng';
import { matcherAgreeingWithMingo } from '../support/mingoAgreement';

const oidA = new ObjectId('6b12ba9180b58ead65a02e43');
const oidB = new ObjectId('6b12ba9180b58ead65a02e44');
const d1 = new Date('2026-12-04T13:05:34.863Z');
const d2 = new Date('2026-12-04T13:06:34.863Z');
const SCALARS: unknown[] = ['x', 'y', '', 0, 1, 2, 1.5, -3, true, false, d1, d2, oidA, oidB, null];
const OPERANDS: unknown[] = ['x', 'y', 0, 1, 1.5, true, false, d1, d2, new ObjectId(oidA.toHexString()), oidB];

function rng(seed: number) {
  const next = mulberry32(seed);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  return { next, int, pick };
}

type R = ReturnType<typeof rng>;

function value(r: R, depth: number): unknown {
  const k = r.int(14);
  if (k < 8 || depth > 1) return r.pick(SCALARS);
  if (k < 10) return Array.from({ length: r.int(3) }, () => value(r, depth + 1));
  if (k < 12) return { c: value(r, depth + 1), d: r.pick(SCALARS) };
  if (k === 12) return Long.fromString('9007199254740993');
  return Number.NaN;
}

function randomDoc(r: R, i: number): Document {
  const doc: Document = { _id: i };
  for (const f of ['a', 'b', 's']) if (r.int(5) > 0) doc[f] = value(r, 0);
  // the plain view as stored: through BSON, promoted, frozen
  return deepFreeze(BSON.deserialize(BSON.serialize(doc)));
}

function condition(r: R): unknown {
  const op = r.pick(['eq', '$eq', '$ne', '$in', '$nin', '$lt', '$lte', '$gt', '$gte', 'two']);
  const operand = () => r.pick(OPERANDS);
  const ranged = () => r.pick([0, 1, 1.5, -3, d1, d2]);
  switch (op) {
    case 'eq':
      return operand();
    case '$in':
    case '$nin':
      return { [op]: Array.from({ length: r.int(3) }, operand) };
    case '$lt':
    case '$lte':
    case '$gt':
    case '$gte':
      return { [op]: ranged() };
    case 'two':
      return { $gte: ranged(), $lt: ranged() };
    default:
      return { [op]: operand() };
  }
}

function randomFilter(r: R, depth = 0): Document {
  const f: Document = {};
  const n = 1 + r.int(2);
  for (let i = 0; i < n; i++) {
    const k = r.int(10);
    if (k < 2 && depth < 2) f[r.pick(['$or', '$and'])] = Array.from({ length: 1 + r.int(2) }, () => randomFilter(r, depth + 1));
    else f[r.pick(['a', 'b', 's', 'a.c', 'a.d', 'b.c'])] = condition(r);
  }
  return f;
}

describe('the filter tree answers like mingo', () => {
  test('random documents against random filters', () => {
    const r = rng(11);
    const docs = Array.from({ length: 200 }, (_, i) => randomDoc(r, i));
    let decided = 0;
    let compared = 0;
    for (let n = 0; n < 400; n++) {
      const filter = randomFilter(r);
      expect(compileTree(filter)).toBeDefined();
      const fast = matcherAgreeingWithMingo(filter, docs);
      compared += docs.length;
      decided += docs.length - treeStats(fast).undecided;
    }
    expect(compared).toBe(400 * 200);
    // most answers come from the tree itself (arrays, sub-documents, Longs and NaN are left to mingo)
    expect(decided / compared).toBeGreaterThan(0.5);
  });

  test('equality through arrays of sub-documents (a team of members) is decided by the tree, as mingo decides it', () => {
    const r = rng(29);
    const member = (): unknown => (r.int(6) === 0 ? r.pick(SCALARS) : r.int(6) === 0 ? {} : { c: r.pick(SCALARS), d: r.int(4) === 0 ? [r.pick(SCALARS), r.pick(SCALARS)] : r.pick(SCALARS) });
    const docs = Array.from({ length: 300 }, (_, i) =>
      deepFreeze(BSON.deserialize(BSON.serialize({ _id: i, a: Array.from({ length: r.int(4) }, member), b: { c: Array.from({ length: r.int(3) }, () => r.pick(SCALARS)) } }))),
    );
    let compared = 0;
    for (let n = 0; n < 300; n++) {
      const path = r.pick(['a.c', 'a.d', 'b.c', 'a']);
      const filter = r.int(2) === 0 ? { [path]: r.pick(OPERANDS) } : { [path]: { $in: [r.pick(OPERANDS), r.pick(OPERANDS)] }, _id: { $gte: r.int(50) } };
      matcherAgreeingWithMingo(filter, docs);
      compared += docs.length;
    }
    expect(compared).toBe(300 * 300);
    // an answer's compare-and-set filter on a task: decided without mingo
    const task = deepFreeze(
      BSON.deserialize(BSON.serialize({ _id: oidA, version: 4, state: '检查中', team: [{ openId: 'ou_a', name: '甲' }, { openId: 'ou_b', name: '乙' }], inspection: { cursor: 2 } })),
    );
    const cas = (openId: string, cursor: number) => compileMatcher({ _id: oidA, version: 4, state: '检查中', 'team.openId': openId, 'inspection.cursor': cursor });
    const yes = cas('ou_b', 2);
    expect(yes.test(task)).toBe(true);
    expect(cas('ou_c', 2).test(task)).toBe(false);
    expect(cas('ou_a', 3).test(task)).toBe(false);
    expect(treeStats(yes)).toEqual({ tree: true, undecided: 0 });
  });

  test('two filters of the same shape with different values are told apart', () => {
    const doc = deepFreeze(BSON.deserialize(BSON.serialize({ _id: oidA, version: 3, state: '检查中', at: d1 })));
    expect(compileMatcher({ _id: oidA, version: 3 }).test(doc)).toBe(true);
    expect(compileMatcher({ _id: oidA, version: 4 }).test(doc)).toBe(false);
    expect(compileMatcher({ _id: oidB, version: 3 }).test(doc)).toBe(false);
    expect(compileMatcher({ at: { $lt: d2 } }).test(doc)).toBe(true);
    expect(compileMatcher({ at: { $lt: d1 } }).test(doc)).toBe(false);
    expect(compileMatcher({ at: { $lte: d1 } }).test(doc)).toBe(true);
  });

  test('shapes outside the tree go to mingo, which still refuses malformed filters', () => {
    for (const f of [{ a: { $regex: 'x' } }, { a: null }, { a: { $exists: true } }, { $expr: { $eq: ['$a', 1] } }, { 'a.0': 1 }, { a: { b: 1 } }, { a: /x/ }]) {
      expect(compileTree(f)).toBeUndefined();
      expect(treeStats(compileMatcher(f)).tree).toBe(false);
    }
    expect(() => compileMatcher({ a: { $frobnicate: 1 } })).toThrow();
    expect(() => compileMatcher({ $nor: 5 })).toThrow();
  });
});
