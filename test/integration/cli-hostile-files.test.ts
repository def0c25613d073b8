/**
 * The CLI against hostile registry files, as a child process with a small V8 heap (issue: a zip bomb crashed the
 * CLI out of memory with a V8 stack trace). Each command must end with exit code 1 and ONE Chinese line on stderr,
 * or succeed, within the heap given; the peak memory is measured (test/support/rssProbe.cjs) and bounded.
 *
 * Limits stated in the README: reading a registry file of up to 100,000 rows runs within a 256 MB V8 heap
 * (--max-old-space-size=256); a zip bomb is refused before anything is inflated, within a 128 MB heap.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compiledEntry } from '../support/compiledEntries';
import { testMongoUri, uniqueDbName, type TestMongo } from '../support/db';
import { withDbName } from '../support/harness';
import { writeEnterpriseCsv, writeEnterpriseXlsx, writeZipBomb } from '../support/hostileFiles';

const ROOT = path.resolve(__dirname, '../..');
const MB = 1024 * 1024;
/** Half of the bomb's 1 GB (see the first zip-bomb test). */
const BOMB_RSS_BOUND = 512 * MB;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  maxRssBytes: number;
  peakHeapBytes: number;
  heapLimitBytes: number;
}

let dir: string;
let mongo: TestMongo;

function runCli(args: string[], heapMb: number): Promise<Run> {
  const probe = path.join(dir, `probe-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      // the CLI compiled ahead of time (test/support/compiledEntries.ts): what is measured is its work, not tsx's
      [`--max-old-space-size=${heapMb}`, '--require', path.join(ROOT, 'test/support/rssProbe.cjs'), compiledEntry('cli'), ...args],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          RSS_PROBE_FILE: probe,
          MONGODB_URI: withDbName(mongo.uri, uniqueDbName('cli_hostile')),
          SPOTCHECK_DATA_DIR: path.join(dir, 'data'),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      let stats = { maxRssBytes: NaN, peakHeapBytes: NaN, heapLimitBytes: NaN };
      try {
        stats = JSON.parse(readFileSync(probe, 'utf8')) as typeof stats;
      } catch {
        // no probe file: the process died before its exit handlers ran (e.g. out of memory)
      }
      resolve({ code, signal, stdout, stderr, ...stats });
    });
  });
}

function expectOneChineseLine(run: Run, pattern: RegExp): void {
  const lines = run.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(lines[0]).toMatch(/[\u4e00-\u9fff]/);
  expect(run.stderr).not.toMatch(/\n\s+at |FATAL ERROR|heap out of memory/);
  expect(run.code).toBe(1);
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-hostile-'));
  mongo = await testMongoUri();
});

afterAll(async () => {
  await mongo.close();
  rmSync(dir, { recursive: true, force: true });
});

const figures: Record<string, string> = {};
afterAll(() => {
  // The measured figures, for the README's statement of limits.
  process.stdout.write(`cli-hostile-files peak memory: ${JSON.stringify(figures)}\n`);
});

function record(name: string, run: Run): void {
  figures[name] = `rss ${Math.round(run.maxRssBytes / MB)} MB, heap ${Math.round(run.peakHeapBytes / MB)} MB of ${Math.round(run.heapLimitBytes / MB)} MB`;
}

test('a zip bomb (1 GB sheet declared in the central directory) is refused in one line within a 128 MB heap', async () => {
  const file = path.join(dir, 'bomb.xlsx');
  const { bytes, inflated } = await writeZipBomb(file, { gigabytes: 1 });
  expect(bytes).toBeLessThan(2 * MB);
  expect(inflated).toBeGreaterThan(1000 * MB);
  const run = await runCli(['import', 'enterprises', file, '--dry-run'], 128);
  expectOneChineseLine(run, /^Excel 文件的部件“xl\/worksheets\/sheet1\.xml”解压后有 1024 MB，超过单个部件 200 MB 的上限/);
  record('zipBomb', run);
  // Inflating the sheet would hold 1 GB outside the V8 heap (Buffers), so the bound is on the whole process. Quiet, the
  // CLI peaked near 160 MB when it ran through tsx (its compiled modules included); on a loaded machine lazier GC has taken it past 300 MB,
  // hence a bound that still catches any inflation of the sheet but not the machine's load.
  expect(run.maxRssBytes).toBeLessThan(BOMB_RSS_BOUND);
}, 120_000);

test('a zip bomb that lies about its size is refused when inflating passes the declared size', async () => {
  const file = path.join(dir, 'liar.xlsx');
  await writeZipBomb(file, { gigabytes: 1, lie: true });
  const run = await runCli(['import', 'enterprises', file, '--dry-run'], 128);
  expectOneChineseLine(run, /^Excel 文件的部件“xl\/worksheets\/sheet1\.xml”实际内容与声明的大小不符/);
  record('lyingZipBomb', run);
  expect(run.maxRssBytes).toBeLessThan(BOMB_RSS_BOUND);
}, 120_000);

test('100,001 data rows are refused in one line within a 256 MB heap', async () => {
  const file = path.join(dir, 'e100001.csv');
  await writeEnterpriseCsv(file, 100_001);
  const run = await runCli(['import', 'enterprises', file, '--dry-run'], 256);
  expectOneChineseLine(run, /^文件超过100000行数据（读到第100001行时已停止）；每次最多导入100000行，请拆分为多个文件分别导入$/);
  record('csv100001', run);
  expect(run.maxRssBytes).toBeLessThan(600 * MB);
}, 180_000);

test('a 100,000-row XLSX is read, validated and checked against the database within a 256 MB heap', async () => {
  const file = path.join(dir, 'e100k.xlsx');
  await writeEnterpriseXlsx(file, 100_000);
  const run = await runCli(['import', 'enterprises', file, '--dry-run'], 256);
  expect(run.stderr).not.toMatch(/\n\s+at |FATAL ERROR|heap out of memory/);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain('共100000行：可导入100000行（将新增100000，将更新0），拒绝0行');
  record('xlsx100k', run);
  expect(run.maxRssBytes).toBeLessThan(600 * MB);
}, 240_000);
