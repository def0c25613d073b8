/**
 * Canonical JSON and the hash primitives every hash in the draw uses.
 *
 * Canonical JSON (documented for third parties):
 * - objects: keys sorted by UTF-16 code units (JavaScript's default string order, as in RFC 8785),
 *   properties whose value is `undefined` are left out;
 * - no whitespace at all;
 * - strings and numbers exactly as `JSON.stringify` writes them (non-ASCII characters are written as is);
 * - only null, booleans, finite numbers, strings, arrays and plain objects are accepted.
 * Hashes are taken over the UTF-8 bytes of that text and written as lowercase hex.
 * In Python: `json.dumps(v, ensure_ascii=False, separators=(',', ':'), sort_keys=True).encode('utf-8')`
 * gives the same bytes for the data the draw hashes (ASCII keys, integers, ordinary strings).
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, createSecretKey } from 'node:crypto';

export function canonicalJson(value: unknown): string {
  const state: CloneState = { keys: new Set<string>(), indexKeys: false };
  const path: (string | number)[] = [];
  let clone: unknown;
  try {
    clone = sortedClone(value, state, path);
  } catch (e) {
    if (e instanceof TypeError) {
      const where = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('');
      throw new TypeError(`${e.message} at $${where}`);
    }
    throw e;
  }
  // JSON.stringify writes string keys in insertion order, so the clone (keys inserted sorted) comes out canonical
  // on the engine's fast path. Integer-like keys ("7") are always enumerated first in numeric order, which is not
  // code-unit order; when there are any, an array replacer is used instead: JSON.stringify then writes each
  // object's properties in the order of that array (ECMA-262 SerializeJSONObject, PropertyList), here the sorted
  // union of all keys, so nothing is dropped. Slower for large values, hence only the fallback.
  return state.indexKeys ? (JSON.stringify(value, [...state.keys].sort()) as string) : (JSON.stringify(clone) as string);
}

interface CloneState {
  keys: Set<string>;
  indexKeys: boolean;
}

const INDEX_KEY = /^(?:0|[1-9]\d*)$/;

/**
 * Validates the value (see above) and returns a copy whose objects have their keys inserted in sorted order.
 * `path` locates an error when one is thrown.
 */
function sortedClone(value: unknown, state: CloneState, path: (string | number)[]): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return value;
    case 'object':
      break;
    default:
      throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      path.push(i);
      if (item === undefined) throw new TypeError('canonicalJson: undefined array item');
      out[i] = sortedClone(item, state, path);
      path.pop();
    }
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new TypeError('canonicalJson: only plain objects are accepted');
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      keys.sort();
      break;
    }
  }
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    path.push(key);
    if (key === '__proto__') throw new TypeError('canonicalJson: key __proto__ is not accepted');
    if (!state.keys.has(key)) {
      state.keys.add(key);
      if (INDEX_KEY.test(key)) state.indexKeys = true;
    }
    const item = record[key];
    if (item !== undefined) out[key] = sortedClone(item, state, path);
    path.pop();
  }
  return out;
}

/** SHA-256 of the UTF-8 bytes of `text`, lowercase hex. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** SHA-256 of canonicalJson(value), lowercase hex. */
export function hashCanonical(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

const HEX64 = /^[0-9a-f]{64}$/;

/** True for a lowercase 64-digit hex string (a SHA-256 value as written everywhere here). */
export function isHex64(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

type OneShotHash = (algorithm: string, data: Buffer, outputEncoding: 'hex') => string;

/** Node's one-shot `crypto.hash` (20.12+), or null on older versions. */
const oneShotHash: OneShotHash | null = (() => {
  const h: unknown = (nodeCrypto as { hash?: unknown }).hash;
  return typeof h === 'function' ? (h as OneShotHash) : null;
})();

/**
 * HMAC-SHA256 keyed with the 32 raw bytes of a hex key (a seed), over the UTF-8 bytes of a message, as lowercase
 * hex. Returns a function so that the key is prepared once.
 *
 * Hot path of the draw (hundreds of thousands of calls): where Node has the one-shot `crypto.hash`, the HMAC is
 * computed from its definition (RFC 2104: H((K xor opad) || H((K xor ipad) || m)), K zero-padded to 64 bytes) in
 * reused buffers, about twice as fast as an Hmac object per message and without garbage. Same result (tested).
 */
export function hmacWithHexKey(keyHex: string): (message: string) => string {
  if (!isHex64(keyHex)) throw new TypeError('hmac: key must be 64 lowercase hex digits');
  const key = Buffer.from(keyHex, 'hex');
  const hash = oneShotHash;
  if (hash === null) return slowHmac(key);
  const outer = Buffer.alloc(64 + 32, 0x5c);
  let inner = Buffer.alloc(64 + 256, 0x36);
  for (let i = 0; i < key.length; i++) {
    inner[i] = (inner[i] as number) ^ (key[i] as number);
    outer[i] = (outer[i] as number) ^ (key[i] as number);
  }
  let views = new Map<number, Buffer>(); // reusable views of `inner`, by total length
  return (message: string) => {
    if (message.length * 3 > inner.length - 64) {
      const bigger = Buffer.alloc(64 + message.length * 3);
      inner.copy(bigger, 0, 0, 64);
      inner = bigger;
      views = new Map();
    }
    const length = 64 + inner.write(message, 64, 'utf8');
    let view = views.get(length);
    if (view === undefined) {
      view = inner.subarray(0, length);
      views.set(length, view);
    }
    outer.write(hash('sha256', view, 'hex'), 64, 'hex');
    return hash('sha256', outer, 'hex');
  };
}

/** HMAC with an Hmac object per message (reference implementation, and Node without `crypto.hash`). */
export function slowHmac(key: Buffer): (message: string) => string {
  const keyObject = createSecretKey(key);
  return (message: string) => createHmac('sha256', keyObject).update(message, 'utf8').digest('hex');
}

/** One-off HMAC-SHA256(keyHex bytes, message) in lowercase hex. */
export function hmacSha256Hex(keyHex: string, message: string): string {
  return hmacWithHexKey(keyHex)(message);
}

/**
 * Deterministic pseudo-random stream: block i is HMAC-SHA256(key, label + ':' + i).
 * Used by tests (synthetic registries) and anywhere a seeded PRNG is needed. Never Math.random.
 */
export class HmacPrng {
  private readonly mac: (message: string) => string;
  private counter = 0;

  constructor(keyHex: string, private readonly label = 'prng') {
    this.mac = hmacWithHexKey(keyHex);
  }

  /** A float in [0, 1) with 48 random bits. */
  next(): number {
    const hex = this.mac(`${this.label}:${this.counter++}`);
    return parseInt(hex.slice(0, 12), 16) / 2 ** 48;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('HmacPrng.pick: empty array');
    return items[this.int(items.length)] as T;
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }
}
