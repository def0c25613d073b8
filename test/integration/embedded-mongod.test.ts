/**
 * The embedded-mongod path (src/store/embedded/mongod.ts, src/store/database.ts) with a stand-in mongod on PATH
 * (test/support/fake-mongod): readiness wait, log under the data directory, clean stop, the lock file of a killed
 * run, a data directory in use, a mongod that fails to start, and taking over a mongod a killed service left.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logger';
import { EMBEDDED_URI_FILE, openDatabase } from '../../src/store/database';
import { findMongod, processAlive, readLock, startMongod } from '../../src/store/embedded/mongod';
import { compiledEntry } from '../support/compiledEntries';
import { pathWithoutMongod, runCliProcess } from '../support/processes';

jest.setTimeout(90_000);

const FAKE_DIR = path.resolve(__dirname, '../support/fake-mongod');
const searchPath = () => [FAKE_DIR, path.dirname(process.execPath), pathWithoutMongod()].join(path.delimiter);
const log = createLogger('silent');

// The stand-in runs compiled ahead of time (test/support/fake-mongod/mongod reads FAKE_MONGOD_JS): the launcher's
// behaviour is the same, each start costs a fraction of tsx's. Set here for the mongods this process starts
// (startMongod passes this file's environment on) and in the environment of each CLI process below.
let FAKE_MONGOD_JS: string;
beforeAll(() => {
  FAKE_MONGOD_JS = compiledEntry('fakeMongod');
  process.env.FAKE_MONGOD_JS = FAKE_MONGOD_JS;
});

/** the data directories below, removed once every case has stopped its mongods */
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tmp(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `spotcheck-mongod-${name}-`));
  dirs.push(dir);
  return dir;
}

/** A pid that certainly belongs to no process: one that has just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
}

describe('lock file', () => {
  it('reads free, held (a live pid) and stale (a dead pid)', async () => {
    const db = tmp('lock');
    expect(readLock(db)).toEqual({ kind: 'free' });
    writeFileSync(path.join(db, 'mongod.lock'), '');
    expect(readLock(db)).toEqual({ kind: 'free' });
    writeFileSync(path.join(db, 'mongod.lock'), `${process.pid}\n`);
    expect(readLock(db)).toEqual({ kind: 'held', pid: process.pid });
    const dead = await deadPid();
    writeFileSync(path.join(db, 'mongod.lock'), `${dead}\n`);
    expect(readLock(db)).toEqual({ kind: 'stale', pid: dead });
  });

  it('finds mongod only where it is executable', () => {
    expect(findMongod(searchPath())).toBe(path.join(FAKE_DIR, 'mongod'));
    expect(findMongod(pathWithoutMongod())).toBeUndefined();
    expect(findMongod('')).toBeUndefined();
  });
});

describe('a mongod on PATH', () => {
  it('is started for the command with its log under the data directory, waited for, and stopped cleanly', async () => {
    const dataDir = tmp('start');
    const notices: string[] = [];
    const db = await openDatabase({ mongodbUri: undefined, dataDir, log, role: 'cli', searchPath: searchPath(), warn: (t) => notices.push(t) });
    try {
      expect(db.kind).toBe('mongod');
      // Ready means it answers: the fake listens only after a delay, so a launcher that did not wait would fail here.
      expect(await db.healthy()).toBe(true);
      await db.connection.db!.collection('probe').insertOne({ a: 1 });
      const lock = readLock(path.join(dataDir, 'db'));
      expect(lock.kind).toBe('held');
      expect(readFileSync(path.join(dataDir, 'mongod.log'), 'utf8')).toContain('Waiting for connections');
      // The CLI never publishes the database it started: a service starting now must not join a database that ends.
      expect(existsSync(path.join(dataDir, EMBEDDED_URI_FILE))).toBe(false);
      expect(notices).toEqual([]);
    } finally {
      await db.close();
    }
    const after = readLock(path.join(dataDir, 'db'));
    expect(after).toEqual({ kind: 'free' });
    expect(readFileSync(path.join(dataDir, 'mongod.log'), 'utf8')).toContain('shutting down');
  });

  it('the real CLI starts it for the command and stops it afterwards, quietly', async () => {
    const dataDir = tmp('cli');
    const run = await runCliProcess(['campaign', 'list'], { PATH: searchPath(), SPOTCHECK_DATA_DIR: dataDir, HOME: os.homedir(), FAKE_MONGOD_JS });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('尚未创建专项');
    expect(readFileSync(path.join(dataDir, 'mongod.log'), 'utf8')).toContain('shutting down');
    expect(readLock(path.join(dataDir, 'db'))).toEqual({ kind: 'free' });
  });

  it('explains the lock file of a killed run, then starts anyway', async () => {
    const dataDir = tmp('stale');
    mkdirSync(path.join(dataDir, 'db'), { recursive: true });
    const dead = await deadPid();
    writeFileSync(path.join(dataDir, 'db', 'mongod.lock'), `${dead}\n`);
    const notices: string[] = [];
    const db = await openDatabase({ mongodbUri: undefined, dataDir, log, role: 'cli', searchPath: searchPath(), warn: (t) => notices.push(t) });
    try {
      expect(await db.healthy()).toBe(true);
    } finally {
      await db.close();
    }
    expect(notices).toHaveLength(1);
    expect(notices[0]).toContain(`进程 ${dead}`);
    expect(notices[0]).toContain('没有正常退出');
    expect(notices[0]).toContain('自动恢复');
  });

  it('refuses a data directory another live process holds, naming the pid and what to do', async () => {
    const dataDir = tmp('held');
    mkdirSync(path.join(dataDir, 'db'), { recursive: true });
    writeFileSync(path.join(dataDir, 'db', 'mongod.lock'), `${process.pid}\n`);
    await expect(openDatabase({ mongodbUri: undefined, dataDir, log, role: 'service', searchPath: searchPath(), warn: () => undefined })).rejects.toThrow(
      new RegExp(`正被另一个 mongod 进程（进程 ${process.pid}）使用.*kill ${process.pid}.*MONGODB_URI`),
    );
    // Through the real CLI: one Chinese line, exit 1.
    const run = await runCliProcess(['campaign', 'list'], { PATH: searchPath(), SPOTCHECK_DATA_DIR: dataDir, HOME: os.homedir(), FAKE_MONGOD_JS });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(`kill ${process.pid}`);
  });

  it('quotes the log when mongod fails to start', async () => {
    const dataDir = tmp('fail');
    const env = { PATH: searchPath(), FAKE_MONGOD_FAIL: '1', FAKE_MONGOD_JS };
    await expect(startMongod({ binary: path.join(FAKE_DIR, 'mongod'), dataDir, env })).rejects.toThrow(
      /mongod 启动失败（退出码 100）[\s\S]*data directory is damaged[\s\S]*MONGODB_URI/,
    );
  });

  it('takes over the mongod a killed service left running', async () => {
    const dataDir = tmp('adopt');
    const left = await startMongod({ binary: path.join(FAKE_DIR, 'mongod'), dataDir });
    try {
      // What a service that died by SIGKILL leaves: its file (naming a dead service and the live mongod).
      const deadService = await deadPid();
      writeFileSync(
        path.join(dataDir, EMBEDDED_URI_FILE),
        JSON.stringify({ uri: `${left.uri}/spotcheck`, kind: 'mongod', pid: deadService, mongodPid: left.pid }),
      );
      const notices: string[] = [];
      const db = await openDatabase({ mongodbUri: undefined, dataDir, log, role: 'service', searchPath: searchPath(), warn: (t) => notices.push(t) });
      expect(db.uri).toBe(`${left.uri}/spotcheck`);
      expect(notices.join('')).toContain(`进程 ${left.pid}`);
      expect(notices.join('')).toContain('接管');
      const info = JSON.parse(readFileSync(path.join(dataDir, EMBEDDED_URI_FILE), 'utf8')) as { pid: number; mongodPid: number };
      expect(info).toMatchObject({ pid: process.pid, mongodPid: left.pid });
      await db.close();
      // The service that took it over stops it on its way out, like one it started.
      expect(processAlive(left.pid)).toBe(false);
      expect(existsSync(path.join(dataDir, EMBEDDED_URI_FILE))).toBe(false);
    } finally {
      await left.stop();
    }
  });
});
