/**
 * Random BSON documents with values of every stored type (Int32, Double, Long, Decimal128, Date, ObjectId, Binary,
 * RegExp, strings, booleans, null), nested in arrays and sub-documents: for the property tests of the projections cut
 * from the bytes (test/wire/excludeBytes.test.ts, test/wire/includeBytes.test.ts).
 */
import { Binary, Decimal128, Double, Int32, Long, ObjectId, type Document } from 'bson';

export const LEAVES: unknown[] = [
  'x',
  '',
  '中文字段值',
  new Int32(0),
  new Int32(-1),
  new Double(2.5),
  new Double(1),
  Long.fromNumber(7),
  Long.fromString('9007199254740993'),
  true,
  false,
  null,
  new Date('2026-12-04T13:05:34.863Z'),
  new ObjectId('6b12ba9180b58ead65a02e43'),
  new Binary(Buffer.from('ab')),
  Decimal128.fromString('1.5'),
  /a+/i,
];
/** the field names the documents draw from (a Chinese one among them) */
export const NAMES = ['a', 'b', 'c', '检查', 'history'];

export function randomValue(next: () => number, depth: number): unknown {
  const k = Math.floor(next() * 10);
  if (k < 5 || depth > 3) return LEAVES[Math.floor(next() * LEAVES.length)];
  if (k < 6) return Array.from({ length: Math.floor(next() * 3) }, () => randomValue(next, depth + 1));
  return randomDoc(next, depth + 1);
}

export function randomDoc(next: () => number, depth: number): Document {
  const o: Document = {};
  for (const n of NAMES) if (next() < 0.6) o[n] = randomValue(next, depth);
  return o;
}
