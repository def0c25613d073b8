/**
 * `$lookup` stages on equality of one field (`{from, localField, foreignField, as}`, no `let`, no sub-pipeline),
 * answered from the foreign collection's lookup maps (lookup.ts) instead of mingo's $lookup, which reads and hashes
 * the whole foreign collection on every run (and is built with an Aggregator on every command). E.g. 开始检查's one
 * read: a task by _id joined with its campaign by _id and the campaign's extra checklists by campaignId.
 *
 * The result is MongoDB's: for each input document, the foreign documents in natural order whose `foreignField`
 * value (the value, or an element of an array value, as mingo's `resolve` finds it) equals the local value under
 * mingo's equality, each once; the joined array set with `{...doc, [as]: joined}`. That is mingo's result too,
 * except that mingo joins a foreign document once per matching element when its array holds the value more than
 * once (`{k: [5, 5]}`), which MongoDB does not. Taken only when every local value is a plain scalar the lookup maps key (a string, a
 * number, a boolean, a Date or an ObjectId): a missing, null or array local value, or any other stage, and the
 * pipeline runs as before. The maps' candidates are a superset of mingo's matches (lookup.ts keys every scalar
 * reachable along the path), so testing them gives the same documents; an unindexed foreign field reads every
 * document, as mingo does.
 */
import type { Collection } from './collection';
import { lookupable } from './lookup';
import { isObject, type Document } from './values';

/* eslint-disable @typescript-eslint/no-require-imports */
// mingo's own path resolution and equality, so that the matches are mingo's (see mingo.ts on the subpath require)
const { resolve, isEqual } = require('mingo/util') as { resolve(obj: unknown, path: string): unknown; isEqual(a: unknown, b: unknown): boolean };
/* eslint-enable @typescript-eslint/no-require-imports */

interface EqualityLookup {
  from: string;
  localField: string;
  foreignField: string;
  as: string;
}

const LOOKUP_KEYS = ['from', 'localField', 'foreignField', 'as'];

/** The stages as equality lookups, or undefined when any stage is something else (or there is none). */
function equalityLookups(stages: Document[]): EqualityLookup[] | undefined {
  if (stages.length === 0) return undefined;
  const out: EqualityLookup[] = [];
  for (const stage of stages) {
    const keys = Object.keys(stage);
    if (keys.length !== 1 || keys[0] !== '$lookup') return undefined;
    const spec: unknown = stage.$lookup;
    if (!isObject(spec)) return undefined;
    const specKeys = Object.keys(spec);
    if (specKeys.length !== LOOKUP_KEYS.length || !LOOKUP_KEYS.every((k) => typeof spec[k] === 'string' && spec[k] !== '')) return undefined;
    const l = spec as unknown as EqualityLookup;
    // a dotted `as` is left to mingo (and MongoDB nests it): not this shape
    if (l.as.includes('.') || l.as.startsWith('$')) return undefined;
    out.push(l);
  }
  return out;
}

/** mingo's $lookup equality: SameValueZero for primitives (its Map), isEqual for objects (its HashMap). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null) return a === b || (a !== a && b !== b);
  return isEqual(a, b);
}

/** Whether `doc` joins for `local` on `foreignField`: its value there, or an element of it, equals `local`. */
function joins(doc: Document, foreignField: string, local: unknown): boolean {
  const v = resolve(doc, foreignField) ?? null;
  if (!Array.isArray(v)) return same(v, local);
  for (const x of v) if (same(x ?? null, local)) return true;
  return false;
}

/**
 * The pipeline's result when it is equality lookups alone (see the header); undefined when it is not, or when a local
 * value is not a plain scalar: the caller then runs it as before. `input`: the documents entering the first stage,
 * read only when the stages are of this shape (read-only: the stored plain views are joined, as the read-only mingo
 * run joins them).
 */
export function equalityJoin(stages: Document[], input: () => Document[], collection: (name: string) => Collection | undefined): Document[] | undefined {
  const lookups = equalityLookups(stages);
  if (!lookups) return undefined;
  let docs = input();
  for (const l of lookups) {
    const foreign = collection(l.from);
    const next: Document[] = [];
    for (const doc of docs) {
      const local: unknown = resolve(doc, l.localField) ?? null;
      if (!lookupable(local) || Array.isArray(local)) return undefined;
      const joined: Document[] = [];
      if (foreign) {
        for (const slot of foreign.equalCandidates(l.foreignField, local)) {
          const plain = slot.v.plain;
          if (joins(plain, l.foreignField, local)) joined.push(plain);
        }
      }
      next.push({ ...doc, [l.as]: joined });
    }
    docs = next;
  }
  return docs;
}
