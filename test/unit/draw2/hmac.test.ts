import { createHmac } from 'node:crypto';
import { hmacWithHexKey, HmacPrng, slowHmac } from '../../../src/domain/canonical';
import { compareWords, HmacSha256, wordsHex } from '../../../src/domain/draw2/hmac';
import { keyedMac, keyedScore, derivedKey } from '../../../src/domain/draw2/seed';

/** Deterministic test inputs (never Math.random). */
const prng = new HmacPrng('a1'.repeat(32), 'hmac-test');
const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => prng.int(256)));
const ascii = (n: number): string => String.fromCharCode(...Array.from({ length: n }, () => prng.int(128)));
const anyText = (n: number): string =>
  Array.from({ length: n }, () => {
    const kind = prng.int(6);
    if (kind === 0) return String.fromCharCode(0x4e00 + prng.int(0x5000)); // CJK, 3 bytes
    if (kind === 1) return String.fromCharCode(0x80 + prng.int(0x780)); // 2 bytes
    if (kind === 2) return '😀'; // a surrogate pair, 4 bytes
    return String.fromCharCode(prng.int(128));
  }).join('');

describe('HmacSha256 (the draw\'s HMAC in JavaScript)', () => {
  test('equals node:crypto on keys of 0–64 bytes and ASCII messages of every block count', () => {
    for (let len = 0; len <= 200; len++) {
      const key = bytes(len % 65);
      const m = ascii(len);
      expect(new HmacSha256(key).hex(m)).toBe(createHmac('sha256', key).update(m, 'utf8').digest('hex'));
    }
  });

  test('equals node:crypto on non-ASCII text (2-, 3- and 4-byte UTF-8, lone surrogates as U+FFFD)', () => {
    const key = bytes(32);
    const mac = new HmacSha256(key);
    for (let len = 0; len <= 120; len++) {
      const m = anyText(len);
      expect(mac.hex(m)).toBe(createHmac('sha256', key).update(m, 'utf8').digest('hex'));
    }
    for (const m of ['\ud800', 'a\udc00b', '运城\ud800x😀', 'x'.repeat(55), 'x'.repeat(56), 'é'.repeat(28)]) {
      expect(mac.hex(m)).toBe(createHmac('sha256', key).update(m, 'utf8').digest('hex'));
    }
  });

  test('one object serves many messages, long ones included, without carrying state from one to the next', () => {
    const keyHex = 'c3'.repeat(32);
    const mac = new HmacSha256(Buffer.from(keyHex, 'hex'));
    const reference = slowHmac(Buffer.from(keyHex, 'hex'));
    for (const m of ['', 'a', 'x'.repeat(1000), 'b', anyText(400), '91140000000000000X', '']) expect(mac.hex(m)).toBe(reference(m));
    expect(mac.hex('0|ou_abc')).toBe(hmacWithHexKey(keyHex)('0|ou_abc'));
  });

  test('macInto writes the digest as big-endian words; wordsHex and compareWords read them as the hex text', () => {
    const mac = new HmacSha256(bytes(32));
    const words = new Int32Array(8 * 50);
    const texts: string[] = [];
    for (let i = 0; i < 50; i++) {
      mac.macInto(`m${i}`, words, i * 8);
      texts.push(mac.hex(`m${i}`));
      expect(wordsHex(words, i * 8)).toBe(texts[i]);
    }
    for (let i = 0; i < 50; i++) {
      for (let j = 0; j < 50; j++) {
        const c = compareWords(words, i * 8, words, j * 8);
        const t = texts[i]! < texts[j]! ? -1 : texts[i]! > texts[j]! ? 1 : 0;
        expect(Math.sign(c)).toBe(t);
      }
    }
  });

  test('keyedScore and keyedMac are HMAC-SHA256 keyed with K(label) (§3.3)', () => {
    const seed = '5e'.repeat(32);
    const blind = 'b1'.repeat(32);
    const k = Buffer.from(derivedKey(seed, 'select', blind), 'hex');
    const expected = createHmac('sha256', k).update('91140000000000000X', 'utf8').digest('hex');
    expect(keyedScore(seed, 'select', blind)('91140000000000000X')).toBe(expected);
    expect(keyedMac(seed, 'select', blind).hex('91140000000000000X')).toBe(expected);
  });

  test('refuses keys longer than a block (the draw\'s keys are 32 bytes)', () => {
    expect(() => new HmacSha256(Buffer.alloc(65))).toThrow(RangeError);
  });
});
