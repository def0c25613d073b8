/**
 * The service's buffered logger (src/logger.ts): lines written in batches, none lost when the process exits, throws,
 * rejects or runs out of work; a fatal line written at once; waiting lines written by the timer without an exit.
 * Each case is a child process (test/support/loggerChild.ts) whose stdout is a pipe, as under a process manager.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LOG_FLUSH_MS } from '../../src/logger';

const ROOT = path.resolve(__dirname, '../..');
const LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
const CHILD = path.join(ROOT, 'test/support/loggerChild.ts');

interface Run {
  lines: { msg: string; i?: number; level: number }[];
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Runs the child; `killAfterLines`: kills it (SIGKILL) once that many lines have arrived. */
function run(mode: string, count: number, killAfterLines?: number, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', LOADER, CHILD, mode, String(count)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, ...env },
    });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (killAfterLines !== undefined && out.split('\n').length - 1 >= killAfterLines) child.kill('SIGKILL');
    });
    // a child that never writes what it should is stopped, and the test fails on its missing lines
    const stop = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(stop);
      const lines = out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Run['lines'][number]);
      resolve({ lines, code, signal });
    });
  });
}

function numbered(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `line ${i}`);
}

describe('buffered logger', () => {
  // more than one batch (the minimum write is 8 KB, a line ≈ 110 bytes), and less than one
  for (const count of [400, 5]) {
    it(`keeps all ${count} lines on process.exit`, async () => {
      const r = await run('exit', count);
      expect(r.code).toBe(0);
      expect(r.lines.map((l) => l.msg)).toEqual(numbered(count));
    });

    it(`keeps all ${count} lines on an uncaught exception`, async () => {
      const r = await run('throw', count);
      expect(r.code).toBe(1);
      expect(r.lines.map((l) => l.msg)).toEqual(numbered(count));
    });

    it(`keeps all ${count} lines on an unhandled rejection`, async () => {
      const r = await run('reject', count);
      expect(r.code).toBe(1);
      expect(r.lines.map((l) => l.msg)).toEqual(numbered(count));
    });

    it(`keeps all ${count} lines when the event loop runs dry`, async () => {
      const r = await run('drain', count);
      expect(r.code).toBe(0);
      expect(r.lines.map((l) => l.msg)).toEqual(numbered(count));
    });
  }

  it('keeps all 400 lines, in order, on process.exit while libuv\'s thread pool is busy', async () => {
    // A batch handed to an asynchronous write waits for a pool thread. Seen in a CI run under load: the exit's
    // synchronous flush wrote the later lines first, so lines 0–90 came out after lines 91–266.
    const r = await run('exitBusyPool', 400, undefined, { UV_THREADPOOL_SIZE: '1' });
    expect(r.code).toBe(0);
    expect(r.lines.map((l) => l.msg)).toEqual(numbered(400));
  });

  it.each([
    ['fatal', 60],
    ['error', 50],
  ])('writes an %s line at once, with the lines before it', async (mode, level) => {
    const r = await run(mode, 5);
    expect(r.signal).toBe('SIGKILL');
    expect(r.lines.map((l) => l.msg)).toEqual([...numbered(5), `${mode} line`]);
    expect(r.lines[5]!.level).toBe(level);
  });

  it(`writes waiting lines within about ${LOG_FLUSH_MS} ms, without an exit`, async () => {
    // the child keeps running; it is killed once its 5 lines (under the minimum write) have come out
    const r = await run('idle', 5, 5);
    expect(r.signal).toBe('SIGKILL');
    expect(r.lines.map((l) => l.msg)).toEqual(numbered(5));
  });
});
