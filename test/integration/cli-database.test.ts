/**
 * The CLI never writes into a database that ends with the command (docs/interfaces.md "Embedded database"):
 * the real CLI and the real service run as child processes, as an operator runs them.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { runCli } from '../../src/cli';
import { writeSampleData } from '../../src/operations/writeSampleData';
import { pathWithoutMongod, runCliProcess, startServiceProcess, type ServiceProcess } from '../support/processes';

// Bounds for a loaded machine (each child process loads the CLI's or the service's modules through tsx), not speed targets.
jest.setTimeout(400_000);
const CLI_TIMEOUT_MS = 240_000;

let dir: string;
let files: string[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-cli-db-'));
  files = (await writeSampleData(path.join(dir, 'sample'), { year: 2024, seed: 7 })).files;
});
// after the last describe's afterAll has stopped the service
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const enterprisesCsv = () => files.find((f) => f.endsWith('enterprises.csv'))!;
const staffXlsx = () => files.find((f) => f.endsWith('staff.xlsx'))!;

/** The environment of an operator's shell with no MONGODB_URI and no mongod installed. */
function bareEnv(dataDir: string): Record<string, string> {
  return { PATH: pathWithoutMongod(), SPOTCHECK_DATA_DIR: dataDir, HOME: os.homedir() };
}

describe('with no service, no MONGODB_URI and no mongod', () => {
  it('import refuses in one Chinese line, exits non-zero and writes nothing (the real CLI)', async () => {
    const dataDir = path.join(dir, 'data-none');
    const run = await runCliProcess(['import', 'enterprises', enterprisesCsv()], bareEnv(dataDir), CLI_TIMEOUT_MS);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('npm start');
    expect(lines[0]).toContain('MONGODB_URI');
    expect(lines[0]).toContain('未写入任何数据');
    expect(run.stdout).toBe('');
    // Nothing was created for a database: not even the data directory.
    expect(existsSync(dataDir)).toBe(false);
  });

  it('every command that needs the database refuses the same way', async () => {
    const dataDir = path.join(dir, 'data-none-2');
    const commands = [
      ['import', 'enterprises', enterprisesCsv()],
      ['import', 'enterprises', enterprisesCsv(), '--dry-run'],
      ['import', 'staff', staffXlsx()],
      ['campaign', 'create', '--name', '试点', '--year', '2024', '--from', '2024-03-01', '--to', '2024-11-30', '--ratio', '0.25'],
      ['campaign', 'list'],
    ];
    for (const args of commands) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: bareEnv(dataDir) });
      expect({ args, code, out, err: err.length }).toEqual({ args, code: 1, out: [], err: 1 });
      expect(err[0]).toContain('未写入任何数据');
    }
    expect(existsSync(dataDir)).toBe(false);
  });

  it('still runs the commands that need no database', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['calendar', 'due', '2024-09-27', '--days', '1'], { out: (l) => out.push(l), err: (l) => err.push(l), env: bareEnv(path.join(dir, 'data-calendar')) });
    expect(code).toBe(0);
    // 2024-09-29 is a Sunday worked in lieu (国庆调休): the built-in data answers without any database
    expect(out).toEqual(['2024-09-29']);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain('只按内置的节假日数据计算');
    expect(existsSync(path.join(dir, 'data-calendar'))).toBe(false);
  });
});

describe('with the service running on its embedded database', () => {
  let service: ServiceProcess;
  const dataDir = () => path.join(dir, 'data-service');

  beforeAll(async () => {
    service = await startServiceProcess({ ...bareEnv(dataDir()), LOG_LEVEL: 'warn' }, { timeoutMs: CLI_TIMEOUT_MS });
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('imports into the service’s database and says nothing alarming', async () => {
    // The service itself warned, loudly, that its in-memory database does not survive a restart.
    expect(service.stderr).toContain('服务重启后所有数据都会丢失');

    const run = await runCliProcess(['import', 'enterprises', enterprisesCsv()], bareEnv(dataDir()), CLI_TIMEOUT_MS);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/共600行：已导入600行（新增600，更新0），拒绝0行/);

    // The rows are in the database the service uses (found the way the CLI finds it).
    const info = JSON.parse(readFileSync(path.join(dataDir(), 'embedded-db.json'), 'utf8')) as { uri: string; pid: number };
    expect(info.pid).toBe(service.child.pid);
    const conn = await mongoose.createConnection(info.uri).asPromise();
    try {
      expect(await conn.db!.collection('enterprises').countDocuments()).toBe(600);
    } finally {
      await conn.close();
    }

    // Two more commands, each finding the service's database on its own (in this process: the real CLI's process
    // was shown above; each child process costs seconds of CPU to load the CLI's modules).
    const inProcess = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), env: bareEnv(dataDir()) });
      return { code, stdout: out.join('\n'), stderr: err.join('\n') };
    };
    const created = await inProcess(['campaign', 'create', '--name', '2024年专项', '--year', '2024', '--from', '2024-03-01', '--to', '2024-11-30', '--ratio', '0.25']);
    expect(created).toMatchObject({ code: 0, stderr: '' });
    const list = await inProcess(['campaign', 'list']);
    expect(list).toMatchObject({ code: 0, stderr: '' });
    expect(list.stdout).toContain('2024年专项');
  });

  it('refuses again once the service has stopped (its database went with it)', async () => {
    await service.stop();
    expect(existsSync(path.join(dataDir(), 'embedded-db.json'))).toBe(false);
    const err: string[] = [];
    const code = await runCli(['campaign', 'list'], { out: () => undefined, err: (l) => err.push(l), env: bareEnv(dataDir()) });
    expect(code).toBe(1);
    expect(err[0]).toContain('npm start');
  });
});
