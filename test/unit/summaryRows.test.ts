/**
 * rowValues (operations/summaryRows.ts) reads the detail cursor's rows from their bytes: it must give exactly what
 * the driver's decoding gives (bson with the driver's options), for the values it reads itself and for those it
 * leaves to bson, and fail where bson fails.
 */
import { BSON, Long, ObjectId } from 'bson';
import { rowValues } from '../../src/operations/summaryRows';
import { mulberry32 } from '../../src/domain/prng';

const DRIVER_BSON = { promoteLongs: true, promoteValues: true, promoteBuffers: false, bsonRegExp: false, validation: { utf8: true } } as const;

const driverRow = (bytes: Buffer): unknown => (BSON.deserialize(bytes, DRIVER_BSON) as { r: unknown }).r;

/** Object.is of every primitive, in arrays too; other values by their JSON and class. */
function same(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (typeof a === 'object' && a !== null) return typeof b === 'object' && b !== null && a.constructor === b.constructor && JSON.stringify(a) === JSON.stringify(b);
  return Object.is(a, b);
}

function randomValue(rnd: () => number, depth: number, exotic: boolean): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const kinds: (() => unknown)[] = [
    () => null,
    () => pick(['', '已公示', '基准芮城县企业12（示例）', 'a', '91BENCH00000000012', 'x'.repeat(40), '😀 emoji', 'tab\tline\n']),
    () => Math.floor(rnd() * 2 ** 31) * (rnd() < 0.5 ? -1 : 1),
    () => rnd() * 1e6,
    () => pick([0.5, -0, Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity]),
    () => rnd() < 0.5,
    () => (depth < 2 ? Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth + 1, exotic)) : []),
  ];
  if (exotic) {
    kinds.push(
      () => new Date(Math.floor(rnd() * 2e12)),
      () => Long.fromNumber(Math.floor(rnd() * 2 ** 40)),
      () => new ObjectId(),
      () => ({ item: 10, verdict: '不符合', at: new Date(0) }),
      () => undefined,
    );
  }
  return pick(kinds)();
}

it('reads random rows as the driver decodes them, the values it reads and those it leaves to bson', () => {
  const rnd = mulberry32(7);
  let exotic = 0;
  for (let i = 0; i < 3000; i++) {
    const withExotic = i % 3 === 0;
    const r = Array.from({ length: 24 }, () => randomValue(rnd, 0, withExotic));
    const bytes = Buffer.from(BSON.serialize({ r }));
    const got = rowValues(bytes);
    const want = driverRow(bytes);
    expect(got).toEqual(want);
    // the same values and types, -0 and NaN included (toEqual does not tell 0 from -0)
    expect(same(got, want)).toBe(true);
    if (withExotic) exotic += 1;
  }
  expect(exotic).toBeGreaterThan(900);
});

it('gives bson’s reading of rows of another shape, and a Uint8Array as a Buffer', () => {
  const other = Buffer.from(BSON.serialize({ r: ['a', 1], extra: true }));
  expect(rowValues(other)).toEqual(['a', 1]);
  const u8 = new Uint8Array(BSON.serialize({ r: ['运城', null, [1, 'x']] }));
  expect(rowValues(u8)).toEqual(['运城', null, [1, 'x']]);
  expect(() => rowValues(Buffer.from(BSON.serialize({ s: 'no row' })))).toThrow('a detail row without its array');
});

it('fails where bson fails: invalid UTF-8 in a string, a malformed length', () => {
  const bytes = Buffer.from(BSON.serialize({ r: ['ab'] }));
  // the string's first byte (after the document, array and element headers) made a lone continuation byte
  const at = bytes.indexOf(Buffer.from('ab'));
  bytes[at] = 0x80;
  expect(() => driverRow(bytes)).toThrow();
  expect(() => rowValues(bytes)).toThrow();
  const cut = Buffer.from(BSON.serialize({ r: ['abc', 'def'] }));
  cut.writeInt32LE(cut.length + 10, 0);
  expect(() => rowValues(cut)).toThrow();
});
