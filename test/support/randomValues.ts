/**
 * Random values for the embedded database's property tests (test/wire/lookupProperty.test.ts,
 * test/wire/equalityJoin.test.ts): scalars of every kind the lookup maps key or refuse (small integers, a double,
 * short strings, booleans, null, Dates, ObjectIds, -0), and values that nest them in arrays and `{c: …}`
 * sub-documents up to two levels deep. Each test keeps its own proportions.
 */
import { ObjectId } from 'bson';

export interface RandomValueShape {
  /** integers drawn from 0 … ints − 1 */
  ints: number;
  strings: readonly string[];
  dates: readonly Date[];
  ids: readonly ObjectId[];
  /** the chance that a value is an array, and up to how many elements it holds (exclusive) */
  arrayChance: number;
  arrayLength: number;
  /** the chance (beyond arrayChance) that a value is a sub-document {c: …} */
  docChance: number;
}

export function randomValues(rnd: () => number, shape: RandomValueShape) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const kinds: (() => unknown)[] = [
    () => Math.floor(rnd() * shape.ints),
    () => 1.5,
    () => pick(shape.strings),
    () => rnd() < 0.5,
    () => null,
    () => pick(shape.dates),
    () => pick(shape.ids),
    () => -0,
  ];
  const scalar = (): unknown => pick(kinds)();
  const value = (depth = 0): unknown => {
    const r = rnd();
    if (depth < 2 && r < shape.arrayChance) return Array.from({ length: Math.floor(rnd() * shape.arrayLength) }, () => value(depth + 1));
    if (depth < 2 && r < shape.arrayChance + shape.docChance) return { c: value(depth + 1) };
    return scalar();
  };
  return { pick, scalar, value };
}
