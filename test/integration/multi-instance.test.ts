/**
 * Several instances, one database: two service processes (the real service, test/support/serviceProcess.ts)
 * share one database and one Feishu (the emulator, in this process). Traffic goes through both; every event and
 * callback delivered to either (or to both, as a redelivery through a load balancer would) has one effect, every
 * job runs once per scheduled slot, every outbox entry is sent once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { SimulatedFeishu, cardText } from '../../src/sandbox/client';
import { startLarkEmulator, type LarkEmulator, type SentMessage } from '../../src/sandbox/emulator';
import { newEventId, newMessageId } from '../../src/sandbox/emulator/ids';
import { drawModel } from '../../src/store/draw';
import { outboxModel } from '../../src/store/outbox';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { testMongoUri, uniqueDbName, type TestMongo } from '../support/db';
import { TEST_APP, TEST_CALLBACK_DEADLINE_MS, withDbName } from '../support/harness';
import { pathWithoutMongod, startServiceProcess, type ServiceProcess } from '../support/processes';
import { seedRegistries, type SeededRegistries } from '../support/registries';

// Bounds against a hang, not speed targets: on two shared, busy cores a dispatch has taken over a minute.
jest.setTimeout(600_000);

const JOBS = ['dispatch', 'complete-signed', 'digest', 'reminders'];
const EVERY_SECOND = Object.fromEntries(JOBS.map((j) => [j, '* * * * * *']));

let mongo: TestMongo;
let emulator: LarkEmulator;
let conn: mongoose.Connection;
let reg: SeededRegistries;
let a: ServiceProcess;
let b: ServiceProcess;
let viaA: SimulatedFeishu;
let viaB: SimulatedFeishu;

function client(port: number): SimulatedFeishu {
  return new SimulatedFeishu({
    botUrl: `http://127.0.0.1:${port}/lark/events`,
    encryptKey: TEST_APP.encryptKey,
    verificationToken: TEST_APP.verificationToken,
    appId: TEST_APP.appId,
    emulator,
    callbackTimeoutMs: TEST_CALLBACK_DEADLINE_MS + 5000,
    hardTimeoutMs: TEST_CALLBACK_DEADLINE_MS + 10_000,
  });
}

/** the two processes' data directories, removed once both have exited */
const dataDirs: string[] = [];

beforeAll(async () => {
  mongo = await testMongoUri();
  const uri = withDbName(mongo.uri, uniqueDbName('multi'));
  conn = await mongoose.createConnection(uri).asPromise();
  reg = await seedRegistries(conn, { enterprises: 120 });
  emulator = await startLarkEmulator({ appId: TEST_APP.appId, appSecret: TEST_APP.appSecret });
  const dataDir = (name: string): string => {
    const dir = mkdtempSync(path.join(os.tmpdir(), `spotcheck-${name}-`));
    dataDirs.push(dir);
    return dir;
  };
  const env = (name: string): Record<string, string> => ({
    PATH: pathWithoutMongod(),
    MONGODB_URI: uri,
    LARK_APP_ID: TEST_APP.appId,
    LARK_APP_SECRET: TEST_APP.appSecret,
    LARK_ENCRYPT_KEY: TEST_APP.encryptKey,
    LARK_VERIFICATION_TOKEN: TEST_APP.verificationToken,
    LARK_DOMAIN: emulator.url,
    LARK_MODE: 'webhook',
    LOG_LEVEL: 'debug',
    SPOTCHECK_DATA_DIR: dataDir(name),
    SPOTCHECK_TEST_SERVICE_OPTIONS: JSON.stringify({ cron: EVERY_SECOND, outbox: { backoffBaseMs: 50, backoffMaxMs: 1000, pollMs: 400 }, callbackDeadlineMs: TEST_CALLBACK_DEADLINE_MS }),
  });
  const entry = 'test/support/serviceProcess.ts';
  [a, b] = await Promise.all([startServiceProcess(env('a'), { entry }), startServiceProcess(env('b'), { entry })]);
  viaA = client(a.port);
  viaB = client(b.port);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
  await emulator?.close();
  await mongo?.close();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Waits until the outbox has nothing left to send (every entry sent or given up). */
async function outboxDrained(timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await outboxModel(conn).countDocuments({ status: { $in: ['pending', 'sending'] } })) > 0) {
    if (Date.now() > deadline) throw new Error('the outbox did not drain');
    await new Promise((r) => setTimeout(r, 100));
  }
}

const replies = (messageId: string): SentMessage[] => emulator.messages().filter((m) => m.root === messageId);

describe('two instances on one database', () => {
  it('a message delivered to both instances at once is answered once; messages through either are answered', async () => {
    const people = reg.data.staff.slice(0, 12);
    const both: string[] = [];
    const single: string[] = [];
    await Promise.all(
      people.map(async (p, i) => {
        // The same event through both instances (a redelivery that reached the other one).
        const ids = { eventId: newEventId(), messageId: newMessageId() };
        const [ra, rb] = await Promise.all([viaA.sendText(p.openId, '/帮助', ids), viaB.sendText(p.openId, '/帮助', ids)]);
        expect([ra.status, rb.status]).toEqual([200, 200]);
        both.push(ids.messageId);
        // And a different message through one or the other.
        const other = await (i % 2 === 0 ? viaA : viaB).sendText(p.openId, '/我的任务');
        expect(other.status).toBe(200);
        single.push(other.messageId);
      }),
    );
    await Promise.all([...both, ...single].map((id) => emulator.waitFor((m) => m.root === id, 90_000)));
    await outboxDrained();
    for (const id of [...both, ...single]) expect(replies(id)).toHaveLength(1);
  });

  it('a draw confirmed by a click delivered to both instances (and a second tap) is confirmed and dispatched once', async () => {
    const sent = await viaA.sendText(reg.cityLiaison.openId, '/抽取 种子=20240401');
    const preview = await emulator.waitFor((m) => m.root === sent.messageId, 90_000);
    expect(cardText(preview.current)).toContain('确认抽取');
    // One click, delivered to both instances at once.
    const click = viaA.cardActionEvent(reg.cityLiaison.openId, preview.current, '确认抽取', { messageId: preview.message_id });
    const answers = await Promise.all([viaA.deliver(click.envelope), viaB.deliver(click.envelope)]);
    expect(answers.map((r) => r.status)).toEqual([200, 200]);
    // A second tap on the same card (a new event) through the other instance.
    const tap = await viaB.clickButton(reg.cityLiaison.openId, preview.content, '确认抽取', { messageId: preview.message_id });
    expect(tap.status).toBe(200);

    const deadline = Date.now() + 180_000;
    while (!(await drawModel(conn).exists({ status: 'confirmed', dispatchedAt: { $exists: true } }))) {
      if (Date.now() > deadline) throw new Error('the draw was never dispatched');
      await new Promise((r) => setTimeout(r, 100));
    }
    await outboxDrained();
    expect(await drawModel(conn).countDocuments({ status: 'confirmed' })).toBe(1);
    const draw = (await drawModel(conn).findOne({ status: 'confirmed' }).lean())!;
    const tasks = await taskModel(conn).find({ drawId: draw._id }).lean<TaskDoc[]>();
    expect(tasks.length).toBeGreaterThan(20);
    expect(new Set(tasks.map((t) => t.no)).size).toBe(tasks.length);
    // Every member of every team was shown its assignment once.
    for (const t of tasks) {
      for (const m of t.team) {
        const cards = emulator.messagesTo(m.openId).filter((msg) => cardText(msg.content).includes(t.enterprise.name) && cardText(msg.content).includes('开始检查'));
        expect(`${t.no} ${m.openId}: ${cards.length}`).toBe(`${t.no} ${m.openId}: 1`);
      }
    }
  });

  it('every outbox entry was sent once, and both instances did some of the sending', async () => {
    await outboxDrained();
    const entries = await outboxModel(conn).find({}, { key: 1, uuid: 1, status: 1, kind: 1 }).lean();
    expect(entries.length).toBeGreaterThan(50);
    expect(entries.filter((e) => e.status !== 'sent')).toEqual([]);
    const accepted = new Map<string, number>();
    for (const r of emulator.requests) {
      if (r.method !== 'POST' || r.status !== 200 || !/^\/open-apis\/im\/v1\/messages(\/[^/]+\/reply)?$/.test(r.path)) continue;
      const uuid = (r.body as { uuid?: string }).uuid ?? '';
      accepted.set(uuid, (accepted.get(uuid) ?? 0) + 1);
    }
    const twice = entries.filter((e) => e.kind !== 'patch' && (accepted.get(e.uuid) ?? 0) !== 1).map((e) => `${e.key}: ${accepted.get(e.uuid) ?? 0}`);
    expect(twice).toEqual([]);
    const delivered = (p: ServiceProcess) => p.logs().filter((l) => l.msg === 'outbox delivered').length;
    expect(delivered(a)).toBeGreaterThan(0);
    expect(delivered(b)).toBeGreaterThan(0);
    expect(delivered(a) + delivered(b)).toBe(entries.length);
  });

  it('every job runs once per scheduled slot, though both instances fire every tick', async () => {
    type Line = { job?: string; slot?: string; msg?: string };
    const handled = (): Line[] => [...a.logs(), ...b.logs()] as Line[];
    const ran = (l: Line) => l.msg === 'job done' || l.msg === 'job failed' || l.msg === 'job skipped: a run holds the lease';
    // Wait for at least five slots of every job.
    const deadline = Date.now() + 180_000;
    for (;;) {
      const slots = (job: string) => new Set(handled().filter((l) => l.job === job && l.slot && ran(l)).map((l) => l.slot)).size;
      if (JOBS.every((j) => slots(j) >= 5)) break;
      if (Date.now() > deadline) throw new Error(`too few job slots: ${JOBS.map((j) => `${j} ${slots(j)}`).join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const lines = handled();
    for (const job of JOBS) {
      const bySlot = new Map<string, number>();
      for (const l of lines) if (l.job === job && l.slot && ran(l)) bySlot.set(l.slot, (bySlot.get(l.slot) ?? 0) + 1);
      const twice = [...bySlot].filter(([, n]) => n !== 1);
      expect({ job, twice }).toEqual({ job, twice: [] });
      expect([...bySlot.keys()].filter((s) => !/T\d\d:\d\d:\d\d\.000Z$/.test(s))).toEqual([]);
    }
    // Both fired: the other instance found each slot taken.
    const lost = (p: ServiceProcess) => p.logs().filter((l) => l.msg === 'job skipped: another instance runs this slot').length;
    expect(lost(a) + lost(b)).toBeGreaterThan(0);
    const failed = lines.filter((l) => l.msg === 'job failed');
    expect(failed).toEqual([]);
  });
});
