/**
 * Canonical JSON of spotcheck-draw/2 (docs/draw-spec.md §1): RFC 8785 (JCS) restricted to values without
 * fractions. Accepted: null, true, false, integers with |n| ≤ 2^53 − 1, well-formed strings (no lone surrogates),
 * arrays and plain objects. Object members are sorted by the UTF-16 code units of their names; no white space;
 * strings are written as ECMAScript's JSON.stringify writes them (RFC 8785 §3.2.2.2). Hashes are SHA-256 over the
 * UTF-8 bytes of that text, written as lowercase hex.
 */
import { createHash, createHmac } from 'node:crypto';
import { CanonicalError, CanonicalWriter, canonicalKeys } from './canonicalBytes';

export { CanonicalError };

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const NATIVE = typeof (String.prototype as unknown as { isWellFormed?: unknown }).isWellFormed === 'function';

/** No lone surrogate (String.prototype.isWellFormed, ES2024, where Node has it). */
export function isWellFormedText(s: string): boolean {
  return NATIVE ? (s as unknown as { isWellFormed(): boolean }).isWellFormed() : !LONE_SURROGATE.test(s);
}

const isWellFormed = isWellFormedText;

/** Throws unless `s` is a string JCS can carry (no lone surrogates). */
export function checkText(s: unknown, where: string): string {
  if (typeof s !== 'string') throw new CanonicalError(`${where}: not a string`);
  if (!isWellFormed(s)) throw new CanonicalError(`${where}: lone surrogate in text`);
  return s;
}

const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Validates `value` and returns a copy whose objects have their members inserted in sorted order, so that
 * JSON.stringify writes the canonical text. Sets `state.indexKeys` when a member name is an array index (JSON.stringify
 * would write those first): then the slow writer is used.
 */
function sortedClone(value: unknown, where: string, state: { indexKeys: boolean }): unknown {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isSafeInteger(value)) throw new CanonicalError(`${where}: only integers within ±(2^53−1) are allowed`);
      return value === 0 ? 0 : value;
    case 'string':
      return checkText(value, where);
    case 'object':
      break;
    default:
      throw new CanonicalError(`${where}: unsupported ${typeof value}`);
  }
  if (Array.isArray(value)) {
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) out[i] = sortedClone(value[i], where, state);
    return out;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new CanonicalError(`${where}: only plain objects are allowed`);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  keys.sort(); // default sort: UTF-16 code units
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    checkText(k, `${where}.<key>`);
    if (k === '__proto__') throw new CanonicalError(`${where}: the member name __proto__ is not allowed`);
    if (INDEX_KEY.test(k) && Number(k) <= 4294967294) state.indexKeys = true;
    out[k] = sortedClone(v, where, state);
  }
  return out;
}

/** The slow writer (member names that are array indexes). */
function write(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    out.push(JSON.stringify(value));
    return;
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((v, i) => {
      if (i > 0) out.push(',');
      write(v, out);
    });
    out.push(']');
    return;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  out.push('{');
  keys.forEach((k, i) => {
    if (i > 0) out.push(',');
    out.push(JSON.stringify(k), ':');
    write(record[k], out);
  });
  out.push('}');
}

/**
 * Checks `value` without copying it; true when every object already has its members in sorted order, none of them
 * `undefined` or an array index: then JSON.stringify(value) is the canonical text as it is.
 */
function inOrder(value: unknown, where: string): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case 'boolean':
      return true;
    case 'number':
      if (!Number.isSafeInteger(value)) throw new CanonicalError(`${where}: only integers within ±(2^53−1) are allowed`);
      return !Object.is(value, -0);
    case 'string':
      checkText(value, where);
      return true;
    case 'object':
      break;
    default:
      throw new CanonicalError(`${where}: unsupported ${typeof value}`);
  }
  if (Array.isArray(value)) {
    let ok = true;
    for (let i = 0; i < value.length; i++) if (!inOrder(value[i], where)) ok = false;
    return ok;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new CanonicalError(`${where}: only plain objects are allowed`);
  const record = value as Record<string, unknown>;
  let ok = true;
  let prev: string | null = null;
  for (const k in record) {
    checkText(k, `${where}.<key>`);
    if (k === '__proto__') throw new CanonicalError(`${where}: the member name __proto__ is not allowed`);
    const v = record[k];
    if (v === undefined || (prev !== null && !(prev < k)) || INDEX_KEY.test(k)) ok = false;
    if (v !== undefined && !inOrder(v, where)) ok = false;
    prev = k;
  }
  return ok;
}

/** The canonical text of `value` (members whose value is `undefined` are left out, as JSON.stringify does). */
export function jcs(value: unknown): string {
  if (inOrder(value, '$')) return JSON.stringify(value);
  const state = { indexKeys: false };
  const clone = sortedClone(value, '$', state);
  if (!state.indexKeys) return JSON.stringify(clone);
  const out: string[] = [];
  write(clone, out);
  return out.join('');
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of the canonical text of `value`, hex (its bytes written straight into the hash: canonicalBytes.ts). */
export function jcsHash(value: unknown): string {
  const h = createHash('sha256');
  const w = new CanonicalWriter((b) => h.update(b));
  w.value(value, '$');
  w.flush();
  return h.digest('hex');
}

/** keyedTextHash(blindHex, jcs(value)) without making the text (canonicalBytes.ts). */
export function keyedValueHash(blindHex: string | null, value: unknown): string {
  const h = keyedHasher(blindHex);
  const w = new CanonicalWriter((b) => h.update(b));
  w.value(value, '$');
  w.flush();
  return h.digest('hex');
}

/**
 * The hash of a registry list (docs/draw-spec.md §2): HMAC-SHA256 keyed with the 32 raw bytes of the draw's blind (§3.1)
 * over the UTF-8 text, hex; without a blind (bundles made before the blind, §12.1) plain SHA-256.
 */
export function keyedTextHash(blindHex: string | null, text: string): string {
  if (blindHex === null) return sha256Text(text);
  if (!isHex64(blindHex)) throw new CanonicalError('blind: 64 lowercase hex digits expected');
  return createHmac('sha256', Buffer.from(blindHex, 'hex')).update(text, 'utf8').digest('hex');
}

/** A hash object as `keyedTextHash` computes it, to feed in slices. */
export function keyedHasher(blindHex: string | null): { update(data: string | Uint8Array, enc?: 'utf8'): unknown; digest(enc: 'hex'): string } {
  if (blindHex === null) return createHash('sha256');
  if (!isHex64(blindHex)) throw new CanonicalError('blind: 64 lowercase hex digits expected');
  return createHmac('sha256', Buffer.from(blindHex, 'hex'));
}

const HEX64 = /^[0-9a-f]{64}$/;

export function isHex64(v: unknown): v is string {
  return typeof v === 'string' && HEX64.test(v);
}

export const ZERO_HASH = '0'.repeat(64);

/**
 * White space (docs/draw-spec.md §1): exactly U+0009–U+000D, U+0020, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000, U+FEFF — what ECMAScript's String.prototype.trim removes, written out so that another language
 * removes the same (Python's str.strip differs: it also strips U+001C–U+001F and U+0085 and keeps U+FEFF).
 */
const WS = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
const TRIM = new RegExp(`^[${WS}]+|[${WS}]+$`, 'g');

/** `s` without leading and trailing white space (§1). */
export function trimSpace(s: string): string {
  return s.replace(TRIM, '');
}

/** True when `s` is empty or only white space (§1). */
export function isBlank(s: string): boolean {
  return trimSpace(s) === '';
}

/** Code-unit order of two strings (JavaScript's default `<`). */
export function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * SHA-256 of the canonical text of a value, computed in slices: arrays longer than `slice` items are written a slice at
 * a time with a yield between (see steps.ts). Same hash as jcsHash(value).
 */
export function* jcsHashSteps(value: unknown, slice = 2048, blindHex: string | null = null): Generator<void, string, void> {
  const h = keyedHasher(blindHex);
  const w = new CanonicalWriter((b) => h.update(b));
  yield* feed(value, w, slice);
  w.flush();
  return h.digest('hex');
}

/**
 * Feeds a hash the items of large JSON arrays written a slice at a time: `items(text, first)` takes the text of a
 * non-empty array ("[…]") and feeds "[" + its items (the first slice) or "," + its items (the others); the caller
 * feeds the closing "]". The text is written as UTF-8 into a reused buffer and the hash fed a view of it: the same
 * bytes as feeding the text itself, without building a second copy of the string (slice + concatenation, then its
 * flattening and conversion inside the hash cost several times the hashing itself for a city's registry).
 */
export function arrayItemsFeeder(h: ReturnType<typeof keyedHasher>): (text: string, first: boolean) => void {
  let buf = Buffer.allocUnsafe(0);
  return (text, first) => {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8 (a surrogate pair: 2 units, 4 bytes).
    if (buf.length < text.length * 3) buf = Buffer.allocUnsafe(text.length * 3);
    const n = buf.write(text, 0, 'utf8');
    if (n < 2 || buf[0] !== 0x5b || buf[n - 1] !== 0x5d) throw new CanonicalError('array text expected');
    if (!first) buf[0] = 0x2c; // "[" → ","
    h.update(buf.subarray(0, n - 1));
  };
}

function* feed(value: unknown, w: CanonicalWriter, slice: number): Generator<void, void, void> {
  if (Array.isArray(value) && value.length > slice) {
    w.byte(0x5b);
    for (let i = 0; i < value.length; i++) {
      if (i % slice === 0) yield;
      if (i > 0) w.byte(0x2c);
      w.value(value[i], '$');
    }
    w.byte(0x5d);
    return;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    w.byte(0x7b);
    let first = true;
    for (const k of canonicalKeys(record, '$')) {
      const v = record[k];
      if (v === undefined) continue;
      if (!first) w.byte(0x2c);
      first = false;
      w.string(k, '$.<key>');
      w.byte(0x3a);
      yield* feed(v, w, slice);
    }
    w.byte(0x7d);
    return;
  }
  w.value(value, '$');
}
