/**
 * JSON text of a large value in slices (see slices.ts): arrays are written item by item with a yield every few
 * thousand items, so that serialising a bundle of 100,000 enterprises never holds the event loop for long.
 * Same text as JSON.stringify(value).
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { SLICE, type Steps } from '../../domain/draw2/steps';
import { binaryBytes } from '../../store/binary';
import { runSliced } from './slices';

function* write(value: unknown, out: string[]): Steps<void> {
  if (Array.isArray(value) && value.length > 64) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i % SLICE === 0) yield;
      if (i > 0) out.push(',');
      const item: unknown = value[i];
      out.push(item === undefined || typeof item === 'function' ? 'null' : (JSON.stringify(item) as string));
    }
    out.push(']');
    return;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype) {
    out.push('{');
    let first = true;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined || typeof v === 'function') continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(k), ':');
      yield* write(v, out);
    }
    out.push('}');
    return;
  }
  out.push(JSON.stringify(value) ?? 'null');
}

export function* jsonSteps(value: unknown): Steps<string> {
  const out: string[] = [];
  yield* write(value, out);
  return out.join('');
}

export const gzipAsync = promisify(gzip);
export const gunzipAsync = promisify(gunzip);

export async function gzJson(value: unknown): Promise<Buffer> {
  return gzipAsync(Buffer.from(await runSliced(jsonSteps(value))));
}

export async function readGzJson<T>(data: unknown): Promise<T> {
  return JSON.parse((await gunzipAsync(binaryBytes(data))).toString('utf8')) as T;
}
