/**
 * Faults, measured: the service process is killed with SIGKILL in the middle of dispatching a draw of 500+ cards
 * (twice: early, while tasks and messages are being written, and halfway through delivery) and in the middle of a
 * checklist; each time it is started again on the same database. Nothing is lost and nothing is shown twice —
 * checked on what Feishu (the emulator) received and on the stored record.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { SimulatedFeishu, cardText, findButtons, type ClickResult } from '../../src/sandbox/client';
import { startLarkEmulator, type LarkEmulator, type SentMessage } from '../../src/sandbox/emulator';
import { drawModel } from '../../src/store/draw';
import { outboxModel } from '../../src/store/outbox';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { testMongoUri, uniqueDbName, type TestMongo } from '../support/db';
import { TEST_APP, TEST_CALLBACK_DEADLINE_MS, withDbName } from '../support/harness';
import { freePort, pathWithoutMongod, startServiceProcess, type ServiceProcess } from '../support/processes';
import { shanghaiDate } from '../../src/domain/calendar';
import { seedRegistries, type SeededRegistries } from '../support/registries';

jest.setTimeout(300_000);

let mongo: TestMongo;
let emulator: LarkEmulator;
let conn: mongoose.Connection;
let reg: SeededRegistries;
let env: Record<string, string>;
let service: ServiceProcess | undefined;
let feishu: SimulatedFeishu;
const kills: string[] = [];

async function start(): Promise<ServiceProcess> {
  service = await startServiceProcess(env, { entry: 'test/support/serviceProcess.ts' });
  return service;
}

async function crash(when: string): Promise<void> {
  await service!.kill();
  kills.push(when);
}

async function until(what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // the database is asked again only this often: each question costs the wire server's CPU, on two shared cores
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  mongo = await testMongoUri();
  const uri = withDbName(mongo.uri, uniqueDbName('crash'));
  conn = await mongoose.createConnection(uri).asPromise();
  // The service runs on the real clock: a campaign of this year whose inspection window is open today.
  const year = Number(shanghaiDate(new Date()).slice(0, 4));
  reg = await seedRegistries(conn, { enterprises: 600, year, campaign: { from: `${year}-01-01`, to: `${year}-12-31` } });
  emulator = await startLarkEmulator({ appId: TEST_APP.appId, appSecret: TEST_APP.appSecret });
  const port = await freePort();
  env = {
    PATH: pathWithoutMongod(),
    PORT: String(port),
    MONGODB_URI: uri,
    LARK_APP_ID: TEST_APP.appId,
    LARK_APP_SECRET: TEST_APP.appSecret,
    LARK_ENCRYPT_KEY: TEST_APP.encryptKey,
    LARK_VERIFICATION_TOKEN: TEST_APP.verificationToken,
    LARK_DOMAIN: emulator.url,
    LARK_MODE: 'webhook',
    LOG_LEVEL: 'warn',
    SPOTCHECK_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'spotcheck-crash-')),
    // Claims of a killed process are taken over after the lease: short here, so the test does not wait a minute.
    SPOTCHECK_TEST_SERVICE_OPTIONS: JSON.stringify({ outbox: { backoffBaseMs: 50, backoffMaxMs: 1000, pollMs: 400, leaseMs: 3000 }, callbackDeadlineMs: TEST_CALLBACK_DEADLINE_MS }),
  };
  feishu = new SimulatedFeishu({
    botUrl: `http://127.0.0.1:${port}/lark/events`,
    encryptKey: TEST_APP.encryptKey,
    verificationToken: TEST_APP.verificationToken,
    appId: TEST_APP.appId,
    emulator,
    callbackTimeoutMs: TEST_CALLBACK_DEADLINE_MS + 5000,
    hardTimeoutMs: TEST_CALLBACK_DEADLINE_MS + 10_000,
  });
  await start();
});

afterAll(async () => {
  await service?.stop();
  await conn?.dropDatabase().catch(() => undefined);
  await conn?.close();
  await emulator?.close();
  await mongo?.close();
  // after the last service process has exited (stop waits for its exit)
  if (env?.SPOTCHECK_DATA_DIR) rmSync(env.SPOTCHECK_DATA_DIR, { recursive: true, force: true });
});

/** Whether a message is an assignment card, judged once per message (a message's first content never changes). */
const assignment = new WeakMap<SentMessage, boolean>();
const isAssignment = (m: SentMessage): boolean => {
  let yes = assignment.get(m);
  if (yes === undefined) {
    yes = m.msg_type === 'interactive' && findButtons(m.content).some((b) => b.text === '开始检查');
    assignment.set(m, yes);
  }
  return yes;
};
const assignmentCards = (): SentMessage[] => emulator.messages().filter(isAssignment);

/** Resolves once Feishu has received `n` assignment cards (on each message the emulator records, not by polling). */
async function assignmentsReach(n: number): Promise<void> {
  const seen = new Set<string>();
  await emulator.waitFor((m) => {
    if (isAssignment(m)) seen.add(m.message_id);
    return seen.size >= n;
  }, 180_000);
}

describe('SIGKILL mid-dispatch of a draw of 500+ cards', () => {
  it('after two crashes and restarts every card is delivered once', async () => {
    const sent = await feishu.sendText(reg.cityLiaison.openId, '/抽取 种子=20240501');
    const preview = await emulator.waitFor((m) => m.root === sent.messageId, 60_000);
    const click = await feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认抽取');
    expect(click.status).toBe(200);

    // Early: as soon as the first assignment arrives, tasks and messages are still being written.
    await assignmentsReach(1);
    const draw = (await drawModel(conn).findOne({ status: 'confirmed' }).lean())!;
    const early = await taskModel(conn).countDocuments({ drawId: draw._id });
    const earlyQueued = await outboxModel(conn).countDocuments();
    await crash(`after ${assignmentCards().length} cards, ${early} tasks and ${earlyQueued} messages written`);
    await start();

    // Halfway through delivery.
    await assignmentsReach(250);
    await crash(`after ${assignmentCards().length} cards`);
    await start();

    await until('the dispatch to finish', async () => (await drawModel(conn).exists({ _id: draw._id, dispatchedAt: { $exists: true } })) !== null);
    await until('the outbox to drain', async () => (await outboxModel(conn).countDocuments({ status: { $in: ['pending', 'sending'] } })) === 0);

    // Nothing lost: one task per drawn enterprise, and every message the dispatch queued was sent.
    const drawn = (await drawModel(conn).findById(draw._id).lean())!.summary as { selected: number; shortages: number };
    const tasks = await taskModel(conn).find({ drawId: draw._id }).lean<TaskDoc[]>();
    expect(drawn.selected).toBeGreaterThanOrEqual(150);
    expect(tasks.length).toBe(drawn.selected);
    const entries = await outboxModel(conn).find({}, { key: 1, status: 1, uuid: 1 }).lean();
    expect(entries.filter((e) => e.status !== 'sent')).toEqual([]);
    const expectedAssignments = tasks.reduce((n, t) => n + t.team.length, 0);
    expect(entries.length).toBeGreaterThanOrEqual(500);

    // Nothing shown twice: every member sees each of their assignments exactly once.
    const cards = assignmentCards();
    expect(cards).toHaveLength(expectedAssignments);
    const textsTo = new Map<string, string[]>(); // each card's text, once, by receiver
    for (const c of cards) textsTo.set(c.receive_id, [...(textsTo.get(c.receive_id) ?? []), cardText(c.content)]);
    for (const t of tasks) {
      for (const m of t.team) {
        const shown = (textsTo.get(m.openId) ?? []).filter((text) => text.includes(t.enterprise.licenceNo));
        expect(`${t.no}/${m.openId}: ${shown.length}`).toBe(`${t.no}/${m.openId}: 1`);
      }
    }
    // …and every queued message appears once on Feishu (a message re-sent after a crash carries the same uuid).
    const byUuid = new Map<string, number>();
    for (const m of emulator.messages()) if (m.uuid) byUuid.set(m.uuid, (byUuid.get(m.uuid) ?? 0) + 1);
    expect(entries.filter((e) => byUuid.get(e.uuid) !== 1).map((e) => e.key)).toEqual([]);
    // One internal and one public bundle shown to the liaison, once each. (Feishu's file upload has no idempotency
    // key: a kill between an upload and recording its file key uploads that file again, unseen by anyone.)
    const bundleFiles = new Map(emulator.files().filter((f) => f.file_name.startsWith('抽取数据包')).map((f) => [f.file_key, f.file_name] as const));
    const shownBundles = emulator
      .messages()
      .filter((m) => m.msg_type === 'file' && bundleFiles.has(String((m.content as { file_key?: string }).file_key)))
      .map((m) => bundleFiles.get(String((m.content as { file_key?: string }).file_key))!.split('-')[1]);
    expect(shownBundles.sort()).toEqual(['内部', '可公开']);
    expect(kills).toHaveLength(2);
  });
});

describe('SIGKILL mid-checklist', () => {
  it('a crash while an answer is being saved loses no answer and saves none twice', async () => {
    const task = (await taskModel(conn).findOne({ checklist: 'industrial' }).sort({ no: 1 }).lean<TaskDoc>())!;
    const officer = task.team.find((m) => m.role === '执法人员')!;
    const assignment = assignmentCards().find((c) => c.receive_id === officer.openId && cardText(c.content).includes(task.enterprise.licenceNo))!;
    const clickOk = async (card: unknown, button: string, formValues?: Record<string, string>): Promise<ClickResult> => {
      const res = await feishu.clickButton(officer.openId, card, button, formValues ? { formValues } : {});
      expect(res.clientError).toBeUndefined();
      return res;
    };
    const itemOf = (card: unknown): number => Number(/第 (\d+)\/9 项/.exec(cardText(card))?.[1] ?? 0);
    const verdictFor = (k: number) => (k === 4 ? '不符合' : '符合');
    const recordFor = (k: number) => (k === 4 ? { record: '未见原材料进厂检验记录' } : undefined);

    let card: unknown = (await clickOk(assignment.current, '开始检查', undefined)).card;
    for (let k = 1; k <= 3; k++) card = (await clickOk(card, verdictFor(k), recordFor(k))).card;
    expect(itemOf(card)).toBe(4);

    // Item 4: the click is on its way when the process dies.
    const { envelope } = feishu.cardActionEvent(officer.openId, card, '不符合', { formValues: recordFor(4) });
    const inflight = feishu.deliver(envelope).then(
      (r) => `answered ${r.status}`,
      () => 'no answer',
    );
    await new Promise((r) => setTimeout(r, 5));
    await crash('while item 4 was being saved');
    await inflight;
    await start();
    // Feishu delivers the same callback again; then the inspector, who saw no answer, carries on from /我的任务.
    expect((await feishu.deliver(envelope)).status).toBe(200);
    const sent = await feishu.sendText(officer.openId, '/我的任务');
    const list = await emulator.waitFor((m) => m.root === sent.messageId, 30_000);
    card = (await feishu.clickButton(officer.openId, list.current, (b) => (b.value as { task?: string } | undefined)?.task === String(task._id))).card;

    for (let guard = 0; itemOf(card) > 0 && guard < 20; guard++) {
      const k = itemOf(card);
      const stored = (await taskModel(conn).findById(task._id).lean<TaskDoc>())!;
      const answered = stored.inspection!.answers.some((a) => a.item === k);
      card = (await clickOk(card, answered ? '下一项' : verdictFor(k), answered ? undefined : recordFor(k))).card;
    }
    expect(cardText(card)).toContain('9 项已全部检查');

    const stored = (await taskModel(conn).findById(task._id).lean<TaskDoc>())!;
    const rec = stored.inspection!;
    expect(rec.answers.map((a) => [a.item, a.verdict]).sort((x, y) => Number(x[0]) - Number(y[0]))).toEqual(
      Array.from({ length: 9 }, (_, i) => [i + 1, verdictFor(i + 1)]),
    );
    expect(rec.answers.find((a) => a.item === 4)?.record).toBe('未见原材料进厂检验记录');
    const saved = rec.history.filter((h) => h.outcome === 'saved').map((h) => h.item).sort((x, y) => x - y);
    expect(saved).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(kills).toHaveLength(3);
  });
});
