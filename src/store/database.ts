import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import type { Logger } from '../logger';
import { findMongod, MongodError, pingable, processAlive, startMongod } from './embedded/mongod';
import { CONNECTION_MAX_TIME_MS, timeoutOptions } from './timeouts';

export type DatabaseKind = 'external' | 'mongod' | 'wire-server';

export interface Database {
  uri: string;
  kind: DatabaseKind;
  connection: mongoose.Connection;
  /** true when the database answers a ping */
  healthy(): Promise<boolean>;
  close(): Promise<void>;
}

/** The file through which the CLI finds the embedded database of a running service (docs/interfaces.md). */
export const EMBEDDED_URI_FILE = 'embedded-db.json';

interface EmbeddedInfo {
  uri: string;
  kind: DatabaseKind;
  /** the service that published the file */
  pid: number;
  /** the mongod it started, when kind is 'mongod' (adopted after a crash of the service) */
  mongodPid?: number;
}

const DEFAULT_DB = 'spotcheck';

/**
 * The CLI found no database it could write durably: no MONGODB_URI, no running service of this checkout and no
 * mongod to start. Its message is the one line the operator reads.
 */
export class DatabaseUnavailableError extends Error {
  constructor() {
    super(
      '找不到可用的数据库：未设置 MONGODB_URI，本机没有正在运行的服务，也没有安装 mongod，本命令未执行、未写入任何数据。' +
        '请先在另一个终端运行 npm start 启动服务后重试，或设置 MONGODB_URI 指向数据库。',
    );
    this.name = 'DatabaseUnavailableError';
  }
}

function hasDatabaseName(uri: string): boolean {
  const m = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]*)/.exec(uri);
  return m !== null && m[1] !== '';
}

function setsWriteConcern(uri: string): boolean {
  const q = uri.indexOf('?');
  return q >= 0 && /(?:^|&)w=/.test(uri.slice(q + 1));
}

/** How long start-up keeps trying to reach the database before giving up (a container may start before it). */
const STARTUP_CONNECT_MS = 30_000;

/**
 * Connects with the project's time limits (see ./timeouts). The first connection is retried for a while: at
 * start-up the database may still be coming up.
 */
export async function connect(uri: string, kind: DatabaseKind, stop?: () => Promise<void>): Promise<Database> {
  const timeouts = timeoutOptions();
  if (setsWriteConcern(uri)) delete timeouts.w; // the operator's own write concern wins; the wtimeout is kept
  const deadline = Date.now() + STARTUP_CONNECT_MS;
  let connection: mongoose.Connection;
  for (;;) {
    connection = mongoose.createConnection(uri, {
      dbName: hasDatabaseName(uri) ? undefined : DEFAULT_DB,
      ...timeouts,
      // Indexes are built once, at start-up, and a failure stops the service (./indexes.ts): never in the background.
      autoIndex: false,
    });
    try {
      await connection.asPromise();
      break;
    } catch (err) {
      await connection.close().catch(() => undefined);
      if (Date.now() > deadline) {
        if (stop) await stop();
        throw err;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  connection.set('maxTimeMS', CONNECTION_MAX_TIME_MS);
  return {
    uri,
    kind,
    connection,
    async healthy() {
      try {
        const db = connection.db;
        if (!db || connection.readyState !== 1) return false;
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('ping timed out')), CONNECTION_MAX_TIME_MS);
        });
        try {
          await Promise.race([db.admin().command({ ping: 1 }), late]);
        } finally {
          clearTimeout(timer);
        }
        return true;
      } catch {
        return false;
      }
    },
    async close() {
      await connection.close();
      if (stop) await stop();
    },
  };
}

/** The embedded-database file of this checkout, whoever wrote it (undefined when absent or damaged). */
function readInfoFile(dataDir: string): EmbeddedInfo | undefined {
  const file = path.resolve(dataDir, EMBEDDED_URI_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedInfo;
    if (typeof info.uri === 'string' && typeof info.pid === 'number') return info;
  } catch {
    /* a damaged file is treated as absent */
  }
  return undefined;
}

/**
 * How long the recorded database may take to answer a ping before the file is judged stale. A live service's
 * database answers in milliseconds; a dead port is refused at once but the driver keeps retrying until this ends.
 */
export const EMBEDDED_PING_MS = 3000;

/**
 * The embedded database of a running service of this checkout, if any. The file outlives a SIGKILL or a power
 * loss, and after a reboot its pid often belongs to another process: a live pid alone proves nothing, so the
 * recorded URI must also answer a ping. `stale` says why a file that is present was not trusted.
 */
export async function readEmbeddedInfo(
  dataDir: string,
  pingMs = EMBEDDED_PING_MS,
): Promise<{ running?: EmbeddedInfo; stale?: { info: EmbeddedInfo; reason: string; answered?: false } }> {
  const info = readInfoFile(dataDir);
  if (!info) return {};
  if (!processAlive(info.pid)) return { stale: { info, reason: `process ${info.pid} is not running` } };
  if (!(await pingable(info.uri, pingMs))) {
    const reason = `process ${info.pid} is running but ${redactUri(info.uri)} does not answer within ${pingMs} ms`;
    return { stale: { info, reason, answered: false } };
  }
  return { running: info };
}

/** The URI without credentials, for logs. */
function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/** The in-memory fallback: the one place the wire server is started for production code. */
async function startFallbackServer(): Promise<{ uri: string; stop: () => Promise<void> }> {
  const { startWireServer } = await import('./embedded');
  const srv = await startWireServer({ worker: true });
  return { uri: `${srv.uri.replace(/\/$/, '')}/${DEFAULT_DB}`, stop: () => srv.close() };
}

function fallbackBanner(): string {
  const banner = '!'.repeat(78);
  return (
    `${banner}\n警告：未设置 MONGODB_URI，本机也没有 mongod。\n` +
    `已启动内存中的 MongoDB 兼容服务器（仅供试用）：服务重启后所有数据都会丢失！\n` +
    `正式使用请设置 MONGODB_URI（例如 mongodb://127.0.0.1:27017/spotcheck），或安装 MongoDB（mongod 在 PATH 中即可，数据保存在 ./data/db）。\n` +
    `${banner}\n`
  );
}

/**
 * Opens the database the service (role 'service') or the CLI (role 'cli') uses (docs/interfaces.md "Embedded
 * database"):
 * 1. MONGODB_URI when set;
 * 2. otherwise the embedded database of a running service of this checkout, found through ./data;
 * 3. otherwise a local mongod found on PATH, started with its data and log under ./data (kept across runs);
 * 4. otherwise — the service only — the in-memory wire-compatible server, announced loudly since nothing survives
 *    a restart. The CLI refuses instead (DatabaseUnavailableError): it never writes into a database that ends with
 *    the command.
 * The service publishes the URI of the database it started (2 finds it); the CLI never does.
 */
export async function openDatabase(opts: {
  mongodbUri: string | undefined;
  dataDir: string;
  log: Logger;
  role: 'service' | 'cli';
  /** PATH to look for mongod on (default: this process's) */
  searchPath?: string;
  /** where the loud notices go (default: stderr) */
  warn?: (text: string) => void;
}): Promise<Database> {
  const { mongodbUri, dataDir, log, role } = opts;
  const warn = opts.warn ?? ((text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`));
  if (mongodbUri) return connect(mongodbUri, 'external');

  const { running, stale } = await readEmbeddedInfo(dataDir);
  if (running) {
    log.info({ kind: running.kind }, 'using the embedded database of the running service');
    return connect(running.uri, running.kind);
  }
  // A file left by a service that died (SIGKILL, power loss). The service removes it and goes on — unless the
  // service is gone but the file records its mongod, which step 3 may take over (the file is rewritten on
  // success either way); the CLI only reads it.
  if (stale && role === 'service' && !(stale.info.kind === 'mongod' && !stale.answered)) {
    log.warn({ file: path.resolve(dataDir, EMBEDDED_URI_FILE), reason: stale.reason }, 'removing a stale embedded-database file');
    rmSync(path.resolve(dataDir, EMBEDDED_URI_FILE), { force: true });
  }

  let started: { uri: string; kind: DatabaseKind; mongodPid?: number; stop: () => Promise<void> };
  const mongod = findMongod(opts.searchPath ?? process.env.PATH);
  if (mongod) {
    // A service of this checkout that died (SIGKILL) may have left its mongod running: take that one over.
    const left = readInfoFile(dataDir);
    const previous = left?.kind === 'mongod' && left.mongodPid ? { uri: left.uri.replace(/\/[^/]*$/, ''), pid: left.mongodPid } : undefined;
    let m;
    try {
      m = await startMongod({
        binary: mongod,
        dataDir,
        previous,
        notice: (text) => {
          log.warn({ notice: text }, 'embedded mongod');
          warn(text);
        },
      });
    } catch (err) {
      if (err instanceof MongodError) log.error({ err: err.message }, 'embedded mongod did not start');
      throw err;
    }
    log.info({ uri: m.uri, pid: m.pid, adopted: m.adopted, dataDir: path.resolve(dataDir) }, 'embedded mongod ready');
    started = { uri: `${m.uri}/${DEFAULT_DB}`, kind: 'mongod', mongodPid: m.pid, stop: m.stop };
  } else if (role === 'cli') {
    throw new DatabaseUnavailableError();
  } else {
    started = { ...(await startFallbackServer()), kind: 'wire-server' };
    warn(fallbackBanner());
  }

  const publish = role === 'service';
  const file = path.resolve(dataDir, EMBEDDED_URI_FILE);
  const stop = async () => {
    if (publish) rmSync(file, { force: true });
    await started.stop();
  };
  const db = await connect(started.uri, started.kind, stop);
  if (publish) {
    mkdirSync(path.resolve(dataDir), { recursive: true });
    const info: EmbeddedInfo = { uri: started.uri, kind: started.kind, pid: process.pid };
    if (started.mongodPid) info.mongodPid = started.mongodPid;
    writeFileSync(file, JSON.stringify(info), { mode: 0o600 });
  }
  return db;
}
