/**
 * The real service and the real CLI as child processes, the way an operator runs them (`npm start`, `npm run cli`),
 * for tests about processes: several instances, SIGKILL, refusal to start, the CLI finding the service's database.
 *
 * The entries run as one node process each, compiled ahead of time (test/support/compiledEntries.ts: the same code
 * without tsx's per-module cost at every start), so the pid we hold is the service itself: a SIGKILL kills the
 * service, not a wrapper that would leave it running. `npm start` through tsx is test/integration/startup.test.ts's.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { findMongod } from '../../src/store/embedded/mongod';
import { compiledEntry, compiledFor } from './compiledEntries';

export const ROOT = path.resolve(__dirname, '../..');

/** PATH without any directory that holds a mongod (so "no mongod installed" holds on any machine). */
export function pathWithoutMongod(pathVar = process.env.PATH ?? ''): string {
  return pathVar
    .split(path.delimiter)
    .filter((dir) => dir && !findMongod(dir))
    .join(path.delimiter);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** The temp dir, passed on so that what a child makes there is under the suite's check (test/support/tmpGuard.js). */
const tmpEnv = (): Record<string, string> => (process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {});

export interface ServiceProcess {
  child: ChildProcess;
  port: number;
  readonly stdout: string;
  readonly stderr: string;
  /** pino lines of stdout, parsed */
  logs(): Record<string, unknown>[];
  /** resolves with the exit code (or signal) once the process has ended */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait for the exit */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL (a crash) and wait for the exit */
  kill(): Promise<void>;
}

/**
 * Starts `src/main.ts` (or another entry) with exactly `env` (plus PATH and TMPDIR when not given) and, unless
 * `waitHealthy` is false, waits until GET /healthz answers 200.
 */
export async function startServiceProcess(
  env: Record<string, string>,
  opts: { entry?: string; waitHealthy?: boolean; timeoutMs?: number } = {},
): Promise<ServiceProcess> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const entry = opts.entry ?? 'src/main.ts';
  const compiled = compiledFor(entry);
  if (!compiled) throw new Error(`no compiled entry for ${entry} (test/support/compiledEntries.ts)`);
  const child = spawn(process.execPath, [compiled], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...tmpEnv(), ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let ended = false;
  void exited.then(() => (ended = true));
  const proc: ServiceProcess = {
    child,
    port,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    logs() {
      return stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          try {
            return JSON.parse(l) as Record<string, unknown>;
          } catch {
            return {};
          }
        });
    },
    exited,
    async stop() {
      if (!ended) child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      if (!ended) child.kill('SIGKILL');
      await exited;
    },
  };
  if (opts.waitHealthy === false) return proc;
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (ended) throw new Error(`service exited before it was healthy; stderr: ${stderr}; stdout: ${stdout.slice(-2000)}`);
    const status = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return proc;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`service not healthy in time; stderr: ${stderr}; stdout: ${stdout.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run cli -- <args>`'s entry with exactly `env` (and TMPDIR). */
export function runCliProcess(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [compiledEntry('cli'), ...args], { cwd: ROOT, env: { ...tmpEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cli ${args.join(' ')} timed out; stdout: ${stdout}; stderr: ${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
