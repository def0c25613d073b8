/** Update semantics on top of mingo: operator, replacement and pipeline updates, $setOnInsert and upsert seeding. */
import { ObjectId } from 'bson';
import { Aggregator, ProcessingMode, update as mingoUpdate } from 'mingo';
import {
  CommandError,
  bsonType,
  formatValue,
  isObject,
  isOperatorObject,
  keyString,
  omit,
  plainCopy,
  retype,
  setPath,
  typeHints,
  type Document,
} from './values';

/** One update statement; `u`/`q` are plain (for mingo), `uTyped`/`qTyped` keep the client's BSON number types. */
export interface UpdateSpec {
  q: Document;
  qTyped: Document;
  u: Document | Document[];
  uTyped: Document | Document[];
  arrayFilters?: Document[];
}

const OPERATORS = new Set([
  '$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$push', '$addToSet',
  '$pull', '$pullAll', '$pop', '$currentDate', '$bit', '$setOnInsert',
]);
const PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

export type UpdateKind = 'replace' | 'operators' | 'pipeline';

export function updateKind(u: unknown): UpdateKind {
  if (Array.isArray(u)) {
    for (const stage of u) {
      const name = isObject(stage) ? Object.keys(stage)[0] : undefined;
      if (!name || !PIPELINE_STAGES.has(name)) {
        throw new CommandError(2, 'BadValue', `${String(name)} is not allowed to be used within an update`);
      }
    }
    return 'pipeline';
  }
  if (!isObject(u)) throw new CommandError(9, 'FailedToParse', 'Update document must be an object or a pipeline');
  const keys = Object.keys(u);
  if (!keys.some((k) => k.startsWith('$'))) return 'replace';
  for (const k of keys) {
    if (!OPERATORS.has(k)) {
      throw new CommandError(9, 'FailedToParse', `Unknown modifier: ${k}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    if (!isObject(u[k])) throw new CommandError(9, 'FailedToParse', `Modifiers operate on fields but we found another type instead: ${k}`);
  }
  return 'operators';
}

function immutableId(): CommandError {
  return new CommandError(66, 'ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");
}

/** mingo's update with its errors mapped to MongoDB's codes. */
function runUpdate(doc: Document, modifier: Document, arrayFilters?: Document[], q?: Document): void {
  try {
    mingoUpdate(doc, modifier, arrayFilters, q);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (msg.includes("immutable field '_id'")) throw immutableId();
    if (msg.includes('would create a conflict')) throw new CommandError(40, 'ConflictingUpdateOperators', msg);
    throw new CommandError(2, 'BadValue', msg);
  }
}

const NUMERIC_OPS = ['$inc', '$mul'];
const ARRAY_OPS = ['$push', '$addToSet', '$pull', '$pullAll', '$pop'];

/** mingo silently skips $inc on strings or $push on non-arrays; MongoDB refuses them. Checks plain (non-positional) paths. */
function checkOperandTypes(doc: Document, modifier: Document): void {
  const current = (path: string): unknown => {
    let v: unknown = doc;
    for (const seg of path.split('.')) v = isObject(v) ? v[seg] : Array.isArray(v) && /^\d+$/.test(seg) ? v[Number(seg)] : undefined;
    return v;
  };
  for (const [op, operand] of Object.entries(modifier)) {
    for (const path of Object.keys(operand as Document)) {
      if (path.includes('$')) continue;
      const v = current(path);
      if (v === undefined) continue;
      if (NUMERIC_OPS.includes(op) && (bsonType(v) === 'Long' || bsonType(v) === 'Decimal128')) {
        // the plain view keeps only int64 beyond 2^53 as Long; mingo cannot do arithmetic on either
        throw new CommandError(2, 'BadValue', `${op} on Decimal128 or int64 beyond 2^53 is not supported by the test wire server`);
      }
      if (NUMERIC_OPS.includes(op) && typeof v !== 'number') {
        throw new CommandError(14, 'TypeMismatch', `Cannot apply ${op} to a value of non-numeric type. {_id: ${formatValue(doc._id)}} has the field '${path}' of non-numeric type ${v === null ? 'null' : typeof v}`);
      }
      if (ARRAY_OPS.includes(op) && !Array.isArray(v)) {
        throw new CommandError(2, 'BadValue', `The field '${path}' must be an array but is of type ${v === null ? 'null' : typeof v} in document {_id: ${formatValue(doc._id)}}`);
      }
    }
  }
}

/**
 * Applies `spec` to a document (typed view + plain view) and returns the new typed document.
 * `inserting` is true for the upsert path: $setOnInsert applies, positional operators do not.
 */
export function applyUpdate(spec: UpdateSpec, typed: Document, plain: Document, inserting: boolean): Document {
  const kind = updateKind(spec.u);
  if (kind === 'replace') {
    const repl = spec.uTyped as Document;
    if (repl._id !== undefined && typed._id !== undefined && keyString(repl._id) !== keyString(typed._id)) {
      throw immutableId();
    }
    return { _id: typed._id ?? repl._id ?? new ObjectId(), ...omit(repl, '_id') };
  }

  let doc = plainCopy(plain);
  if (kind === 'pipeline') {
    const out = new Aggregator(spec.u as Document[], { processingMode: ProcessingMode.CLONE_INPUT }).run([doc]);
    doc = (out[0] as Document | undefined) ?? {};
    if (doc._id === undefined) doc = { _id: plain._id, ...doc };
  } else {
    const ops = spec.u as Document;
    const modifier: Document = {};
    for (const [op, operand] of Object.entries(ops)) {
      if (op !== '$setOnInsert' && Object.keys(operand as Document).length > 0) modifier[op] = operand;
    }
    if (Object.keys(modifier).length > 0) {
      checkOperandTypes(doc, modifier);
      runUpdate(doc, modifier, spec.arrayFilters, inserting ? undefined : spec.q);
    }
    const onInsert = ops.$setOnInsert as Document | undefined;
    if (inserting && onInsert && Object.keys(onInsert).length > 0) runUpdate(doc, { $set: onInsert });
  }
  if (keyString(doc._id) !== keyString(plain._id)) throw immutableId();
  return retype(doc, typed, typeHints(spec.uTyped)) as Document;
}

/** The document an upsert inserts: the filter's equality conditions, then the update. */
export function upsertDocument(spec: UpdateSpec): Document {
  const seed: Document = {};
  seedFromFilter(spec.qTyped, seed);
  if (updateKind(spec.u) === 'replace') {
    const repl = spec.uTyped as Document;
    return { _id: repl._id ?? seed._id ?? new ObjectId(), ...omit(repl, '_id') };
  }
  const base = { _id: seed._id ?? new ObjectId(), ...omit(seed, '_id') };
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
