import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import mongoose from 'mongoose';
import type { Logger } from '../logger';

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
  pid: number;
}

const DEFAULT_DB = 'spotcheck';

function hasDatabaseName(uri: string): boolean {
  const m = /^mongodb(?:\+srv)?:\/\/[^/]+\/([^?]*)/.exec(uri);
  return m !== null && m[1] !== '';
}

export async function connect(uri: string, kind: DatabaseKind, stop?: () => Promise<void>): Promise<Database> {
  const connection = mongoose.createConnection(uri, {
    dbName: hasDatabaseName(uri) ? undefined : DEFAULT_DB,
    serverSelectionTimeoutMS: 10_000,
    autoIndex: true,
  });
  await connection.asPromise();
  return {
    uri,
    kind,
    connection,
    async healthy() {
      try {
        const db = connection.db;
        if (!db || connection.readyState !== 1) return false;
        await db.admin().command({ ping: 1 }, { timeoutMS: 2000 });
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function mongodAvailable(): boolean {
  const r = spawnSync('mongod', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

async function startMongod(dataDir: string, log: Logger): Promise<{ uri: string; stop: () => Promise<void> }> {
  const dbPath = path.resolve(dataDir, 'db');
  mkdirSync(dbPath, { recursive: true });
  const port = await freePort();
  const child: ChildProcess = spawn('mongod', ['--dbpath', dbPath, '--port', String(port), '--bind_ip', '127.0.0.1'], {
    stdio: 'ignore',
  });
  const uri = `mongodb://127.0.0.1:${port}/${DEFAULT_DB}`;
  log.info({ port, dbPath }, 'started embedded mongod');
  return {
    uri,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The embedded database of a running service of this checkout, if any. */
export function readEmbeddedInfo(dataDir: string): EmbeddedInfo | undefined {
  const file = path.resolve(dataDir, EMBEDDED_URI_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const info = JSON.parse(readFileSync(file, 'utf8')) as EmbeddedInfo;
    if (typeof info.uri === 'string' && typeof info.pid === 'number' && processAlive(info.pid)) return info;
  } catch {
    /* a damaged file is treated as absent */
  }
  return undefined;
}

/**
 * Opens the database the service (or the CLI) should use: MONGODB_URI when set; otherwise the embedded database
 * of this checkout — a running service's (found through ./data), else a real mongod when one is installed, else
 * the in-memory wire-compatible server, announced loudly since nothing survives a restart.
 */
export async function openDatabase(opts: {
  mongodbUri: string | undefined;
  dataDir: string;
  log: Logger;
  /** the service publishes its embedded URI for the CLI; the CLI does not */
  publish: boolean;
}): Promise<Database> {
  const { mongodbUri, dataDir, log } = opts;
  if (mongodbUri) return connect(mongodbUri, 'external');

  const running = readEmbeddedInfo(dataDir);
  if (running) {
    log.info({ kind: running.kind }, 'using the embedded database of the running service');
    return connect(running.uri, running.kind);
  }

  let started: { uri: string; kind: DatabaseKind; stop: () => Promise<void> };
  if (mongodAvailable()) {
    const m = await startMongod(dataDir, log);
    started = { ...m, kind: 'mongod' };
  } else {
    // Test support doubles as the offline fallback (docs/interfaces.md "Embedded database").
    const { startWireServer } = await import('./embedded');
    const srv = await startWireServer();
    started = { uri: `${srv.uri.replace(/\/$/, '')}/${DEFAULT_DB}`, kind: 'wire-server', stop: () => srv.close() };
    const banner = '!'.repeat(78);
    process.stderr.write(
      `${banner}\n警告：未设置 MONGODB_URI，本机也没有 mongod。\n` +
        `已启动内存中的 MongoDB 兼容服务器（仅供试用）：服务重启后所有数据都会丢失！\n` +
        `正式使用请设置 MONGODB_URI（例如 mongodb://127.0.0.1:27017/spotcheck）。\n${banner}\n`,
    );
  }

  const file = path.resolve(dataDir, EMBEDDED_URI_FILE);
  const stop = async () => {
    if (opts.publish) rmSync(file, { force: true });
    await started.stop();
  };
  const db = await connect(started.uri, started.kind, stop);
  if (opts.publish) {
    mkdirSync(path.resolve(dataDir), { recursive: true });
    const info: EmbeddedInfo = { uri: started.uri, kind: started.kind, pid: process.pid };
    writeFileSync(file, JSON.stringify(info), { mode: 0o600 });
  }
  return db;
}
