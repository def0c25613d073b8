/**
 * mingoUpdate (src/store/embedded/mingo.ts) runs mingo's update operators on options built once, instead of mingo's
 * `update` entry point: random documents and random updates without positional paths give the same document (or the
 * same error) both ways.
 */
import { BSON } from 'bson';
import { Context } from 'mingo';
import { mingoUpdate } from '../../src/store/embedded/mingo';
import { parseOperators } from '../../src/store/embedded/updateRules';
import { type Document } from '../../src/store/embedded/values';
import { mulberry32 } from '../../src/domain/prng';
import { randomModifier } from '../support/randomValues';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { update } = require('mingo/updater') as {
  update(obj: Document, modifier: Document, arrayFilters?: Document[], condition?: Document, options?: { queryOptions: { context: Context } }): string[];
};

const PATHS = ['a', 'b', 'c.d', 'c.e', 'arr', 'n'];
const VALUES: unknown[] = [1, 2.5, -1, 'x', 'y', true, null, [1, 2], ['x'], { k: 1 }, new Date(0)];

function outcome(run: () => void, doc: Document): string {
  try {
    run();
    return JSON.stringify(doc);
  } catch (e) {
    return `error: ${e instanceof Error ? e.message : String(e)}`;
  }
}

describe('mingoUpdate answers like mingo’s update', () => {
  test('random documents and updates', () => {
    const next = mulberry32(5);
    const int = (n: number) => Math.floor(next() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
    let same = 0;
    let tried = 0;
    for (let n = 0; n < 3000; n++) {
      tried++;
      const base: Document = { _id: n, a: pick(VALUES), c: { d: pick(VALUES) }, arr: [1, 'x', 2], n: int(5) };
      const modifier: Document = randomModifier(int, { paths: PATHS, values: VALUES, maxOps: 2, push: { $each: [1, 2], $slice: 2 }, renameTo: () => true });
      try {
        parseOperators(modifier, undefined); // what the server refuses before mingo runs (conflicting paths: code 40)
      } catch {
        continue;
      }
      const copy = () => BSON.deserialize(BSON.serialize(base));
      const mine = copy();
      const theirs = copy();
      const a = outcome(() => mingoUpdate(mine, modifier), mine);
      const b = outcome(() => update(theirs, modifier, undefined, undefined, { queryOptions: { context: Context.init() } }), theirs);
      if (a !== b) throw new Error(`${JSON.stringify(modifier)} on ${JSON.stringify(base)}: ${a} vs mingo ${b}`);
      same++;
    }
    expect(same).toBeGreaterThan(tried * 0.6);
  });

  test('positional paths still go through mingo’s own update (the query picks the element)', () => {
    const doc: Document = { _id: 1, items: [{ k: 1, v: 0 }, { k: 2, v: 0 }] };
    mingoUpdate(doc, { $set: { 'items.$.v': 9 } }, undefined, { 'items.k': 2 });
    expect(doc.items).toEqual([{ k: 1, v: 0 }, { k: 2, v: 9 }]);
    mingoUpdate(doc, { $inc: { 'items.$[it].v': 1 } }, [{ 'it.k': 1 }]);
    expect(doc.items).toEqual([{ k: 1, v: 1 }, { k: 2, v: 9 }]);
  });
});
