import { spawn } from 'node:child_process';
import { mkdtempSync, existsSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError, loadConfig } from '../../src/config';

const ROOT = path.resolve(__dirname, '../..');
// `npm start` is `tsx src/main.ts`; tsx's loader inside one node process runs the same, and the pid we hold is the
// service itself, so a kill on timeout leaves no orphan behind.
const LOADER = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** the data directories of the runs below, removed once all have ended */
const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs `npm start`'s entry point with exactly the given environment (plus PATH). */
function start(env: Record<string, string>, opts: { untilStdout?: RegExp; timeoutMs?: number } = {}): Promise<Run & { dataDir: string }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-start-'));
  dataDirs.push(dataDir);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', LOADER, 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', SPOTCHECK_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out; stdout: ${stdout}; stderr: ${stderr}`));
    }, opts.timeoutMs ?? 90_000); // a bound for a loaded machine, not a speed target
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (opts.untilStdout?.test(stdout)) {
        // Seen what we waited for: check the running service, then stop it as an operator would.
        onReady();
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let ready = false;
    const onReady = () => {
      if (ready) return;
      ready = true;
      void (async () => {
        const uriFile = path.join(dataDir, 'embedded-db.json');
        const published = existsSync(uriFile) ? readFileSync(uriFile, 'utf8') : '';
        const port = env.PORT;
        const health = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 0);
        stdout += `\n[test] health=${health} published=${published ? 'yes' : 'no'}\n`;
        child.kill('SIGTERM');
      })();
    };
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, dataDir });
    });
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** The refusals, one per variable: what main.ts prints (the ConfigError's message, one line) before it exits 1. */
const REFUSALS: [Record<string, string>, string][] = [
  [{ PORT: 'abc' }, 'PORT'],
  [{ PORT: '99999' }, 'PORT'],
  [{ LARK_APP_ID: 'cli_a1b2c3d4e5f6a7b8', LARK_APP_SECRET: 's' }, 'LARK_ENCRYPT_KEY'],
  [{ LARK_APP_ID: 'cli_a1b2c3d4e5f6a7b8', LARK_APP_SECRET: 's', LARK_ENCRYPT_KEY: 'k', LARK_VERIFICATION_TOKEN: 't', LARK_MODE: 'x' }, 'LARK_MODE'],
  [{ NODE_ENV: 'production' }, 'MONGODB_URI'],
];

describe('npm start', () => {
  // Each refusal is decided by loadConfig, before anything starts: checked here for every case, in this process.
  // main.ts turns any ConfigError into its message on stderr and exit 1: that path is run as a process below, for
  // the first and the last case (a process costs seconds of CPU to load the service's modules; every case takes the
  // same path once loadConfig has thrown).
  it.each(REFUSALS)('loadConfig refuses %p naming the variable, in one line', (env, variable) => {
    let thrown: unknown;
    try {
      loadConfig({ PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).message).toContain(variable);
    expect((thrown as ConfigError).message.split('\n')).toHaveLength(1);
  });

  it.each([REFUSALS[0]!, REFUSALS.at(-1)!])('exits non-zero naming the variable for %p', async (env, variable) => {
    const run = await start(env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(variable);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('starts without Feishu credentials, explains how to configure and try it, and stops on SIGTERM', async () => {
    const port = await freePort();
    const run = await start({ PORT: String(port) }, { untilStdout: /npm run demo/ });
    expect(run.stdout).toContain('本地试用模式');
    expect(run.stdout).toContain('LARK_APP_ID');
    expect(run.stdout).toContain('[test] health=200 published=yes');
    expect(run.code).toBe(0);
    // The embedded database's URI file is removed on a clean stop.
    expect(existsSync(path.join(run.dataDir, 'embedded-db.json'))).toBe(false);
  });
});
