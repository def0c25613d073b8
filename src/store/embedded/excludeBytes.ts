/**
 * An exclusion projection ({'inspection.history': 0, …}) applied to a stored document's bytes: the elements named are
 * left out and every other byte is copied as it stands, without decoding the document into objects and encoding it
 * again (docs/mongo-wire.md §9, "Exclusion projections on the bytes").
 *
 * Only the plain case is taken here; anything else answers `undefined` and the caller projects the decoded document
 * as before (engine.ts projected): values other than 0 / false, operators, `$` in a path, empty path segments, one
 * path inside another (MongoDB refuses that as a path collision), and an array met on a path before its last segment
 * (MongoDB then projects each element of the array). A path through a value that is neither a document nor an array
 * leaves that value as it is, as MongoDB does.
 */

/** A projection's paths as a tree: a segment either excluded (true) or leading to deeper segments. */
type Tree = Map<string, Tree | true>;

/** The tree of an exclusion projection, or undefined when it is not one this file takes (see the header). */
export function exclusionTree(projection: Record<string, unknown>): Tree | undefined {
  const root: Tree = new Map();
  const keys = Object.keys(projection);
  if (keys.length === 0) return undefined;
  for (const key of keys) {
    const v = projection[key];
    if (v !== 0 && v !== false) return undefined;
    if (key.includes('$')) return undefined;
    const parts = key.split('.');
    if (parts.some((p) => p.length === 0)) return undefined;
    let node = root;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const there = node.get(part);
      if (i === parts.length - 1) {
        if (there !== undefined) return undefined; // the same path twice, or a path inside this one
        node.set(part, true);
      } else {
        if (there === true) return undefined; // inside a path already excluded
        let next = there;
        if (next === undefined) node.set(part, (next = new Map()));
        node = next;
      }
    }
  }
  return root;
}

class Unsupported extends Error {}

/** The bytes of `doc` without the elements `tree` names, or undefined when the caller must project it itself. */
export function excludeBytes(doc: Buffer, tree: Tree): Buffer | undefined {
  try {
    return project(doc, 0, tree) ?? doc;
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/** The document at `start` without the elements `tree` names; null when none of them is there (nothing to change). */
function project(buf: Buffer, start: number, tree: Tree): Buffer | null {
  const size = buf.readInt32LE(start);
  const end = start + size - 1; // the terminating zero
  const parts: Buffer[] = [];
  let copyFrom = start + 4; // start of the run of elements kept as they stand
  let changed = false;
  let at = start + 4;
  while (at < end) {
    const type = buf[at]!;
    const nameStart = at + 1;
    const nameEnd = buf.indexOf(0, nameStart);
    if (nameEnd < 0 || nameEnd >= end) throw new Error('malformed BSON: unterminated element name');
    const valueStart = nameEnd + 1;
    const next = valueStart + valueSize(buf, type, valueStart);
    const rule = tree.get(buf.toString('utf8', nameStart, nameEnd));
    if (rule === true) {
      parts.push(buf.subarray(copyFrom, at));
      copyFrom = next;
      changed = true;
    } else if (rule !== undefined) {
      if (type === 0x04) throw new Unsupported();
      if (type === 0x03) {
        const inner = project(buf, valueStart, rule);
        if (inner) {
          parts.push(buf.subarray(copyFrom, valueStart), inner);
          copyFrom = next;
          changed = true;
        }
      }
    }
    at = next;
  }
  if (!changed) return null;
  parts.push(buf.subarray(copyFrom, end));
  let length = 5;
  for (const p of parts) length += p.length;
  const out = Buffer.allocUnsafe(length);
  out.writeInt32LE(length, 0);
  let o = 4;
  for (const p of parts) o += p.copy(out, o);
  out[o] = 0;
  return out;
}

/** The size in bytes of the value of an element of BSON type `type` starting at `at`. */
function valueSize(buf: Buffer, type: number, at: number): number {
  switch (type) {
    case 0x01: // double
    case 0x09: // UTC datetime
    case 0x11: // timestamp
    case 0x12: // int64
      return 8;
    case 0x02: // string
    case 0x0d: // JavaScript code
    case 0x0e: // symbol
      return 4 + buf.readInt32LE(at);
    case 0x03: // document
    case 0x04: // array
    case 0x0f: // code with scope
      return buf.readInt32LE(at);
    case 0x05: // binary: length, subtype, bytes
      return 5 + buf.readInt32LE(at);
    case 0x06: // undefined
    case 0x0a: // null
    case 0x7f: // max key
    case 0xff: // min key
      return 0;
    case 0x07: // ObjectId
      return 12;
    case 0x08: // boolean
      return 1;
    case 0x0b: {
      // regular expression: pattern and options, two C strings
      const p = buf.indexOf(0, at);
      return buf.indexOf(0, p + 1) + 1 - at;
    }
    case 0x0c: // DBPointer: string, then ObjectId
      return 4 + buf.readInt32LE(at) + 12;
    case 0x10: // int32
      return 4;
    case 0x13: // decimal128
      return 16;
    default:
      throw new Error(`malformed BSON: element type 0x${type.toString(16)}`);
  }
}
