/**
 * The tests that run the independent Python verifier skip without python3 on a developer's machine, but under CI
 * (CI=true, as .ci/run sets) a missing python3 fails them: the independent check never silently disappears from CI.
 * Runs a child jest on a probe test with the interpreter pointed at nothing.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');

function probe(ci: boolean): { code: number; out: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, SPOTCHECK_PYTHON3: '/nonexistent/python3' };
  if (ci) env.CI = 'true';
  else delete env.CI;
  const r = spawnSync(
    process.execPath,
    [
      require.resolve('jest/bin/jest'),
      '--rootDir',
      ROOT,
      '--roots',
      '<rootDir>/test/unit/draw2/probe',
      '--testMatch',
      '**/pythonPolicy.probe.ts',
      '--maxWorkers=1',
      '--ci',
    ],
    { cwd: ROOT, env, encoding: 'utf8', timeout: 110_000 },
  );
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

describe('python3 for the independent verifier', () => {
  it('missing under CI=true: the python test fails, naming the missing interpreter', () => {
    const r = probe(true);
    expect(r.out).toContain('python3 is not installed but CI=true');
    expect(r.out).toMatch(/1 failed/);
    expect(r.code).not.toBe(0);
  });

  it('missing outside CI: the python test is skipped with a warning', () => {
    const r = probe(false);
    expect(r.out).toMatch(/1 skipped/);
    expect(r.out).toContain('python3 is not installed');
    expect(r.code).toBe(0);
  });
});
