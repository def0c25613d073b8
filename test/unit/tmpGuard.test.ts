/**
 * The suite's temp-dir guard (test/support/tmpGuard.js): each test file runs with a temp dir of its own, and a file
 * that leaves anything in it fails — shown here on the parts, and on a real Jest run of fixture files, where a file
 * that leaves a server open fails too (test/support/handleGuard.js).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

interface FileTmp {
  dir: string;
}
// The guard is plain JavaScript, loaded by Jest itself.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const guard = require('../support/tmpGuard') as {
  RUN_DIR: string;
  OUTER_DIR: string;
  openRun(env: Record<string, string | undefined>, outer: string): string;
  closeRun(dir: string, env: Record<string, string | undefined>): string[];
  openFile(testPath: string, env: Record<string, string | undefined>, parent?: string): FileTmp;
  closeFile(file: FileTmp): string[];
};

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'guard-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

describe('the temp-dir guard', () => {
  it('runs this file in a temp dir of its own, inside the run’s', () => {
    const own = os.tmpdir();
    expect(path.basename(own)).toMatch(/^tmpGuard-/);
    expect(path.basename(path.dirname(own))).toMatch(/^spotcheck-jest-/);
    expect(process.env.TMPDIR).toBe(own);
  });

  it('reports and removes what a file left, not the links to the tools’ caches, and restores TMPDIR', () => {
    const env: Record<string, string | undefined> = { TMPDIR: '/before' };
    const run = guard.openRun(env, scratch);
    expect(env).toMatchObject({ TMPDIR: run, [guard.RUN_DIR]: run, [guard.OUTER_DIR]: scratch });

    const clean = guard.openFile('/repo/test/unit/clean.test.ts', env);
    expect(path.dirname(clean.dir)).toBe(run);
    expect(path.basename(clean.dir)).toMatch(/^clean-/);
    expect(env.TMPDIR).toBe(clean.dir);
    expect(guard.closeFile(clean)).toEqual([]);
    expect(existsSync(clean.dir)).toBe(false);
    expect(env.TMPDIR).toBe(run);

    const leaky = guard.openFile('/repo/test/integration/leaky.test.ts', env);
    // what tsx would cache through the link survives the file
    const cached = path.join(leaky.dir, readdirSync(leaky.dir).find((n) => n.startsWith('tsx-'))!, 'cached.js');
    writeFileSync(cached, '');
    mkdirSync(path.join(leaky.dir, 'spotcheck-start-abc', 'db'), { recursive: true });
    writeFileSync(path.join(leaky.dir, 'bundle.json'), '{}');
    expect(guard.closeFile(leaky)).toEqual(['bundle.json', 'spotcheck-start-abc/']);
    expect(existsSync(leaky.dir)).toBe(false);
    expect(readdirSync(scratch).filter((n) => n.startsWith('tsx-')).map((n) => readdirSync(path.join(scratch, n)))).toEqual([['cached.js']]);
    expect(readdirSync(scratch).filter((n) => n.startsWith('jest'))).toHaveLength(1);

    // something written into the run's directory itself is the run's leftover
    writeFileSync(path.join(run, 'late.log'), '');
    expect(guard.closeRun(run, env)).toEqual(['late.log']);
    expect(existsSync(run)).toBe(false);
    expect(env.TMPDIR).toBe(scratch);
    expect(guard.closeRun(run, env)).toEqual([]);
  });

  it('fails a real Jest run on the file that leaves a directory behind, the one that leaves a server open, and only those', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = { ...(require('../../jest.config.js') as Record<string, unknown>) };
    delete config.testSequencer;
    Object.assign(config, {
      rootDir: ROOT,
      roots: ['<rootDir>/test/fixtures/tmpGuard'],
      testMatch: ['**/*.fixture.ts'],
      cacheDirectory: path.join(scratch, 'jest-cache'),
    });
    const env: Record<string, string> = { ...(process.env as Record<string, string>), TMPDIR: scratch };
    delete env[guard.RUN_DIR];
    delete env[guard.OUTER_DIR];
    const r = spawnSync(process.execPath, [require.resolve('jest/bin/jest'), '--config', JSON.stringify(config), '--json', '--ci', '--runInBand'], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { testResults: { name: string; status: string; message: string }[] };
    const byFile = Object.fromEntries(report.testResults.map((t) => [path.basename(t.name), t]));
    expect(byFile['cleans.fixture.ts']?.status).toBe('passed');
    expect(byFile['leaves.fixture.ts']?.status).toBe('failed');
    expect(byFile['leaves.fixture.ts']?.message).toMatch(/left 1 entry in the temp dir \(removed now\): guard-leftover-\w+\//);
    // the server is named and closed: the run ended (spawnSync would otherwise wait for its timeout)
    expect(byFile['keepsOpen.fixture.ts']?.status).toBe('failed');
    expect(byFile['keepsOpen.fixture.ts']?.message).toMatch(/left 1 open handle\(s\) that keep its Jest worker alive \(closed now\): Server listening on 127\.0\.0\.1:\d+/);
    expect(r.signal).toBeNull();
    // the run's directory and the leftover are gone: only the cache directory given above is left in scratch
    expect(readdirSync(scratch).filter((n) => n.startsWith('spotcheck-jest-'))).toEqual([]);
  });
});
