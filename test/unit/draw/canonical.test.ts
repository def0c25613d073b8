import { createHash, createHmac } from 'node:crypto';
import {
  HmacPrng,
  canonicalJson,
  hashCanonical,
  hmacWithHexKey,
  slowHmac,
  hmacSha256Hex,
  isHex64,
  sha256Hex,
} from '../../../src/domain/canonical';

describe('canonicalJson', () => {
  it('sorts keys at every level and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, c: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[{"c":2,"z":1}]},"b":1}');
  });

  it('keeps array order and writes scalars like JSON.stringify', () => {
    expect(canonicalJson([3, 1, 2])).toBe('[3,1,2]');
    expect(canonicalJson([null, true, false, 0, -0, 1.5, 1e21, 'a"b\\c\n'])).toBe(
      '[null,true,false,0,0,1.5,1e+21,"a\\"b\\\\c\\n"]',
    );
    expect(canonicalJson('中文')).toBe('"中文"');
    expect(canonicalJson(null)).toBe('null');
  });

  it('sorts keys by UTF-16 code units (upper case before lower case, ASCII before Chinese)', () => {
    expect(canonicalJson({ b: 1, B: 2, 中: 3, a: 4, _: 5 })).toBe('{"B":2,"_":5,"a":4,"b":1,"中":3}');
  });

  it('orders integer-like keys as text too ("10" before "9"), unlike plain JSON.stringify', () => {
    const v = { b: { 9: 'x', 10: 'y', a: 1 }, 2: [{ 11: 0, 1: 0 }] };
    expect(JSON.stringify(v)).toBe('{"2":[{"1":0,"11":0}],"b":{"9":"x","10":"y","a":1}}');
    expect(canonicalJson(v)).toBe('{"2":[{"1":0,"11":0}],"b":{"10":"y","9":"x","a":1}}');
  });

  it('agrees with a straightforward reference implementation on random nested values', () => {
    const reference = (x: unknown): string => {
      if (Array.isArray(x)) return `[${x.map(reference).join(',')}]`;
      if (x !== null && typeof x === 'object') {
        const o = x as Record<string, unknown>;
        return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(',')}}`;
      }
      return JSON.stringify(x);
    };
    const prng = new HmacPrng(sha256Hex('canonical-random'));
    const keys = ['a', 'b', 'Z', '中', '07', '7', '10', 'k_1', '', 'é'];
    const gen = (depth: number): unknown => {
      const r = prng.next();
      if (depth > 3 || r < 0.3) return prng.pick([null, true, false, 0, -1.5, 1e-7, 'x', '引号"\\', '']);
      if (r < 0.6) return Array.from({ length: prng.int(4) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = prng.int(5); i > 0; i--) o[prng.pick(keys)] = prng.chance(0.1) ? undefined : gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 500; i++) {
      const v = gen(0);
      expect(canonicalJson(v)).toBe(reference(v));
    }
  });

  it('drops undefined properties but refuses undefined array items', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson([1, undefined])).toThrow(/undefined array item at \$\[1\]/);
  });

  it('does not drop a key that exists only in some objects', () => {
    expect(canonicalJson([{ a: 1 }, { b: 2 }, { a: 3, b: 4 }])).toBe('[{"a":1},{"b":2},{"a":3,"b":4}]');
  });

  it('refuses non-finite numbers, functions, bigint, class instances and Dates, naming the place', () => {
    expect(() => canonicalJson({ a: [1, { b: NaN }] })).toThrow(/non-finite number at \$\.a\[1\]\.b/);
    expect(() => canonicalJson({ a: Infinity })).toThrow(TypeError);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/unsupported function/);
    expect(() => canonicalJson({ n: BigInt(1) })).toThrow(/unsupported bigint/);
    expect(() => canonicalJson({ d: new Date(0) })).toThrow(/plain objects/);
    expect(() => canonicalJson(new Map())).toThrow(/plain objects/);
  });

  it('accepts null-prototype objects and refuses a __proto__ key', () => {
    const o = Object.create(null) as Record<string, unknown>;
    o.y = 1;
    o.x = 2;
    expect(canonicalJson(o)).toBe('{"x":2,"y":1}');
    expect(() => canonicalJson(JSON.parse('{"__proto__":{"a":1}}'))).toThrow(/__proto__/);
  });

  it('gives the same text whatever the insertion order', () => {
    const a = { uscc: '1', name: 'n', nested: { q: 1, p: [1, 2] } };
    const b = { nested: { p: [1, 2], q: 1 }, name: 'n', uscc: '1' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(hashCanonical(a)).toBe(hashCanonical(b));
  });
});

describe('hash primitives', () => {
  it('sha256Hex hashes UTF-8 bytes', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('中')).toBe(createHash('sha256').update(Buffer.from('中', 'utf8')).digest('hex'));
  });

  it('HMAC uses the raw 32 key bytes and matches node:crypto', () => {
    const key = sha256Hex('key');
    for (const msg of ['', '91110000802100433B', '中文'.repeat(200), 'spotcheck-draw/1|team-order']) {
      const expected = createHmac('sha256', Buffer.from(key, 'hex')).update(msg, 'utf8').digest();
      expect(hmacWithHexKey(key)(msg)).toBe(expected.toString('hex'));
      expect(slowHmac(Buffer.from(key, 'hex'))(msg)).toBe(expected.toString('hex'));
      expect(hmacSha256Hex(key, msg)).toBe(expected.toString('hex'));
    }
  });

  it('the fast HMAC reuses its buffers correctly across lengths, long messages and calls', () => {
    const key = sha256Hex('reuse');
    const fast = hmacWithHexKey(key);
    const reference = slowHmac(Buffer.from(key, 'hex'));
    const messages = ['a', 'abc', 'a', '长'.repeat(100), 'x'.repeat(1000), 'b', '长'.repeat(100), ''];
    for (const m of [...messages, ...messages.reverse()]) expect(fast(m)).toBe(reference(m));
  });

  it('refuses a key that is not 64 lowercase hex digits', () => {
    expect(() => hmacSha256Hex('ABC', 'x')).toThrow(TypeError);
    expect(() => hmacSha256Hex('A'.repeat(64), 'x')).toThrow(TypeError);
    expect(isHex64('a'.repeat(64))).toBe(true);
    expect(isHex64('a'.repeat(63))).toBe(false);
  });

  it('HmacPrng is deterministic per key and label, and in range', () => {
    const key = sha256Hex('prng');
    const a = new HmacPrng(key, 'x');
    const b = new HmacPrng(key, 'x');
    const c = new HmacPrng(key, 'y');
    const sa = Array.from({ length: 50 }, () => a.next());
    const sb = Array.from({ length: 50 }, () => b.next());
    const sc = Array.from({ length: 50 }, () => c.next());
    expect(sa).toEqual(sb);
    expect(sa).not.toEqual(sc);
    expect(sa.every((x) => x >= 0 && x < 1)).toBe(true);
    const ints = Array.from({ length: 200 }, () => a.int(7));
    expect(new Set(ints)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6]));
    expect(() => a.pick([])).toThrow(RangeError);
  });
});
