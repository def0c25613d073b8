/**
 * The service's logger writes asynchronously (src/logger.ts): every line logged before the process ends reaches
 * stdout, whether it ends by process.exit, by running out of work, or by an uncaught exception; secrets stay redacted.
 * Each case runs in a child process of its own (the flush happens at that process's exit).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const LINES = 3000;

function run(ending: string, opts = '{ async: true }'): { lines: Record<string, unknown>[]; status: number | null } {
  const script = `
    const { createLogger } = require(${JSON.stringify(join(ROOT, 'src/logger.ts'))});
    const log = createLogger('info', ${opts});
    for (let i = 0; i < ${LINES}; i++) log.info({ i, encryptKey: 'k-secret', pad: 'x'.repeat(200) }, 'line');
    ${ending}
  `;
  const res = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const lines = res.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { lines, status: res.status };
}

function expectAll(lines: Record<string, unknown>[]): void {
  expect(lines.map((l) => l.i)).toEqual(Array.from({ length: LINES }, (_, i) => i));
  expect(lines.every((l) => l.encryptKey === '[redacted]' && l.msg === 'line')).toBe(true);
}

describe('the asynchronous logger loses no line at exit', () => {
  test('process.exit right after logging', () => {
    const { lines, status } = run('process.exit(0);');
    expect(status).toBe(0);
    expectAll(lines);
  });

  test('an uncaught exception right after logging', () => {
    const { lines, status } = run("setImmediate(() => { throw new Error('boom'); });");
    expect(status).not.toBe(0);
    expectAll(lines);
  });

  test('the end of the event loop', () => {
    const { lines, status } = run('');
    expect(status).toBe(0);
    expectAll(lines);
  });

  test('the synchronous logger (the CLI) writes the same lines', () => {
    const { lines, status } = run('process.exit(0);', '{}');
    expect(status).toBe(0);
    expectAll(lines);
  });
});
