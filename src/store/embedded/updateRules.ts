/**
 * The update checks MongoDB makes and mingo does not: first when the update is parsed (before any document is read),
 * then against each document before it is changed. Codes and messages follow MongoDB 7 (src/mongo/db/update/ in the
 * server's sources; see docs/mongo-wire.md):
 *
 * parse time (even when nothing matches)
 * - unknown operator ........................................ 9 FailedToParse   (update_driver / modifier_table)
 * - operator argument not an object ......................... 9 FailedToParse
 * - empty path or empty path part ........................... 56 EmptyFieldName (field_checker.cpp isUpdatable)
 * - two operators on one path, or on a path and its prefix .. 40 ConflictingUpdateOperators (update_object_node.cpp)
 * - `$` twice or first in a path; `$[id]` first or unknown .. 2 BadValue        (update_object_node.cpp)
 * - an array filter no path uses ............................ 9 FailedToParse   (update_driver / parsed_update)
 * - $inc / $mul with a non-number ........................... 14 TypeMismatch   (arithmetic_node.cpp init)
 * - $rename to a non-string, onto itself or its own path .... 2 BadValue        (rename_node.cpp)
 * - $push $each / $pullAll not an array ..................... 2 BadValue; $addToSet $each: 14 TypeMismatch
 *
 * per document
 * - creating a field below a string / number / null / …,
 *   or a named field in an array ............................ 28 PathNotViable ("Cannot create field 'b' in element {a: "s"}",
 *                                                              path_support.cpp createPathAt)
 * - $pull / $pullAll / $pop through such a value ............ 28 PathNotViable (update_leaf_node.cpp checkViability)
 * - $inc / $mul on a non-number ............................. 14 TypeMismatch   (arithmetic_node.cpp)
 * - $push on a non-array .................................... 2 BadValue       (push_node.cpp)
 * - $addToSet on a non-array ................................ 2 BadValue       (addtoset_node.cpp)
 * - $pull / $pullAll on a non-array ......................... 2 BadValue       (array_culling_node.cpp)
 * - $pop on a non-array ..................................... 14 TypeMismatch   (pop_node.cpp)
 * - `$[]` / `$[id]` on a missing or non-array value ......... 2 BadValue       (update_array_node.cpp)
 * - `$` without an array match in the query (and on upsert).. 2 BadValue
 * - a top-level `$`-prefixed field created by an operator ... 52 DollarPrefixedFieldName (storage_validation.cpp)
 */
import { newQuery } from './mingo';
import { CommandError, bsonType, formatValue, isObject, numKind, type Document } from './values';

export const UPDATE_OPERATORS = new Set([
  '$set', '$unset', '$inc', '$mul', '$min', '$max', '$rename', '$push', '$addToSet',
  '$pull', '$pullAll', '$pop', '$currentDate', '$bit', '$setOnInsert',
]);

/** Operators that create the path when it does not exist (PathCreatingNode / allowCreation() in MongoDB). */
const CREATING = new Set(['$set', '$setOnInsert', '$inc', '$mul', '$min', '$max', '$push', '$addToSet', '$currentDate', '$bit', '$rename']);
/** Operators that fail (instead of doing nothing) on a path they cannot traverse. */
const VIABILITY_CHECKED = new Set(['$pull', '$pullAll', '$pop']);

export interface UpdatePath {
  op: string;
  path: string;
  parts: string[];
  /** for $rename: the source path (a placeholder in MongoDB's tree); the destination is `path` */
  renameFrom?: string[];
}

export interface ParsedOperators {
  paths: UpdatePath[];
}

const isArrayFilterId = (part: string) => part.length >= 3 && part.startsWith('$[') && part.endsWith(']');
const isIndex = (part: string) => /^\d+$/.test(part);

/** MongoDB's type names (`typeName()` in bsontypes.cpp) for messages. */
export function typeName(v: unknown): string {
  if (v === undefined) return 'missing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  const kind = numKind(v);
  if (kind === 'int') return typeof v === 'number' && !Number.isInteger(v) ? 'double' : 'int';
  if (kind) return kind;
  switch (bsonType(v)) {
    case 'ObjectId':
      return 'objectId';
    case 'Decimal128':
      return 'decimal';
    case 'Binary':
      return 'binData';
    case 'Timestamp':
      return 'timestamp';
  }
  return isObject(v) ? 'object' : typeof v;
}

/** An element as MongoDB prints it in messages: `a: "s"`. */
const element = (name: string, v: unknown) => `${name}: ${formatValue(v)}`;

function conflict(path: string, at: string): CommandError {
  return new CommandError(40, 'ConflictingUpdateOperators', `Updating the path '${path}' would create a conflict at '${at}'`);
}

interface Node {
  kind: 'object' | 'array' | 'leaf';
  children: Map<string, Node>;
}

/** MongoDB's update tree: one leaf per path; internal nodes are objects, or arrays above `$[…]` parts. */
class UpdateTree {
  private readonly root: Node = { kind: 'object', children: new Map() };

  add(parts: string[]): void {
    const path = parts.join('.');
    let cur = this.root;
    for (let i = 0; i < parts.length - 1; i++) {
      const name = childName(parts[i]);
      const kind = isArrayFilterId(parts[i + 1]) ? 'array' : 'object';
      let child = cur.children.get(name);
      if (child && child.kind !== kind) throw conflict(path, parts.slice(0, i + 1).join('.'));
      if (!child) {
        child = { kind, children: new Map() };
        cur.children.set(name, child);
      }
      cur = child;
    }
    const last = childName(parts[parts.length - 1]);
    if (cur.children.has(last)) throw conflict(path, path);
    cur.children.set(last, { kind: 'leaf', children: new Map() });
  }
}

/** `$[id]` is keyed by its identifier ('' for `$[]`), like UpdateArrayNode's children. */
const childName = (part: string) => (isArrayFilterId(part) ? part.slice(2, -1) : part);

/** The identifier an array filter is about: the first part of its first field (`{'it.qty': …}` → `it`). */
function filterIdentifier(filter: Document): string {
  const first = Object.keys(filter)[0] ?? '';
  return first.split('.')[0];
}

function checkPath(path: string, identifiers: Set<string>, used: Set<string>): string[] {
  if (path === '') throw new CommandError(56, 'EmptyFieldName', 'An empty update path is not valid.');
  const parts = path.split('.');
  if (parts.some((p) => p === '')) {
    throw new CommandError(56, 'EmptyFieldName', `The update path '${path}' contains an empty field name, which is not allowed.`);
  }
  const positional = parts.filter((p) => p === '$').length;
  if (positional > 1) throw new CommandError(2, 'BadValue', `Too many positional (i.e. '$') elements found in path '${path}'`);
  if (parts[0] === '$') {
    throw new CommandError(2, 'BadValue', `Cannot have positional (i.e. '$') element in the first position in path '${path}'`);
  }
  parts.forEach((p, i) => {
    if (!isArrayFilterId(p)) return;
    if (i === 0) {
      throw new CommandError(2, 'BadValue', `Cannot have array filter identifier (i.e. '$[<id>]') element in the first position in path '${path}'`);
    }
    const id = p.slice(2, -1);
    if (id === '') return;
    if (!identifiers.has(id)) throw new CommandError(2, 'BadValue', `No array filter found for identifier '${id}' in path '${path}'`);
    used.add(id);
  });
  return parts;
}

/** Checks the argument of one operator on one path, as the update node's init() does. */
function checkArgument(op: string, path: string, value: unknown): void {
  if ((op === '$inc' || op === '$mul') && numKind(value) === undefined && bsonType(value) !== 'Decimal128') {
    // the value is formatted only for the message (formatting every argument of every update cost more than the checks)
    const shown = `{${element(path, value)}}`;
    throw new CommandError(14, 'TypeMismatch', `Cannot ${op === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: ${shown}`);
  }
  if (op === '$push' && isObject(value) && '$each' in value && !Array.isArray(value.$each)) {
    throw new CommandError(2, 'BadValue', `The argument to $each in $push must be an array but it was of type: ${typeName(value.$each)}`);
  }
  if (op === '$addToSet' && isObject(value) && Object.keys(value)[0] === '$each' && !Array.isArray(value.$each)) {
    throw new CommandError(14, 'TypeMismatch', `The argument to $each in $addToSet must be an array but it was of type ${typeName(value.$each)}`);
  }
  if (op === '$pullAll' && !Array.isArray(value)) {
    throw new CommandError(2, 'BadValue', `$pullAll requires an array argument but was given a ${typeName(value)}`);
  }
}

/** Parses an operator-style update: every check that does not depend on a document. */
export function parseOperators(u: Document, arrayFilters: Document[] | undefined): ParsedOperators {
  const identifiers = new Set((arrayFilters ?? []).filter(isObject).map(filterIdentifier));
  const used = new Set<string>();
  const tree = new UpdateTree();
  const paths: UpdatePath[] = [];
  for (const [op, operand] of Object.entries(u)) {
    if (!UPDATE_OPERATORS.has(op)) {
      throw new CommandError(9, 'FailedToParse', `Unknown modifier: ${op}. Expected a valid update modifier or pipeline-style update specified as an array`);
    }
    if (!isObject(operand)) {
      throw new CommandError(
        9,
        'FailedToParse',
        `Modifiers operate on fields but we found type ${typeName(operand)} instead. For example: {$mod: {<field>: ...}} not {${element(op, operand)}}`,
      );
    }
    for (const [path, value] of Object.entries(operand)) {
      if (op === '$rename') {
        const from = checkPath(path, identifiers, used);
        tree.add(from); // a ConflictPlaceholderNode in MongoDB
        if (typeof value !== 'string') {
          throw new CommandError(2, 'BadValue', `The 'to' field for $rename must be a string: ${element(path, value)}`);
        }
        const to = checkPath(value, identifiers, used);
        if (value === path) throw new CommandError(2, 'BadValue', `The source and target field for $rename must differ: ${element(path, value)}`);
        if (value.startsWith(`${path}.`) || path.startsWith(`${value}.`)) {
          throw new CommandError(2, 'BadValue', `The source and target field for $rename must not be on the same path: ${element(path, value)}`);
        }
        if (from.some((p) => p.startsWith('$')) || to.some((p) => p.startsWith('$'))) {
          throw new CommandError(2, 'BadValue', `The source and destination field for $rename may not be dynamic: ${element(path, value)}`);
        }
        tree.add(to);
        paths.push({ op, path: value, parts: to, renameFrom: from });
        continue;
      }
      const parts = checkPath(path, identifiers, used);
      checkArgument(op, path, value);
      tree.add(parts);
      paths.push({ op, path, parts });
    }
  }
  for (const id of identifiers) {
    if (!used.has(id)) {
      throw new CommandError(9, 'FailedToParse', `The array filter for identifier '${id}' was not used in the update ${formatValue(u)}`);
    }
  }
  return { paths };
}

// ---- per document ----------------------------------------------------------------------------------------------------

export interface DocumentContext {
  /** the stored document, typed view (exact number types) */
  typed: Document;
  /** the same document, plain view (what mingo matches) */
  plain: Document;
  /** the update's query, plain: positional `$` is resolved against it */
  query: Document | undefined;
  arrayFilters: Document[] | undefined;
  /** true on the upsert's insert: $setOnInsert applies, positional `$` cannot */
  inserting: boolean;
}

function positionalNotFound(): CommandError {
  return new CommandError(2, 'BadValue', 'The positional operator did not find the match needed from the query.');
}

function idText(ctx: DocumentContext): string {
  return ctx.typed._id === undefined ? 'no id' : element('_id', ctx.typed._id);
}

const isNumeric = (v: unknown) => numKind(v) !== undefined || bsonType(v) === 'Decimal128';

/** The index of the array element the query matched for `selector.$`, the way mingo resolves it. */
function positionalIndex(arr: unknown[], selector: string, ctx: DocumentContext): number {
  const q = ctx.query;
  if (!q || ctx.inserting) throw positionalNotFound();
  const conditions: Document = {};
  for (const [k, v] of Object.entries(q)) if (k === selector || k.startsWith(`${selector}.`)) conditions[k] = v;
  if (Object.keys(conditions).length === 0) throw positionalNotFound();
  const test = newQuery(conditions);
  const i = arr.findIndex((e) => test.test({ [selector]: [e] }));
  if (i < 0) throw positionalNotFound();
  return i;
}

function arrayFilterMatches(id: string, el: unknown, ctx: DocumentContext): boolean {
  if (id === '') return true;
  const filters = (ctx.arrayFilters ?? []).filter((f) => isObject(f) && filterIdentifier(f) === id);
  return filters.every((f) => newQuery(f).test({ [id]: el }));
}

/** The path does not exist from `parts[i]` on; `typedEl` is the deepest existing value (named `name`). */
function nonexistent(p: UpdatePath, i: number, name: string, typedEl: unknown, ctx: DocumentContext): void {
  const rest = p.parts.slice(i);
  const arrayPart = rest.findIndex(isArrayFilterId);
  if (rest.includes('$')) throw positionalNotFound();
  if (CREATING.has(p.op)) {
    if (arrayPart >= 0) {
      const prefix = [...p.parts.slice(0, i), ...rest.slice(0, arrayPart)].join('.');
      throw new CommandError(2, 'BadValue', `The path '${prefix}' must exist in the document in order to apply array updates.`);
    }
    if (i === 0 && p.parts[0].startsWith('$')) {
      throw new CommandError(
        52,
        'DollarPrefixedFieldName',
        `The dollar ($) prefixed field '${p.parts[0]}' in '${p.parts[0]}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
      );
    }
    if (isObject(typedEl) || (Array.isArray(typedEl) && isIndex(rest[0]))) return;
    throw new CommandError(28, 'PathNotViable', `Cannot create field '${rest[0]}' in element {${element(name, typedEl)}}`);
  }
  if (VIABILITY_CHECKED.has(p.op)) {
    if (isObject(typedEl) || (Array.isArray(typedEl) && isIndex(rest[0]))) return;
    throw new CommandError(
      28,
      'PathNotViable',
      `Cannot use the part (${rest[0]}) of (${[...p.parts.slice(0, i), ...rest].join('.')}) to traverse the element ({${element(name, typedEl)}})`,
    );
  }
  // $unset and a missing $rename source do nothing
}

function existing(p: UpdatePath, fieldPath: string, name: string, v: unknown, plain: unknown, ctx: DocumentContext): void {
  switch (p.op) {
    case '$inc':
    case '$mul':
      if (!isNumeric(v)) {
        throw new CommandError(
          14,
          'TypeMismatch',
          `Cannot apply ${p.op} to a value of non-numeric type. {${idText(ctx)}} has the field '${name}' of non-numeric type ${typeName(v)}`,
        );
      }
      if (bsonType(plain) === 'Decimal128' || bsonType(plain) === 'Long') {
        // the plain view keeps only Decimal128 and int64 beyond 2^53 as objects; mingo cannot do arithmetic on them
        throw new CommandError(2, 'BadValue', `${p.op} on Decimal128 or int64 beyond 2^53 is not supported by the embedded wire server`);
      }
      return;
    case '$push':
      if (!Array.isArray(v)) {
        throw new CommandError(2, 'BadValue', `The field '${fieldPath}' must be an array but is of type ${typeName(v)} in document {${idText(ctx)}}`);
      }
      return;
    case '$addToSet':
      if (!Array.isArray(v)) {
        throw new CommandError(2, 'BadValue', `Cannot apply $addToSet to non-array field. Field named '${name}' has non-array type ${typeName(v)}`);
      }
      return;
    case '$pull':
    case '$pullAll':
      if (!Array.isArray(v)) throw new CommandError(2, 'BadValue', `Cannot apply ${p.op} to a non-array value`);
      return;
    case '$pop':
      if (!Array.isArray(v)) throw new CommandError(14, 'TypeMismatch', `Path '${fieldPath}' contains an element of non-array type '${typeName(v)}'`);
      return;
  }
}

/** Walks one update path through the document (both views in step), resolving `$`, `$[]` and `$[id]`. */
function walk(p: UpdatePath, i: number, typedEl: unknown, plainEl: unknown, taken: string[], ctx: DocumentContext): void {
  const name = taken.length > 0 ? taken[taken.length - 1] : '';
  if (i === p.parts.length) {
    existing(p, taken.join('.'), name, typedEl, plainEl, ctx);
    return;
  }
  const part = p.parts[i];
  if (part === '$') {
    if (!Array.isArray(typedEl) || !Array.isArray(plainEl)) throw positionalNotFound();
    const j = positionalIndex(plainEl, p.parts.slice(0, i).join('.'), ctx);
    walk(p, i + 1, typedEl[j], plainEl[j], [...taken, String(j)], ctx);
    return;
  }
  if (isArrayFilterId(part)) {
    if (!Array.isArray(typedEl) || !Array.isArray(plainEl)) {
      throw new CommandError(2, 'BadValue', `Cannot apply array updates to non-array element ${element(name, typedEl)}`);
    }
    const id = part.slice(2, -1);
    plainEl.forEach((el, j) => {
      if (arrayFilterMatches(id, el, ctx)) walk(p, i + 1, typedEl[j], el, [...taken, String(j)], ctx);
    });
    return;
  }
  if (isObject(typedEl) && isObject(plainEl) && Object.prototype.hasOwnProperty.call(typedEl, part)) {
    walk(p, i + 1, typedEl[part], plainEl[part], [...taken, part], ctx);
    return;
  }
  if (Array.isArray(typedEl) && Array.isArray(plainEl) && isIndex(part) && Number(part) < typedEl.length) {
    walk(p, i + 1, typedEl[Number(part)], plainEl[Number(part)], [...taken, part], ctx);
    return;
  }
  nonexistent(p, i, name, typedEl, ctx);
}

/** Checks an operator update against one document before it is applied; throws MongoDB's error for the first failure. */
export function checkAgainstDocument(parsed: ParsedOperators, ctx: DocumentContext): void {
  for (const p of parsed.paths) {
    if (p.op === '$setOnInsert' && !ctx.inserting) continue; // a no-op before any check (ModifierNode::apply)
    if (p.renameFrom) {
      walk({ op: '$unset', path: p.renameFrom.join('.'), parts: p.renameFrom }, 0, ctx.typed, ctx.plain, [], ctx);
    }
    walk(p, 0, ctx.typed, ctx.plain, [], ctx);
  }
}
