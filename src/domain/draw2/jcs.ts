/**
 * Canonical JSON of spotcheck-draw/2 (docs/draw-spec.md §1): RFC 8785 (JCS) restricted to values without
 * fractions. Accepted: null, true, false, integers with |n| ≤ 2^53 − 1, well-formed strings (no lone surrogates),
 * arrays and plain objects. Object members are sorted by the UTF-16 code units of their names; no white space;
 * strings are written as ECMAScript's JSON.stringify writes them (RFC 8785 §3.2.2.2). Hashes are SHA-256 over the
 * UTF-8 bytes of that text, written as lowercase hex.
 */
import { createHash } from 'node:crypto';

export class CanonicalError extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalError';
  }
}

function isWellFormed(s: string): boolean {
  // String.prototype.isWellFormed is ES2024 (Node 20); fall back to a regex that only matches lone surrogates.
  const f = (s as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  if (typeof f === 'function') return f.call(s);
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** Throws unless `s` is a string JCS can carry (no lone surrogates). */
export function checkText(s: unknown, where: string): string {
  if (typeof s !== 'string') throw new CanonicalError(`${where}: not a string`);
  if (!isWellFormed(s)) throw new CanonicalError(`${where}: lone surrogate in text`);
  return s;
}

function write(value: unknown, out: string[], where: string): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      if (!Number.isSafeInteger(value)) throw new CanonicalError(`${where}: only integers within ±(2^53−1) are allowed`);
      out.push(String(value === 0 ? 0 : value)); // -0 is written 0
      return;
    case 'string':
      out.push(JSON.stringify(checkText(value, where)));
      return;
    case 'object':
      break;
    default:
      throw new CanonicalError(`${where}: unsupported ${typeof value}`);
  }
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      write(value[i], out, `${where}[${i}]`);
    }
    out.push(']');
    return;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw new CanonicalError(`${where}: only plain objects are allowed`);
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined);
  keys.sort(); // default sort: UTF-16 code units
  out.push('{');
  keys.forEach((k, i) => {
    if (i > 0) out.push(',');
    out.push(JSON.stringify(checkText(k, `${where}.<key>`)), ':');
    write(record[k], out, `${where}.${k}`);
  });
  out.push('}');
}

/** The canonical text of `value` (members whose value is `undefined` are left out, as JSON.stringify does). */
export function jcs(value: unknown): string {
  const out: string[] = [];
  write(value, out, '$');
  return out.join('');
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function sha256Bytes(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** SHA-256 of the canonical text of `value`, hex. */
export function jcsHash(value: unknown): string {
  return sha256Text(jcs(value));
}

const HEX64 = /^[0-9a-f]{64}$/;

export function isHex64(v: unknown): v is string {
  return typeof v === 'string' && HEX64.test(v);
}

export const ZERO_HASH = '0'.repeat(64);

/** Code-unit order of two strings (JavaScript's default `<`). */
export function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
