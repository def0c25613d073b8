/**
 * values.ts plainClone (the working copy an update changes in place, update.ts copyTouched) gives what a copy through
 * BSON gives: equal values, new (unfrozen) objects and arrays, the stored version left as it was.
 */
import { BSON, Binary, Decimal128, Long, ObjectId } from 'bson';
import { deepFreeze, plainClone, plainCopy, type Document } from '../../src/store/embedded/values';
import { mulberry32 } from '../../src/domain/prng';

const LEAVES: unknown[] = ['x', '', 0, -1, 2.5, 2 ** 40, true, false, null, new Date('2026-12-04T13:05:34.863Z'), new ObjectId('6b12ba9180b58ead65a02e43'), Long.fromString('9007199254740993'), new Binary(Buffer.from('ab')), Decimal128.fromString('1.5'), /a+/i];

function randomValue(next: () => number, depth: number): unknown {
  const k = Math.floor(next() * 10);
  if (k < 6 || depth > 3) return LEAVES[Math.floor(next() * LEAVES.length)];
  if (k < 8) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
  const o: Document = {};
  for (let i = 0; i < Math.floor(next() * 4); i++) o[`f${i}`] = randomValue(next, depth + 1);
  return o;
}

test('plainClone equals a copy through BSON, with new containers and the stored version untouched', () => {
  const next = mulberry32(7);
  for (let n = 0; n < 300; n++) {
    const stored = deepFreeze(BSON.deserialize(BSON.serialize({ _id: n, v: randomValue(next, 0) })));
    const before = BSON.serialize(stored);
    const clone = plainClone(stored.v);
    expect(clone).toEqual(plainCopy({ v: stored.v }).v);
    const walk = (a: unknown, b: unknown) => {
      if (Array.isArray(a) || (typeof a === 'object' && a !== null && Object.getPrototypeOf(a) === Object.prototype)) {
        expect(a).not.toBe(b);
        expect(Object.isFrozen(a)).toBe(false);
        for (const k of Object.keys(a as object)) walk((a as Document)[k], (b as Document)[k]);
      }
    };
    walk(clone, stored.v);
    // an update's in-place changes reach the clone only
    if (Array.isArray(clone)) clone.push('more');
    else if (clone && typeof clone === 'object' && Object.getPrototypeOf(clone) === Object.prototype) (clone as Document).added = 1;
    expect(Buffer.compare(BSON.serialize(stored), before)).toBe(0);
  }
  // a key __proto__ is copied as data, as BSON does
  const odd = deepFreeze(BSON.deserialize(Buffer.from(BSON.serialize({ a: { ['__proto__']: 1, b: 2 } } as Document))));
  expect(plainClone(odd)).toEqual(plainCopy(odd));
});
