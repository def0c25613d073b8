/** The independent verifier (docs/draw-vectors/verify.py), run with python3 when it is installed. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { VECTOR_DIR } from '../../../scripts/drawVectors';

const VERIFY_PY = path.join(VECTOR_DIR, 'verify.py');

export const hasPython = spawnSync('python3', ['--version'], { encoding: 'utf8' }).status === 0;

if (!hasPython) {
  // eslint-disable-next-line no-console
  console.warn('python3 is not installed: the tests that run the independent verifier (docs/draw-vectors/verify.py) are skipped');
}

export function runPython(files: string[]): { code: number; out: string } {
  const r = spawnSync('python3', [VERIFY_PY, ...files], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The rule names the Python verifier printed. */
export function pythonRules(out: string): string[] {
  return [...out.matchAll(/rule ([a-z.]+):/g)].map((m) => m[1] as string);
}
