/**
 * Lookup structures: for every field path named by an index (any index: unique or not, each field of a compound
 * index, sparse and partial ones too), a map from value to the documents holding it, so that equality and `$in`
 * filters read a handful of documents instead of the collection.
 *
 * These maps serve lookups only; the unique constraints keep MongoDB's own key semantics in collection.ts. A lookup
 * must never miss a document mingo would match (the results are filtered by mingo afterwards and must equal a full
 * scan's), so keys are taken generously: every scalar reachable along the path through arrays at any depth, the
 * elements of a final array flattened, and everything inside an array nested in an array along the way (mingo's
 * traversal matches those too). Only values whose equality is unambiguous are keyed and looked up: strings,
 * numbers, booleans, dates and ObjectIds; anything else (null, missing, objects, arrays, regexes, other BSON types)
 * falls back to a scan. A path through no array in any document ("not multikey") maps each document to at most one
 * key: a filter made only of equalities on such paths is answered from the maps alone (no document is read to count).
 */
import { bsonType, isObject, keyString, type Document } from './values';

/** Anything with a natural-order number and a plain (mingo) view of the current version. */
export interface Keyed {
  readonly seq: number;
  v: { plain: Document };
}

export function lookupable(v: unknown): boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date || bsonType(v) === 'ObjectId';
}

/** A path usable for lookups: no positional or numeric parts (mingo gives those their own meanings). */
export function lookupPath(path: string): boolean {
  return path !== '' && path.split('.').every((p) => p !== '' && !p.startsWith('$') && !/^\d+$/.test(p));
}

/** Where a document sits in a range index: a date or a number, or irregular (always a candidate). */
type Placed = { kind: 'date' | 'number'; k: number } | 'irregular';

/** Bounds of a range condition on one path; both inclusive (the filter is tested on the candidates anyway). */
export interface Bounds {
  kind: 'date' | 'number';
  lo: number;
  hi: number;
}

/**
 * The dates and numbers held on one indexed path, in order, for range conditions (`$lt` `$lte` `$gt` `$gte`) with
 * a date or number operand. Such a condition matches only a value of the operand's type (mingo and MongoDB alike),
 * so a document whose value on the path is missing, null, a string, a boolean or an ObjectId can never match and is
 * left out; one with an array anywhere along the path, a sub-document or any other type is "irregular": always a
 * candidate. Built when a filter first asks for a range on the path, then kept up to date with the lookup map.
 */
class RangeIndex<S extends Keyed> {
  private readonly dates: { k: number; s: S }[] = [];
  private readonly numbers: { k: number; s: S }[] = [];
  readonly irregular = new Set<S>();
  private readonly placed = new Map<S, Placed>();

  constructor(private readonly parts: string[]) {}

  private place(plain: Document): Placed | undefined {
    let v: unknown = plain;
    for (const part of this.parts) {
      if (Array.isArray(v)) return 'irregular';
      if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return undefined;
      if (!isObject(v)) return 'irregular';
      if (!Object.prototype.hasOwnProperty.call(v, part)) return undefined;
      v = v[part];
    }
    if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'irregular' : { kind: 'date', k: v.getTime() };
    if (typeof v === 'number') return Number.isNaN(v) ? 'irregular' : { kind: 'number', k: v };
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || bsonType(v) === 'ObjectId') return undefined;
    return 'irregular';
  }

  /** The first position in `list` whose entry sorts at or after (k, seq). */
  private static seek<T extends Keyed>(list: { k: number; s: T }[], k: number, seq: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const e = list[mid];
      if (e.k < k || (e.k === k && e.s.seq < seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(slot: S, plain: Document | undefined): void {
    const before = this.placed.get(slot);
    if (before === 'irregular') this.irregular.delete(slot);
    else if (before) {
      const list = before.kind === 'date' ? this.dates : this.numbers;
      const i = RangeIndex.seek(list, before.k, slot.seq);
      if (list[i]?.s === slot) list.splice(i, 1);
    }
    this.placed.delete(slot);
    const now = plain === undefined ? undefined : this.place(plain);
    if (!now) return;
    this.placed.set(slot, now);
    if (now === 'irregular') {
      this.irregular.add(slot);
      return;
    }
    const list = now.kind === 'date' ? this.dates : this.numbers;
    list.splice(RangeIndex.seek(list, now.k, slot.seq), 0, { k: now.k, s: slot });
  }

  private span(b: Bounds): [number, number, { k: number; s: S }[]] {
    const list = b.kind === 'date' ? this.dates : this.numbers;
    return [RangeIndex.seek(list, b.lo, -Infinity), RangeIndex.seek(list, b.hi, Infinity), list];
  }

  size(b: Bounds): number {
    const [from, to] = this.span(b);
    return to - from + this.irregular.size;
  }

  holders(b: Bounds): S[] {
    const [from, to, list] = this.span(b);
    const out: S[] = [];
    for (let i = from; i < to; i++) out.push(list[i].s);
    for (const s of this.irregular) out.push(s);
    return out;
  }
}

/** The documents under one key: one document alone (most keys of most indexes), or a set. */
type Holders<S> = S | Set<S>;

export class FieldIndex<S extends Keyed> {
  private readonly byKey = new Map<string, Holders<S>>();
  /** some document had an array somewhere along the path */
  multikey = false;
  /** how many indexes name this path */
  users = 0;
  private readonly parts: string[];
  /** built on the first range condition on this path (`ranges`) */
  private ranged: RangeIndex<S> | undefined;

  /** `every`: all the documents of the collection (read when the range index is first built) */
  constructor(
    readonly path: string,
    private readonly every: () => Iterable<S> = () => [],
  ) {
    this.parts = path.split('.');
  }

  /** The ordered dates and numbers of this path (built now if no filter asked before). */
  ranges(): RangeIndex<S> {
    if (!this.ranged) {
      this.ranged = new RangeIndex<S>(this.parts);
      for (const s of this.every()) this.ranged.set(s, s.v.plain);
    }
    return this.ranged;
  }

  /** The keys of one document version (distinct). */
  keys(plain: Document): string[] {
    const out = new Set<string>();
    const leaf = (v: unknown) => {
      if (Array.isArray(v)) {
        this.multikey = true;
        for (const x of v) leaf(x);
      } else if (lookupable(v)) out.add(keyString(v));
    };
    const walk = (v: unknown, i: number) => {
      if (i === this.parts.length) {
        leaf(v);
      } else if (Array.isArray(v)) {
        this.multikey = true;
        for (const el of v) {
          // mingo matches {'b.c': 1} against {b: [[1]]}: everything inside a nested array counts
          if (Array.isArray(el)) leaf(el);
          walk(el, i);
        }
      } else if (isObject(v) && Object.prototype.hasOwnProperty.call(v, this.parts[i])) {
        walk(v[this.parts[i]], i + 1);
      }
    };
    walk(plain, 0);
    return [...out];
  }

  add(slot: S, keys = this.keys(slot.v.plain)): void {
    this.ranged?.set(slot, slot.v.plain);
    for (const k of keys) {
      const held = this.byKey.get(k);
      if (held === undefined) this.byKey.set(k, slot);
      else if (held instanceof Set) held.add(slot);
      else if (held !== slot) this.byKey.set(k, new Set([held, slot]));
    }
  }

  remove(slot: S, keys: string[]): void {
    this.ranged?.set(slot, undefined);
    for (const k of keys) {
      const held = this.byKey.get(k);
      if (held === slot) {
        this.byKey.delete(k);
      } else if (held instanceof Set) {
        held.delete(slot);
        if (held.size === 1) this.byKey.set(k, held.values().next().value as S);
      }
    }
  }

  /** Moves `slot` from its old version's keys to the new version's. */
  update(slot: S, oldPlain: Document, newPlain: Document): void {
    this.ranged?.set(slot, newPlain);
    const before = this.keys(oldPlain);
    const after = this.keys(newPlain);
    if (before.length === after.length && before.every((k, i) => k === after[i])) return;
    this.remove(slot, before);
    this.add(slot, after);
  }

  /** The documents holding `key`, in the order they got it. */
  holders(key: string): Iterable<S> {
    const held = this.byKey.get(key);
    if (held === undefined) return [];
    return held instanceof Set ? held : [held];
  }

  /** Whether `slot` holds one of `keys`. */
  holds(slot: S, keys: string[]): boolean {
    for (const k of keys) {
      const held = this.byKey.get(k);
      if (held === slot || (held instanceof Set && held.has(slot))) return true;
    }
    return false;
  }

  size(keys: string[]): number {
    let n = 0;
    for (const k of keys) {
      const held = this.byKey.get(k);
      n += held === undefined ? 0 : held instanceof Set ? held.size : 1;
    }
    return n;
  }
}

/** One condition of the filter's top-level conjunction on a path: equality to one of `values`. */
interface Equality {
  path: string;
  keys: string[];
  /** the condition is nothing but the equality / $in */
  pure: boolean;
}

/** One range condition of the conjunction: `$lt` `$lte` `$gt` `$gte` on a path, all with dates or all with numbers. */
interface Range {
  path: string;
  bounds: Bounds;
}

export interface Conjunction {
  equalities: Equality[];
  ranges: Range[];
  /** `$or` conditions: their branches */
  alternatives: Document[][];
  /** how many conditions of the conjunction are not equalities on a lookup path (`$or` included) */
  residual: number;
}

/** Splits a filter into its top-level conjunction (top-level fields and `$and` clauses). */
export function conjunction(filter: Document, out: Conjunction = { equalities: [], ranges: [], alternatives: [], residual: 0 }): Conjunction {
  for (const [k, cond] of Object.entries(filter)) {
    if (k === '$and' && Array.isArray(cond)) {
      for (const clause of cond) {
        if (isObject(clause)) conjunction(clause, out);
        else out.residual++;
      }
      continue;
    }
    if (k.startsWith('$') || !lookupPath(k)) {
      if (k === '$or' && Array.isArray(cond) && cond.length > 0 && cond.every(isObject)) out.alternatives.push(cond);
      out.residual++;
      continue;
    }
    if (isObject(cond) && Object.keys(cond).length > 0 && Object.keys(cond).every((op) => op.startsWith('$'))) {
      const ops = Object.keys(cond);
      let values: unknown[] | undefined;
      if ('$eq' in cond && lookupable(cond.$eq)) values = [cond.$eq];
      else if ('$in' in cond && Array.isArray(cond.$in) && cond.$in.every(lookupable)) values = cond.$in as unknown[];
      if (values) out.equalities.push({ path: k, keys: [...new Set(values.map(keyString))], pure: ops.length === 1 });
      else {
        const bounds = rangeBounds(cond);
        if (bounds) out.ranges.push({ path: k, bounds });
        out.residual++;
      }
      continue;
    }
    if (lookupable(cond)) out.equalities.push({ path: k, keys: [keyString(cond)], pure: true });
    else out.residual++;
  }
  return out;
}

const RANGE_OPS = new Set(['$lt', '$lte', '$gt', '$gte']);

/** The bounds of a condition made only of range operators, all with dates or all with numbers. */
function rangeBounds(cond: Document): Bounds | undefined {
  let kind: Bounds['kind'] | undefined;
  let lo = -Infinity;
  let hi = Infinity;
  for (const [op, v] of Object.entries(cond)) {
    if (!RANGE_OPS.has(op)) return undefined;
    let k: number;
    if (v instanceof Date && !Number.isNaN(v.getTime()) && kind !== 'number') {
      kind = 'date';
      k = v.getTime();
    } else if (typeof v === 'number' && !Number.isNaN(v) && kind !== 'date') {
      kind = 'number';
      k = v;
    } else {
      return undefined;
    }
    if (op === '$lt' || op === '$lte') hi = Math.min(hi, k);
    else lo = Math.max(lo, k);
  }
  return kind ? { kind, lo, hi } : undefined;
}

/** Documents holding one of `keys` in `index`, or (with `bounds`) a value in that range of its range index. */
export interface Source<S extends Keyed> {
  index: FieldIndex<S>;
  keys: string[];
  bounds?: Bounds;
}

export interface Plan<S extends Keyed> {
  /** the candidates: every document some source holds (several sources for a `$or`, one per branch) */
  sources: Source<S>[];
  /** estimated number of candidates */
  size: number;
  /**
   * The maps alone answer the filter, no document needs to be read: every condition is an equality (or $in) on a
   * lookup path no document holds an array on. `also` are the other equalities the candidates must hold.
   */
  covered: boolean;
  also: Source<S>[];
}

/**
 * The cheapest way to narrow the filter with the maps, if any: the smallest equality of the conjunction, or a `$or`
 * each branch of which can be narrowed (the union of the branches' candidates).
 */
export function plan<S extends Keyed>(filter: Document, fields: Map<string, FieldIndex<S>>): Plan<S> | undefined {
  const c = conjunction(filter);
  const usable: { source: Source<S>; size: number; pure: boolean; multikey: boolean }[] = [];
  for (const eq of c.equalities) {
    const index = fields.get(eq.path);
    if (index) usable.push({ source: { index, keys: eq.keys }, size: index.size(eq.keys), pure: eq.pure, multikey: index.multikey });
  }
  usable.sort((a, b) => a.size - b.size);
  let best: Plan<S> | undefined;
  if (usable.length > 0) {
    const [first, ...rest] = usable;
    const covered = c.residual === 0 && usable.length === c.equalities.length && usable.every((u) => u.pure && !u.multikey);
    best = { sources: [first.source], size: first.size, covered, also: covered ? rest.map((u) => u.source) : [] };
  }
  // a range on an indexed path, when it narrows more than any equality (never covered: the filter is tested)
  for (const r of c.ranges) {
    const index = fields.get(r.path);
    if (!index) continue;
    const size = index.ranges().size(r.bounds);
    if (!best || size < best.size) best = { sources: [{ index, keys: [], bounds: r.bounds }], size, covered: false, also: [] };
  }
  for (const branches of c.alternatives) {
    const plans = branches.map((b) => plan(b, fields));
    if (plans.some((p) => p === undefined)) continue;
    const size = plans.reduce((n, p) => n + (p as Plan<S>).size, 0);
    if (!best || size < best.size) {
      // each branch's own `also` would only narrow further; the union of the branch sources is a superset either way
      best = { sources: plans.flatMap((p) => (p as Plan<S>).sources), size, covered: false, also: [] };
    }
  }
  return best;
}

/** The candidate documents of a plan, each once, in natural order. */
export function candidates<S extends Keyed>(p: Plan<S>): S[] {
  let out: S[];
  if (p.sources.length === 1 && p.sources[0].bounds) {
    out = p.sources[0].index.ranges().holders(p.sources[0].bounds);
  } else if (p.sources.length === 1 && p.sources[0].keys.length === 1) {
    out = [...p.sources[0].index.holders(p.sources[0].keys[0])];
  } else {
    const seen = new Set<S>();
    for (const src of p.sources) {
      if (src.bounds) for (const s of src.index.ranges().holders(src.bounds)) seen.add(s);
      else for (const k of src.keys) for (const s of src.index.holders(k)) seen.add(s);
    }
    out = [...seen];
  }
  if (p.also.length > 0) out = out.filter((s) => p.also.every((a) => a.index.holds(s, a.keys)));
  for (let i = 1; i < out.length; i++) {
    if (out[i - 1].seq > out[i].seq) return out.sort((a, b) => a.seq - b.seq);
  }
  return out;
}

/** How many documents a covered plan matches (without multikey paths, each document holds at most one key). */
export function coveredCount<S extends Keyed>(p: Plan<S>): number {
  const [src] = p.sources;
  if (p.also.length === 0) return src.index.size(src.keys);
  let n = 0;
  for (const k of src.keys) for (const s of src.index.holders(k)) if (p.also.every((a) => a.index.holds(s, a.keys))) n++;
  return n;
}
