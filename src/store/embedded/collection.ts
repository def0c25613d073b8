/**
 * One collection: documents in natural (insertion) order, indexes, unique constraints, TTL expiry, and the lookup
 * maps (lookup.ts) that answer equality filters on indexed fields without reading the whole collection.
 */
import { ObjectId } from 'bson';
import { ByteArena } from './arena';
import { FieldIndex, candidates, coveredCount, lookupPath, plan, type Plan } from './lookup';
import { compileMatcher, type Matcher } from './match';
import { sorter } from './mingo';
import {
  CommandError,
  MISSING,
  formatValue,
  isObject,
  keyString,
  makeVersion,
  numValue,
  omit,
  pathValues,
  plainOf,
  Version,
  type Document,
} from './values';

/** A document's place in the collection; its `v` is replaced on update, never mutated. `seq` is its natural order. */
export class Slot {
  constructor(
    public v: Version,
    readonly seq: number,
  ) {}
}

/** What queries cost, for tests and `explain` (MongoDB's totalDocsExamined / totalKeysExamined). */
export interface QueryStats {
  /** documents read to answer queries (tested against a filter or fetched by key) */
  examined: number;
  /** lookup-map entries read */
  keysExamined: number;
  /** queries answered by reading every document */
  scans: number;
  /** queries answered from a lookup map */
  lookups: number;
  /** documents the TTL expiry looked at (only those whose date came due) */
  ttlExamined: number;
}

/** A document's date under a TTL index: the document expires once `t` (ms) is older than expireAfterSeconds. */
interface Due {
  t: number;
  slot: Slot;
}

/**
 * A binary min-heap of the dates under a TTL index, so that expiry reads only the documents whose date came due,
 * never the whole collection. Entries are not removed when a document changes or goes: expiry re-reads a popped
 * document's current dates and skips entries of documents no longer stored (a changed date got an entry of its own).
 */
class DueHeap {
  private readonly a: Due[] = [];

  push(d: Due): void {
    const a = this.a;
    a.push(d);
    for (let i = a.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (a[up].t <= a[i].t) break;
      [a[up], a[i]] = [a[i], a[up]];
      i = up;
    }
  }

  /** The earliest entry, if it is at or before `limit`, taken off the heap. */
  popDue(limit: number): Due | undefined {
    const a = this.a;
    if (a.length === 0 || a[0].t > limit) return undefined;
    const top = a[0];
    const last = a.pop() as Due;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].t < a[m].t) m = l;
        if (r < a.length && a[r].t < a[m].t) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

export interface QueryOptions {
  sort?: Document;
  skip?: number;
  /** 0 = none */
  limit?: number;
}

interface Index {
  /** as listIndexes reports it */
  spec: Document;
  name: string;
  fields: string[];
  unique: boolean;
  sparse: boolean;
  partial?: Matcher;
  ttlSeconds?: number;
  /** TTL indexes only: the documents' dates, earliest first */
  due?: DueHeap;
  /** unique indexes only: key string -> the document holding it */
  owners?: Map<string, Slot>;
}

interface IndexKey {
  key: string;
  /** the values as the plain view holds them (see Collection.dupError for the ones a message shows) */
  values: unknown[];
}

/** The dates (ms) a TTL index on `path` sees in a document version (MongoDB expires on the earliest). */
function ttlDates(v: Version, path: string): number[] {
  const out: number[] = [];
  // the plain view: dates are decoded alike in both views
  for (const x of pathValues(v.plain, path)) if (x instanceof Date && !Number.isNaN(x.getTime())) out.push(x.getTime());
  return out;
}

/** The top-level field of a dotted path. */
function rootOf(path: string): string {
  const dot = path.indexOf('.');
  return dot < 0 ? path : path.slice(0, dot);
}

/** A compiled, validated filter (match.ts: a tree for the common shapes, mingo for the rest). */
export function compileQuery(filter: Document): Matcher {
  return compileMatcher(filter);
}

function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([k, v]) => `${k}_${String(numValue(v) ?? v)}`)
    .join('_');
}

/** The options that make two indexes with the same key different. */
function optionsKey(spec: Document): string {
  return keyString({
    unique: !!spec.unique,
    sparse: !!spec.sparse,
    partial: spec.partialFilterExpression ?? null,
    ttl: spec.expireAfterSeconds ?? null,
  });
}

export class Collection {
  readonly slots = new Set<Slot>();
  readonly indexes: Index[] = [];
  readonly stats: QueryStats = { examined: 0, keysExamined: 0, scans: 0, lookups: 0, ttlExamined: 0 };
  /** lookup maps by field path (lookup.ts) */
  private readonly fields = new Map<string, FieldIndex<Slot>>();
  private nextSeq = 0;
  private sweptAt = 0;

  constructor(
    readonly db: string,
    readonly name: string,
    readonly options: Document = {},
    /** where the stored versions' bytes live (the engine's, shared by its collections) */
    private readonly arena: ByteArena = new ByteArena(),
  ) {
    this.indexes.push(this.makeIndex({ v: 2, key: { _id: 1 }, name: '_id_' }, true));
    this.useFields(this.indexes[0]);
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  /** Matching documents in natural order (or `sort` order), then skip and limit (0 = none). */
  query(filter: Document, opts: QueryOptions = {}): Slot[] {
    const q = compileQuery(filter);
    const p = plan(filter, this.fields);
    const skip = opts.skip ?? 0;
    const sorted = opts.sort !== undefined && Object.keys(opts.sort).length > 0;
    // without a sort, the first skip+limit matches in natural order are all that is needed
    const enough = !sorted && opts.limit ? skip + opts.limit : Infinity;
    let out: Slot[] = [];
    if (sorted && opts.limit) {
      const cands = p ? candidates(p) : [...this.slots];
      const first = this.firstMatches(cands, q, p?.covered === true, opts.sort as Document, skip + opts.limit);
      if (first) {
        if (p) this.stats.lookups++;
        else this.stats.scans++;
        if (p) this.stats.keysExamined += cands.length;
        out = first;
        const bySlot = new Map(out.map((s) => [s.v.plain, s] as const));
        const order = sorter().find<Document>(out.map((s) => s.v.plain)).sort(opts.sort as Document).all();
        return order.map((d) => bySlot.get(d) as Slot).slice(skip, skip + opts.limit);
      }
    }
    if (p) {
      this.stats.lookups++;
      const cands = candidates(p);
      this.stats.keysExamined += cands.length;
      for (const s of cands) {
        if (out.length >= enough) break;
        this.stats.examined++;
        if (p.covered || q.test(s.v.plain)) out.push(s);
      }
    } else {
      this.stats.scans++;
      for (const s of this.slots) {
        if (out.length >= enough) break;
        this.stats.examined++;
        if (q.test(s.v.plain)) out.push(s);
      }
    }
    if (sorted) {
      const bySlot = new Map(out.map((s) => [s.v.plain, s] as const));
      // mingo's cursor returns the very objects it was given (no cloning by default)
      const order = sorter().find<Document>(out.map((s) => s.v.plain)).sort(opts.sort as Document).all();
      out = order.map((p) => bySlot.get(p) as Slot);
    }
    return out.slice(skip, opts.limit ? skip + opts.limit : undefined);
  }

  /**
   * A sort with a limit: the candidates ordered by the sort's first key alone (read from each candidate like an index
   * key, no filter test), then tested in that order until `enough` matched and the next candidate's first key differs
   * from the last match's. Those matches, put back in natural order, contain the first `enough` of the full sort (every
   * match sorting before them has a smaller first key, every tie on it is among them), so sorting just them the way a
   * full sort would (mingo, natural order for full ties) gives the same documents in the same order. Only when every
   * candidate's first sort key is a valid Date, or every one a finite number (no arrays, no missing, no mixed types,
   * whose BSON order this does not reproduce); otherwise undefined and the caller sorts every match.
   */
  private firstMatches(cands: Slot[], q: Matcher, covered: boolean, sort: Document, enough: number): Slot[] | undefined {
    const [field, dirValue] = Object.entries(sort)[0];
    const dir = numValue(dirValue);
    if ((dir !== 1 && dir !== -1) || !lookupPath(field)) return undefined;
    const parts = field.split('.');
    const keyed: { k: number; s: Slot }[] = [];
    let kind: 'date' | 'number' | undefined;
    for (const s of cands) {
      let v: unknown = s.v.plain;
      for (const part of parts) {
        if (!isObject(v) || Array.isArray(v)) return undefined;
        v = v[part];
      }
      let k: number;
      if (v instanceof Date && kind !== 'number') {
        kind = 'date';
        k = v.getTime();
        if (Number.isNaN(k)) return undefined;
      } else if (typeof v === 'number' && Number.isFinite(v) && kind !== 'date') {
        kind = 'number';
        k = v;
      } else {
        return undefined;
      }
      keyed.push({ k: dir * k, s });
    }
    keyed.sort((a, b) => a.k - b.k || a.s.seq - b.s.seq);
    const out: Slot[] = [];
    let lastKey = NaN;
    for (const { k, s } of keyed) {
      if (out.length >= enough && k !== lastKey) break;
      this.stats.examined++;
      if (covered || q.test(s.v.plain)) {
        out.push(s);
        lastKey = k;
      }
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** How many documents match; a covered lookup (or an empty filter) reads no document. */
  count(filter: Document, opts: { skip?: number; limit?: number } = {}): number {
    compileQuery(filter); // validates like any query
    let n: number;
    const p: Plan<Slot> | undefined = Object.keys(filter).length === 0 ? undefined : plan(filter, this.fields);
    if (Object.keys(filter).length === 0) {
      n = this.slots.size;
    } else if (p?.covered) {
      this.stats.lookups++;
      n = coveredCount(p);
      this.stats.keysExamined += n;
    } else {
      n = this.query(filter).length;
    }
    n = Math.max(0, n - (opts.skip ?? 0));
    return opts.limit ? Math.min(n, opts.limit) : n;
  }

  /** The index a filter would use, for `explain`. */
  planFor(filter: Document): { indexName: string; keyPattern: Document; covered: boolean } | undefined {
    const p = plan(filter, this.fields);
    if (!p) return undefined;
    const path = p.sources[0].index.path;
    const idx = this.indexes.find((i) => i.fields.includes(path)) ?? this.indexes[0];
    return { indexName: idx.name, keyPattern: idx.spec.key as Document, covered: p.covered };
  }

  /**
   * The documents whose value on `path` may equal `value` (a scalar the lookup maps key: lookup.ts lookupable), each
   * once, in natural order: from the path's lookup map when an index names the path, else every document. The
   * caller tests them (a superset, as a plan's candidates are).
   */
  equalCandidates(path: string, value: unknown): Slot[] {
    const f = lookupPath(path) ? this.fields.get(path) : undefined;
    if (!f) {
      this.stats.scans++;
      this.stats.examined += this.slots.size;
      return [...this.slots];
    }
    this.stats.lookups++;
    const out = [...f.holders(keyString(value))];
    this.stats.keysExamined += out.length;
    this.stats.examined += out.length;
    for (let i = 1; i < out.length; i++) if (out[i - 1].seq > out[i].seq) return out.sort((a, b) => a.seq - b.seq);
    return out;
  }

  byId(id: unknown): Slot | undefined {
    return this.indexes[0].owners?.get(keyString(id));
  }

  /** The stored plain views (read-only: deep-frozen), in natural order, for pipelines that do not change them. */
  plainViews(slots: Iterable<Slot> = this.slots): Document[] {
    const out: Document[] = [];
    for (const s of slots) out.push(s.v.plain);
    return out;
  }

  /** Fresh plain copies, for pipelines whose stages may change their input. */
  plainCopies(slots: Iterable<Slot> = this.slots): Document[] {
    const out: Document[] = [];
    for (const s of slots) out.push(plainOf(s.v.raw));
    return out;
  }

  insert(doc: Document): Slot {
    if (doc._id === undefined) doc = { _id: new ObjectId(), ...omit(doc, '_id') };
    const v = makeVersion(doc);
    const keys = this.uniqueKeys(v);
    this.checkUnique(keys, undefined, v);
    const slot = new Slot(this.keep(v), this.nextSeq++);
    this.slots.add(slot);
    this.own(keys, slot, true);
    for (const f of this.fields.values()) f.add(slot);
    this.scheduleExpiry(slot, undefined);
    return slot;
  }

  /**
   * Stores a new version; returns false when nothing changed (byte-identical). `touched`: the only top-level fields
   * that can differ from the stored version (an operator update's, update.ts touchedFields); the indexes, lookup maps
   * and TTL heaps of other fields keep their entries untouched. Undefined: any field may have changed.
   */
  replace(slot: Slot, doc: Document, touched?: ReadonlySet<string>): boolean {
    // fields the update left as stored (values.ts KEPT) are copied from the version it started from
    const v = makeVersion(doc, slot.v);
    if (v.raw.equals(slot.v.raw)) return false;
    const affected = touched ? (idx: Index) => idx.partial !== undefined || idx.fields.some((f) => touched.has(rootOf(f))) : undefined;
    const keys = this.uniqueKeys(v, affected);
    this.checkUnique(keys, slot, v);
    this.own(this.uniqueKeys(slot.v, affected), slot, false);
    const old = slot.v;
    slot.v = this.keep(v);
    this.arena.retire(old.raw);
    this.own(keys, slot, true);
    for (const f of this.fields.values()) if (!touched || touched.has(rootOf(f.path))) f.update(slot, old.plain, v.plain);
    this.scheduleExpiry(slot, old, affected);
    return true;
  }

  remove(slot: Slot): void {
    if (!this.slots.delete(slot)) return;
    this.arena.retire(slot.v.raw);
    this.own(this.uniqueKeys(slot.v), slot, false);
    for (const f of this.fields.values()) f.remove(slot, f.keys(slot.v.plain));
  }

  /** The collection is dropped: its versions' slots go back to the arena. */
  dropped(): void {
    for (const s of this.slots) this.arena.retire(s.v.raw);
    this.slots.clear();
  }

  /** `v` as stored: its bytes copied into the arena (only once it is certain to be stored: checks come first). */
  private keep(v: Version): Version {
    return new Version(this.arena.store(v.raw), v.plain);
  }

  /** Starts (or shares) the lookup maps of an index's fields. */
  private useFields(idx: Index): void {
    for (const path of idx.fields) {
      if (!lookupPath(path)) continue;
      let f = this.fields.get(path);
      if (!f) {
        f = new FieldIndex<Slot>(path, () => this.slots);
        for (const s of this.slots) f.add(s);
        this.fields.set(path, f);
      }
      f.users++;
    }
  }

  private releaseFields(idx: Index): void {
    for (const path of idx.fields) {
      const f = this.fields.get(path);
      if (f && --f.users === 0) this.fields.delete(path);
    }
  }

  // ---- indexes -----------------------------------------------------------------------------------------------------

  private makeIndex(spec: Document, forceUnique = false): Index {
    const ttl = numValue(spec.expireAfterSeconds);
    const unique = forceUnique || !!spec.unique;
    return {
      spec,
      name: String(spec.name),
      fields: Object.keys(spec.key as Document),
      unique,
      sparse: !!spec.sparse,
      partial: isObject(spec.partialFilterExpression) ? compileQuery(spec.partialFilterExpression) : undefined,
      ttlSeconds: ttl,
      due: ttl !== undefined && Object.keys(spec.key as Document).length === 1 ? new DueHeap() : undefined,
      owners: unique ? new Map() : undefined,
    };
  }

  /** Returns false when an identical index already exists. */
  createIndex(input: Document): boolean {
    const key: unknown = input.key;
    if (!isObject(key) || Object.keys(key).length === 0) {
      throw new CommandError(67, 'CannotCreateIndex', 'Index key must be a non-empty object');
    }
    const name = typeof input.name === 'string' ? input.name : defaultIndexName(key);
    const spec: Document = { v: 2, ...input, key, name };
    const sameName = this.indexes.find((i) => i.name === name);
    if (sameName) {
      if (keyString(sameName.spec.key) !== keyString(key)) {
        throw new CommandError(86, 'IndexKeySpecsConflict', `An existing index has the same name as the requested index but different key: ${name}`);
      }
      if (name !== '_id_' && optionsKey(sameName.spec) !== optionsKey(spec)) {
        throw new CommandError(85, 'IndexOptionsConflict', `An equivalent index already exists with the same name but different options: ${name}`);
      }
      return false;
    }
    const sameKey = this.indexes.find((i) => keyString(i.spec.key) === keyString(key));
    if (sameKey && keyString(sameKey.spec.partialFilterExpression) === keyString(spec.partialFilterExpression)) {
      throw new CommandError(85, 'IndexOptionsConflict', `Index already exists with a different name: ${sameKey.name}`);
    }
    const idx = this.makeIndex(spec);
    if (idx.owners) {
      for (const slot of this.slots) {
        for (const k of this.indexKeys(idx, slot.v)) {
          const owner = idx.owners.get(k.key);
          if (owner && owner !== slot) {
            const err = this.dupError(idx, k, slot.v);
            throw new CommandError(11000, 'DuplicateKey', `Index build failed: ${err.message}`, err.extra);
          }
          idx.owners.set(k.key, slot);
        }
      }
    }
    if (idx.due) for (const slot of this.slots) for (const t of ttlDates(slot.v, idx.fields[0])) idx.due.push({ t, slot });
    this.indexes.push(idx);
    this.useFields(idx);
    return true;
  }

  dropIndex(name: string): void {
    if (name === '_id_') throw new CommandError(72, 'InvalidOptions', 'cannot drop _id index');
    const i = this.indexes.findIndex((x) => x.name === name);
    if (i < 0) throw new CommandError(27, 'IndexNotFound', `index not found with name [${name}]`);
    this.releaseFields(this.indexes[i]);
    this.indexes.splice(i, 1);
  }

  indexNameByKey(key: Document): string | undefined {
    return this.indexes.find((i) => keyString(i.spec.key) === keyString(key))?.name;
  }

  /**
   * Deletes documents whose TTL-indexed date is older than expireAfterSeconds, at most every `minIntervalMs`. Only
   * documents whose date came due are read (the index's heap), however large the collection.
   */
  sweepTtl(now: number, minIntervalMs = 0): void {
    if (now - this.sweptAt < minIntervalMs) return;
    this.sweptAt = now;
    for (const idx of this.indexes) {
      if (!idx.due || idx.ttlSeconds === undefined) continue;
      const limit = now - idx.ttlSeconds * 1000;
      for (let d = idx.due.popDue(limit); d; d = idx.due.popDue(limit)) {
        if (!this.slots.has(d.slot)) continue; // removed meanwhile
        this.stats.ttlExamined++;
        if (ttlDates(d.slot.v, idx.fields[0]).some((t) => t <= limit)) this.remove(d.slot);
      }
    }
  }

  /** Puts the dates of a new or changed document on the TTL heaps (unchanged dates are already there). */
  private scheduleExpiry(slot: Slot, old: Version | undefined, affected?: (idx: Index) => boolean): void {
    for (const idx of this.indexes) {
      if (!idx.due || (affected && !affected(idx))) continue;
      const before = old ? ttlDates(old, idx.fields[0]) : [];
      for (const t of ttlDates(slot.v, idx.fields[0])) if (!before.includes(t)) idx.due.push({ t, slot });
    }
  }

  // ---- unique constraints ------------------------------------------------------------------------------------------

  /**
   * The keys of a document version under a unique index, read from its plain view: a key string is the same for a
   * value in either view (keyString: 5, 5.0 and NumberLong(5) are one key, a Long beyond 2^53 stays a Long).
   */
  private indexKeys(idx: Index, v: Version): IndexKey[] {
    if (idx.partial && !idx.partial.test(v.plain)) return [];
    return this.keysOf(idx, v.plain);
  }

  private keysOf(idx: Index, doc: Document): IndexKey[] {
    const perField = idx.fields.map((f) => pathValues(doc, f));
    if (idx.sparse && perField.every((vals) => vals.every((x) => x === MISSING))) return [];
    let combos: unknown[][] = [[]];
    for (const vals of perField) {
      const distinct = new Map(vals.map((x) => [keyString(x === MISSING ? null : x), x === MISSING ? null : x]));
      combos = combos.flatMap((c) => [...distinct.values()].map((x) => [...c, x]));
    }
    const out = new Map<string, IndexKey>();
    for (const values of combos) {
      const key = values.map(keyString).join('|');
      out.set(key, { key, values });
    }
    return [...out.values()];
  }

  private uniqueKeys(v: Version, affected?: (idx: Index) => boolean): Map<Index, IndexKey[]> {
    const out = new Map<Index, IndexKey[]>();
    for (const idx of this.indexes) if (idx.owners && (!affected || affected(idx))) out.set(idx, this.indexKeys(idx, v));
    return out;
  }

  /** `v`: the version the keys are of. */
  private checkUnique(keys: Map<Index, IndexKey[]>, self: Slot | undefined, v: Version): void {
    for (const [idx, list] of keys) {
      for (const k of list) {
        const owner = idx.owners?.get(k.key);
        if (owner && owner !== self) throw this.dupError(idx, k, v);
      }
    }
  }

  private own(keys: Map<Index, IndexKey[]>, slot: Slot, add: boolean): void {
    for (const [idx, list] of keys) {
      for (const k of list) {
        if (add) idx.owners?.set(k.key, slot);
        else if (idx.owners?.get(k.key) === slot) idx.owners.delete(k.key);
      }
    }
  }

  /**
   * The E11000 error for key `k` of version `v`. Its keyValue and message show the values with their stored number
   * types (a double 5.0 stays a double in keyValue, as MongoDB sends it): the same key read from the typed view, decoded
   * only now that a duplicate was found.
   */
  private dupError(idx: Index, k: IndexKey, v: Version): CommandError {
    const values = this.keysOf(idx, v.typed()).find((t) => t.key === k.key)?.values ?? k.values;
    const keyValue: Document = {};
    idx.fields.forEach((f, i) => (keyValue[f] = values[i] ?? null));
    const shown = idx.fields.map((f, i) => `${f}: ${formatValue(values[i])}`).join(', ');
    return new CommandError(
      11000,
      'DuplicateKey',
      `E11000 duplicate key error collection: ${this.ns} index: ${idx.name} dup key: { ${shown} }`,
      { keyPattern: idx.spec.key, keyValue },
    );
  }
}
