/**
 * String ranges in the filter tree (src/store/embedded/match.ts): `$lt` `$lte` `$gt` `$gte` with a string operand
 * (the registry's 有效期 dates of 附件5's 获证企业数) answer like mingo on random documents, and a comparison where the
 * UTF-16 order (mingo) and MongoDB's code point order could differ (a surrogate against a unit from U+E000) is left
 * to mingo, not decided by the tree.
 */
import { BSON } from 'bson';
import { compileMatcher, compileTree, treeStats } from '../../src/store/embedded/match';
import { newQuery } from '../../src/store/embedded/mingo';
import { deepFreeze, type Document } from '../../src/store/embedded/values';
import { mulberry32 } from '../../src/domain/prng';
import { matcherAgreeingWithMingo } from '../support/mingoAgreement';

const STRINGS = ['', '2024-01-01', '2024-01-02', '2023-12-31', '2024-1', '夏县', '夏', '运城', 'x', 'X', '\ue000', '😀', 'a😀', 'a\ue000', '\ud800'];
const OTHERS: unknown[] = [1, 0, null, true, new Date('2024-01-01T00:00:00Z'), ['2024-01-02'], { c: '2024' }];

function doc(next: () => number, i: number): Document {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const d: Document = { _id: i };
  if (next() < 0.9) d.a = next() < 0.8 ? pick(STRINGS) : pick(OTHERS);
  if (next() < 0.9) d.b = { c: pick(STRINGS) };
  return deepFreeze(BSON.deserialize(BSON.serialize(d)));
}

it('string ranges answer like mingo, decided by the tree where the two orders agree', () => {
  const next = mulberry32(2024);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const docs = Array.from({ length: 300 }, (_, i) => doc(next, i));
  let decided = 0;
  let compared = 0;
  for (let n = 0; n < 300; n++) {
    const op = () => pick(['$lt', '$lte', '$gt', '$gte']);
    const filter: Document = next() < 0.5 ? { a: { [op()]: pick(STRINGS) } } : { a: { [op()]: pick(STRINGS), [op()]: pick(STRINGS) }, 'b.c': { [op()]: pick(STRINGS) } };
    expect(compileTree(filter)).toBeDefined();
    const fast = matcherAgreeingWithMingo(filter, docs);
    compared += docs.length;
    decided += docs.length - treeStats(fast).undecided;
  }
  expect(compared).toBe(300 * 300);
  expect(decided / compared).toBeGreaterThan(0.7);
});

it('the registry dates are compared by the tree alone; surrogates against U+E000 and above go to mingo', () => {
  const view = (d: Document) => deepFreeze(BSON.deserialize(BSON.serialize(d)));
  const valid = compileMatcher({ validTo: { $gte: '2024-01-01' }, validFrom: { $lte: '2024-03-20' } });
  expect(valid.test(view({ validTo: '2026-05-31', validFrom: '2021-06-01' }))).toBe(true);
  expect(valid.test(view({ validTo: '2023-12-31', validFrom: '2021-06-01' }))).toBe(false);
  expect(valid.test(view({ validTo: '2024-01-01', validFrom: '2024-03-21' }))).toBe(false);
  expect(valid.test(view({ validTo: 20260531, validFrom: '2021-06-01' }))).toBe(false);
  expect(valid.test(view({ validFrom: '2021-06-01' }))).toBe(false);
  expect(treeStats(valid)).toEqual({ tree: true, undecided: 0 });
  // mingo's UTF-16 order puts '😀' (a surrogate pair) below '\ue000'; the tree does not decide that one
  const high = compileMatcher({ a: { $lt: '\ue000' } });
  expect(high.test(view({ a: '😀' }))).toBe(newQuery({ a: { $lt: '\ue000' } }).test(view({ a: '😀' })));
  expect(treeStats(high).undecided).toBe(1);
});
