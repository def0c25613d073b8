/**
 * The bench's processes: the database (the wire server in a process of its own, or MONGODB_URI), the service
 * (`node --import tsx src/main.ts`, as `npm start` runs it, with SPOTCHECK_BENCH=1), the decrypt-only baseline
 * server and the database floor (the same server writing each click). The emulator and the load generator stay in the bench's own process. Each child writes its output to a
 * file under the run directory, so the bench never spends its CPU reading logs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, closeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export { freePort } from '../../test/support/processes';

export const ROOT = path.resolve(__dirname, '../..');
const LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export interface Child {
  name: string;
  child: ChildProcess;
  /** the file its stdout and stderr go to */
  logFile: string;
  log(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited */
  stop(graceMs?: number): Promise<void>;
}

/** The children started and not yet exited. */
const live = new Set<ChildProcess>();
let stopOnSignals = false;

/**
 * A bench stopped by a signal sent to its own process alone (`kill`, `timeout`, a CI job's time limit; Ctrl-C in a
 * terminal signals the whole process group) stops its children first: left running, a database holding hundreds of
 * megabytes and a service would share the cores with the next run and skew its figures. Then it exits as the signal
 * would have made it (128 + the signal's number); the run directory stays, to be read.
 */
function stopChildrenOnSignals(): void {
  if (stopOnSignals) return;
  stopOnSignals = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const child of live) child.kill('SIGTERM');
      process.exit(128 + os.constants.signals[signal]);
    });
  }
}

/** Starts `node [nodeArgs] [--cpu-prof] --import tsx <entry>` with `env` added to this process's environment. */
export function startChild(
  name: string,
  entry: string,
  env: Record<string, string>,
  opts: { runDir: string; profile?: boolean; nodeArgs?: string[] },
): Child {
  mkdirSync(opts.runDir, { recursive: true });
  const logFile = path.join(opts.runDir, `${name}.log`);
  const fd = openSync(logFile, 'w');
  const args = [
    ...(opts.nodeArgs ?? []),
    // node flags for experiments (scripts/bench.ts): every child's, then the database's or the service's own
    ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
    ...((name === 'database' && process.env.BENCH_DB_NODE_ARGS?.split(' ').filter(Boolean)) || []),
    ...((name === 'service' && process.env.BENCH_SERVICE_NODE_ARGS?.split(' ').filter(Boolean)) || []),
    // one directory per process: each thread (tsx's loader runs in one) writes a profile of its own
    ...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.join(opts.runDir, 'profiles', name)}`] : []),
    '--import',
    LOADER,
    entry,
  ];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  stopChildrenOnSignals();
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  return {
    name,
    child,
    logFile,
    log: () => readFileSync(logFile, 'utf8'),
    async stop(graceMs = 30_000) {
      if (!live.has(child)) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until GET `url` answers 200 (the child must stay alive meanwhile). */
export async function waitHealthy(c: Child, url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (c.child.exitCode !== null || c.child.signalCode !== null) throw new Error(`${c.name} exited before it was ready:\n${c.log().slice(-3000)}`);
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${c.name} not ready in time:\n${c.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits for the first line of the child's output that parses as JSON and has `key`. */
export async function waitForLine<T>(c: Child, key: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of c.log().split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (key in parsed) return parsed as T;
      } catch {
        /* a line being written */
      }
    }
    if (c.child.exitCode !== null) throw new Error(`${c.name} exited:\n${c.log().slice(-3000)}`);
    if (Date.now() > deadline) throw new Error(`${c.name}: no “${key}” line in time:\n${c.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function getJson<T>(url: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const res = await fetch(url, { method });
  if (res.status !== 200) throw new Error(`${method} ${url}: HTTP ${res.status}`);
  return (await res.json()) as T;
}
