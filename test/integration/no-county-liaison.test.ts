/**
 * Only a liaison of the firm's county confirms a rectification (附件2); the 市局联络员 does not stand in. Where the
 * county has no 联络员 in the staff registry, nothing may be stuck: the rectification card and its reminders (to the
 * 市局联络员, who stand in for the publication and 立案/移交, and the 组长) say that the county has no liaison and that
 * one must be added to the 执法检查人员名录库; once the 市局联络员 imports a staff file that registers one, that liaison
 * gets the card with the form and confirms. Through the webhook, the SDK and the emulator, with a movable clock.
 */
import path from 'node:path';
import { CHECKLISTS } from '../../src/domain/checklists';
import type { Answer } from '../../src/domain/inspection';
import { STAFF_HEADERS } from '../../src/domain/registryRows';
import { runCli } from '../../src/cli';
import { newPublication } from '../../src/operations/followup/common';
import { confirmRectification } from '../../src/operations/followup/confirmRectification';
import { sendReminders } from '../../src/operations/followup/sendReminders';
import { staffCells } from '../../src/operations/writeSampleData';
import { cardText } from '../../src/sandbox/client';
import type { TaskDoc } from '../../src/store/task';
import { taskModel } from '../../src/store/task';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff, submittedRecord, type Card, type Person } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { csvBytes } from '../support/setupFiles';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
let clock = new Date('2026-03-02T02:00:00Z'); // Monday 10:00 in 运城
const conn = () => h.service.db.connection;
const deps = () => ({ conn: conn(), outbox: h.service.outbox, log: h.log, now: () => clock });
// 永济市's liaison (赵丽) is not in the staff registry at first
const { officer, expert, leader, liaison, cityLiaison } = PEOPLE;
const NOTICE = '永济市在执法检查人员名录库中没有登记联络员，整改结果确认单（附件2）暂时无人可以填写';
const ADD = '请市局联络员在执法检查人员名录库中添加永济市的联络员（角色“联络员”，所属县区“永济市”）并导入';

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'no_county_liaison', now: () => clock });
  await registerStaff(conn(), [officer, expert, leader, cityLiaison]);
  d = inspectionDriver(h);
});

const dir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-liaison-'));

afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Officer answers every item (3 and 7 不符合) and submits, expert and leader sign: 待整改. */
async function completeWithFindings(task: TaskDoc): Promise<void> {
  let card = (await d.open(officer.openId, task)).card!;
  const findings: Record<number, string> = { 3: '检验设备（天平）超出检定周期', 7: '未配备质量安全员' };
  for (let k = 1; k <= 9; k += 1) {
    const record = findings[k];
    card = (await d.click(officer.openId, card, record ? '不符合' : '符合', record ? { record } : undefined)).card!;
  }
  await d.click(officer.openId, card, '提交检查结果', { representative: '孙经理' });
  for (const m of [expert, leader]) await d.click(m.openId, await d.cardTo(m.openId, '请核对检查记录', task.enterprise.name), '确认签字');
}

async function sendFile(openId: string, name: string, bytes: Buffer): Promise<Card> {
  const sent = await h.feishu.sendFile(openId, name, bytes);
  expect(sent.status).toBe(200);
  return (await h.emulator.waitFor((m) => m.root === sent.messageId, 30_000)).current;
}

it('a county without a 联络员: told on the card and the reminders, the 市局 cannot confirm; a liaison registered by import gets the card and confirms', async () => {
  const task = await createTask(conn(), { kind: 'food', enterprise: { name: '永济市丁包装有限公司' } });
  await completeWithFindings(task);
  expect((await readTask(conn(), task._id)).state).toBe('待整改');

  // the 市局联络员 (standing in for the publication and 立案/移交) and the 组长: told, no confirm form
  const forCity = await d.cardTo(cityLiaison.openId, '待整改：确认整改与结果公示', task.enterprise.name);
  expect(d.buttons(forCity)).toEqual(['登记后续处置', '已录入并公示']);
  expect(cardText(forCity)).toContain(NOTICE);
  expect(cardText(forCity)).toContain(ADD);
  const forLeader = await d.cardTo(leader.openId, '待整改：确认整改与结果公示', task.enterprise.name);
  expect(d.buttons(forLeader)).toEqual(['已录入并公示']);
  expect(cardText(forLeader)).toContain(NOTICE);

  // the operation refuses the 市局联络员 too (a forged or old card)
  const forged = await confirmRectification(deps(), {
    taskId: String(task._id),
    actor: { openId: cityLiaison.openId, roles: ['联络员'], county: '市局' },
    round: 1,
    status: ['done', 'done'],
    done: ['已更换', '已任命'],
    opinion: '同意',
  });
  expect(forged).toMatchObject({ ok: false, refusal: { code: 'notConfirmer', county: '永济市' } });

  // the deadline-day reminder (to the 市局联络员, who stand in) says it again
  const deadline = (await readTask(conn(), task._id)).inspection!.rectification!.deadline;
  expect(deadline).toBe('2026-03-17');
  clock = new Date('2026-03-17T01:00:00Z');
  expect((await sendReminders(deps(), clock)).reminders).toBeGreaterThan(0);
  const reminder = await d.cardTo(cityLiaison.openId, '整改期限今天到期', task.enterprise.name);
  expect(cardText(reminder)).toContain(NOTICE);
  expect(d.buttons(reminder)).not.toContain('确认整改');

  // the 市局联络员 registers 永济市's liaison in chat: the result says who was sent what
  clock = new Date('2026-03-18T02:00:00Z');
  const staffFile = await csvBytes(STAFF_HEADERS, [staffCells({ ...liaison, avoid: [] })]);
  const preview = await sendFile(cityLiaison.openId, '人员名录.csv', staffFile);
  expect(cardText(preview)).toContain('导入预览 · 执法检查人员名录库');
  const imported = await h.feishu.clickButton(cityLiaison.openId, preview, '确认导入');
  expect(imported.clientError).toBeUndefined();
  const result = imported.card ?? (await h.emulator.waitFor((m) => m.message_id === imported.messageId && cardText(m.current).includes('已导入'), 30_000)).current;
  expect(cardText(result)).toContain('新登记的县区联络员 1 人：已把本县区待确认整改（附件2）的任务卡片共 **1** 张发给他们');

  // the new liaison gets the card with the form, and confirms
  const handed = await d.cardTo(liaison.openId, '待您确认整改（附件2）', task.enterprise.name);
  expect(cardText(handed)).toContain('您已登记为**永济市**的联络员');
  expect(cardText(handed)).not.toContain(NOTICE);
  expect(d.buttons(handed)).toEqual(['确认整改', '登记后续处置', '已录入并公示']);
  const ok = await d.click(liaison.openId, handed, '确认整改', { status_1: 'done', done_1: '已更换检定合格的天平', status_2: 'done', done_2: '已任命质量安全员' });
  expect(ok.toast).toEqual({ type: 'success', content: '已确认整改并上报市局，请接着登记公示' });
  expect(await readTask(conn(), task._id)).toMatchObject({ state: '待公示', rectificationCheck: { confirmedBy: liaison.openId, confirmedOn: '2026-03-18' } });

  // importing the same registry again hands nothing over (the liaison is not new)
  const again = await sendFile(cityLiaison.openId, '人员名录.csv', staffFile);
  const second = await h.feishu.clickButton(cityLiaison.openId, again, '确认导入');
  const secondCard = second.card ?? (await h.emulator.waitFor((m) => m.message_id === second.messageId && cardText(m.current).includes('已导入'), 30_000)).current;
  expect(cardText(secondCard)).not.toContain('新登记的县区联络员');
});

it('a liaison registered with the CLI (npm run cli -- import staff) gets the county’s tasks waiting for 附件2', async () => {
  clock = new Date('2026-03-20T02:00:00Z');
  // a 夏县 firm with findings, 待整改 (written as the service leaves it); 夏县 has no 联络员
  const at = new Date('2026-03-05T02:00:00Z');
  const answers: Answer[] = CHECKLISTS.industrial.items.map((it) => ({
    item: it.no,
    verdict: it.no === 4 ? '不符合' : '符合',
    record: it.no === 4 ? '出厂检验记录不全' : '',
    by: officer.openId,
    byName: officer.name,
    at,
  }));
  const task = await createTask(conn(), { state: '待整改', enterprise: { name: '夏县戊电缆有限公司', county: '夏县' } });
  const rectification = { days: 15, issuedDate: '2026-03-05', deadline: '2026-03-20', items: [{ no: 4, content: '出厂检验', record: '出厂检验记录不全' }], setBy: leader.openId, recipients: [] };
  const inspection = submittedRecord(answers, officer.openId, at, { completionDate: '2026-03-05', completedAt: at, result: '发现问题', rectification });
  await taskModel(conn()).updateOne({ _id: task._id }, { $set: { inspection, publication: newPublication('2026-03-05', at) } });

  const xiaLiaison: Person = { openId: 'ou_liaison000000000000000000000x1', name: '孙晓', roles: ['联络员'], unit: '夏县市场监督管理局', county: '夏县' };
  const file = path.join(dir, 'staff.csv');
  writeFileSync(file, await csvBytes(STAFF_HEADERS, [staffCells({ ...xiaLiaison, avoid: [] })]));
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['import', 'staff', file], {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    env: { MONGODB_URI: h.config.mongodbUri, SPOTCHECK_DATA_DIR: path.join(dir, 'data') },
  });
  expect([code, err]).toEqual([0, []]);
  expect(out.at(-1)).toBe('新登记的县区联络员1人：已把本县区待确认整改（附件2）的任务卡片共1张排队发送（消息由运行中的服务发送）');
  // queued by the CLI, delivered by the running service
  const handed = await d.cardTo(xiaLiaison.openId, '待您确认整改（附件2）', task.enterprise.name);
  expect(d.buttons(handed)).toEqual(['确认整改', '登记后续处置', '已录入并公示']);
  expect(cardText(handed)).toContain('出厂检验记录不全');
});
