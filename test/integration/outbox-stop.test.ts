/**
 * The outbox's stop() ends its loops whatever they were doing when it was called: a loop that was waiting on the
 * database then finds no work and goes idle after the stop, and must not sleep until a wake that never comes (the
 * harness's close once hung 60 s on that, step "outbox").
 */
import { Outbox } from '../../src/platform/outbox';
import { createLarkClient } from '../../src/platform/larkClient';
import { createLogger } from '../../src/logger';
import { startLarkEmulator, type LarkEmulator } from '../../src/sandbox/emulator';
import { outboxModel } from '../../src/store/outbox';
import { openTestDb, type TestDb } from '../support/db';
import { TEST_APP } from '../support/harness';

let db: TestDb;
let emulator: LarkEmulator;

beforeAll(async () => {
  db = await openTestDb('outboxstop');
  emulator = await startLarkEmulator({ appId: TEST_APP.appId, appSecret: TEST_APP.appSecret });
});

afterAll(async () => {
  await emulator.close();
  await db.close();
});

/** 'stopped', or 'hung' when stop() has not returned within `ms` (what is left of the loops then ends with the process). */
async function stopWithin(outbox: Outbox, ms: number): Promise<'stopped' | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  try {
    return await Promise.race([outbox.stop().then(() => 'stopped' as const), hung]);
  } finally {
    clearTimeout(timer);
  }
}

test('stop() right after start(): every loop is waiting on the database, then idles after the stop', async () => {
  const log = createLogger('silent');
  const client = createLarkClient({ ...TEST_APP, domain: emulator.url, mode: 'webhook' }, log);
  for (const concurrency of [2, 4, 8]) {
    // a poll far longer than the wait below: a loop still asleep when it ends has not seen the stop
    const outbox = new Outbox(outboxModel(db.conn), client, TEST_APP.appId, log, { concurrency, pollMs: 30_000 });
    outbox.start();
    // every loop has sent its first query (its claim, or the longest-queue look first) and waits for the answer
    expect([concurrency, await stopWithin(outbox, 5_000)]).toEqual([concurrency, 'stopped']);
  }
});

test('stop() while the loops are idle, one of them the poller', async () => {
  const log = createLogger('silent');
  const client = createLarkClient({ ...TEST_APP, domain: emulator.url, mode: 'webhook' }, log);
  const outbox = new Outbox(outboxModel(db.conn), client, TEST_APP.appId, log, { concurrency: 4, pollMs: 30_000 });
  outbox.start();
  // the loops have found nothing and sleep (one on the poll's timer, the others until woken)
  await new Promise((r) => setTimeout(r, 500));
  expect(await stopWithin(outbox, 5_000)).toBe('stopped');
});
