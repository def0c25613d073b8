/**
 * Filters compiled without mingo for the shapes the service sends on every command: equality, `$eq`, `$ne`, `$in`,
 * `$nin` with strings, numbers, booleans, dates and ObjectIds, and `$lt` `$lte` `$gt` `$gte` with dates, numbers and strings,
 * on plain field paths, joined by `$and` / `$or`. Compiling a mingo Query (its context, a deep copy of the condition,
 * a closure per operator, sub-queries per `$or` branch) cost more per command than testing the documents, and its
 * test walks generic code for every document.
 *
 * The compiled tree answers only where the answer is certain and the same as mingo's: a document whose value on a
 * path is one of those types, missing, or null, and for `$eq` / `$in` also a path through arrays of sub-documents or
 * ending in an array of such values (e.g. `{'team.openId': id}`, in every answer's compare-and-set filter). Anything
 * else on the way (a nested array, a BSON type it does not know, a path through a non-object) makes that leaf
 * "unknown", and a document whose answer depends on an unknown leaf is tested by the mingo Query of the same filter
 * (compiled once, when first needed). A filter outside these shapes is compiled by mingo from the start, which also
 * validates it as before. `test/wire/match.test.ts` checks the answers against mingo's on random documents and
 * filters.
 */
import type { Query as MingoQuery } from 'mingo';
import { newQuery } from './mingo';
import { bsonType, isObject, type Document } from './values';
import type { ObjectId } from 'bson';

/** What the collection needs of a compiled filter. */
export interface Matcher {
  test(doc: Document): boolean;
}

const FALSE = 0;
const TRUE = 1;
const UNKNOWN = 2;
type Tri = 0 | 1 | 2;

/** Value classes: the same class compares, different ones never match (mingo and MongoDB alike). */
const MISSING_C = 0;
const STRING_C = 1;
const NUMBER_C = 2;
const BOOL_C = 3;
const DATE_C = 4;
const OID_C = 5;
const NULL_C = 6;
/** anything the tree does not decide: arrays, objects, other BSON types, NaN, invalid dates */
const OTHER_C = -1;

const EQ = 0;
const NE = 1;
const IN = 2;
const NIN = 3;
const LT = 4;
const LTE = 5;
const GT = 6;
const GTE = 7;
const OPS: Record<string, number> = { $eq: EQ, $ne: NE, $in: IN, $nin: NIN, $lt: LT, $lte: LTE, $gt: GT, $gte: GTE };

interface Leaf {
  kind: 'leaf';
  parts: string[];
  op: number;
  /** the operand ($in / $nin: each value) and its class */
  values: unknown[];
  classes: number[];
}
interface Branches {
  kind: 'and' | 'or';
  kids: MatchNode[];
}
type MatchNode = Leaf | Branches;

function classOf(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return STRING_C;
    case 'number':
      return Number.isNaN(v) ? OTHER_C : NUMBER_C;
    case 'boolean':
      return BOOL_C;
    case 'undefined':
      return OTHER_C;
  }
  if (v === null) return NULL_C;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? OTHER_C : DATE_C;
  if (bsonType(v) === 'ObjectId') return OID_C;
  return OTHER_C;
}

/** An operand the tree can compare with: a string, a finite number, a boolean, a valid date or an ObjectId. */
function operandClass(v: unknown): number {
  const c = classOf(v);
  if (c === NUMBER_C && !Number.isFinite(v as number)) return OTHER_C;
  return c === NULL_C ? OTHER_C : c;
}

/** A path the tree reads: plain parts, none numeric, `$`-prefixed, empty or an Object.prototype name. */
function pathParts(path: string): string[] | undefined {
  const parts = path.split('.');
  for (const p of parts) {
    if (p === '' || p.startsWith('$') || /^\d+$/.test(p) || p in Object.prototype || p === '__proto__') return undefined;
  }
  return parts;
}

function leaf(parts: string[], opName: string, operand: unknown): Leaf | undefined {
  const op = OPS[opName];
  if (op === undefined) return undefined;
  if (op === IN || op === NIN) {
    if (!Array.isArray(operand)) return undefined;
    const classes = operand.map(operandClass);
    if (classes.some((c) => c === OTHER_C)) return undefined;
    return { kind: 'leaf', parts, op, values: operand, classes };
  }
  const c = operandClass(operand);
  if (c === OTHER_C) return undefined;
  if (op >= LT && c !== DATE_C && c !== NUMBER_C && c !== STRING_C) return undefined;
  return { kind: 'leaf', parts, op, values: [operand], classes: [c] };
}

/** The tree of a filter, or undefined when it has a shape the tree does not cover. */
export function compileTree(filter: Document): MatchNode | undefined {
  const kids: MatchNode[] = [];
  for (const key of Object.keys(filter)) {
    const cond: unknown = filter[key];
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(cond) || cond.length === 0) return undefined;
      const branches: MatchNode[] = [];
      for (const clause of cond) {
        if (!isObject(clause)) return undefined;
        const sub = compileTree(clause);
        if (!sub) return undefined;
        branches.push(sub);
      }
      kids.push({ kind: key === '$and' ? 'and' : 'or', kids: branches });
      continue;
    }
    const parts = pathParts(key);
    if (!parts) return undefined;
    if (isObject(cond)) {
      const ops = Object.keys(cond);
      if (ops.length === 0) return undefined;
      for (const op of ops) {
        const l = leaf(parts, op, cond[op]);
        if (!l) return undefined;
        kids.push(l);
      }
      continue;
    }
    const l = leaf(parts, '$eq', cond);
    if (!l) return undefined;
    kids.push(l);
  }
  return { kind: 'and', kids };
}

const hasOwn = Object.prototype.hasOwnProperty;
/** marks a value the tree cannot read (an array or a non-object along the path) */
const UNREADABLE = Symbol('unreadable');
const ABSENT = Symbol('absent');

function valueAt(doc: Document, parts: string[]): unknown {
  let cur: unknown = doc;
  for (let i = 0; i < parts.length; i++) {
    if (!isObject(cur)) return UNREADABLE;
    if (!hasOwn.call(cur, parts[i])) return ABSENT;
    cur = cur[parts[i]];
  }
  return cur;
}

function same(x: unknown, cls: number, v: unknown): boolean {
  switch (cls) {
    case DATE_C:
      return (x as Date).getTime() === (v as Date).getTime();
    case OID_C:
      return (x as ObjectId).equals(v as ObjectId);
    default:
      return x === v;
  }
}

/** Whether `x` (a value the path reached) equals one of the leaf's operands; undefined when the tree cannot tell. */
function equalsOne(l: Leaf, x: unknown): boolean | undefined {
  const cls = classOf(x);
  if (cls === OTHER_C) return undefined;
  for (let i = 0; i < l.values.length; i++) if (l.classes[i] === cls && same(x, cls, l.values[i])) return true;
  return false;
}

/**
 * `$eq` / `$in` (never null: such operands are not compiled) on a path through arrays, as mingo and MongoDB read it:
 * an array along the path stands for its elements (sub-documents continue the path), an array at the end for its
 * elements (unknown after an array along the path, where mingo does not look into it), and the document matches when any value reached equals an operand (e.g. `{'team.openId': id}`
 * on the team's array of members). TRUE on a match; otherwise UNKNOWN when anything reached was outside what the
 * tree reads (a nested array, an object or BSON type at the end, a non-object along the way), else FALSE.
 */
function anyEquals(l: Leaf, cur: unknown, i: number, throughArray = false): Tri {
  if (i === l.parts.length) {
    if (!Array.isArray(cur)) {
      const eq = equalsOne(l, cur);
      return eq === undefined ? UNKNOWN : eq ? TRUE : FALSE;
    }
    // an array at the end of a path that went through an array: mingo does not look into it as MongoDB does
    if (throughArray) return UNKNOWN;
    let unknown = false;
    for (const el of cur) {
      const eq = equalsOne(l, el);
      if (eq) return TRUE;
      if (eq === undefined) unknown = true;
    }
    return unknown ? UNKNOWN : FALSE;
  }
  if (isObject(cur)) return hasOwn.call(cur, l.parts[i]) ? anyEquals(l, cur[l.parts[i]], i + 1, throughArray) : FALSE;
  if (!Array.isArray(cur)) return UNKNOWN;
  let unknown = false;
  for (const el of cur) {
    if (!isObject(el)) {
      unknown = true;
      continue;
    }
    const r = hasOwn.call(el, l.parts[i]) ? anyEquals(l, el[l.parts[i]], i + 1, true) : FALSE;
    if (r === TRUE) return TRUE;
    if (r === UNKNOWN) unknown = true;
  }
  return unknown ? UNKNOWN : FALSE;
}

function testLeaf(l: Leaf, doc: Document): Tri {
  const x = valueAt(doc, l.parts);
  if (x === UNREADABLE || Array.isArray(x)) return l.op === EQ || l.op === IN ? anyEquals(l, doc, 0) : UNKNOWN;
  const cls = x === ABSENT ? MISSING_C : classOf(x);
  if (cls === OTHER_C) return UNKNOWN;
  switch (l.op) {
    case EQ:
    case NE:
    case IN:
    case NIN: {
      let found = false;
      for (let i = 0; i < l.values.length && !found; i++) found = l.classes[i] === cls && same(x, cls, l.values[i]);
      return found === (l.op === EQ || l.op === IN) ? TRUE : FALSE;
    }
    default: {
      if (cls !== l.classes[0]) return FALSE;
      let a = 0;
      let b = 0;
      if (cls === STRING_C) {
        const c = stringOrder(x as string, l.values[0] as string);
        if (c === undefined) return UNKNOWN;
        a = c;
      } else {
        a = cls === DATE_C ? (x as Date).getTime() : (x as number);
        b = cls === DATE_C ? (l.values[0] as Date).getTime() : (l.values[0] as number);
      }
      switch (l.op) {
        case LT:
          return a < b ? TRUE : FALSE;
        case LTE:
          return a <= b ? TRUE : FALSE;
        case GT:
          return a > b ? TRUE : FALSE;
        default:
          return a >= b ? TRUE : FALSE;
      }
    }
  }
}

/**
 * Two strings' order (negative, 0, positive) where mingo (UTF-16 code units) and MongoDB (UTF-8 bytes, i.e. code
 * points) agree: undefined when the first difference involves a unit from U+D800 up (a surrogate sorts below U+E000
 * by code unit, above it by code point), left to mingo.
 */
function stringOrder(x: string, y: string): number | undefined {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const a = x.charCodeAt(i);
    const b = y.charCodeAt(i);
    if (a !== b) return a >= 0xd800 || b >= 0xd800 ? undefined : a - b;
  }
  return x.length - y.length;
}

/** Three-valued: `and` is false once a part is false, `or` true once a part is true, otherwise unknown wins. */
export function testTree(node: MatchNode, doc: Document): Tri {
  if (node.kind === 'leaf') return testLeaf(node, doc);
  const decisive = node.kind === 'and' ? FALSE : TRUE;
  let unknown = false;
  for (const kid of node.kids) {
    const r = testTree(kid, doc);
    if (r === decisive) return decisive;
    if (r === UNKNOWN) unknown = true;
  }
  return unknown ? UNKNOWN : decisive === FALSE ? TRUE : FALSE;
}

class TreeMatcher implements Matcher {
  private slow: MingoQuery | undefined;
  /** documents the tree could not decide (mingo answered), for tests */
  undecided = 0;

  constructor(
    private readonly tree: MatchNode,
    private readonly filter: Document,
  ) {}

  test(doc: Document): boolean {
    const r = testTree(this.tree, doc);
    if (r !== UNKNOWN) return r === TRUE;
    this.undecided++;
    this.slow ??= newQuery(this.filter);
    return this.slow.test(doc);
  }
}

/** A compiled filter (validated: throws on an unknown operator or a malformed condition, as mingo does). */
export function compileMatcher(filter: Document): Matcher {
  const tree = compileTree(filter);
  return tree ? new TreeMatcher(tree, filter) : newQuery(filter);
}

/** Whether the tree (not mingo) compiled `filter`, and how many documents it left to mingo: for tests. */
export function treeStats(m: Matcher): { tree: boolean; undecided: number } {
  return m instanceof TreeMatcher ? { tree: true, undecided: m.undecided } : { tree: false, undecided: 0 };
}
