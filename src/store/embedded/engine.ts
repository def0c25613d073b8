/** Databases, cursors and the command set a mongoose / mongodb-driver client uses. */
import { BSON, Long } from 'bson';
import { ByteArena, type ArenaStats } from './arena';
import { Collection, compileQuery, type QueryOptions, type Slot } from './collection';
import { mingoIndex, projector } from './mingo';
import { equalityJoin } from './equalityJoin';
import { exclusionTree, excludeBytes } from './excludeBytes';
import { includeBytes, inclusionOf } from './includeBytes';
import { compilePipeline, Unsupported } from './pipeline';
import { touchedFields, updatedDocument, updateKind, upsertDocument, type UpdateSpec } from './update';
import {
  CommandError,
  MISSING,
  isObject,
  keyString,
  pathValues,
  plainClone,
  plainOf,
  RawDocument,
  batchBytes,
  retype,
  serialize,
  toInt,
  typedOf,
  type Document,
  type Version,
} from './values';

export interface CommandContext {
  connectionId: number;
}

interface Cmd {
  name: string;
  db: string;
  /** promoted values: options, filters, pipelines */
  body: Document;
  /** exact BSON number types: documents and update operands */
  typed: Document;
  ctx: CommandContext;
}

interface Cursor {
  ns: string;
  /** the documents to send; a RawDocument is a stored document sent as its bytes (a find without a projection) */
  docs: readonly (Document | RawDocument)[];
  pos: number;
  touched: number;
  /** the command that opened it: the stored bytes it may send were not superseded before it (arena.ts) */
  epoch: number;
}

const DEFAULT_BATCH = 101;
const MAX_BATCH_BYTES = 8 * 1024 * 1024;
const CURSOR_IDLE_MS = 10 * 60_000;
const LAZY_SWEEP_MS = 200;
const MAX_BSON = 16 * 1024 * 1024;
const COLLECTION_OPTIONS = ['capped', 'size', 'max', 'validator', 'validationLevel', 'validationAction', 'collation', 'timeseries', 'expireAfterSeconds'];
const TXN_FIELDS = ['txnNumber', 'autocommit', 'startTransaction'];
const NO_OP_COMMANDS = ['endSessions', 'killSessions', 'refreshSessions', 'killAllSessions', 'killAllSessionsByPattern'];

function idFirst(doc: Document): Document {
  const keys = Object.keys(doc);
  if (!keys.includes('_id') || keys[0] === '_id') return doc;
  const out: Document = { _id: doc._id };
  for (const k of keys) if (k !== '_id') out[k] = doc[k];
  return out;
}

/**
 * A stored document as returned to the client, with an optional find projection (mingo on a plain copy); without
 * one, the stored bytes themselves (values.ts RawDocument), sent as they are; so are the projections cut from the
 * bytes (excludeBytes.ts, includeBytes.ts).
 */
function projectRaw(v: Version, projection: unknown): Document | RawDocument {
  if (!isObject(projection) || Object.keys(projection).length === 0) return new RawDocument(v.raw);
  // an exclusion ({'inspection.history': 0}, an answer's, operations/inspection/answerItem.ts): cut from the bytes
  const tree = exclusionTree(projection);
  const cut = tree && excludeBytes(v.raw, tree);
  if (cut) return new RawDocument(cut);
  // an inclusion of top-level fields ({openId: 1}, {_id: 1}): copied from the bytes
  const inclusion = inclusionOf(projection);
  const kept = inclusion && includeBytes(v.raw, inclusion);
  if (kept) return new RawDocument(kept);
  return projected(v, projection);
}

function projected(v: Version, projection: Document): Document {
  if (Object.keys(projection).some((k) => k.endsWith('.$'))) {
    throw new CommandError(2, 'BadValue', 'positional projection is not supported by the embedded wire server');
  }
  // mingo projects a copy of the stored plain view whose objects and arrays are new (values.ts plainClone: equal to a
  // decoding of the bytes, without a decoding); the typed view, which retype needs, is decoded here
  const out = projector(projection).find<Document>([plainClone(v.plain) as Document], projection).all()[0] ?? {};
  return idFirst(retype(out, v.typed()) as Document);
}

/**
 * Up to `n` documents from `pos`, as many as fit in MAX_BATCH_BYTES (at least one). Each is serialized once here, to
 * know its size, and the bytes are kept with the batch (values.ts batchBytes) for the reply: measuring a document
 * (calculateObjectSize) walks it as long as encoding it does. A RawDocument gives a stored document's bytes: the
 * reply sends them (protocol.ts serializeReply), and its place in the batch decodes them (typed) only if it is read,
 * which only a caller of Engine.run itself does (tests); the stored version keeps no typed view (values.ts Version).
 */
function takeBatch(docs: readonly (Document | RawDocument)[], pos: number, n: number): Document[] {
  const out: Document[] = [];
  const bytes: Buffer[] = [];
  let total = 0;
  for (let i = pos; i < docs.length && out.length < n; i++) {
    const d = docs[i]!;
    const b = d instanceof RawDocument ? d.bytes : serialize(d);
    if (out.length > 0 && total + b.length > MAX_BATCH_BYTES) break;
    if (d instanceof RawDocument) decodedOnRead(out, out.length, b);
    else out.push(d);
    bytes.push(b);
    total += b.length;
  }
  batchBytes.set(out, bytes);
  return out;
}

/** Element `i` of `batch` (the next one): the document `bytes` hold, decoded when first read. */
function decodedOnRead(batch: Document[], i: number, bytes: Buffer): void {
  let doc: Document | undefined;
  Object.defineProperty(batch, i, { get: () => (doc ??= typedOf(bytes)), enumerable: true, configurable: true });
}

const cursorKey = (v: unknown): string => (v instanceof Long ? v.toString() : String(v));

function docs(v: unknown): Document[] {
  return Array.isArray(v) ? v.filter(isObject) : [];
}

function writeError(index: number, e: unknown): Document {
  if (e instanceof CommandError) return { index, code: e.code, ...e.extra, errmsg: e.message };
  return { index, code: 2, errmsg: e instanceof Error ? e.message : String(e) };
}

function withWriteErrors(reply: Document, errors: Document[]): Document {
  return errors.length > 0 ? { ...reply, writeErrors: errors } : reply;
}

/** The countDocuments pipeline after its $match: [$skip], [$limit], {$group: {_id: <constant>, n: {$sum: 1}}}. */
function countShape(stages: Document[]): { skip: number; limit: number; id: unknown; field: string } | undefined {
  let i = 0;
  let skip = 0;
  let limit = 0;
  if (stages[i] && Object.keys(stages[i]).length === 1 && '$skip' in stages[i]) skip = toInt(stages[i++].$skip, -1);
  if (stages[i] && Object.keys(stages[i]).length === 1 && '$limit' in stages[i]) limit = toInt(stages[i++].$limit, -1);
  if (skip < 0 || limit < 0 || i !== stages.length - 1) return undefined;
  const group: unknown = stages[i].$group;
  if (Object.keys(stages[i]).length !== 1 || !isObject(group)) return undefined;
  const keys = Object.keys(group);
  if (keys.length !== 2 || keys[0] !== '_id') return undefined;
  const id: unknown = group._id;
  const constant = id === null || typeof id === 'number' || typeof id === 'boolean' || (typeof id === 'string' && !id.startsWith('$'));
  const sum: unknown = group[keys[1]];
  if (!constant || !isObject(sum) || Object.keys(sum).length !== 1 || sum.$sum !== 1) return undefined;
  return { skip, limit, id, field: keys[1] };
}

const READ_ONLY_STAGES = new Set(['$match', '$group', '$sort', '$skip', '$limit', '$count', '$sortByCount', '$replaceRoot', '$replaceWith', '$facet']);

/**
 * Whether mingo's stages leave their input documents alone, so the stored (frozen) plain views can be fed to them
 * without copies. Read from mingo 7.2's stages: $addFields/$set and $project copy the document they change but
 * write dotted paths into the nested objects they share with it; $unwind writes includeArrayIndex into its input and
 * removes the field for preserveNullAndEmptyArrays; $facet clones every input document for its sub-pipelines.
 */
export function readOnlyPipeline(stages: Document[]): boolean {
  return stages.every((stage) => {
    const keys = Object.keys(stage);
    if (keys.length !== 1) return false;
    const name = keys[0];
    const arg: unknown = stage[name];
    if (READ_ONLY_STAGES.has(name)) return true;
    switch (name) {
      case '$addFields':
      case '$set':
      case '$project':
        return (
          isObject(arg) &&
          Object.entries(arg).every(([k, v]) => !k.includes('.') && (!isObject(v) || (Object.keys(v)[0] ?? '').startsWith('$')))
        );
      case '$unset': {
        const fields: unknown[] = typeof arg === 'string' ? [arg] : Array.isArray(arg) ? arg : [];
        return fields.length > 0 && fields.every((f) => typeof f === 'string' && !f.includes('.'));
      }
      case '$unwind': {
        const spec: unknown = typeof arg === 'string' ? { path: arg } : arg;
        return (
          isObject(spec) &&
          Object.keys(spec).length === 1 &&
          typeof spec.path === 'string' &&
          !spec.path.slice(1).includes('.')
        );
      }
      case '$lookup':
        return isObject(arg) && (arg.pipeline === undefined || (Array.isArray(arg.pipeline) && readOnlyPipeline(docs(arg.pipeline))));
      default:
        return false;
    }
  });
}

export class Engine {
  private readonly dbs = new Map<string, Map<string, Collection>>();
  private readonly cursors = new Map<string, Cursor>();
  /** the stored versions' bytes of every collection (arena.ts) */
  private readonly arena = new ByteArena();
  private nextCursorId = BigInt(1 + Math.floor(Math.random() * 2 ** 30));
  /** pipelines run by the compiled code (pipeline.ts) rather than mingo, for tests */
  compiledRuns = 0;
  /** pipelines answered as equality lookups from the lookup maps (equalityJoin.ts), for tests */
  equalityJoins = 0;
  /** commands run since the engine started (the bench's database probe reads it) */
  commandsRun = 0;

  private readonly commands: Record<string, (c: Cmd) => Document> = {
    hello: (c) => this.hello(c),
    isMaster: (c) => this.hello(c),
    ismaster: (c) => this.hello(c),
    ping: () => ({}),
    buildInfo: () => this.buildInfo(),
    buildinfo: () => this.buildInfo(),
    connectionStatus: () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] } }),
    create: (c) => this.create(c),
    drop: (c) => this.drop(c),
    dropDatabase: (c) => {
      for (const coll of this.dbs.get(c.db)?.values() ?? []) coll.dropped();
      this.dbs.delete(c.db);
      return { dropped: c.db };
    },
    listCollections: (c) => this.listCollections(c),
    listDatabases: (c) => this.listDatabases(c),
    createIndexes: (c) => this.createIndexes(c),
    listIndexes: (c) => {
      const coll = this.existing(c, `ns does not exist: ${c.db}.${String(c.body[c.name])}`);
      return this.cursorReply(coll.ns, coll.indexes.map((i) => i.spec), c.body.cursor?.batchSize, false);
    },
    dropIndexes: (c) => this.dropIndexes(c),
    insert: (c) => this.insert(c),
    update: (c) => this.update(c),
    delete: (c) => this.delete(c),
    find: (c) => this.find(c),
    getMore: (c) => this.getMore(c),
    killCursors: (c) => this.killCursors(c),
    aggregate: (c) => this.aggregate(c),
    count: (c) => ({ n: this.count(c, c.body.query, { skip: toInt(c.body.skip), limit: Math.abs(toInt(c.body.limit)) }) }),
    explain: (c) => this.explain(c),
    distinct: (c) => this.distinct(c),
    findAndModify: (c) => this.findAndModify(c),
    ...Object.fromEntries(NO_OP_COMMANDS.map((n) => [n, () => ({})])),
  };

  constructor(private readonly log: (msg: string) => void = () => {}) {}

  /** Runs one command; never throws: failures become `{ok: 0, code, codeName, errmsg}`. */
  run(body: Document, typed: Document, ctx: CommandContext): Document {
    this.commandsRun++;
    this.startEpoch();
    const name = Object.keys(body)[0] ?? '';
    const cmd: Cmd = { name, db: typeof body.$db === 'string' ? body.$db : 'admin', body, typed, ctx };
    try {
      if (TXN_FIELDS.some((f) => f in body) || name === 'commitTransaction' || name === 'abortTransaction') {
        // deliberate: behave like a real standalone server
        throw new CommandError(20, 'IllegalOperation', 'Transaction numbers are only allowed on a replica set member or mongos');
      }
      const handler = Object.prototype.hasOwnProperty.call(this.commands, name) ? this.commands[name] : undefined;
      if (!handler) {
        this.log(`unsupported command: ${name}`);
        throw new CommandError(59, 'CommandNotFound', `no such command: '${name}'`);
      }
      const target: unknown = body[name];
      // lazy TTL expiry before each command on a collection, between the periodic sweeps
      if (typeof target === 'string') this.dbs.get(cmd.db)?.get(target)?.sweepTtl(Date.now(), LAZY_SWEEP_MS);
      return { ...handler(cmd), ok: 1 };
    } catch (e) {
      if (e instanceof CommandError) return { ok: 0, errmsg: e.message, code: e.code, codeName: e.codeName, ...e.extra };
      const message = e instanceof Error ? e.message : String(e);
      this.log(`command ${name} failed: ${message}`);
      return { ok: 0, errmsg: message, code: 2, codeName: 'BadValue' };
    }
  }

  /**
   * A new command begins: the previous command's reply is encoded (server.ts), so the slots it and earlier commands
   * retired are free unless an open cursor may still send them (arena.ts).
   */
  private startEpoch(): void {
    const arena = this.arena;
    arena.epoch = this.commandsRun;
    if (!arena.pending) return;
    let bound = this.commandsRun;
    for (const cur of this.cursors.values()) if (cur.epoch < bound) bound = cur.epoch;
    arena.release(bound);
  }

  /** the arena's figures, for tests and the bench's database probe */
  arenaStats(): ArenaStats {
    return this.arena.stats();
  }

  /** Periodic housekeeping: TTL expiry and idle cursors. */
  sweep(now = Date.now()): void {
    for (const colls of this.dbs.values()) for (const coll of colls.values()) coll.sweepTtl(now);
    for (const [id, cur] of this.cursors) if (now - cur.touched > CURSOR_IDLE_MS) this.cursors.delete(id);
  }

  // ---- helpers -----------------------------------------------------------------------------------------------------

  private collections(db: string): Map<string, Collection> {
    let colls = this.dbs.get(db);
    if (!colls) {
      colls = new Map();
      this.dbs.set(db, colls);
    }
    return colls;
  }

  private collName(c: Cmd): string {
    const name: unknown = c.body[c.name];
    if (typeof name !== 'string' || name === '') {
      throw new CommandError(73, 'InvalidNamespace', `collection name has invalid type ${typeof name}`);
    }
    return name;
  }

  private coll(c: Cmd, create: true): Collection;
  private coll(c: Cmd, create?: boolean): Collection | undefined;
  private coll(c: Cmd, create = false): Collection | undefined {
    const name = this.collName(c);
    const colls = this.collections(c.db);
    let coll = colls.get(name);
    if (!coll && create) {
      coll = new Collection(c.db, name, {}, this.arena);
      colls.set(name, coll);
    }
    return coll;
  }

  private existing(c: Cmd, message: string): Collection {
    const coll = this.coll(c);
    if (!coll) throw new CommandError(26, 'NamespaceNotFound', message);
    return coll;
  }

  /** Matching documents; an absent collection matches nothing but the filter is still validated. */
  private query(c: Cmd, filter: unknown, opts: QueryOptions = {}): Slot[] {
    const f: Document = isObject(filter) ? filter : {};
    const coll = this.coll(c);
    if (coll) return coll.query(f, opts);
    compileQuery(f);
    return [];
  }

  private count(c: Cmd, filter: unknown, opts: { skip?: number; limit?: number }): number {
    const f: Document = isObject(filter) ? filter : {};
    const coll = this.coll(c);
    if (coll) return coll.count(f, opts);
    compileQuery(f);
    return 0;
  }

  private cursorReply(ns: string, all: readonly (Document | RawDocument)[], batchSize: unknown, single: boolean): Document {
    const size = batchSize === undefined || batchSize === null ? DEFAULT_BATCH : toInt(batchSize, DEFAULT_BATCH);
    const first = takeBatch(all, 0, size);
    let id = 0n;
    if (!single && first.length < all.length) {
      id = this.nextCursorId++;
      this.cursors.set(String(id), { ns, docs: all, pos: first.length, touched: Date.now(), epoch: this.commandsRun });
    }
    return { cursor: { firstBatch: first, id: Long.fromBigInt(id), ns } };
  }

  // ---- commands ----------------------------------------------------------------------------------------------------

  private hello(c: Cmd): Document {
    return {
      helloOk: true,
      ismaster: true,
      isWritablePrimary: true,
      maxBsonObjectSize: MAX_BSON,
      maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: c.ctx.connectionId,
      minWireVersion: 0,
      maxWireVersion: 21,
      readOnly: false,
    };
  }

  private buildInfo(): Document {
    return { version: '7.0.0', versionArray: [7, 0, 0, 0], gitVersion: 'mongo-wire-test-server', bits: 64, debug: false, maxBsonObjectSize: MAX_BSON };
  }

  private create(c: Cmd): Document {
    const name = this.collName(c);
    if (c.body.viewOn !== undefined) throw new CommandError(2, 'BadValue', 'views are not supported by the embedded wire server');
    const colls = this.collections(c.db);
    if (colls.has(name)) throw new CommandError(48, 'NamespaceExists', `Collection ${c.db}.${name} already exists.`);
    const options: Document = {};
    for (const k of COLLECTION_OPTIONS) if (c.body[k] !== undefined) options[k] = c.body[k];
    colls.set(name, new Collection(c.db, name, options, this.arena));
    return {};
  }

  private drop(c: Cmd): Document {
    const coll = this.existing(c, 'ns not found');
    this.collections(c.db).delete(coll.name);
    coll.dropped();
    return { nIndexesWas: coll.indexes.length, ns: coll.ns };
  }

  private listCollections(c: Cmd): Document {
    let infos: Document[] = [...this.collections(c.db).values()].map((coll) => ({
      name: coll.name,
      type: 'collection',
      options: coll.options,
      info: { readOnly: false },
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    }));
    if (isObject(c.body.filter)) {
      const q = compileQuery(c.body.filter);
      infos = infos.filter((i) => q.test(i));
    }
    if (c.body.nameOnly) infos = infos.map((i) => ({ name: i.name, type: i.type }));
    return this.cursorReply(`${c.db}.$cmd.listCollections`, infos, c.body.cursor?.batchSize, false);
  }

  private listDatabases(c: Cmd): Document {
    let databases: Document[] = [...this.dbs]
      .filter(([, colls]) => colls.size > 0)
      .map(([name, colls]) => {
        let sizeOnDisk = 0;
        for (const coll of colls.values()) for (const s of coll.slots) sizeOnDisk += s.v.raw.length;
        return { name, sizeOnDisk, empty: false };
      });
    if (isObject(c.body.filter)) {
      const q = compileQuery(c.body.filter);
      databases = databases.filter((d) => q.test(d));
    }
    const totalSize = databases.reduce((sum, d) => sum + (d.sizeOnDisk as number), 0);
    if (c.body.nameOnly) databases = databases.map((d) => ({ name: d.name }));
    return { databases, totalSize, totalSizeMb: Math.floor(totalSize / 1048576) };
  }

  private createIndexes(c: Cmd): Document {
    const existed = this.coll(c) !== undefined;
    const coll = this.coll(c, true);
    const specs = docs(c.body.indexes);
    if (specs.length === 0) throw new CommandError(2, 'BadValue', 'Must specify at least one index');
    const before = coll.indexes.length;
    let created = 0;
    for (const spec of specs) if (coll.createIndex(spec)) created++;
    const reply: Document = { createdCollectionAutomatically: !existed, numIndexesBefore: before, numIndexesAfter: coll.indexes.length };
    if (created === 0) reply.note = 'all indexes already exist';
    return reply;
  }

  private dropIndexes(c: Cmd): Document {
    const coll = this.existing(c, `ns not found ${c.db}.${String(c.body[c.name])}`);
    const before = coll.indexes.length;
    const index: unknown = c.body.index;
    if (index === '*') {
      for (const idx of coll.indexes.slice(1)) coll.dropIndex(idx.name);
    } else if (typeof index === 'string') {
      coll.dropIndex(index);
    } else if (Array.isArray(index)) {
      for (const name of index) coll.dropIndex(String(name));
    } else if (isObject(index)) {
      const name = coll.indexNameByKey(index);
      if (!name) throw new CommandError(27, 'IndexNotFound', `can't find index with key: ${keyString(index)}`);
      coll.dropIndex(name);
    } else {
      throw new CommandError(2, 'BadValue', 'dropIndexes: index must be a name, a key pattern or "*"');
    }
    return { nIndexesWas: before };
  }

  private insert(c: Cmd): Document {
    const coll = this.coll(c, true);
    const ordered = c.body.ordered !== false;
    const errors: Document[] = [];
    let n = 0;
    docs(c.typed.documents).forEach((doc, i) => {
      if (ordered && errors.length > 0) return;
      try {
        coll.insert(doc);
        n++;
      } catch (e) {
        errors.push(writeError(i, e));
      }
    });
    return withWriteErrors({ n }, errors);
  }

  private update(c: Cmd): Document {
    const ordered = c.body.ordered !== false;
    const typedStatements = docs(c.typed.updates);
    const errors: Document[] = [];
    const upserted: Document[] = [];
    let n = 0;
    let nModified = 0;
    for (const [i, st] of docs(c.body.updates).entries()) {
      try {
        const stTyped = typedStatements[i];
        const spec: UpdateSpec = { q: st.q ?? {}, qTyped: stTyped.q ?? {}, u: st.u, uTyped: stTyped.u, arrayFilters: st.arrayFilters };
        const multi = st.multi === true;
        if (updateKind(spec) === 'replace' && multi) {
          throw new CommandError(9, 'FailedToParse', 'multi update is not supported for replacement-style update');
        }
        const matched = this.query(c, spec.q, { sort: st.sort, limit: multi ? 0 : 1 });
        for (const slot of matched) {
          if (this.coll(c, true).replace(slot, updatedDocument(spec, slot.v), touchedFields(spec))) nModified++;
          n++;
        }
        if (matched.length === 0 && st.upsert === true) {
          const slot = this.coll(c, true).insert(upsertDocument(spec));
          upserted.push({ index: i, _id: slot.v.typed()._id });
          n++;
        }
      } catch (e) {
        errors.push(writeError(i, e));
        if (ordered) break;
      }
    }
    const reply: Document = { n, nModified };
    if (upserted.length > 0) reply.upserted = upserted;
    return withWriteErrors(reply, errors);
  }

  private delete(c: Cmd): Document {
    const ordered = c.body.ordered !== false;
    const errors: Document[] = [];
    let n = 0;
    for (const [i, st] of docs(c.body.deletes).entries()) {
      try {
        const matched = this.query(c, st.q, { limit: toInt(st.limit) === 1 ? 1 : 0 });
        for (const slot of matched) this.coll(c, true).remove(slot);
        n += matched.length;
      } catch (e) {
        errors.push(writeError(i, e));
        if (ordered) break;
      }
    }
    return withWriteErrors({ n }, errors);
  }

  private find(c: Cmd): Document {
    const limit = toInt(c.body.limit);
    const opts = { sort: c.body.sort, skip: toInt(c.body.skip), limit: Math.abs(limit) };
    const slots = this.query(c, c.body.filter, opts);
    // without a projection the documents are the stored ones, sent as their bytes
    const found = slots.map((s) => projectRaw(s.v, c.body.projection));
    return this.cursorReply(`${c.db}.${this.collName(c)}`, found, c.body.batchSize, c.body.singleBatch === true || limit < 0);
  }

  private getMore(c: Cmd): Document {
    const key = cursorKey(c.body.getMore);
    const cur = this.cursors.get(key);
    if (!cur) throw new CommandError(43, 'CursorNotFound', `cursor id ${key} not found`);
    const size = c.body.batchSize === undefined ? Infinity : toInt(c.body.batchSize) || Infinity;
    const batch = takeBatch(cur.docs, cur.pos, size);
    cur.pos += batch.length;
    cur.touched = Date.now();
    let id = Long.fromString(key);
    if (cur.pos >= cur.docs.length) {
      this.cursors.delete(key);
      id = Long.fromBigInt(0n);
    }
    return { cursor: { nextBatch: batch, id, ns: cur.ns } };
  }

  private killCursors(c: Cmd): Document {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const raw of Array.isArray(c.body.cursors) ? (c.body.cursors as unknown[]) : []) {
      const key = cursorKey(raw);
      (this.cursors.delete(key) ? killed : notFound).push(Long.fromString(key));
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [] };
  }

  private aggregate(c: Cmd): Document {
    if (typeof c.body.aggregate !== 'string') {
      throw new CommandError(2, 'BadValue', 'database-level aggregation is not supported by the embedded wire server');
    }
    const out = this.runPipeline(c, docs(c.body.pipeline));
    return this.cursorReply(`${c.db}.${this.collName(c)}`, out, c.body.cursor?.batchSize, false);
  }

  /**
   * Runs a pipeline on the collection. A leading $match is answered like a find (lookup maps, then mingo), and the
   * countDocuments shape ($match, $skip, $limit, $group {_id: constant, n: {$sum: 1}}) like a count, without
   * reading documents where the lookup covers the filter. The rest runs in mingo on the stored (frozen) plain views
   * when every stage leaves its input alone, else on fresh copies of only the matched documents.
   */
  private runPipeline(c: Cmd, pipeline: Document[]): Document[] {
    for (const stage of pipeline) {
      const name = Object.keys(stage)[0];
      if (name === '$out' || name === '$merge') {
        throw new CommandError(2, 'BadValue', `${name} is not supported by the embedded wire server`);
      }
    }
    const coll = this.coll(c);
    const leading = pipeline.length > 0 && isObject(pipeline[0].$match) && Object.keys(pipeline[0]).length === 1 ? (pipeline[0].$match as Document) : undefined;
    const rest = leading ? pipeline.slice(1) : pipeline;

    const counting = countShape(rest);
    if (counting) {
      const n = this.count(c, leading ?? {}, { skip: counting.skip, limit: counting.limit });
      return n > 0 ? [{ _id: counting.id, [counting.field]: n }] : [];
    }

    const slots: Slot[] = leading ? this.query(c, leading) : [...(coll?.slots ?? [])];
    let out: Document[] | undefined;
    // equality $lookup stages alone: answered from the foreign lookup maps, mingo's result (equalityJoin.ts)
    const joined = equalityJoin(rest, () => (coll ? coll.plainViews(slots) : []), (name) => this.collections(c.db).get(name));
    // compiled (pipeline.ts) where every stage and expression is one it compiles; mingo otherwise, or when the
    // compiled code meets a value it does not handle exactly
    if (joined) this.equalityJoins++;
    const compiled = joined ? undefined : compilePipeline(rest);
    if (compiled) {
      try {
        out = compiled(coll ? coll.plainViews(slots) : []);
        this.compiledRuns++;
      } catch (e) {
        if (!(e instanceof Unsupported)) throw e;
        this.log(`aggregate: ${e.message}; the pipeline runs in mingo`);
      }
    }
    const fromCompiled = out !== undefined;
    out ??= joined ?? this.runInMingo(c, coll, slots, rest);
    // documents that still carry a stored _id get that document's number types back (retype builds fresh objects);
    // without one, retype would only copy a compiled pipeline's output (which holds no undefined): sent as it is
    return out.map((d) => {
      const shadow = d._id !== undefined && !isObject(d._id) ? coll?.byId(d._id)?.v.typed() : undefined;
      if (shadow === undefined && fromCompiled) return idFirst(d);
      return idFirst(retype(d, shadow) as Document);
    });
  }

  /** The pipeline in mingo: on the stored plain views when no stage changes its input, else on fresh copies. */
  private runInMingo(c: Cmd, coll: Collection | undefined, slots: Slot[], rest: Document[]): Document[] {
    const colls = this.collections(c.db);
    const readOnly = readOnlyPipeline(rest);
    const input = coll ? (readOnly ? coll.plainViews(slots) : coll.plainCopies(slots)) : [];
    const { Aggregator, ProcessingMode } = mingoIndex();
    const aggregator = new Aggregator(rest, {
      processingMode: ProcessingMode.CLONE_OFF,
      collectionResolver: (name: string) => {
        const other = colls.get(name);
        if (!other) return [];
        return readOnly ? other.plainViews() : other.plainCopies();
      },
    });
    return aggregator.run(input) as Document[];
  }

  private distinct(c: Cmd): Document {
    const key: unknown = c.body.key;
    if (typeof key !== 'string') throw new CommandError(14, 'TypeMismatch', "'key' must be a string");
    const seen = new Map<string, unknown>();
    for (const slot of this.query(c, c.body.query)) {
      for (const v of pathValues(slot.v.typed(), key)) {
        if (v === MISSING || (Array.isArray(v) && v.length === 0)) continue;
        seen.set(keyString(v), v);
      }
    }
    return { values: [...seen.values()] };
  }

  /**
   * `explain` of find, count, aggregate, distinct, update, delete and findAndModify, in MongoDB's shape (queryPlanner,
   * executionStats with totalDocsExamined / totalKeysExamined). Writes are planned, not executed, as in MongoDB. The
   * plan names the index whose lookup map answered the filter: IXSCAN (or COUNT_SCAN when no document was read),
   * else COLLSCAN.
   */
  private explain(c: Cmd): Document {
    const inner: unknown = c.body.explain;
    const innerTyped: unknown = c.typed.explain;
    if (!isObject(inner) || !isObject(innerTyped)) throw new CommandError(9, 'FailedToParse', 'explain command requires a nested object');
    const name = Object.keys(inner)[0] ?? '';
    const cmd: Cmd = { name, db: c.db, body: { ...inner, $db: c.db }, typed: innerTyped, ctx: c.ctx };
    const coll = this.coll(cmd);
    const before = coll ? { ...coll.stats } : undefined;
    const started = Date.now();
    let filter: Document = {};
    let nReturned: number;
    const first = (list: unknown) => docs(list)[0] ?? {};
    switch (name) {
      case 'find':
        filter = isObject(inner.filter) ? inner.filter : {};
        nReturned = this.query(cmd, filter, { sort: inner.sort, skip: toInt(inner.skip), limit: Math.abs(toInt(inner.limit)) }).length;
        break;
      case 'count':
        filter = isObject(inner.query) ? inner.query : {};
        nReturned = this.count(cmd, filter, { skip: toInt(inner.skip), limit: Math.abs(toInt(inner.limit)) });
        break;
      case 'aggregate': {
        const pipeline = docs(inner.pipeline);
        filter = isObject(pipeline[0]?.$match) ? (pipeline[0].$match as Document) : {};
        nReturned = this.runPipeline(cmd, pipeline).length;
        break;
      }
      case 'distinct':
        filter = isObject(inner.query) ? inner.query : {};
        nReturned = this.query(cmd, filter).length;
        break;
      case 'update':
      case 'delete': {
        const st = first(name === 'update' ? inner.updates : inner.deletes);
        filter = isObject(st.q) ? st.q : {};
        const many = name === 'update' ? st.multi === true : toInt(st.limit) !== 1;
        nReturned = this.query(cmd, filter, { sort: st.sort, limit: many ? 0 : 1 }).length;
        break;
      }
      case 'findAndModify':
        filter = isObject(inner.query) ? inner.query : {};
        nReturned = this.query(cmd, filter, { sort: inner.sort, limit: 1 }).length;
        break;
      default:
        throw new CommandError(2, 'BadValue', `explain of '${name}' is not supported by the embedded wire server`);
    }
    const after = coll?.stats;
    const totalDocsExamined = after && before ? after.examined - before.examined : 0;
    const totalKeysExamined = after && before ? after.keysExamined - before.keysExamined : 0;
    const p = coll?.planFor(filter);
    let winningPlan: Document;
    if (!coll) winningPlan = { stage: 'EOF' };
    else if (p && totalDocsExamined === 0) winningPlan = { stage: 'COUNT_SCAN', indexName: p.indexName, keyPattern: p.keyPattern };
    else if (p) winningPlan = { stage: 'FETCH', inputStage: { stage: 'IXSCAN', indexName: p.indexName, keyPattern: p.keyPattern } };
    else if (Object.keys(filter).length === 0 && (name === 'count' || totalDocsExamined === 0)) winningPlan = { stage: 'RECORD_STORE_FAST_COUNT' };
    else winningPlan = { stage: 'COLLSCAN', direction: 'forward' };
    return {
      queryPlanner: { namespace: `${c.db}.${String(inner[name])}`, parsedQuery: filter, winningPlan, rejectedPlans: [] },
      executionStats: { executionSuccess: true, nReturned, executionTimeMillis: Date.now() - started, totalKeysExamined, totalDocsExamined },
      command: inner,
      serverInfo: { host: 'embedded', port: 0, version: '7.0.0', gitVersion: 'embedded-wire-server' },
    };
  }

  private findAndModify(c: Cmd): Document {
    const { body, typed } = c;
    let spec: UpdateSpec | undefined;
    if (body.remove !== true) {
      if (body.update === undefined) throw new CommandError(9, 'FailedToParse', 'Either an update or remove=true must be specified');
      spec = { q: body.query ?? {}, qTyped: typed.query ?? {}, u: body.update, uTyped: typed.update, arrayFilters: body.arrayFilters };
      updateKind(spec); // validate even when nothing matches
    }
    const found: Slot | undefined = this.query(c, body.query, { sort: body.sort, limit: 1 })[0];
    if (!spec) {
      if (found) this.coll(c, true).remove(found);
      return { lastErrorObject: { n: found ? 1 : 0 }, value: found ? projectRaw(found.v, body.fields) : null };
    }
    if (found) {
      const before = found.v;
      this.coll(c, true).replace(found, updatedDocument(spec, before), touchedFields(spec));
      return { lastErrorObject: { n: 1, updatedExisting: true }, value: projectRaw(body.new === true ? found.v : before, body.fields) };
    }
    if (body.upsert !== true) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
    const slot = this.coll(c, true).insert(upsertDocument(spec));
    return {
      lastErrorObject: { n: 1, updatedExisting: false, upserted: slot.v.typed()._id },
      value: body.new === true ? projectRaw(slot.v, body.fields) : null,
    };
  }
}
