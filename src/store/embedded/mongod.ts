/**
 * A local mongod started by the service (or the CLI) when no MONGODB_URI is set and one is installed
 * (docs/interfaces.md "Embedded database"). Its files live under the data directory:
 *
 *   <dataDir>/db/          the database (kept across runs)
 *   <dataDir>/mongod.log   its log (appended)
 *
 * mongod writes its pid into `<dbpath>/mongod.lock` while it runs and empties the file on a clean shutdown, so a
 * non-empty lock names the last process that used the directory:
 * - that process is alive and is the mongod this checkout left running (the service was killed, its mongod was
 *   not): it is adopted;
 * - that process is alive and is something else: the directory is in use, and we refuse with an explanation;
 * - that process is dead: the last run was killed (or the machine lost power). mongod recovers its journal by
 *   itself; we say so, start it, and, if it still fails, quote its log.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, openSync, readFileSync, closeSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import mongoose from 'mongoose';

export const MONGOD_DB_SUBDIR = 'db';
export const MONGOD_LOG_FILE = 'mongod.log';
const LOCK_FILE = 'mongod.lock';

/** Something the operator must fix before mongod can run: the message is Chinese and says what to do. */
export class MongodError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MongodError';
  }
}

/** The absolute path of an executable `mongod` on `pathVar` (a PATH string), or undefined. */
export function findMongod(pathVar: string | undefined): string | undefined {
  for (const dir of (pathVar ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'mongod');
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export type LockState = { kind: 'free' } | { kind: 'held'; pid: number } | { kind: 'stale'; pid: number };

/** Reads `<dbPath>/mongod.lock`: empty or absent = free; a live pid = held; a dead pid = stale (a killed run). */
export function readLock(dbPath: string, alive: (pid: number) => boolean = processAlive): LockState {
  const file = path.join(dbPath, LOCK_FILE);
  if (!existsSync(file)) return { kind: 'free' };
  const text = readFileSync(file, 'utf8').trim();
  if (text === '') return { kind: 'free' };
  const pid = Number(text);
  if (!Number.isInteger(pid) || pid <= 0) return { kind: 'stale', pid: 0 };
  return alive(pid) ? { kind: 'held', pid } : { kind: 'stale', pid };
}

/** What the operator reads about a stale lock (also logged). */
export function staleLockMessage(dbPath: string, pid: number): string {
  const who = pid > 0 ? `进程 ${pid}` : '未知进程';
  return (
    `检测到上次运行的 mongod（${who}）没有正常退出（可能被强制结束或断电），数据目录 ${dbPath} 留有锁文件 ${LOCK_FILE}。` +
    `mongod 会根据日志自动恢复数据，现在照常启动；如启动失败，请查看 ${MONGOD_LOG_FILE}。`
  );
}

export function heldLockMessage(dbPath: string, pid: number): string {
  return (
    `数据目录 ${dbPath} 正被另一个 mongod 进程（进程 ${pid}）使用，无法再启动一个。` +
    `请先结束该进程（kill ${pid}），或设置 MONGODB_URI 连接那个数据库。`
  );
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

/** true when a MongoDB server answers `ping` at `uri` within `timeoutMs`. */
export async function pingable(uri: string, timeoutMs: number): Promise<boolean> {
  const conn = mongoose.createConnection(uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    directConnection: true,
    autoIndex: false,
    autoCreate: false,
  });
  try {
    await conn.asPromise();
    await conn.db!.admin().command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await conn.close().catch(() => undefined);
  }
}

function logTail(logFile: string, lines = 8): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

export interface StartedMongod {
  /** mongodb://127.0.0.1:<port> (no database name) */
  uri: string;
  pid: number;
  /** true when a mongod left running by an earlier run of this checkout was taken over instead of started */
  adopted: boolean;
  stop(): Promise<void>;
}

export interface MongodOptions {
  /** the mongod executable */
  binary: string;
  dataDir: string;
  /** a mongod this checkout started earlier (from the embedded-database file), to adopt if it is still there */
  previous?: { uri: string; pid: number };
  /** how long to wait for the first successful ping */
  readyTimeoutMs?: number;
  /** stale-lock and adoption notices (Chinese) */
  notice?: (message: string) => void;
  /** mongod's environment (default: this process's) */
  env?: NodeJS.ProcessEnv;
}

/** Stops a process by pid (an adopted mongod is not our child): SIGTERM, then wait until it is gone. */
async function stopPid(pid: number, timeoutMs: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + timeoutMs;
  while (processAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
}

/**
 * Starts mongod on a free local port with its data under `<dataDir>/db` and its log in `<dataDir>/mongod.log`,
 * and resolves once it answers a ping. Throws a MongodError (Chinese) when the directory is in use or mongod does
 * not come up.
 */
export async function startMongod(opts: MongodOptions): Promise<StartedMongod> {
  const notice = opts.notice ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  const dbPath = path.join(dataDir, MONGOD_DB_SUBDIR);
  const logFile = path.join(dataDir, MONGOD_LOG_FILE);
  mkdirSync(dbPath, { recursive: true });

  const lock = readLock(dbPath);
  if (lock.kind === 'held') {
    if (opts.previous && opts.previous.pid === lock.pid && (await pingable(opts.previous.uri, 2000))) {
      notice(`上次运行留下的 mongod（进程 ${lock.pid}）仍在运行，直接接管使用。`);
      const pid = lock.pid;
      return { uri: opts.previous.uri, pid, adopted: true, stop: () => stopPid(pid, 15_000) };
    }
    throw new MongodError(heldLockMessage(dbPath, lock.pid));
  }
  if (lock.kind === 'stale') notice(staleLockMessage(dbPath, lock.pid));

  const port = await freePort();
  const uri = `mongodb://127.0.0.1:${port}`;
  closeSync(openSync(logFile, 'a')); // the log exists even when mongod dies before writing it
  const child: ChildProcess = spawn(
    opts.binary,
    ['--dbpath', dbPath, '--port', String(port), '--bind_ip', '127.0.0.1', '--logpath', logFile, '--logappend'],
    { stdio: 'ignore', env: opts.env ?? process.env },
  );
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  child.once('exit', (code, signal) => (exited = { code, signal }));
  child.once('error', (err) => (spawnError = err));

  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (spawnError) throw new MongodError(`无法运行 ${opts.binary}：${spawnError.message}`);
    if (exited) {
      const tail = logTail(logFile);
      throw new MongodError(
        `mongod 启动失败（退出码 ${exited.code ?? exited.signal}）。日志 ${logFile} 的最后几行：\n${tail}\n` +
          '请按日志排除问题，或设置 MONGODB_URI 使用其他数据库。',
      );
    }
    if (await pingable(uri, 500)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new MongodError(`mongod 在 ${Math.round(readyTimeoutMs / 1000)} 秒内没有就绪，已停止它。请查看日志 ${logFile}。`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }

  const pid = child.pid!;
  return {
    uri,
    pid,
    adopted: false,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
