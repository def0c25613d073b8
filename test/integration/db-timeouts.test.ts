/**
 * Database time limits (src/store/timeouts.ts): every command the service sends carries one below Feishu's
 * 3-second callback deadline, except the long jobs that state their own; and a database that stops answering
 * gives the person who clicked a clear answer in time instead of a hang.
 *
 * The wire server ignores maxTimeMS and write-concern timeouts (a real MongoDB enforces them), so the first test
 * checks what the service asks of the server, command by command; the second cuts the connection for real.
 */
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import mongoose from 'mongoose';
import type { Document } from 'mongodb';
import type { Config } from '../../src/config';
import { createLogger } from '../../src/logger';
import { SimulatedFeishu, cardText, findButtons } from '../../src/sandbox/client';
import { startLarkEmulator, type LarkEmulator } from '../../src/sandbox/emulator';
import { startService, type Service } from '../../src/service';
import { drawModel } from '../../src/store/draw';
import { DB_OPERATION_TIMEOUT_MS, LONG_OPERATION_TIMEOUT_MS } from '../../src/store/timeouts';
import { testMongoUri, uniqueDbName, type TestMongo } from '../support/db';
import { TEST_APP, TEST_CALLBACK_DEADLINE_MS, withDbName } from '../support/harness';
import { seedRegistries, type SeededRegistries } from '../support/registries';
import { hostPort, startTcpProxy, viaProxy, type TcpProxy } from '../support/tcpProxy';

jest.setTimeout(120_000);

let mongo: TestMongo;
let proxy: TcpProxy;
let emulator: LarkEmulator;
let service: Service;
let feishu: SimulatedFeishu;
let reg: SeededRegistries;
let dbName: string;
let dataDir: string | undefined;
const commands: { name: string; collection: unknown; command: Document }[] = [];

beforeAll(async () => {
  mongo = await testMongoUri();
  proxy = await startTcpProxy(hostPort(mongo.uri));
  emulator = await startLarkEmulator({ appId: TEST_APP.appId, appSecret: TEST_APP.appSecret });
  const config: Config = {
    port: 0,
    production: false,
    mongodbUri: viaProxy(withDbName(mongo.uri, (dbName = uniqueDbName('timeouts'))), proxy.port, 'monitorCommands=true'),
    lark: { ...TEST_APP, domain: emulator.url, mode: 'webhook' },
    dataDir: (dataDir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-timeouts-'))),
    logLevel: 'silent',
  };
  service = await startService(config, createLogger('silent'), {
    outbox: { backoffBaseMs: 50, backoffMaxMs: 1000, pollMs: 400 },
    callbackDeadlineMs: TEST_CALLBACK_DEADLINE_MS,
  });
  service.db.connection.getClient().on('commandStarted', (e) => {
    commands.push({ name: e.commandName, collection: e.command[e.commandName], command: e.command });
  });
  feishu = new SimulatedFeishu({
    botUrl: `http://127.0.0.1:${service.port}/lark/events`,
    encryptKey: TEST_APP.encryptKey,
    verificationToken: TEST_APP.verificationToken,
    appId: TEST_APP.appId,
    emulator,
    callbackTimeoutMs: TEST_CALLBACK_DEADLINE_MS + 5000,
    hardTimeoutMs: TEST_CALLBACK_DEADLINE_MS + 10_000,
  });
  reg = await seedRegistries(service.db.connection, { enterprises: 80 });
});

afterAll(async () => {
  await service?.stop().catch(() => undefined);
  // The proxy is cut by the last test: the database is dropped over a connection of its own, not waited for through it.
  if (dbName) {
    const direct = await mongoose.createConnection(withDbName(mongo.uri, dbName), { serverSelectionTimeoutMS: 5000 }).asPromise();
    await direct.dropDatabase().catch(() => undefined);
    await direct.close();
  }
  await emulator?.close();
  await proxy?.close();
  await mongo?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function command(openId: string, text: string) {
  const sent = await feishu.sendText(openId, text);
  expect(sent.status).toBe(200);
  return emulator.waitFor((m) => m.root === sent.messageId, 20_000);
}

/** Commands that carry no time limit of their own by nature: handshakes, cursors, index builds at start-up. */
const EXEMPT = new Set(['hello', 'isMaster', 'ismaster', 'ping', 'buildInfo', 'endSessions', 'getMore', 'killCursors', 'createIndexes', 'listIndexes', 'listCollections', 'create', 'dropDatabase']);
const READS = new Set(['find', 'aggregate', 'count', 'distinct']);
const WRITES = new Set(['insert', 'update', 'delete']);

describe('database time limits', () => {
  it('every command the service sends carries a limit below the callback deadline, or the long jobs’ own', async () => {
    // Real traffic: a chat command, a draw previewed and confirmed, its dispatch, a progress report.
    await command(reg.cityLiaison.openId, '/帮助');
    const preview = await command(reg.cityLiaison.openId, '/抽取 种子=20240315');
    expect(findButtons(preview.content).map((b) => b.text)).toContain('确认抽取');
    const click = await feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认抽取');
    expect(click.clientError).toBeUndefined();
    for (let i = 0; !(await drawModel(service.db.connection).exists({ status: 'confirmed', dispatchedAt: { $exists: true } })); i++) {
      if (i > 400) throw new Error('the draw was never dispatched');
      await new Promise((r) => setTimeout(r, 50));
    }
    await command(reg.cityLiaison.openId, '/进度');
    expect(await fetch(`http://127.0.0.1:${service.port}/public/results`).then((r) => r.status)).toBe(200);

    const seen = new Set(commands.map((c) => c.name));
    for (const name of ['find', 'aggregate', 'insert', 'update', 'findAndModify']) expect(seen).toContain(name);

    const problems: string[] = [];
    const long: string[] = [];
    for (const { name, collection, command: cmd } of commands) {
      if (EXEMPT.has(name)) continue;
      const where = `${name} ${String(collection)}`;
      const maxTimeMS = cmd.maxTimeMS as number | undefined;
      const wc = cmd.writeConcern as { w?: unknown; wtimeout?: number } | undefined;
      if (READS.has(name) || name === 'findAndModify') {
        if (maxTimeMS === LONG_OPERATION_TIMEOUT_MS) long.push(where);
        else if (!(typeof maxTimeMS === 'number' && maxTimeMS > 0 && maxTimeMS <= DB_OPERATION_TIMEOUT_MS)) problems.push(`${where}: maxTimeMS ${maxTimeMS}`);
      }
      if (WRITES.has(name) || name === 'findAndModify') {
        if (!(wc && wc.w === 'majority' && typeof wc.wtimeout === 'number' && wc.wtimeout > 0 && wc.wtimeout <= DB_OPERATION_TIMEOUT_MS)) {
          problems.push(`${where}: writeConcern ${JSON.stringify(wc)}`);
        }
      }
      if (!READS.has(name) && !WRITES.has(name) && name !== 'findAndModify') problems.push(`${where}: a command this test does not know`);
    }
    expect([...new Set(problems)]).toEqual([]);
    // The long limits are the long jobs': reading the whole registry for the draw, reports over every task.
    expect(long.length).toBeGreaterThan(0);
    for (const w of long) expect(w).toMatch(/^(find|aggregate) (enterprises|tasks)$/);
  });

  it('a database that stops answering gives the person who clicked a clear answer in time', async () => {
    const card = emulator.messages().find((m) => m.msg_type === 'interactive' && findButtons(m.current).some((b) => b.text === '开始检查'))!;
    expect(card).toBeDefined();
    proxy.cut();
    const started = Date.now();
    const click = await feishu.clickButton(card.receive_id, card.current, '开始检查', { messageId: card.message_id });
    const elapsed = Date.now() - started;
    expect(click.status).toBe(200);
    expect(click.toast).toEqual({ type: 'error', content: expect.stringContaining('数据库暂时没有响应') });
    // Without the limits the driver waits 30 s for a server; with them the answer comes after about two.
    expect(elapsed).toBeLessThan(15_000);
    expect(cardText(card.current)).toContain('开始检查');
  });
});
