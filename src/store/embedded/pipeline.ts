/**
 * Compiled aggregation: the pipelines the service runs ($match, $addFields / $set, $project, $group, $sort, $skip,
 * $limit, $count, $facet, $unwind, $replaceRoot / $replaceWith, and the expression operators listed in OPERATORS)
 * turned once into JavaScript closures, instead of being interpreted document by document (mingo interprets every
 * expression anew for each document: for 20,000 tasks through the 附件5 pipeline that took seconds).
 *
 * The semantics are MongoDB's (not mingo's where they differ), from MongoDB 7's sources (src/mongo/db/pipeline/):
 * - values compare in BSON order (value_comparator / canonicalizeBSONType): missing < null < numbers < strings <
 *   objects < arrays < binary < ObjectId < booleans < dates …; numbers by value whatever their type, strings by
 *   their UTF-8 bytes; so `{$eq: ['$missing', null]}` is false and `{$lt: ['$missing', null]}` true;
 * - truthiness ($cond, $and, $or, $not): false, null, missing and numeric zero are false, anything else true;
 * - a field path through an array maps over its elements (ExpressionFieldPath::evaluatePathArray): objects give
 *   their field (missing ones are skipped), nested arrays give nested results, anything else is skipped;
 * - an object expression leaves out fields whose value is missing; $addFields / $project drop a field set to a
 *   missing value ($$REMOVE too); $project keeps included fields in the document's order, computed ones after them;
 * - $group: missing keys group with null; $sum / $avg ignore what is not a number; $push / $addToSet skip missing
 *   values; $first / $last of a missing value is null; $min / $max ignore null and missing;
 * - $sort compares missing as null and is stable.
 *
 * Anything outside this subset is not compiled (compilePipeline returns undefined) and the pipeline runs in mingo,
 * as before. Values the compiled code meets at run time and does not handle exactly (an array in a sort key,
 * Decimal128 and NumberLong beyond 2^53, a type error MongoDB would report) throw `Unsupported`: the engine then
 * runs the whole pipeline in mingo instead. Nothing here ever changes its input documents (the stored, frozen views).
 */
import { newQuery } from './mingo';
import { bsonType as bsonTypeOf, isObject as isObjectOf, type Document } from './values';

// Each use of an imported binding is a property read of the module's exports (a getter call, under tsx): the two
// helpers the per-document code calls most, read once.
const isObject: typeof isObjectOf = isObjectOf;
const bsonType: typeof bsonTypeOf = bsonTypeOf;

/** A value the compiled code does not handle exactly: the caller runs the pipeline in mingo instead. */
export class Unsupported extends Error {}

/** Variables in scope ($$this, $$name of $map / $filter). */
type Vars = Record<string, unknown> | undefined;
/** An expression: `undefined` is a missing value. */
type Expr = (doc: Document, vars: Vars) => unknown;

const has = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

// ---- BSON order ---------------------------------------------------------------------------------------------------

/** canonicalizeBSONType of MongoDB (bsontypes.h); throws Unsupported for what is not compared exactly here. */
function typeRank(v: unknown): number {
  if (v === undefined) return 0;
  if (v === null) return 5;
  switch (typeof v) {
    case 'number':
      return 10;
    case 'string':
      return 15;
    case 'boolean':
      return 40;
    case 'object':
      break;
    default:
      throw new Unsupported(`value of type ${typeof v}`);
  }
  if (Array.isArray(v)) return 25;
  if (v instanceof Date) return 45;
  if (isObject(v)) return 20;
  switch (bsonType(v)) {
    case 'ObjectId':
    case 'ObjectID':
      return 35;
    case 'MinKey':
      return -1;
    case 'MaxKey':
      return 127;
  }
  throw new Unsupported(`BSON value ${bsonType(v) ?? 'object'}`);
}

/** Strings as MongoDB compares them: by UTF-8 bytes, i.e. by code point (UTF-16 surrogates sort above U+FFFF). */
function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && x <= 0xdfff) x += 0x10000;
    if (y >= 0xd800 && y <= 0xdfff) y += 0x10000;
    return x < y ? -1 : 1;
  }
  return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
}

/** MongoDB's comparison of two values (missing = undefined): negative, 0 or positive. */
export function compareValues(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a === b ? 0 : compareStrings(a, b);
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 10: {
      const x = a as number;
      const y = b as number;
      // NaN equals NaN and is below every other number
      if (Number.isNaN(x)) return Number.isNaN(y) ? 0 : -1;
      if (Number.isNaN(y)) return 1;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 15:
      return compareStrings(a as string, b as string);
    case 20:
      return compareObjects(a as Document, b as Document);
    case 25: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareElements(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    case 35:
      return compareStrings((a as { toHexString(): string }).toHexString(), (b as { toHexString(): string }).toHexString());
    case 40:
      return a === b ? 0 : a ? 1 : -1;
    case 45: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    default:
      return 0; // missing, null, MinKey, MaxKey: one value each
  }
}

/** An element of an object or array inside a comparison: BSON type first (BSONElement::woCompare). */
function compareElements(x: unknown, y: unknown): number {
  // inside documents a stored undefined is BSON undefined, which sorts with missing
  return compareValues(x, y);
}

function compareObjects(a: Document, b: Document): number {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  for (let i = 0; i < Math.min(ka.length, kb.length); i++) {
    const r = typeRank(a[ka[i]!]) - typeRank(b[kb[i]!]);
    if (r !== 0) return r;
    const f = compareStrings(ka[i]!, kb[i]!);
    if (f !== 0) return f;
    const c = compareValues(a[ka[i]!], b[kb[i]!]);
    if (c !== 0) return c;
  }
  return ka.length - kb.length;
}

function equal(a: unknown, b: unknown): boolean {
  // numbers and strings (the usual case) without the type ranks; NaN equals NaN (compareValues)
  if (typeof a === 'number' && typeof b === 'number') return a === b || (a !== a && b !== b);
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  return compareValues(a, b) === 0;
}

/** A key under which values MongoDB finds equal are one ($group, $addToSet). */
function groupKey(v: unknown): string {
  const rank = typeRank(v);
  switch (rank) {
    case 0:
    case 5:
      return 'null';
    case 10:
      return Number.isNaN(v) ? 'nNaN' : `n${Object.is(v, -0) ? 0 : (v as number)}`;
    case 15:
      return `s${v as string}`;
    case 20: {
      const o = v as Document;
      return `{${Object.keys(o)
        .filter((k) => o[k] !== undefined)
        .map((k) => `${typeRank(o[k])}${JSON.stringify(k)}:${groupKey(o[k])}`)
        .join(',')}}`;
    }
    case 25:
      return `[${(v as unknown[]).map((x) => `${typeRank(x)}:${groupKey(x)}`).join(',')}]`;
    case 35:
      return `o${(v as { toHexString(): string }).toHexString()}`;
    case 40:
      return v ? 'true' : 'false';
    case 45:
      return `d${(v as Date).getTime()}`;
    default:
      return `r${rank}`;
  }
}

export function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) && !isObject(v)) typeRank(v); // throws for odd BSON values
  return true;
}

// ---- expressions --------------------------------------------------------------------------------------------------

/** Not compiled: the pipeline is left to mingo. */
class NotCompiled extends Error {}

/** A run of stages that cannot be fused (fusedRun): its stages are compiled one by one instead. */
class CannotFuse extends Error {}

/**
 * Where a top-level field's value is, inside a fused run (fusedRun): in slot n of the document's slots, the input
 * document's own field ('doc'), or nowhere ('missing', a field a $project left out).
 */
type Binding = number | 'doc' | 'missing';

interface Scope {
  bind: Map<string, Binding>;
  /** the binding of every field not in `bind` */
  rest: 'doc' | 'missing';
  /** the slots of the document going through the run */
  ref: { s: unknown[] };
}

/** The scope expressions are being compiled in (set by fusedRun while it compiles; compile is synchronous). */
let scope: Scope | undefined;

function inScope<T>(s: Scope, f: () => T): T {
  const prev = scope;
  scope = s;
  try {
    return f();
  } finally {
    scope = prev;
  }
}

/**
 * A document's own field. Stored values are never functions, so a function read here is Object.prototype's (a field
 * the document does not have); `__proto__`, the one inherited property that is not a function, is looked up apart.
 */
function own(doc: Document, k: string): unknown {
  if (k === '__proto__') return has(doc, k) ? doc[k] : undefined;
  const v: unknown = doc[k];
  return typeof v === 'function' ? undefined : v;
}

function fieldPath(path: string): Expr {
  const segs = path.split('.');
  if (segs.some((s) => s === '' || s.startsWith('$'))) throw new NotCompiled(`field path $${path}`);
  if (scope) {
    // inside a fused run: a field an earlier stage of the run set (or left out) is read from the run's slots
    const b = scope.bind.get(segs[0]!) ?? scope.rest;
    if (b === 'missing') return () => undefined;
    if (typeof b === 'number') {
      const ref = scope.ref;
      return segs.length === 1 ? () => ref.s[b] : () => walkPath(ref.s[b], segs, 1);
    }
  }
  if (segs.length === 1) {
    const k = segs[0]!;
    return (doc) => own(doc, k);
  }
  return (doc) => walkPath(doc, segs, 0);
}

function walkPath(v: unknown, segs: readonly string[], i: number): unknown {
  for (; i < segs.length; i++) {
    if (Array.isArray(v)) return walkArray(v, segs, i);
    if (!isObject(v)) return undefined;
    v = own(v, segs[i]!);
  }
  return v;
}

function walkArray(arr: readonly unknown[], segs: readonly string[], i: number): unknown[] {
  const out: unknown[] = [];
  for (const el of arr) {
    if (Array.isArray(el)) out.push(walkArray(el, segs, i));
    else if (isObject(el)) {
      const r = walkPath(el, segs, i);
      if (r !== undefined) out.push(r);
    }
  }
  return out;
}

const REMOVE = Symbol('$$REMOVE');

function variable(ref: string): Expr {
  const [name, ...rest] = ref.split('.');
  if (name === undefined || name === '') throw new NotCompiled('empty variable');
  let base: Expr;
  if (name === 'ROOT' || name === 'CURRENT') {
    // the whole document of a stage inside a fused run is never built
    if (scope) throw new CannotFuse(`$$${name}`);
    base = (doc) => doc;
  }
  else if (name === 'REMOVE') {
    if (rest.length > 0) throw new NotCompiled('$$REMOVE with a path');
    return () => REMOVE;
  } else if (/^[a-z][A-Za-z0-9_]*$/.test(name) || name === 'this') {
    base = (_doc, vars) => {
      if (!vars || !has(vars, name)) throw new Unsupported(`undefined variable $$${name}`);
      return vars[name];
    };
  } else throw new NotCompiled(`variable $$${name}`);
  if (rest.length === 0) return base;
  if (rest.some((s) => s === '')) throw new NotCompiled(`variable path $$${ref}`);
  return (doc, vars) => walkPath(base(doc, vars), rest, 0);
}

function args(spec: unknown, min: number, max: number, op: string): unknown[] {
  const list = Array.isArray(spec) ? spec : [spec];
  if (list.length < min || list.length > max) throw new NotCompiled(`${op} with ${list.length} arguments`);
  return list;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** The operators compiled here; any other sends the pipeline to mingo. */
const OPERATORS: Record<string, (spec: unknown) => Expr> = {
  $literal: (spec) => () => spec,
  $eq: (spec) => comparison(spec, '$eq', (c) => c === 0),
  $ne: (spec) => comparison(spec, '$ne', (c) => c !== 0),
  $gt: (spec) => comparison(spec, '$gt', (c) => c > 0),
  $gte: (spec) => comparison(spec, '$gte', (c) => c >= 0),
  $lt: (spec) => comparison(spec, '$lt', (c) => c < 0),
  $lte: (spec) => comparison(spec, '$lte', (c) => c <= 0),
  $cmp: (spec) => {
    const [a, b] = args(spec, 2, 2, '$cmp').map(compile) as [Expr, Expr];
    return (d, v) => Math.sign(compareValues(a(d, v), b(d, v)));
  },
  $and: (spec) => {
    const list = args(spec, 0, Infinity, '$and').map(compile);
    return (d, v) => {
      for (let i = 0; i < list.length; i++) if (!truthy(list[i]!(d, v))) return false;
      return true;
    };
  },
  $or: (spec) => {
    const list = args(spec, 0, Infinity, '$or').map(compile);
    return (d, v) => {
      for (let i = 0; i < list.length; i++) if (truthy(list[i]!(d, v))) return true;
      return false;
    };
  },
  $not: (spec) => {
    const [a] = args(spec, 1, 1, '$not').map(compile) as [Expr];
    return (d, v) => !truthy(a(d, v));
  },
  $in: (spec) => {
    const [x, list] = args(spec, 2, 2, '$in').map(compile) as [Expr, Expr];
    const fixed = constantOf(list);
    if (Array.isArray(fixed) && fixed.every((el) => typeof el === 'string')) {
      // a list of strings: only an equal string is in it
      const set = new Set(fixed as string[]);
      return (d, v) => {
        const value = x(d, v);
        return typeof value === 'string' && set.has(value);
      };
    }
    return (d, v) => {
      const arr = list(d, v);
      if (!Array.isArray(arr)) throw new Unsupported('$in needs an array');
      const value = x(d, v);
      for (let i = 0; i < arr.length; i++) if (equal(arr[i], value)) return true;
      return false;
    };
  },
  $ifNull: (spec) => {
    const list = args(spec, 2, Infinity, '$ifNull').map(compile);
    return (d, v) => {
      for (let i = 0; i < list.length - 1; i++) {
        const x = list[i]!(d, v);
        if (x !== undefined && x !== null) return x;
      }
      return list[list.length - 1]!(d, v);
    };
  },
  $cond: (spec) => {
    let parts: unknown[];
    if (isObject(spec)) {
      if (!has(spec, 'if') || !has(spec, 'then') || !has(spec, 'else') || Object.keys(spec).length !== 3) throw new NotCompiled('$cond');
      parts = [spec.if, spec.then, spec.else];
    } else parts = args(spec, 3, 3, '$cond');
    const [c, t, e] = parts.map(compile) as [Expr, Expr, Expr];
    return (d, v) => (truthy(c(d, v)) ? t(d, v) : e(d, v));
  },
  $map: (spec) => {
    if (!isObject(spec) || !has(spec, 'input') || !has(spec, 'in') || Object.keys(spec).some((k) => !['input', 'as', 'in'].includes(k))) {
      throw new NotCompiled('$map');
    }
    const name = spec.as === undefined ? 'this' : spec.as;
    if (typeof name !== 'string' || !/^[a-z][A-Za-z0-9_]*$/.test(name)) throw new NotCompiled('$map as');
    const input = compile(spec.input);
    const body = compile(spec.in);
    return (d, v) => {
      const arr = input(d, v);
      if (arr === undefined || arr === null) return null;
      if (!Array.isArray(arr)) throw new Unsupported('$map input is not an array');
      // one scope object per call, its variable set to each element in turn (expressions never keep `vars`)
      const inner: Record<string, unknown> = { ...v, [name]: undefined };
      const out: unknown[] = new Array(arr.length);
      for (let i = 0; i < arr.length; i++) {
        inner[name] = arr[i];
        const x = body(d, inner);
        // a missing result becomes null in the array (ExpressionMap)
        out[i] = x === undefined ? null : x;
      }
      return out;
    };
  },
  $filter: (spec) => {
    if (!isObject(spec) || !has(spec, 'input') || !has(spec, 'cond') || Object.keys(spec).some((k) => !['input', 'as', 'cond'].includes(k))) {
      throw new NotCompiled('$filter');
    }
    const name = spec.as === undefined ? 'this' : spec.as;
    if (typeof name !== 'string' || !/^[a-z][A-Za-z0-9_]*$/.test(name)) throw new NotCompiled('$filter as');
    const input = compile(spec.input);
    const cond = compile(spec.cond);
    return (d, v) => {
      const arr = input(d, v);
      if (arr === undefined || arr === null) return null;
      if (!Array.isArray(arr)) throw new Unsupported('$filter input is not an array');
      const inner: Record<string, unknown> = { ...v, [name]: undefined };
      const out: unknown[] = [];
      for (let i = 0; i < arr.length; i++) {
        inner[name] = arr[i];
        if (truthy(cond(d, inner))) out.push(arr[i]);
      }
      return out;
    };
  },
  $size: (spec) => {
    const [a] = args(spec, 1, 1, '$size').map(compile) as [Expr];
    return (d, v) => {
      const arr = a(d, v);
      if (!Array.isArray(arr)) throw new Unsupported('$size of a non-array');
      return arr.length;
    };
  },
  $add: (spec) => arithmetic(spec, '$add', (x, y) => x + y, 0),
  $multiply: (spec) => arithmetic(spec, '$multiply', (x, y) => x * y, 1),
  $subtract: (spec) => {
    const [a, b] = args(spec, 2, 2, '$subtract').map(compile) as [Expr, Expr];
    return (d, v) => {
      const x = a(d, v);
      const y = b(d, v);
      if (x === undefined || x === null || y === undefined || y === null) return null;
      if (typeof x !== 'number' || typeof y !== 'number') throw new Unsupported('$subtract of non-numbers');
      return x - y;
    };
  },
  $concat: (spec) => {
    const list = args(spec, 0, Infinity, '$concat').map(compile);
    return (d, v) => {
      let out = '';
      for (const e of list) {
        const x = e(d, v);
        if (x === undefined || x === null) return null;
        if (typeof x !== 'string') throw new Unsupported('$concat of a non-string');
        out += x;
      }
      return out;
    };
  },
};

function comparison(spec: unknown, op: string, test: (c: number) => boolean): Expr {
  const [a, b] = args(spec, 2, 2, op).map(compile) as [Expr, Expr];
  return (d, v) => test(compareValues(a(d, v), b(d, v)));
}

/** $add / $multiply of numbers: null when an operand is null or missing (dates and other types: not compiled). */
function arithmetic(spec: unknown, op: string, f: (x: number, y: number) => number, unit: number): Expr {
  const list = args(spec, 0, Infinity, op).map(compile);
  return (d, v) => {
    let acc = unit;
    let isNull = false;
    for (const e of list) {
      const x = e(d, v);
      if (x === undefined || x === null) isNull = true;
      else if (typeof x === 'number') acc = f(acc, x);
      else throw new Unsupported(`${op} of a non-number`);
    }
    return isNull ? null : acc;
  };
}

const CONSTANT = Symbol('constant');
type ConstExpr = Expr & { [CONSTANT]?: { value: unknown } };

function constant(value: unknown): Expr {
  const e: ConstExpr = () => value;
  e[CONSTANT] = { value };
  return e;
}

/** The value of an expression that does not depend on the document (undefined when it does). */
function constantOf(e: Expr): unknown {
  return (e as ConstExpr)[CONSTANT]?.value;
}
const isConstant = (e: Expr) => (e as ConstExpr)[CONSTANT] !== undefined;

/** Any aggregation expression. */
export function compile(spec: unknown): Expr {
  if (typeof spec === 'string') {
    if (spec.startsWith('$$')) return variable(spec.slice(2));
    if (spec.startsWith('$')) return fieldPath(spec.slice(1));
    return constant(spec);
  }
  if (Array.isArray(spec)) {
    const items = spec.map(compile);
    if (items.every(isConstant)) return constant(Object.freeze(items.map((e) => constantOf(e) ?? null)));
    // a missing element becomes null (ExpressionArray)
    return (d, v) => items.map((e) => {
      const x = e(d, v);
      return x === undefined ? null : x;
    });
  }
  if (isObject(spec)) {
    const keys = Object.keys(spec);
    if (keys.length === 1 && keys[0]!.startsWith('$')) {
      const op = OPERATORS[keys[0]!];
      if (!op) throw new NotCompiled(`operator ${keys[0]}`);
      return keys[0] === '$literal' ? constant(spec.$literal) : op(spec[keys[0]!]);
    }
    if (keys.some((k) => k.startsWith('$') || k.includes('.') || k === '')) throw new NotCompiled('object expression key');
    const fields = keys.map((k) => [k, compile(spec[k])] as const);
    return (d, v) => {
      const out: Document = {};
      for (const [k, e] of fields) {
        const x = e(d, v);
        if (x !== undefined && x !== REMOVE) out[k] = x;
      }
      return out;
    };
  }
  if (spec === undefined) throw new NotCompiled('undefined');
  return constant(spec);
}

// ---- stages -------------------------------------------------------------------------------------------------------
//
// Documents stream through the pipeline one at a time: a run of per-document stages ($match, $addFields,
// $project, $unwind, $replaceRoot) is applied to each document before the next is read, and feeds the next blocking
// stage ($group accumulates as documents arrive, $sort collects). Intermediate documents die young instead of
// living as whole arrays between stages (which made the garbage collector the largest cost).

/** Where documents go: `push` each, then `end` returns the pipeline's output. */
interface Sink {
  push(doc: Document): void;
  end(): Document[];
}

/** A stage: given the sink after it, the sink to push its input into (called once per run). */
type Stage = (next: Sink) => Sink;

/** A per-document stage: its output document, or undefined to drop it. */
function perDocument(f: (doc: Document) => Document | undefined): Stage {
  return (next) => ({
    push(doc) {
      const out = f(doc);
      if (out !== undefined) next.push(out);
    },
    end: () => next.end(),
  });
}

/** A stage that needs all its input: `run` turns the collected documents into its output. */
function blocking(run: (docs: Document[]) => Document[]): Stage {
  return (next) => {
    const docs: Document[] = [];
    return {
      push: (doc) => void docs.push(doc),
      end() {
        for (const d of run(docs)) next.push(d);
        return next.end();
      },
    };
  };
}

function collector(): Sink {
  const out: Document[] = [];
  return { push: (doc) => void out.push(doc), end: () => out };
}

function plainKeys(spec: unknown, stage: string): Document {
  if (!isObject(spec)) throw new NotCompiled(`${stage} argument`);
  for (const k of Object.keys(spec)) {
    if (k === '' || k.includes('.') || k.startsWith('$')) throw new NotCompiled(`${stage} key ${k}`);
    const v = spec[k];
    // nested projections / nested $addFields documents merge into sub-documents: not compiled
    if (isObject(v) && !(Object.keys(v).length === 1 && Object.keys(v)[0]!.startsWith('$'))) throw new NotCompiled(`${stage} nested ${k}`);
  }
  return spec;
}

function addFields(spec: unknown): Stage {
  const entries = Object.entries(plainKeys(spec, '$addFields'));
  const names = entries.map(([k]) => k);
  const exprs = entries.map(([, v]) => compile(v));
  const n = names.length;
  return perDocument((doc) => {
    const row: Document = { ...doc };
    for (let i = 0; i < n; i++) {
      const x = exprs[i]!(doc, undefined);
      if (x === undefined || x === REMOVE) delete row[names[i]!];
      else row[names[i]!] = x;
    }
    return row;
  });
}

function project(spec: unknown): Stage {
  const s = plainKeys(spec, '$project');
  const include = new Set<string>();
  const exclude = new Set<string>();
  const computed: [string, Expr][] = [];
  let idMode: 'default' | 'include' | 'exclude' = 'default';
  for (const [k, v] of Object.entries(s)) {
    const flag = typeof v === 'boolean' ? v : typeof v === 'number' ? v !== 0 : undefined;
    if (k === '_id' && flag !== undefined) idMode = flag ? 'include' : 'exclude';
    else if (flag === true) include.add(k);
    else if (flag === false) exclude.add(k);
    else computed.push([k, compile(v)]);
  }
  if (exclude.size > 0 || (include.size === 0 && computed.length === 0)) {
    if (include.size > 0 || computed.length > 0) throw new NotCompiled('$project mixing exclusion and inclusion');
    if (idMode === 'exclude') exclude.add('_id');
    if (exclude.size === 0) throw new NotCompiled('$project without fields');
    return perDocument((doc) => {
      const row: Document = {};
      for (const k in doc) if (!exclude.has(k)) row[k] = doc[k];
      return row;
    });
  }
  const computedNames = new Set(computed.map(([k]) => k));
  if (idMode !== 'exclude' && !computedNames.has('_id')) include.add('_id');
  const names = computed.map(([k]) => k);
  const exprs = computed.map(([, e]) => e);
  const n = names.length;
  return perDocument((doc) => {
    const row: Document = {};
    // included fields in the document's order (for…in: a stored document has no inherited enumerable field)
    for (const k in doc) if (include.has(k) && doc[k] !== undefined) row[k] = doc[k];
    for (let i = 0; i < n; i++) {
      const x = exprs[i]!(doc, undefined);
      if (x !== undefined && x !== REMOVE) row[names[i]!] = x;
    }
    return row;
  });
}

interface Accumulator {
  add(value: unknown): void;
  result(): unknown;
}

const ACCUMULATORS: Record<string, () => Accumulator> = {
  $sum: () => {
    let sum = 0;
    return {
      add(x) {
        if (typeof x === 'number') sum += x;
        else unexact(x);
      },
      result: () => sum,
    };
  },
  $avg: () => {
    let sum = 0;
    let n = 0;
    return {
      add(x) {
        if (typeof x === 'number') {
          sum += x;
          n += 1;
        } else unexact(x);
      },
      result: () => (n === 0 ? null : sum / n),
    };
  },
  $min: () => extreme((c) => c < 0),
  $max: () => extreme((c) => c > 0),
  $first: () => {
    let set = false;
    let v: unknown = null;
    return {
      add(x) {
        if (set) return;
        set = true;
        v = x === undefined ? null : x;
      },
      result: () => v,
    };
  },
  $last: () => {
    let v: unknown = null;
    return {
      add(x) {
        v = x === undefined ? null : x;
      },
      result: () => v,
    };
  },
  $push: () => {
    const list: unknown[] = [];
    return {
      add(x) {
        if (x !== undefined) list.push(x);
      },
      result: () => list,
    };
  },
  $addToSet: () => {
    const set = new Map<string, unknown>();
    return {
      add(x) {
        if (x === undefined) return;
        const k = groupKey(x);
        if (!set.has(k)) set.set(k, x);
      },
      result: () => [...set.values()],
    };
  },
};

/** Non-numbers $sum and $avg ignore; those they would have to add exactly (NumberLong, Decimal128) are not handled. */
function unexact(x: unknown): void {
  const t = bsonType(x);
  if (t === 'Long' || t === 'Decimal128' || t === 'Int32' || t === 'Double') throw new Unsupported(`$sum of ${t}`);
}

function extreme(better: (c: number) => boolean): Accumulator {
  let best: unknown;
  return {
    add(x) {
      if (x === undefined || x === null) return;
      if (best === undefined || better(compareValues(x, best))) best = x;
    },
    result: () => (best === undefined ? null : best),
  };
}

function group(spec: unknown): Stage {
  if (!isObject(spec) || !has(spec, '_id')) throw new NotCompiled('$group without _id');
  const id = compile(spec._id);
  const names: string[] = [];
  const makers: (() => Accumulator)[] = [];
  const exprs: Expr[] = [];
  for (const [name, acc] of Object.entries(spec)) {
    if (name === '_id') continue;
    if (name.includes('.') || name.startsWith('$')) throw new NotCompiled('$group field');
    if (!isObject(acc) || Object.keys(acc).length !== 1) throw new NotCompiled('$group accumulator');
    const op = Object.keys(acc)[0]!;
    const make = ACCUMULATORS[op];
    if (!make) throw new NotCompiled(`accumulator ${op}`);
    names.push(name);
    makers.push(make);
    exprs.push(compile(acc[op]));
  }
  const n = names.length;
  return (next) => {
    const groups = new Map<string, { id: unknown; accs: Accumulator[] }>();
    return {
      push(doc) {
        let key = id(doc, undefined);
        if (key === undefined || key === REMOVE) key = null;
        const k = groupKey(key);
        let g = groups.get(k);
        if (!g) {
          g = { id: key, accs: makers.map((m) => m()) };
          groups.set(k, g);
        }
        for (let i = 0; i < n; i++) g.accs[i]!.add(exprs[i]!(doc, undefined));
      },
      end() {
        for (const g of groups.values()) {
          const row: Document = { _id: g.id };
          for (let i = 0; i < n; i++) row[names[i]!] = g.accs[i]!.result();
          next.push(row);
        }
        return next.end();
      },
    };
  };
}

function sort(spec: unknown): Stage {
  if (!isObject(spec) || Object.keys(spec).length === 0) throw new NotCompiled('$sort');
  const keys = Object.entries(spec).map(([path, dir]) => {
    if (dir !== 1 && dir !== -1) throw new NotCompiled('$sort direction');
    if (path === '' || path.split('.').some((s) => s === '' || s.startsWith('$'))) throw new NotCompiled('$sort path');
    return { get: fieldPath(path), dir };
  });
  const nKeys = keys.length;
  return blocking((docs) => {
    const rows: { doc: Document; keys: unknown[] }[] = new Array(docs.length);
    for (let r = 0; r < docs.length; r++) {
      const doc = docs[r]!;
      const values: unknown[] = new Array(nKeys);
      for (let i = 0; i < nKeys; i++) {
        const v = keys[i]!.get(doc, undefined);
        // sort keys of arrays use their smallest or largest element: not handled here
        if (Array.isArray(v)) throw new Unsupported('array in a sort key');
        values[i] = v === undefined ? null : v;
      }
      rows[r] = { doc, keys: values };
    }
    rows.sort((a, b) => {
      for (let i = 0; i < keys.length; i++) {
        const c = compareValues(a.keys[i], b.keys[i]);
        if (c !== 0) return c * keys[i]!.dir;
      }
      return 0;
    });
    return rows.map((r) => r.doc);
  });
}

function count(spec: unknown): Stage {
  if (typeof spec !== 'string' || spec === '' || spec.startsWith('$') || spec.includes('.')) throw new NotCompiled('$count');
  return (next) => {
    let n = 0;
    return {
      push: () => void n++,
      end() {
        if (n > 0) next.push({ [spec]: n });
        return next.end();
      },
    };
  };
}

function nonNegative(spec: unknown, stage: string): number {
  if (typeof spec !== 'number' || !Number.isInteger(spec) || spec < 0) throw new NotCompiled(stage);
  return spec;
}

function skip(spec: unknown): Stage {
  const n = nonNegative(spec, '$skip');
  return (next) => {
    let seen = 0;
    return {
      push(doc) {
        if (seen++ >= n) next.push(doc);
      },
      end: () => next.end(),
    };
  };
}

function limit(spec: unknown): Stage {
  const n = nonNegative(spec, '$limit');
  if (n === 0) throw new NotCompiled('$limit 0');
  return (next) => {
    let passed = 0;
    return {
      push(doc) {
        if (passed < n) {
          passed++;
          next.push(doc);
        }
      },
      end: () => next.end(),
    };
  };
}

function match(spec: unknown): Stage {
  if (!isObject(spec)) throw new NotCompiled('$match');
  const q = newQuery(spec);
  return perDocument((doc) => (q.test(doc) ? doc : undefined));
}

function unwind(spec: unknown): Stage {
  const path = typeof spec === 'string' ? spec : isObject(spec) && Object.keys(spec).length === 1 ? spec.path : undefined;
  if (typeof path !== 'string' || !path.startsWith('$') || path.slice(1).includes('.') || path.length < 2) throw new NotCompiled('$unwind');
  const k = path.slice(1);
  return (next) => ({
    push(doc) {
      const v = own(doc, k);
      if (v === undefined || v === null) return;
      if (!Array.isArray(v)) {
        next.push(doc);
        return;
      }
      for (const el of v) next.push({ ...doc, [k]: el });
    },
    end: () => next.end(),
  });
}

function replaceRoot(expr: unknown): Stage {
  const e = compile(expr);
  return perDocument((doc) => {
    const v = e(doc, undefined);
    if (!isObject(v)) throw new Unsupported('$replaceRoot to a non-document');
    return v;
  });
}

function facet(spec: unknown, facetOpts: { fuse?: boolean }): Stage {
  if (!isObject(spec) || Object.keys(spec).length === 0) throw new NotCompiled('$facet');
  const subs = Object.entries(spec).map(([name, p]) => {
    if (!Array.isArray(p) || name.includes('.') || name.startsWith('$')) throw new NotCompiled('$facet');
    return [name, compileStages(p, facetOpts)] as const;
  });
  return (next) => {
    const heads = subs.map(([name, open]) => [name, open()] as const);
    return {
      push(doc) {
        for (const [, head] of heads) head.push(doc);
      },
      end() {
        const out: Document = {};
        for (const [name, head] of heads) out[name] = head.end();
        next.push(out);
        return next.end();
      },
    };
  };
}

function compileStage(stage: unknown, opts: { fuse?: boolean } = {}): Stage {
  if (!isObject(stage) || Object.keys(stage).length !== 1) throw new NotCompiled('stage');
  const name = Object.keys(stage)[0]!;
  const spec = stage[name];
  switch (name) {
    case '$match':
      return match(spec);
    case '$addFields':
    case '$set':
      return addFields(spec);
    case '$project':
      return project(spec);
    case '$group':
      return group(spec);
    case '$sort':
      return sort(spec);
    case '$skip':
      return skip(spec);
    case '$limit':
      return limit(spec);
    case '$count':
      return count(spec);
    case '$facet':
      return facet(spec, opts);
    case '$unwind':
      return unwind(spec);
    case '$replaceRoot':
      if (!isObject(spec) || Object.keys(spec).length !== 1 || !has(spec, 'newRoot')) throw new NotCompiled('$replaceRoot');
      return replaceRoot(spec.newRoot);
    case '$replaceWith':
      return replaceRoot(spec);
    default:
      throw new NotCompiled(`stage ${name}`);
  }
}

// ---- fused runs ---------------------------------------------------------------------------------------------------
//
// $addFields copies the whole document to add a field, and $project builds a document that the next stage only
// reads a few fields of: for the 附件5 pipelines ($addFields, $addFields, $project with some sixty flags, $group)
// those copies were most of the work. A run of stages
//
//     $addFields / $set (any number), then optionally one $project (inclusion), then optionally one $group
//
// is compiled as one stage: each field a stage of the run computes goes to a slot of the document (an array), and
// the expressions of the later stages read it from there (compiled in the run's Scope) instead of from a copy of
// the document. The run ends by building exactly the document the unfused stages would have built (the last
// $addFields or $project: same fields, same values, same order), or, when it ends in $group, without building
// any: the $group reads its keys and accumulator arguments through the same scope.
// Not fused (compiled stage by stage instead, CannotFuse): $$ROOT / $$CURRENT in the run (the stage's whole input
// document is never built), a field named __proto__, an exclusion $project, and a $project building its document
// (no $group after it) that includes a field an $addFields of the run set (its place in the order would differ).

const stageName = (stage: unknown): string | undefined =>
  isObject(stage) && Object.keys(stage).length === 1 ? Object.keys(stage)[0] : undefined;
const isAddFields = (stage: unknown) => stageName(stage) === '$addFields' || stageName(stage) === '$set';

/** The end (exclusive) of the run that could be fused from `i`: $addFields*, $project?, $group?. */
function runEnd(stages: readonly unknown[], i: number): number {
  let j = i;
  while (j < stages.length && isAddFields(stages[j])) j++;
  if (j < stages.length && stageName(stages[j]) === '$project') j++;
  if (j < stages.length && stageName(stages[j]) === '$group') j++;
  return j;
}

/** A $project's fields as project() reads them. */
function projectionOf(spec: unknown): { include: Set<string>; computed: [string, unknown][] } {
  const s = plainKeys(spec, '$project');
  const include = new Set<string>();
  const computed: [string, unknown][] = [];
  let idMode: 'default' | 'include' | 'exclude' = 'default';
  for (const [k, v] of Object.entries(s)) {
    const flag = typeof v === 'boolean' ? v : typeof v === 'number' ? v !== 0 : undefined;
    if (k === '_id' && flag !== undefined) idMode = flag ? 'include' : 'exclude';
    else if (flag === true) include.add(k);
    else if (flag === false) throw new CannotFuse('exclusion $project');
    else computed.push([k, v]);
  }
  if (include.size === 0 && computed.length === 0) throw new CannotFuse('exclusion $project');
  if (idMode !== 'exclude' && !computed.some(([k]) => k === '_id')) include.add('_id');
  return { include, computed };
}

// ---- generated code for fused runs ---------------------------------------------------------------------------------
//
// A fused run's computations (fill, below) are also turned into the source of one JavaScript function (new Function):
// the usual operators of the 附件5 pipelines inline, so that the engine runs one function per document instead of a
// call through a closure per operator and operand. The source only ever holds code written here: every value of the
// pipeline (constants, field names) is passed in the array `k` and read from it. An operator or operand not listed
// in gen is called as its compiled closure (from `k` too), so the results are exactly the closures': each inline
// form below is its closure's body, evaluating the operands in the same order and calling the same helpers.

/** What the generated source of a run collects: the values it reads from `k`, and its temporaries. */
interface GenContext {
  k: unknown[];
  temps: number;
  /** the variables of the enclosing $map / $filter bodies: name → the generated function's parameter */
  vars: Map<string, string>;
}

/** `value` as an element of `k`: the source reading it. */
function captured(ctx: GenContext, value: unknown): string {
  ctx.k.push(value);
  return `k[${ctx.k.length - 1}]`;
}

const temp = (ctx: GenContext): string => `t${ctx.temps++}`;

/** The source of an expression (see above), and whether it is always a boolean (then truthy() is the value itself). */
function gen(spec: unknown, ctx: GenContext): { src: string; bool: boolean } {
  // compiled first: the same checks (NotCompiled, CannotFuse) as the closures, and the closure to call otherwise
  const closure = compile(spec);
  if (isConstant(closure)) {
    const value = constantOf(closure) ?? null;
    if (typeof value === 'boolean') return { src: String(value), bool: true };
    return { src: value === null ? 'null' : captured(ctx, value), bool: false };
  }
  // the closure gets the variables in scope, as the closures of $map / $filter give them to their bodies
  const vars = ctx.vars.size === 0 ? 'undefined' : `{ ${[...ctx.vars].map(([name, param]) => `${name}: ${param}`).join(', ')} }`;
  const call = { src: `${captured(ctx, closure)}(d, ${vars})`, bool: false };
  if (typeof spec === 'string') {
    if (spec.startsWith('$$')) {
      const [name, ...rest] = spec.slice(2).split('.');
      const param = ctx.vars.get(name!);
      if (param === undefined) return call;
      return { src: rest.length === 0 ? param : `walkPath(${param}, ${captured(ctx, rest)}, 0)`, bool: false };
    }
    const segs = spec.slice(1).split('.');
    if (scope) {
      const b = scope.bind.get(segs[0]!) ?? scope.rest;
      if (b === 'missing') return { src: 'undefined', bool: false };
      if (typeof b === 'number') return { src: segs.length === 1 ? `s[${b}]` : `walkPath(s[${b}], ${captured(ctx, segs)}, 1)`, bool: false };
    }
    return { src: segs.length === 1 ? `own(d, ${captured(ctx, segs[0])})` : `walkPath(d, ${captured(ctx, segs)}, 0)`, bool: false };
  }
  if (!isObject(spec)) return call;
  const keys = Object.keys(spec);
  if (keys.length !== 1) return call;
  const op = keys[0]!;
  const arg = spec[op];
  const list = (): unknown[] => (Array.isArray(arg) ? arg : [arg]);
  const test = (x: { src: string; bool: boolean }) => (x.bool ? x.src : `truthy(${x.src})`);
  const comparisons: Record<string, string> = { $eq: '=== 0', $ne: '!== 0', $gt: '> 0', $gte: '>= 0', $lt: '< 0', $lte: '<= 0' };
  if (op in comparisons) {
    const [a, b] = list().map((x) => gen(x, ctx));
    return { src: `(compareValues(${a!.src}, ${b!.src}) ${comparisons[op]})`, bool: true };
  }
  switch (op) {
    case '$and':
    case '$or': {
      const parts = list().map((x) => test(gen(x, ctx)));
      if (parts.length === 0) return { src: op === '$and' ? 'true' : 'false', bool: true };
      return { src: `(${parts.join(op === '$and' ? ' && ' : ' || ')})`, bool: true };
    }
    case '$not':
      return { src: `(!${test(gen(list()[0], ctx))})`, bool: true };
    case '$cond': {
      const parts = isObject(arg) ? [arg.if, arg.then, arg.else] : list();
      const [c, t, e] = parts.map((x) => gen(x, ctx));
      return { src: `(${test(c!)} ? ${t!.src} : ${e!.src})`, bool: t!.bool && e!.bool };
    }
    case '$ifNull': {
      const parts = list().map((x) => gen(x, ctx));
      let src = parts[parts.length - 1]!.src;
      for (let i = parts.length - 2; i >= 0; i--) {
        const t = temp(ctx);
        src = `((${t} = ${parts[i]!.src}) !== undefined && ${t} !== null ? ${t} : ${src})`;
      }
      return { src, bool: false };
    }
    case '$map':
    case '$filter': {
      const a = arg as Document;
      const name = (a.as ?? 'this') as string;
      const input = gen(a.input, ctx).src;
      const param = `v${ctx.temps++}`;
      const inner: GenContext = { ...ctx, vars: new Map([...ctx.vars, [name, param]]) };
      const body = op === '$map' ? gen(a.in, inner).src : test(gen(a.cond, inner));
      ctx.temps = inner.temps;
      return { src: `${op === '$map' ? 'mapOf' : 'filterOf'}(${input}, (${param}) => ${body})`, bool: false };
    }
    case '$in': {
      const [x, values] = list();
      const fixed = constantOf(compile(values));
      if (!Array.isArray(fixed) || !fixed.every((el) => typeof el === 'string')) return call;
      const t = temp(ctx);
      return { src: `(typeof (${t} = ${gen(x, ctx).src}) === 'string' && ${captured(ctx, new Set(fixed as string[]))}.has(${t}))`, bool: true };
    }
    default:
      return call;
  }
}

/** $map of the generated code: its closure's loop, the body a function of the element. */
function mapOf(arr: unknown, body: (el: unknown) => unknown): unknown[] | null {
  if (arr === undefined || arr === null) return null;
  if (!Array.isArray(arr)) throw new Unsupported('$map input is not an array');
  const out: unknown[] = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) {
    const x = body(arr[i]);
    // a missing result becomes null in the array (ExpressionMap)
    out[i] = x === undefined ? null : x;
  }
  return out;
}

/** $filter of the generated code: its closure's loop, the condition (already truthy()) a function of the element. */
function filterOf(arr: unknown, cond: (el: unknown) => boolean): unknown[] | null {
  if (arr === undefined || arr === null) return null;
  if (!Array.isArray(arr)) throw new Unsupported('$filter input is not an array');
  const out: unknown[] = [];
  for (let i = 0; i < arr.length; i++) if (cond(arr[i])) out.push(arr[i]);
  return out;
}

/** The generated fill of a run: computes each step's slot in order (see fusedRun). */
function generatedFill(sources: readonly string[], ctx: GenContext, ref: Scope['ref']): (doc: Document) => void {
  const temps = Array.from({ length: ctx.temps }, (_, i) => `t${i}`);
  const body = [
    `const s = new Array(${sources.length});`,
    'ref.s = s;',
    `let x${temps.length > 0 ? `, ${temps.join(', ')}` : ''};`,
    ...sources.map((src, j) => `x = ${src};\ns[${j}] = x === REMOVE ? undefined : x;`),
  ].join('\n');
  const make = new Function('k', 'ref', 'REMOVE', 'truthy', 'compareValues', 'own', 'walkPath', 'mapOf', 'filterOf', `return function fill(d) {\n${body}\n};`) as (
    ...args: unknown[]
  ) => (doc: Document) => void;
  return make(ctx.k, ref, REMOVE, truthy, compareValues, own, walkPath, mapOf, filterOf);
}

/** Whether fused runs run generated code (false: their closures; for the tests comparing the two). */
export const codegen = { enabled: true };

/** The stages of a run (runEnd) as one stage; throws CannotFuse (see above) or NotCompiled as the stages would. */
function fusedRun(stages: readonly unknown[]): Stage {
  const ref: Scope['ref'] = { s: [] };
  let sc: Scope = { bind: new Map(), rest: 'doc', ref };
  /** the computations, in order: each fills its slot */
  const steps: { slot: number; expr: Expr }[] = [];
  /** the same computations as source (gen), while every expression of the run could be generated */
  const ctx: GenContext = { k: [], temps: 0, vars: new Map() };
  const sources: string[] = [];
  /** what the $addFields set, in order (to build their document) */
  const assigned: { name: string; slot: number }[] = [];
  let i = 0;
  for (; i < stages.length && isAddFields(stages[i]); i++) {
    const stage = stages[i] as Document;
    const entries = Object.entries(plainKeys(stage[stageName(stage)!], '$addFields'));
    if (entries.some(([k]) => k === '__proto__')) throw new CannotFuse('__proto__');
    // all the stage's expressions read the stage's input
    const exprs = inScope(sc, () => entries.map(([, v]) => compile(v)));
    if (codegen.enabled) sources.push(...inScope(sc, () => entries.map(([, v]) => gen(v, ctx).src)));
    entries.forEach(([k], j) => {
      const slot = steps.length;
      steps.push({ slot, expr: exprs[j]! });
      assigned.push({ name: k, slot });
      sc.bind.set(k, slot);
    });
  }
  let tail: Stage | undefined;
  if (i < stages.length && stageName(stages[i]) === '$project') {
    const spec = (stages[i] as Document).$project;
    const { include, computed } = projectionOf(spec);
    if (include.has('__proto__') || computed.some(([k]) => k === '__proto__')) throw new CannotFuse('__proto__');
    if (i + 1 < stages.length) {
      // a $group follows: the projected document is never built, only its fields' bindings
      const exprs = inScope(sc, () => computed.map(([, v]) => compile(v)));
      if (codegen.enabled) sources.push(...inScope(sc, () => computed.map(([, v]) => gen(v, ctx).src)));
      const next: Scope = { bind: new Map(), rest: 'missing', ref };
      for (const k of include) next.bind.set(k, sc.bind.get(k) ?? sc.rest);
      computed.forEach(([k], j) => {
        const slot = steps.length;
        steps.push({ slot, expr: exprs[j]! });
        next.bind.set(k, slot);
      });
      sc = next;
    } else {
      // the $project builds its document from the input document's fields (in its order) and its computed ones
      for (const k of include) if (sc.bind.has(k)) throw new CannotFuse(`$project of ${k}, set in the run`);
      tail = inScope(sc, () => project(spec));
    }
    i++;
  }
  if (i < stages.length && stageName(stages[i]) === '$group') {
    const spec = (stages[i] as Document).$group;
    tail = inScope(sc, () => group(spec));
    i++;
  }
  if (i !== stages.length) throw new Error('fusedRun: not a run');
  const n = steps.length;
  const fill =
    codegen.enabled && n > 0
      ? generatedFill(sources, ctx, ref)
      : (doc: Document) => {
          const s: unknown[] = new Array(n);
          ref.s = s;
          for (let j = 0; j < n; j++) {
            const x = steps[j]!.expr(doc, undefined);
            s[j] = x === REMOVE ? undefined : x;
          }
        };
  if (tail) {
    const last = tail;
    return (next) => {
      const sink = last(next);
      return {
        push(doc) {
          fill(doc);
          sink.push(doc);
        },
        end: () => sink.end(),
      };
    };
  }
  // only $addFields: their document, as they build it one after the other
  return perDocument((doc) => {
    fill(doc);
    const s = ref.s;
    const row: Document = { ...doc };
    for (let j = 0; j < assigned.length; j++) {
      const a = assigned[j]!;
      const x = s[a.slot];
      if (x === undefined) delete row[a.name];
      else row[a.name] = x;
    }
    return row;
  });
}

/** Runs compiled as one stage so far (the tests check the fused code is what they compare). */
export const fusionStats = { runs: 0 };

/** The stages chained: returns a function opening a fresh run (its head sink). */
function compileStages(stages: unknown[], opts: { fuse?: boolean } = {}): () => Sink {
  const compiled: Stage[] = [];
  for (let i = 0; i < stages.length; ) {
    const end = opts.fuse === false ? i : runEnd(stages, i);
    if (end - i >= 2) {
      try {
        compiled.push(fusedRun(stages.slice(i, end)));
        fusionStats.runs++;
        i = end;
        continue;
      } catch (e) {
        if (!(e instanceof CannotFuse)) throw e;
      }
    }
    compiled.push(compileStage(stages[i], opts));
    i++;
  }
  return () => compiled.reduceRight<Sink>((next, stage) => stage(next), collector());
}

/**
 * The pipeline as a function of its input documents, or undefined when it uses anything not compiled here. The
 * function throws Unsupported for values it does not handle exactly; it never changes its input.
 */
export function compilePipeline(
  stages: unknown[],
  /** fuse: false compiles every stage alone (for the tests comparing fused runs with their stages) */
  opts: { fuse?: boolean } = {},
): ((docs: readonly Document[]) => Document[]) | undefined {
  let open: () => Sink;
  try {
    open = compileStages(stages, opts);
  } catch (e) {
    if (e instanceof NotCompiled) return undefined;
    throw e;
  }
  return (docs) => {
    const head = open();
    for (let i = 0; i < docs.length; i++) head.push(docs[i]!);
    return head.end();
  };
}
