/**
 * Random values for the embedded database's property tests (test/wire/lookupProperty.test.ts,
 * test/wire/equalityJoin.test.ts): scalars of every kind the lookup maps key or refuse (small integers, a double,
 * short strings, booleans, null, Dates, ObjectIds, -0), and values that nest them in arrays and `{c: …}`
 * sub-documents up to two levels deep. Each test keeps its own proportions.
 */
import { ObjectId } from 'bson';
import type { Collection } from '../../src/store/embedded/collection';
import type { Document } from '../../src/store/embedded/values';

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

/**
 * A random operator update of 1 … maxOps operators on `paths` (test/wire/updateCopy.test.ts, mingoUpdate.test.ts):
 * arguments drawn from `values`, or what the operator takes ($inc/$mul numbers, $unset 1, $pop ±1, a $rename target
 * that neither contains nor lies inside the path, now and then `push`, a $push with $each and $slice).
 */
export function randomModifier(
  int: (n: number) => number,
  opts: { paths: readonly string[]; values: readonly unknown[]; maxOps: number; push: { $each: unknown[]; $slice: number }; renameTo?: (path: string) => boolean },
): Record<string, unknown> {
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const modifier: Record<string, Record<string, unknown>> = {};
  for (let k = 1 + int(opts.maxOps); k > 0; k--) {
    const op = pick(['$set', '$unset', '$inc', '$mul', '$min', '$max', '$push', '$addToSet', '$pull', '$pop', '$rename']);
    const path = pick(opts.paths);
    let arg: unknown = pick(opts.values);
    if (op === '$inc' || op === '$mul') arg = pick([1, -2, 0.5]);
    if (op === '$unset') arg = 1;
    if (op === '$pop') arg = pick([1, -1]);
    if (op === '$rename') {
      arg = pick(opts.paths.filter((p) => (opts.renameTo?.(p) ?? true) && p !== path && !p.startsWith(`${path}.`) && !path.startsWith(`${p}.`)));
    }
    if (op === '$push' && int(3) === 0) arg = structuredClone(opts.push);
    modifier[op] = { ...(modifier[op] ?? {}), [path]: arg };
  }
  return modifier;
}

/** Changes `n` random documents of `coll`: replaces (60%), removes (20%) or inserts (20%) one, from `doc()`. */
export function churn(coll: Collection, rnd: () => number, n: number, doc: () => Document): void {
  const slots = [...coll.slots];
  for (let i = 0; i < n; i++) {
    const s = slots[Math.floor(rnd() * slots.length)]!;
    if (!coll.slots.has(s)) continue;
    const r = rnd();
    if (r < 0.6) coll.replace(s, { _id: s.v.typed()._id, ...doc() });
    else if (r < 0.8) coll.remove(s);
    else coll.insert(doc());
  }
}
