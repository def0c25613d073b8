/**
 * A stale `data/embedded-db.json` (docs/interfaces.md "Embedded database"): the file survives a SIGKILL or a power
 * loss, and after a reboot its pid often belongs to another process. A live pid whose recorded database does not
 * answer must not be trusted: the service removes the file (saying why) and starts normally; the CLI refuses at
 * once with its one Chinese line. Both answer in seconds, not after the 30-second connection retry.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { EMBEDDED_URI_FILE } from '../../src/store/database';
import { freePort, pathWithoutMongod, runCliProcess, startServiceProcess, type ServiceProcess } from '../support/processes';

jest.setTimeout(120_000);

/**
 * Generous: far above the few seconds the check takes, far below the ~35–43 s the old code spent retrying. Measured
 * as the time the check ADDS to a start (or a CLI command) that has no database to ping, so that a loaded machine,
 * which slows every start alike, does not count against it.
 */
const PROMPT_MS = 15_000;

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-stale-'));
});
// after the describe's afterEach has stopped the last service
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function bareEnv(dataDir: string): Record<string, string> {
  return { PATH: pathWithoutMongod(), SPOTCHECK_DATA_DIR: dataDir, HOME: os.homedir() };
}

/** A data directory whose file names a live pid (this test process) and a port nobody listens on. */
async function staleDir(name: string, uri?: string): Promise<{ dataDir: string; file: string; written: string }> {
  const dataDir = path.join(root, name);
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, EMBEDDED_URI_FILE);
  const written = JSON.stringify({ uri: uri ?? `mongodb://127.0.0.1:${await freePort()}/spotcheck`, kind: 'wire-server', pid: process.pid });
  writeFileSync(file, written);
  return { dataDir, file, written };
}

/** Spawn → the removal's log line of a service whose file names a pid that is gone (nothing to ping). */
let deadPidMs = 0;
/** Spawn → exit of the CLI's refusal with no file at all (nothing to ping). */
let cliReferenceMs: number | undefined;
async function cliReference(): Promise<number> {
  if (cliReferenceMs === undefined) {
    const dataDir = path.join(root, 'cli-reference');
    mkdirSync(dataDir, { recursive: true });
    const started = Date.now();
    const run = await runCliProcess(['campaign', 'list'], bareEnv(dataDir));
    expect(run.stderr).toContain('找不到可用的数据库');
    cliReferenceMs = Date.now() - started;
  }
  return cliReferenceMs;
}

describe('a stale embedded-db.json whose pid is alive but whose database is gone', () => {
  let service: ServiceProcess | undefined;
  afterEach(async () => {
    await service?.stop();
    service = undefined;
  });

  // First: the reference start the next case is compared with.
  it('a file whose pid is gone is not trusted either (service)', async () => {
    const dataDir = path.join(root, 'dead-pid');
    mkdirSync(dataDir, { recursive: true });
    const file = path.join(dataDir, EMBEDDED_URI_FILE);
    // 2^22 + 1 is above Linux's default pid_max, so no process has it.
    writeFileSync(file, JSON.stringify({ uri: `mongodb://127.0.0.1:${await freePort()}/spotcheck`, kind: 'wire-server', pid: 4194305 }));
    const spawnedAt = Date.now();
    service = await startServiceProcess({ ...bareEnv(dataDir), LOG_LEVEL: 'info' }, { timeoutMs: 90_000 });
    const removal = service.logs().find((l) => l.msg === 'removing a stale embedded-database file');
    expect(String(removal?.reason)).toBe('process 4194305 is not running');
    deadPidMs = Number(removal!.time) - spawnedAt;
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ pid: service.child.pid });
  });

  it('the service removes it, says why, and starts on its own database promptly', async () => {
    const { dataDir, file } = await staleDir('service');
    const spawnedAt = Date.now();
    service = await startServiceProcess({ ...bareEnv(dataDir), LOG_LEVEL: 'info' }, { timeoutMs: 90_000 });

    const removal = service.logs().find((l) => l.msg === 'removing a stale embedded-database file');
    expect(removal).toBeDefined();
    expect(String(removal!.reason)).toContain(`process ${process.pid} is running but mongodb://127.0.0.1:`);
    expect(String(removal!.reason)).toContain('does not answer');
    // The check itself took seconds: the log line's own time, less the same start-up with nothing to ping.
    expect(Number(removal!.time) - spawnedAt - deadPidMs).toBeLessThan(PROMPT_MS);

    // The service runs on the database it started and published it in place of the stale one.
    const info = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; kind: string };
    expect(info).toMatchObject({ pid: service.child.pid, kind: 'wire-server' });
    const health = await fetch(`http://127.0.0.1:${service.port}/healthz`);
    expect(health.status).toBe(200);
    expect(service.stderr).not.toContain('启动失败');

    // And the CLI now reaches that database through the new file.
    const list = await runCliProcess(['campaign', 'list'], bareEnv(dataDir));
    expect(list).toMatchObject({ code: 0, stderr: '' });
  });

  it('the CLI refuses promptly with its one Chinese line and leaves the file to the service', async () => {
    const { dataDir, file, written } = await staleDir('cli');
    const reference = await cliReference();
    const started = Date.now();
    const run = await runCliProcess(['campaign', 'list'], bareEnv(dataDir));
    const elapsed = Date.now() - started;
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('找不到可用的数据库');
    expect(lines[0]).toContain('未写入任何数据');
    expect(run.stderr).not.toContain('ECONNREFUSED');
    expect(run.stdout).toBe('');
    expect(elapsed - reference).toBeLessThan(PROMPT_MS);
    expect(readFileSync(file, 'utf8')).toBe(written);
  });

  it('a recorded server that accepts connections but never answers is stale too (CLI)', async () => {
    // accepts, never replies; its connections are destroyed at the end (never read, a closed peer's end would not be
    // seen, and the socket would keep this test worker alive)
    const accepted = new Set<net.Socket>();
    const silent = net.createServer((socket) => {
      accepted.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const { dataDir } = await staleDir('cli-silent', `mongodb://127.0.0.1:${port}/spotcheck`);
      const reference = await cliReference();
      const started = Date.now();
      const run = await runCliProcess(['campaign', 'list'], bareEnv(dataDir));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('找不到可用的数据库');
      expect(Date.now() - started - reference).toBeLessThan(PROMPT_MS);
    } finally {
      for (const socket of accepted) socket.destroy();
      silent.close();
    }
  });
});
