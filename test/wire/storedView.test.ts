/**
 * values.ts makeVersion: the stored plain view (short strings shared across documents, then deep-frozen) equals the
 * document decoded from the stored bytes, whatever it holds, also once the table of shared strings has been emptied.
 */
import { BSON, Long, ObjectId } from 'bson';
import { makeVersion, type Document } from '../../src/store/embedded/values';
import { mulberry32 } from '../../src/domain/prng';

const WORDS = ['符合', '不符合', '', 'ou_bench_member', '2026-05-31', 'saved', 'x'.repeat(64), 'y'.repeat(65)];

function randomValue(next: () => number, depth: number, unique: () => string): unknown {
  const k = Math.floor(next() * 12);
  if (k < 4 || depth > 3) return WORDS[Math.floor(next() * WORDS.length)];
  if (k < 5) return unique();
  if (k < 6) return [1, 2.5, Long.fromString('9007199254740993'), new ObjectId('6b12ba9180b58ead65a02e43'), new Date(0), null][Math.floor(next() * 6)];
  if (k < 8) return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1, unique));
  const o: Document = {};
  for (let i = 0; i < Math.floor(next() * 4); i++) o[`f${i}`] = randomValue(next, depth + 1, unique);
  return o;
}

function expectFrozen(v: unknown): void {
  if (Array.isArray(v) || (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype)) {
    expect(Object.isFrozen(v)).toBe(true);
    for (const x of Object.values(v as object)) expectFrozen(x);
  }
}

test('the stored plain view equals the decoded bytes and is frozen', () => {
  const next = mulberry32(11);
  let n = 0;
  // enough distinct strings to empty the shared table (50,000 entries) a few times over
  const unique = () => `u${n++}`;
  for (let i = 0; i < 30_000; i++) {
    const v = makeVersion({ _id: i, a: randomValue(next, 0, unique), b: Array.from({ length: 5 }, unique) });
    if (i % 10 !== 0) continue;
    expect(v.plain).toEqual(BSON.deserialize(v.raw));
    expect(Buffer.from(BSON.serialize(v.plain)).equals(v.raw)).toBe(true);
    expectFrozen(v.plain);
  }
  expect(n).toBeGreaterThan(150_000);
});

test('a key __proto__ stays an own string field, the prototype untouched', () => {
  const raw = BSON.serialize({ a: { ['__proto__']: 'x', b: 'x' } } as Document);
  const v = makeVersion(BSON.deserialize(raw));
  expect(Object.keys(v.plain.a as object)).toEqual(['__proto__', 'b']);
  expect(Object.getPrototypeOf(v.plain.a)).toBe(Object.prototype);
  expect(Object.getOwnPropertyDescriptor(v.plain.a, '__proto__')?.value).toBe('x');
  expect(v.raw.equals(Buffer.from(raw))).toBe(true);
});
