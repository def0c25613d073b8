/** Update semantics on top of mingo: operator, replacement and pipeline updates, $setOnInsert and upsert seeding. */
import { ObjectId } from 'bson';
import { mingoIndex, mingoUpdate } from './mingo';
import { checkAgainstDocument, parseOperators, type ParsedOperators, type UpdatePath } from './updateRules';
import {
  CommandError,
  KEPT,
  bsonType,
  formatValue,
  isObject,
  isOperatorObject,
  keyString,
  omit,
  plainClone,
  plainCopy,
  retype,
  own,
  setOwn,
  setPath,
  typeHints,
  type Document,
  type Version,
} from './values';

/** One update statement; `u`/`q` are plain (for mingo), `uTyped`/`qTyped` keep the client's BSON number types. */
export interface UpdateSpec {
  q: Document;
  qTyped: Document;
  u: Document | Document[];
  uTyped: Document | Document[];
  arrayFilters?: Document[];
  /** set by parseUpdate */
  parsed?: ParsedUpdate;
}

const PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

export type UpdateKind = 'replace' | 'operators' | 'pipeline';
export type ParsedUpdate =
  | { kind: 'replace' }
  | { kind: 'pipeline' }
  /** `touched`: see touchedFields */
  | { kind: 'operators'; ops: ParsedOperators; touched: ReadonlySet<string> };

/**
 * Validates an update the way MongoDB parses it, before any document is read (so errors come back even when nothing
 * matches). The first field decides between a replacement and operators, as in MongoDB. The result is cached on `spec`.
 */
export function parseUpdate(spec: UpdateSpec): ParsedUpdate {
  if (spec.parsed) return spec.parsed;
  const u = spec.u;
  let parsed: ParsedUpdate;
  if (Array.isArray(u)) {
    for (const stage of u) {
      const name = isObject(stage) ? Object.keys(stage)[0] : undefined;
      if (!name || !PIPELINE_STAGES.has(name)) {
        throw new CommandError(2, 'BadValue', `${String(name)} is not allowed to be used within an update`);
      }
    }
    parsed = { kind: 'pipeline' };
  } else if (!isObject(u)) {
    throw new CommandError(9, 'FailedToParse', 'Update document must be an object or a pipeline');
  } else if (!(Object.keys(u)[0] ?? '').startsWith('$')) {
    parsed = { kind: 'replace' };
  } else {
    const filters = Array.isArray(spec.arrayFilters) ? spec.arrayFilters.filter(isObject) : undefined;
    const ops = parseOperators(u, filters);
    const touched = new Set<string>();
    for (const p of ops.paths) {
      touched.add(p.parts[0]);
      if (p.renameFrom) touched.add(p.renameFrom[0]);
    }
    parsed = { kind: 'operators', ops, touched };
  }
  spec.parsed = parsed;
  return parsed;
}

export function updateKind(spec: UpdateSpec): UpdateKind {
  return parseUpdate(spec).kind;
}

function immutableId(): CommandError {
  return new CommandError(66, 'ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
}

/** Whether an operator names a path through the positional `$` (the only use mingo's updater has for the query). */
function positional(modifier: Document): boolean {
  return Object.values(modifier).some((fields) => isObject(fields) && Object.keys(fields).some((p) => p.split('.').includes('$')));
}

/**
 * mingo's update with its errors mapped to MongoDB's codes. The query `q` (which the document is known to match) is
 * handed over only for a positional `$`: otherwise mingo would compile it and test the document again for nothing.
 */
function runUpdate(doc: Document, modifier: Document, arrayFilters?: Document[], q?: Document): void {
  try {
    mingoUpdate(doc, modifier, arrayFilters, q && positional(modifier) ? q : undefined);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg.includes("immutable field '_id'")) throw immutableId();
    if (msg.includes('would create a conflict')) throw new CommandError(40, 'ConflictingUpdateOperators', msg);
    throw new CommandError(2, 'BadValue', msg);
  }
}

/**
 * A replacement document as MongoDB's storage validation sees it (storage_validation.cpp): no top-level `$`-prefixed
 * field (52 DollarPrefixedFieldName; nested ones are allowed since 5.0), an `_id` that is not an array, regex or
 * undefined (53 InvalidIdField).
 */
function checkReplacement(repl: Document): void {
  for (const k of Object.keys(repl)) {
    if (k.startsWith('$')) {
      throw new CommandError(
        52,
        'DollarPrefixedFieldName',
        `The dollar ($) prefixed field '${k}' in '${k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
      );
    }
  }
  const id: unknown = repl._id;
  if (Array.isArray(id) || id instanceof RegExp || bsonType(id) === 'BSONRegExp') {
    throw new CommandError(53, 'InvalidIdField', `The '_id' value cannot be of type ${Array.isArray(id) ? 'array' : 'regex'}`);
  }
}

/**
 * `$set` / `$setOnInsert` of `_id` to the value it has is a no-op in MongoDB (mingo refuses any `_id` path); to another
 * value it is 66 ImmutableField (modifier_node.cpp checkImmutablePathsNotModifiedFromOriginal).
 */
function withoutSameId(op: string, fields: Document, id: unknown): Document {
  if ((op !== '$set' && op !== '$setOnInsert') || !Object.prototype.hasOwnProperty.call(fields, '_id')) return fields;
  if (keyString(fields._id) !== keyString(id)) {
    throw new CommandError(66, 'ImmutableField', `Updating the path '_id' to _id: ${formatValue(fields._id)} would modify the immutable field '_id'`);
  }
  return omit(fields, '_id');
}

/**
 * Applies `spec` to a document (typed view + plain view) and returns the new typed document.
 * `inserting` is true for the upsert path: $setOnInsert applies, positional operators do not.
 */
export function applyUpdate(spec: UpdateSpec, typed: Document, plain: Document, inserting: boolean, partial = false): Document {
  const parsed = parseUpdate(spec);
  if (parsed.kind === 'replace') {
    const repl = spec.uTyped as Document;
    checkReplacement(repl);
    if (repl._id !== undefined && typed._id !== undefined && keyString(repl._id) !== keyString(typed._id)) {
      // object_replace_executor.cpp
      throw new CommandError(66, 'ImmutableField', `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(repl._id)}`);
    }
    return { _id: typed._id ?? repl._id ?? new ObjectId(), ...omit(repl, '_id') };
  }

  let doc: Document;
  let touched: ReadonlySet<string> | undefined;
  if (parsed.kind === 'pipeline') {
    const { Aggregator, ProcessingMode } = mingoIndex();
    const out = new Aggregator(spec.u as Document[], { processingMode: ProcessingMode.CLONE_INPUT }).run([plainCopy(plain)]);
    doc = (out[0] as Document | undefined) ?? {};
    if (doc._id === undefined) doc = { _id: plain._id, ...doc };
  } else {
    checkAgainstDocument(parsed.ops, { typed, plain, query: spec.q, arrayFilters: spec.arrayFilters, inserting });
    touched = touchedFields(spec);
    doc = copyPaths(plain, parsed.ops.paths);
    const ops = spec.u as Document;
    const modifier: Document = {};
    for (const [op, operand] of Object.entries(ops)) {
      const fields = withoutSameId(op, operand as Document, plain._id);
      if (op !== '$setOnInsert' && Object.keys(fields).length > 0) modifier[op] = fields;
    }
    if (Object.keys(modifier).length > 0) runUpdate(doc, modifier, spec.arrayFilters, inserting ? undefined : spec.q);
    const onInsert = withoutSameId('$setOnInsert', (ops.$setOnInsert ?? {}) as Document, plain._id);
    if (inserting && onInsert && Object.keys(onInsert).length > 0) runUpdate(doc, { $set: onInsert });
  }
  if (keyString(doc._id) !== keyString(plain._id)) throw immutableId();
  const hints = typeHints(spec.uTyped);
  if (!touched) return retype(doc, typed, hints) as Document;
  // fields the update does not name are the stored typed values (what retype would rebuild from them); within the
  // fields it names, the parts copyPaths left as stored are too (retype's `stored`)
  const out: Document = {};
  for (const k of Object.keys(doc)) {
    const v: unknown = doc[k];
    if (v === undefined) continue;
    // `partial`: `typed` holds the fields the update names only (updatedDocument); a field it left as stored is KEPT
    if (partial && !touched.has(k) && Object.prototype.hasOwnProperty.call(plain, k) && v === plain[k]) setOwn(out, k, KEPT);
    else setOwn(out, k, touched.has(k) || !Object.prototype.hasOwnProperty.call(typed, k) ? retype(v, own(typed, k), hints, k, own(plain, k)) : typed[k]);
  }
  return out;
}

/**
 * The document `spec` makes of the stored version `v`, for Collection.replace. An operator update decodes only the
 * top-level fields it names (Version.typedFields) and leaves the others `KEPT`, so that makeVersion copies their
 * bytes; a replacement or a pipeline, which may change any field, starts from the whole typed view.
 */
export function updatedDocument(spec: UpdateSpec, v: Version): Document {
  const touched = touchedFields(spec);
  if (!touched) return applyUpdate(spec, v.typed(), v.plain, false);
  return applyUpdate(spec, v.typedFields(touched), v.plain, false, true);
}

/**
 * The top-level fields an operator update can change: the first part of every path it names (a $rename's source
 * included), computed once with the parse (parseUpdate). Undefined for a replacement or a pipeline, which may change any
 * field.
 */
export function touchedFields(spec: UpdateSpec): ReadonlySet<string> | undefined {
  const parsed = parseUpdate(spec);
  return parsed.kind === 'operators' ? parsed.touched : undefined;
}

/**
 * The working copy mingo's update changes in place: a new top-level object in which every object and array along the
 * update's paths (and the value at the end of each path, which $push, $pull, $addToSet, $pop change in place) is a
 * fresh shallow copy; everything else is the stored (frozen) value, which the update does not reach. A field whose
 * path has a positional or numeric part, or goes through an array, is copied whole (values.ts plainClone): mingo may
 * change any element of that array. The parts left as stored keep their identity, which retype uses to give back
 * the stored typed values for them instead of rebuilding them.
 */
function copyPaths(plain: Document, paths: readonly UpdatePath[]): Document {
  const out: Document = { ...plain };
  const copied = new Set<unknown>([out]);
  const whole = new Set<string>();
  const shallow = (v: unknown): unknown => {
    if (copied.has(v)) return v;
    const c = Array.isArray(v) ? v.slice() : { ...(v as Document) };
    copied.add(c);
    return c;
  };
  const follow = (parts: readonly string[]) => {
    const top = parts[0];
    if (whole.has(top)) return;
    if (parts.some((p) => p.startsWith('$') || /^\d+$/.test(p))) {
      whole.add(top);
      out[top] = plainClone(plain[top]);
      return;
    }
    let cur = out;
    for (let i = 0; i < parts.length; i++) {
      const v: unknown = cur[parts[i]];
      const container = Array.isArray(v) || isObject(v);
      if (!container) return; // a leaf, missing or a BSON value: replaced, never changed in place
      if (Array.isArray(v) && i < parts.length - 1) {
        // a field path through an array: the update refuses it or reaches into elements; copy the field whole
        whole.add(top);
        out[top] = plainClone(plain[top]);
        return;
      }
      const c = shallow(v) as Document;
      cur[parts[i]] = c;
      cur = c;
    }
  };
  for (const p of paths) {
    follow(p.parts);
    if (p.renameFrom) follow(p.renameFrom);
  }
  return out;
}

/** The document an upsert inserts: the filter's equality conditions, then the update. */
export function upsertDocument(spec: UpdateSpec): Document {
  const seed: Document = {};
  seedFromFilter(spec.qTyped, seed);
  if (parseUpdate(spec).kind === 'replace') {
    const repl = spec.uTyped as Document;
    checkReplacement(repl);
    return { _id: repl._id ?? seed._id ?? new ObjectId(), ...omit(repl, '_id') };
  }
  // an _id the update sets ($set or $setOnInsert) is the new document's when the query does not fix one
  const ops = spec.uTyped as Document;
  const setId = [ops.$set, ops.$setOnInsert].find((o): o is Document => isObject(o) && o._id !== undefined)?._id;
  const base = { _id: seed._id ?? setId ?? new ObjectId(), ...omit(seed, '_id') };
  return applyUpdate(spec, base, plainCopy(base), true);
}

function seedFromFilter(q: Document, out: Document): void {
  for (const [k, v] of Object.entries(q)) {
    if (k === '$and' && Array.isArray(v)) {
      for (const clause of v) if (isObject(clause)) seedFromFilter(clause, out);
    } else if (k.startsWith('$') || v instanceof RegExp) {
      continue; // $or, $expr, … contribute nothing
    } else if (isOperatorObject(v)) {
      if ('$eq' in v) setPath(out, k, v.$eq);
    } else {
      setPath(out, k, v);
    }
  }
}
