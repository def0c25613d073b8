/**
 * An update changes a working copy in which only the objects and arrays along its paths are new (update.ts copyPaths),
 * and gives back the stored typed values for what it left as it was (values.ts retype's `stored`). Random stored
 * documents (frozen, as the collection keeps them) and random operator updates: the new document is what mingo's
 * update makes of a full copy, number types included for the parts left as they were, and the stored version stays
 * byte for byte what it was.
 */
import { BSON, Double, Int32, Long } from 'bson';
import { mingoUpdate } from '../../src/store/embedded/mingo';
import { applyUpdate, type UpdateSpec } from '../../src/store/embedded/update';
import { CommandError, makeVersion, serialize, type Document } from '../../src/store/embedded/values';
import { mulberry32 } from '../../src/domain/prng';
import { randomModifier } from '../support/randomValues';

const PATHS = ['a', 'c.d', 'c.e', 'c.f.g', 'arr', 'objs', 'n', 'c', 'objs.$[]', 'objs.$[].k', 'arr.1', 'c.arr'];
const VALUES: unknown[] = [1, 2.5, -1, 'x', true, null, [1, 2], ['x'], { k: 1 }, new Date(0), { k: [1, { z: 2 }] }];

test('random updates on stored documents: the same document as from a full copy, the stored version untouched', () => {
  const next = mulberry32(17);
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  let compared = 0;
  for (let n = 0; n < 3000; n++) {
    const v = makeVersion({
      _id: n,
      a: pick(VALUES),
      c: { d: pick(VALUES), e: { x: new Int32(1), y: new Double(2) }, f: { g: pick(VALUES) }, arr: [new Long(3), 'q'] },
      arr: [1, 'x', 2],
      objs: [{ k: new Int32(1), v: [1, 2] }, { k: 2.5, w: { deep: 'y' } }],
      n: int(5),
      big: Long.fromString('9007199254740993'),
    });
    const modifier: Document = randomModifier(int, { paths: PATHS, values: VALUES, maxOps: 3, push: { $each: [1, { k: 3 }], $slice: 3 }, renameTo: (p) => !p.includes('$') });
    const before = Buffer.from(v.raw);
    const plainBefore = serialize(v.plain);
    const spec: UpdateSpec = { q: {}, qTyped: {}, u: modifier, uTyped: modifier };
    let out: Document;
    try {
      out = applyUpdate(spec, v.typed(), v.plain, false);
    } catch (e) {
      if (e instanceof CommandError) continue; // refused as MongoDB refuses it: nothing to compare
      throw e;
    }
    // the reference: mingo's update on a full, unfrozen copy of the stored document
    const full = BSON.deserialize(v.raw);
    mingoUpdate(full, modifier);
    const got = BSON.deserialize(serialize(out));
    const want = BSON.deserialize(serialize(full));
    expect(JSON.stringify(got)).toBe(JSON.stringify(want));
    // parts not named by the update keep their exact number types
    if (!Object.keys(modifier).some((op) => Object.keys(modifier[op] as Document).some((p) => p === 'c' || p.startsWith('c.e') || p === 'c.arr' || p.startsWith('c.arr.'))) && !modifier.$rename) {
      expect((out.c as Document | undefined)?.e).toEqual(v.typed().c.e);
    }
    expect(Buffer.compare(v.raw, before)).toBe(0);
    expect(Buffer.compare(serialize(v.plain), plainBefore)).toBe(0);
    compared++;
  }
  expect(compared).toBeGreaterThan(600);
});

