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

import { documentOf, elements } from './bsonElements';

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
  const end = start + buf.readInt32LE(start) - 1; // the terminating zero
  const parts: Buffer[] = [];
  let copyFrom = start + 4; // start of the run of elements kept as they stand
  let changed = false;
  for (const el of elements(buf, start)) {
    const rule = tree.get(el.name);
    if (rule === true) {
      parts.push(buf.subarray(copyFrom, el.start));
      copyFrom = el.end;
      changed = true;
    } else if (rule !== undefined) {
      if (el.type === 0x04) throw new Unsupported();
      if (el.type === 0x03) {
        const inner = project(buf, el.valueStart, rule);
        if (inner) {
          parts.push(buf.subarray(copyFrom, el.valueStart), inner);
          copyFrom = el.end;
          changed = true;
        }
      }
    }
  }
  if (!changed) return null;
  parts.push(buf.subarray(copyFrom, end));
  return documentOf(parts);
}
