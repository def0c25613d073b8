/**
 * `npm start` itself (src/main.ts in a child process): without credentials the first thing it prints is the
 * sandbox URL, the page answers there and the process stops cleanly on SIGTERM; with credentials there is no /sandbox.
 * A SIGTERM that arrives while the service is still starting stops it cleanly once it has started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { compiledEntry } from '../support/compiledEntries';

jest.setTimeout(90_000);

const ROOT = path.resolve(__dirname, '../..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  dataDir: string;
}

/**
 * `compiled`: the entry compiled ahead of time (test/support/compiledEntries.ts), a fraction of tsx's start-up cost,
 * for the case that is about the configuration, not about `npm start`'s loader; the sandbox page (whose assets are
 * found next to the sources) runs through tsx exactly as `npm start` does.
 */
function start(env: Record<string, string>, opts: { compiled?: boolean } = {}): Started {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-start-'));
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('LARK_') && !['NODE_ENV', 'PORT', 'LOG_LEVEL', 'ADMIN_OPEN_IDS'].includes(k)),
  ) as Record<string, string>;
  // `npm start` is `tsx src/main.ts`; the tsx loader in node itself, so that SIGTERM reaches the service directly
  // (the tsx CLI relays signals and SIGKILLs a child that does not acknowledge one within 30 ms, e.g. under load).
  const args = opts.compiled ? [compiledEntry('main')] : ['--import', 'tsx', 'src/main.ts'];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...clean, SPOTCHECK_DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited, dataDir };
}

async function until(fn: () => Promise<boolean>, what: string, s: Started, everyMs = 200): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await fn().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output:\n${s.output()}`);
    if (s.child.exitCode !== null) throw new Error(`the service exited (${s.child.exitCode}):\n${s.output()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A Feishu app's settings (its platform unreachable: the start does not depend on it). */
const CREDENTIALS = {
  LARK_APP_ID: 'cli_a1b2c3d4e5f6a7b8',
  LARK_APP_SECRET: 'secret-for-this-test',
  LARK_ENCRYPT_KEY: 'encrypt-key-for-this-test',
  LARK_VERIFICATION_TOKEN: 'token-for-this-test',
  LARK_DOMAIN: 'http://127.0.0.1:9',
};

async function stop(s: Started): Promise<number | null> {
  if (s.child.exitCode === null) s.child.kill('SIGTERM');
  const code = await s.exited;
  rmSync(s.dataDir, { recursive: true, force: true });
  return code;
}

it('without credentials: prints the sandbox URL first, serves the page, stops on SIGTERM', async () => {
  const port = await freePort();
  const s = start({ PORT: String(port) });
  try {
    await until(async () => (await fetch(`http://127.0.0.1:${port}/sandbox/api/people`)).status === 200, 'the sandbox', s);
    const firstLine = s.output().split('\n')[0];
    expect(firstLine.startsWith(`http://127.0.0.1:${port}/sandbox`)).toBe(true);
    const page = await fetch(`http://127.0.0.1:${port}/sandbox`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('双随机抽查助手');
    // the page stays open (its event stream) while the service stops
    const events = await fetch(`http://127.0.0.1:${port}/sandbox/api/events`);
    expect(events.headers.get('content-type')).toContain('text/event-stream');
  } finally {
    expect(await stop(s)).toBe(0);
  }
});

it('with Feishu credentials: no sandbox, no sandbox URL', async () => {
  const port = await freePort();
  const s = start({ PORT: String(port), ...CREDENTIALS }, { compiled: true });
  try {
    await until(async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).status === 200, 'the service', s);
    expect((await fetch(`http://127.0.0.1:${port}/sandbox`)).status).toBe(404);
    expect(s.output()).not.toContain('/sandbox');
  } finally {
    expect(await stop(s)).toBe(0);
  }
});

it('a SIGTERM while the service starts: it finishes starting, then stops cleanly', async () => {
  const port = await freePort();
  const s = start({ PORT: String(port), ...CREDENTIALS }, { compiled: true });
  // The embedded database's address file is written while the service starts (store/database.ts), before its
  // indexes are made and before it listens: the signal lands in the middle of the start.
  const file = path.join(s.dataDir, 'embedded-db.json');
  await until(async () => existsSync(file), file, s, 2);
  // one SIGTERM (stop() sends it; a second one would mean "exit now")
  const code = await stop(s);
  const out = s.output();
  if (code !== 0) throw new Error(`exit code ${code}; output:\n${out}`);
  expect(out).toContain('shutting down');
  // it got as far as it would have (the start completed), and then stopped in order
  expect(out).toContain('spotcheck started');
});
