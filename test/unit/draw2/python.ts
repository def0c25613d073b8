/**
 * The independent verifier (docs/draw-vectors/verify.py), run with python3. Without python3 the tests that need it are
 * skipped on a developer's machine (with a warning) but FAIL under CI (CI=true): `.ci/run` installs python3, so a
 * missing interpreter there is a broken set-up, never a reason to skip the independent check.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const VERIFY_PY = path.resolve(__dirname, '../../../docs/draw-vectors/verify.py');

/** The interpreter: `python3`, or SPOTCHECK_PYTHON3 (the test of this policy points it at nothing). */
const PYTHON_COMMAND = process.env.SPOTCHECK_PYTHON3 || 'python3';

/**
 * The executable `python3` stands for, asked once: the tests run the verifier dozens of times, and where `python3`
 * on PATH is a version manager's shim (pyenv: a shell script that looks the version up on every call) each call
 * would cost that look-up again (half a CPU-second here, ten times the interpreter's own start).
 */
const probe = spawnSync(PYTHON_COMMAND, ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
const PYTHON = probe.status === 0 && probe.stdout.trim() ? probe.stdout.trim() : PYTHON_COMMAND;

export const hasPython = probe.status === 0;

/** Under CI every python test runs: a missing python3 makes them fail (see `pythonIt`). */
export const inCi = process.env.CI === 'true';

if (!hasPython && !inCi) {
  // eslint-disable-next-line no-console
  console.warn('python3 is not installed: the tests that run the independent verifier (docs/draw-vectors/verify.py) are skipped (they fail under CI=true)');
}

/** Whether the python tests run: with python3, or under CI (where they then fail on the missing interpreter). */
export const runPythonTests = hasPython || inCi;

/** `it` for a test that needs python3: skipped without it outside CI; under CI it runs and fails without it. */
export const pythonIt: jest.It = runPythonTests ? it : it.skip;

/** `describe` for tests that need python3, as `pythonIt`. */
export const pythonDescribe: jest.Describe = runPythonTests ? describe : describe.skip;

/** Throws (failing the test) when python3 is missing; used under CI. */
export function requirePython(): void {
  if (!hasPython) throw new Error('python3 is not installed but CI=true: .ci/run installs it (apt-get install python3); the independent verifier must run in CI');
}

/**
 * `-S`: without the `site` module. The verifier needs the standard library only (as a third party's plain python3
 * has it), and `site` (site-packages, .pth files) is most of the interpreter's start: ~0.1 CPU-s of every call here.
 */
const FLAGS = ['-S'];

export function runPython(files: string[]): { code: number; out: string } {
  requirePython();
  const r = spawnSync(PYTHON, [...FLAGS, VERIFY_PY, ...files], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The verifier with one rule of the spec changed (verify.py's SPOTCHECK_DRAW_MUTATE), to show a vector pins that rule. */
export function runPythonMutated(files: string[], mutation: string): { code: number; out: string } {
  requirePython();
  const r = spawnSync(PYTHON, [...FLAGS, VERIFY_PY, ...files], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, SPOTCHECK_DRAW_MUTATE: mutation } });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The rule names the Python verifier printed. */
export function pythonRules(out: string): string[] {
  return [...out.matchAll(/rule ([a-z.]+):/g)].map((m) => m[1] as string);
}
