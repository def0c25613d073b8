/**
 * canonicalBytes.ts writes canonical JSON straight as UTF-8 into a hash: the hashes must be those of the text that
 * jcs() and JSON.stringify write (docs/draw-spec.md §1, §2.1), for every kind of text and value, and the same values
 * must be refused.
 */
import { createHash, createHmac } from 'node:crypto';
import { HmacPrng, sha256Hex } from '../../../src/domain/canonical';
import { populationHashSteps } from '../../../src/domain/draw2/inputs';
import { CanonicalError, jcs, jcsHash, jcsHashSteps, keyedTextHash, keyedValueHash } from '../../../src/domain/draw2/jcs';
import type { PopulationRow } from '../../../src/domain/draw2/model';
import { runSync } from '../../../src/domain/draw2/steps';

const BLIND = 'b1'.repeat(32);
const prng = new HmacPrng(sha256Hex('canonical-bytes'), 'test');

/** Code units of every class: ASCII, escapes and controls, 2- and 3-byte UTF-8, surrogate pairs, U+FFFF. */
const UNITS = ['a', 'Z', '0', '"', '\\', '/', '\n', '\t', '\b', '\f', '\r', '\u0000', '\u001f', '\u007f', 'é', 'ß', '\u07ff', '\u0800', '中', '、', '\uffff', '😀', '\ud800\udc00', '\udbff\udfff'];

function text(max: number): string {
  let s = '';
  const n = prng.int(max + 1);
  for (let i = 0; i < n; i++) s += UNITS[prng.int(UNITS.length)]!;
  return s;
}

function value(depth: number): unknown {
  switch (prng.int(depth > 2 ? 4 : 7)) {
    case 0:
      return text(12);
    case 1:
      return prng.int(3) === 0 ? -prng.int(2 ** 31) : prng.int(2 ** 31) * (prng.int(2) === 0 ? 1 : 4096);
    case 2:
      return [true, false, null, 0, -0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER][prng.int(7)];
    case 3:
      return text(3);
    case 4:
    case 5: {
      const o: Record<string, unknown> = {};
      // names in any order, index-like ones included, and members that are undefined (left out)
      for (let i = prng.int(6); i > 0; i--) o[prng.int(4) === 0 ? String(prng.int(20)) : text(4)] = prng.int(8) === 0 ? undefined : value(depth + 1);
      return o;
    }
    default:
      return Array.from({ length: prng.int(5) }, () => value(depth + 1));
  }
}

describe('canonical bytes (canonicalBytes.ts)', () => {
  it('hashes random values exactly as the UTF-8 of jcs(value), keyed and not, whole and in slices', () => {
    for (let i = 0; i < 400; i++) {
      const v = value(0);
      const t = jcs(v);
      expect(jcsHash(v)).toBe(createHash('sha256').update(t, 'utf8').digest('hex'));
      expect(keyedValueHash(BLIND, v)).toBe(keyedTextHash(BLIND, t));
      expect(runSync(jcsHashSteps({ list: [v, v, v, v], v }, 2))).toBe(jcsHash({ list: [v, v, v, v], v }));
    }
  });

  it('writes texts longer than its buffer', () => {
    const long = { a: '中'.repeat(100_000) + 'x'.repeat(70_000), b: Array.from({ length: 30_000 }, (_, i) => `${i}😀`) };
    expect(jcsHash(long)).toBe(createHash('sha256').update(jcs(long), 'utf8').digest('hex'));
  });

  it('refuses what jcs refuses', () => {
    const bad: unknown[] = [0.5, 2 ** 53, NaN, '\ud800', 'a\udc00b', { k: '\udbff' }, { '\ud800': 1 }, [undefined], new Date(0), 1n, () => 1, JSON.parse('{"__proto__":1}')];
    for (const v of bad) {
      expect(() => jcs(v)).toThrow(CanonicalError);
      expect(() => jcsHash(v)).toThrow(CanonicalError);
      expect(() => runSync(jcsHashSteps({ v }))).toThrow(CanonicalError);
    }
  });
});

describe('population hash (§2.1) written as bytes', () => {
  /** The definition: HMAC over the UTF-8 of JSON.stringify of the rows (keys given when the rows are not as built). */
  const reference = (rows: readonly unknown[]): string =>
    createHmac('sha256', Buffer.from(BLIND, 'hex')).update(JSON.stringify(rows), 'utf8').digest('hex');

  const row = (i: number, over: Partial<Record<keyof PopulationRow, unknown>> = {}): PopulationRow =>
    ({
      category: '工业产品',
      county: text(6) || '盐湖区',
      licenceNo: `XK${i}${text(3)}`,
      name: text(20),
      product: text(8),
      riskClass: 'ABCD'[i % 4]!,
      uscc: `91140${String(i).padStart(13, '0')}`,
      validTo: '2025-01-01',
      ...over,
    }) as PopulationRow;

  it('equals HMAC(blind, JSON.stringify(rows)) for rows of every kind of text, lone surrogates included', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => row(i, i % 97 === 0 ? { name: `孤${'\ud800'}立${'\udfff'}` } : {}));
    expect(runSync(populationHashSteps(rows, BLIND))).toBe(reference(rows));
    expect(runSync(populationHashSteps([], BLIND))).toBe(reference([]));
  });

  it('writes a row with values that are not text as JSON.stringify does, and other rows with the key list', () => {
    const odd = [row(1), row(2, { name: 12 }), row(3, { product: null }), row(4)];
    expect(runSync(populationHashSteps(odd, BLIND))).toBe(reference(odd));
    const extra = [row(1), { ...row(2), extra: 'x' } as PopulationRow];
    expect(runSync(populationHashSteps(extra, BLIND))).toBe(
      createHmac('sha256', Buffer.from(BLIND, 'hex')).update(JSON.stringify(extra, ['category', 'county', 'licenceNo', 'name', 'product', 'riskClass', 'uscc', 'validTo']), 'utf8').digest('hex'),
    );
  });
});
