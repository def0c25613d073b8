/**
 * A stand-in for mongod, for tests of the embedded-mongod path on machines without MongoDB. It behaves as mongod
 * does where the launcher relies on it:
 * - `--version` prints a version line;
 * - `--dbpath D --port P --logpath L --logappend`: writes its pid into D/mongod.lock, appends to L, answers the
 *   wire protocol on 127.0.0.1:P only after a start-up delay (FAKE_MONGOD_DELAY_MS, default 300) so the launcher
 *   must wait for readiness, and empties the lock on SIGTERM (a clean shutdown) — a SIGKILL leaves it full;
 * - FAKE_MONGOD_FAIL=1: logs an error and exits 100 without listening, as mongod does on a bad data directory.
 * Data is kept in memory: persistence across runs is mongod's own business and is not what these tests check.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write('db version v7.0.0 (fake for tests)\n');
  process.exit(0);
}
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dbPath = opt('--dbpath');
const port = Number(opt('--port'));
const logPath = opt('--logpath');
if (!dbPath || !port || !logPath) {
  process.stderr.write('fake mongod: --dbpath, --port and --logpath are required\n');
  process.exit(2);
}
const lock = path.join(dbPath, 'mongod.lock');
const log = (msg: string) => appendFileSync(logPath, `${JSON.stringify({ t: new Date().toISOString(), msg })}\n`);

log(`fake mongod starting, pid ${process.pid}, dbpath ${dbPath}, port ${port}`);
if (process.env.FAKE_MONGOD_FAIL === '1') {
  log('Fatal assertion: the data directory is damaged (simulated)');
  process.exit(100);
}
writeFileSync(lock, `${process.pid}\n`);

void (async () => {
  // Loaded only now: `--version` and a failing start exit without the database engine's modules.
  const { startWireServer } = await import('../../../src/store/embedded');
  await new Promise((r) => setTimeout(r, Number(process.env.FAKE_MONGOD_DELAY_MS ?? 300)));
  const server = await startWireServer({ port });
  log('Waiting for connections');
  process.on('SIGTERM', () => {
    log('Received SIGTERM, shutting down');
    void server.close().then(() => {
      writeFileSync(lock, '');
      process.exit(0);
    });
  });
})();
