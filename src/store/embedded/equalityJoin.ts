/**
 * `$lookup` stages on equality of one field (`{from, localField, foreignField, as}`, no `let`, no sub-pipeline),
 * answered from the foreign collection's lookup maps (lookup.ts) instead of mingo's $lookup, which reads and hashes
 * the whole foreign collection on every run (and is built with an Aggregator on every command). E.g. 开始检查's one
 * read: a task by _id joined with its campaign by _id and the campaign's extra checklists by campaignId.
 *
 * The result is exactly mingo's (which the embedded database otherwise runs): for each input document, the foreign
 * documents in natural order, each as many times as its `foreignField` value (the value, or each element of an array
 * value, as mingo's `resolve` finds it) equals the local value under mingo's equality; the joined array set with
 * `{...doc, [as]: joined}`. Taken only when every local value is a plain scalar the lookup maps key (a string, a
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

/** How many times mingo's $lookup joins `doc` for `local` on `foreignField`. */
function occurrences(doc: Document, foreignField: string, local: unknown): number {
  const v = resolve(doc, foreignField) ?? null;
  if (!Array.isArray(v)) return same(v, local) ? 1 : 0;
  let n = 0;
  for (const x of v) if (same(x ?? null, local)) n++;
  return n;
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
          for (let n = occurrences(plain, l.foreignField, local); n > 0; n--) joined.push(plain);
        }
      }
      next.push({ ...doc, [l.as]: joined });
    }
    docs = next;
  }
  return docs;
}
