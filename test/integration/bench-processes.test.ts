/**
 * The bench's children do not outlive it (scripts/bench/processes.ts): a bench stopped by a signal sent to its own
 * process alone (`kill`, `timeout`, a CI job's limit) stops them first, then exits as the signal would have made it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../scripts/bench/processes';

jest.setTimeout(60_000);

/** Running: it exists and, where /proc tells, is not a zombie (an orphan waits there until its new parent reaps it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) state …"; the command name may hold spaces and parentheses, the state follows the last ')'
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

test.each(['SIGTERM', 'SIGHUP'] as const)('a bench ended by %s stops its child processes and exits as the signal would', async (signal) => {
  const runDir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-bench-processes-'));
  // a detached group of its own: the signal reaches the holder alone, as `kill <pid>` would send it
  const holder = spawn(process.execPath, ['--import', 'tsx', 'test/support/benchChildHolder.ts', runDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  let childPid = 0;
  try {
    const pids = await new Promise<{ holder: number; child: number }>((resolve, reject) => {
      let out = '';
      holder.stdout!.on('data', (c: Buffer) => {
        out += c.toString('utf8');
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line) as { holder: number; child: number });
      });
      holder.once('exit', (code) => reject(new Error(`the holder exited (${code}) before its child listened`)));
    });
    childPid = pids.child;
    expect(alive(childPid)).toBe(true);
    const exited = new Promise<number | null>((resolve) => holder.once('exit', (code) => resolve(code)));
    process.kill(pids.holder, signal);
    expect(await exited).toBe(128 + os.constants.signals[signal]);
    expect(await until(() => !alive(childPid), 20_000)).toBe(true);
  } finally {
    for (const pid of [holder.pid, childPid]) if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
    // both gone before their run directory is removed (the child writes its log there)
    await until(() => holder.exitCode !== null || holder.signalCode !== null, 5000);
    await until(() => !childPid || !alive(childPid), 5000);
    rmSync(runDir, { recursive: true, force: true });
  }
});
