/**
 * An inclusion projection of top-level fields ({openId: 1, county: 1}, {_id: 1}, {extrasRev: 1, _id: 0}) applied to a
 * stored document's bytes: the elements named, and `_id` unless it is excluded, are copied as they stand, in the
 * document's order, without decoding the document (docs/mongo-wire.md §9, "Inclusion projections of top-level fields
 * on the bytes").
 * The decoded projection (engine.ts projected) deep-copies the document and decodes all of it, about 100 µs for a
 * task; listing the ids of a city's 20,000 tasks took it about 2 s.
 *
 * Only the plain case is taken; anything else answers `undefined` and the caller projects the decoded document as
 * before: a value other than 1 / true (0 only for `_id`; operators and literals are expressions in MongoDB), a path
 * (`a.b`: MongoDB keeps the parents and projects through arrays), `$` in a name, an empty name, and a stored document
 * whose `_id` is not its first field (the decoded projection puts `_id` first).
 */

import { documentOf, elements } from './bsonElements';

export interface Inclusion {
  /** the top-level fields named, `_id` aside */
  fields: ReadonlySet<string>;
  /** whether `_id` is in the result (unless `_id: 0`) */
  id: boolean;
}

/** The inclusion `projection` names, or undefined when it is not one this file takes (see the header). */
export function inclusionOf(projection: Record<string, unknown>): Inclusion | undefined {
  const fields = new Set<string>();
  let id = true;
  for (const key of Object.keys(projection)) {
    const v = projection[key];
    if (key === '_id') {
      if (v === 0 || v === false) id = false;
      else if (v !== 1 && v !== true) return undefined;
      continue;
    }
    if (v !== 1 && v !== true) return undefined;
    if (key.length === 0 || key.includes('.') || key.includes('$')) return undefined;
    fields.add(key);
  }
  // with no other field: {_id: 1} is an inclusion, {_id: 0} an exclusion and {} no projection
  if (fields.size === 0 && !(id && Object.hasOwn(projection, '_id'))) return undefined;
  return { fields, id };
}

/** The bytes of `doc` with only the fields `inclusion` names, or undefined when the caller must project it itself. */
export function includeBytes(doc: Buffer, inclusion: Inclusion): Buffer | undefined {
  const parts: Buffer[] = [];
  let first = true;
  for (const el of elements(doc, 0)) {
    if (el.name === '_id') {
      if (!first && inclusion.id) return undefined;
      if (inclusion.id) parts.push(doc.subarray(el.start, el.end));
    } else if (inclusion.fields.has(el.name)) {
      parts.push(doc.subarray(el.start, el.end));
    }
    first = false;
  }
  return documentOf(parts);
}
