/**
 * The holiday calendar for a year chinese-days lacks (2027), imported in chat by a 市局联络员 and with the CLI:
 * stored in the database, used by `calendar due`, and every “待定” publication due date of that year computed and
 * announced to the people waiting on it. The 2027 file is an illustrative arrangement (test/fixtures), not the
 * official one.
 */
import { addWorkingDays, isYearCovered, useImportedYears } from '../../src/domain/calendar';
import { CHECKLISTS } from '../../src/domain/checklists';
import type { Answer } from '../../src/domain/inspection';
import { runCli, type CliIo } from '../../src/cli';
import { newPublication } from '../../src/operations/followup/common';
import { cardText, findButtons } from '../../src/sandbox/client';
import type { SentMessage } from '../../src/sandbox/emulator';
import { calendarYearModel } from '../../src/store/calendarYear';
import { importLogModel } from '../../src/store/importLog';
import { setupUploadModel } from '../../src/store/setupUpload';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { sendReminders } from '../../src/operations/followup/sendReminders';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff, submittedRecord } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { campaignWithDraw, taskIn } from '../support/outcomes';
import { holidays2027 } from '../support/setupFiles';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let h: Harness;
const dir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-calendar-'));
const { cityLiaison, liaison, leader, officer, stranger } = PEOPLE;
/** The service's clock: the real time unless a test sets it (moving a millisecond per reading while set). */
let clock: Date | undefined;
let ticks = 0;
const now = (): Date => (clock ? new Date(clock.getTime() + ++ticks) : new Date());

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'setup_calendar', now });
  await registerStaff(h.service.db.connection);
});

afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

const conn = () => h.service.db.connection;

/** A record completed on `completionDate` whose due date was stored the way the service stores it at that moment. */
async function completedTask(name: string, completionDate: string): Promise<TaskDoc> {
  const task = await createTask(conn(), { enterprise: { name, county: '永济市' } });
  const at = new Date(`${completionDate}T02:00:00Z`);
  const answers: Answer[] = CHECKLISTS.industrial.items.map((it) => ({ item: it.no, verdict: '符合', record: '', by: officer.openId, byName: officer.name, at }));
  const inspection = submittedRecord(answers, officer.openId, at, {
    completionDate,
    completedAt: at,
    result: '未发现问题',
    signatures: task.team.map((m) => ({ openId: m.openId, name: m.name, role: m.role, at })),
  });
  await taskModel(conn()).updateOne({ _id: task._id }, { $set: { state: '待公示', inspection, publication: newPublication(completionDate, at) } });
  return readTask(conn(), task._id);
}

/**
 * 无法正常检查 through the chat with the clock at `on` (10:00 in 运城): an officer records 无法联系 with a photo as
 * evidence, the 组长 confirms. A closure has no inspection record: its clock runs from the confirmation.
 */
async function closedInChat(name: string, on: string): Promise<TaskDoc> {
  clock = new Date(`${on}T02:00:00Z`);
  try {
    const ctx = await campaignWithDraw(conn(), { year: 2026, from: '2026-03-15', to: '2026-12-31' });
    const task = await taskIn(conn(), ctx, { enterprise: { name, county: '永济市' } });
    const d = inspectionDriver(h);
    const item = (await d.open(officer.openId, task)).card!;
    await d.click(officer.openId, item, '无法正常检查');
    const image = h.emulator.storeUserResource('image', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const sent = await h.feishu.sendImage(officer.openId, image);
    const saved = await h.emulator.waitFor((m) => m.root === sent.messageId, 30_000);
    expect(cardText(saved.current)).toContain('证据已保存');
    const form = (await d.click(officer.openId, saved.current, '返回登记')).card!;
    const note = '12月18日到登记的生产地址，厂房已空置，联系人电话停机。';
    expect((await d.click(officer.openId, form, '提交组长确认', { reason: '6', note })).toast?.type).toBe('success');
    const ask = await d.cardTo(leader.openId, '无法检查 · 待组长确认', name);
    expect((await d.click(leader.openId, ask, '确认无法检查')).toast?.type).toBe('success');
    return await readTask(conn(), task._id);
  } finally {
    clock = undefined;
  }
}

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: { MONGODB_URI: h.config.mongodbUri, SPOTCHECK_DATA_DIR: path.join(dir, 'data') } };
  const code = await runCli(argv, io);
  return { code, out, err };
}

async function sendFile(openId: string, name: string, bytes: Buffer): Promise<SentMessage> {
  const sent = await h.feishu.sendFile(openId, name, bytes);
  expect(sent.status).toBe(200);
  return h.emulator.waitFor((m) => m.root === sent.messageId, 30_000);
}

/** The due-date notice a person received that names this date. */
function dueNotice(openId: string, dueDate: string): Promise<SentMessage> {
  return h.emulator.waitFor((m) => m.receive_id === openId && m.root === undefined && cardText(m.current).includes(`公示截止 **${dueDate}**`), 30_000);
}

const amended2027 = (): Buffer => Buffer.from(`${holidays2027().toString('utf8').trimEnd()}\r\n2027-01-19,休,修订（示例）\r\n`);

describe('a 2027 calendar', () => {
  let first: TaskDoc;
  let closed: TaskDoc;

  it('is missing at first: due dates running into 2027 are “待定”, calendar due fails', async () => {
    expect(isYearCovered(2027)).toBe(false);
    first = await completedTask('永济市甲电缆有限公司（示例）', '2026-12-15');
    expect(first.publication).toEqual({ dueDate: '', dueNote: expect.stringContaining('日历数据缺少2027年') });
    // a firm closed as 无法联系 (no inspection record): its due date is “待定” as well
    closed = await closedInChat('永济市丙化工有限公司（示例）', '2026-12-18');
    expect(closed.inspection?.completedAt).toBeUndefined();
    expect(closed).toMatchObject({ state: '待公示', closure: { status: 'confirmed', confirmedOn: '2026-12-18' } });
    expect(closed.publication).toEqual({ dueDate: '', dueNote: expect.stringContaining('日历数据缺少2027年') });

    // the reminders job cannot fill them yet; the 市局联络员's weekly warning lists both with their completion dates
    const run = await sendReminders({ conn: conn(), outbox: h.service.outbox, log: h.log, now }, new Date('2026-12-21T01:00:00Z'));
    expect(run).toMatchObject({ working: true, dueDatesFilled: 0, unknownDueDates: 2 });
    expect((await readTask(conn(), closed._id)).publication?.dueDate).toBe('');
    const warning = cardText(
      (await h.emulator.waitFor((m) => m.receive_id === cityLiaison.openId && cardText(m.current).startsWith('节假日日历需要更新'), 30_000)).current,
    );
    expect(warning).toContain('**永济市甲电缆有限公司（示例）**（永济市，2026-12-15 完成）');
    expect(warning).toContain('**永济市丙化工有限公司（示例）**（永济市，2026-12-18 完成）');
    const due = await cli('calendar', 'due', '2026-12-15');
    expect(due.code).toBe(1);
    expect(due.err.at(-1)).toContain('日历数据缺少2027年的法定节假日安排');
  });

  it('a bad calendar sent in chat is refused line by line and nothing is stored', async () => {
    const bad = Buffer.from(
      ['日期,类型', '2027-01-01,休', '2027-01-02,休', '2027-01-05,班', '2027-01-01,休', '2026-12-31,休', '2027-13-01,休', '2027-02-05,放假'].join('\n'),
    );
    const reply = await sendFile(cityLiaison.openId, 'bad-2027.csv', bad);
    const text = cardText(reply.content);
    expect(text).toContain('无法导入 · 节假日安排（2027年）');
    expect(text).toContain('第3行：“休”应为周一至周五（周末本来就休息，不必列出），2027-01-02是周六');
    expect(text).toContain('第4行：“班”（调休上班）应为周六或周日，2027-01-05是周二');
    expect(text).toContain('第5行：日期2027-01-01与第2行重复');
    expect(text).toContain('第6行：日期2026-12-31不在2027年');
    expect(text).toContain('第7行：日期“2027-13-01”不是有效日期');
    expect(text).toContain('第8行：类型“放假”无效');
    expect(findButtons(reply.content)).toEqual([]);
    expect(await calendarYearModel(conn()).countDocuments()).toBe(0);
    expect(await setupUploadModel(conn()).countDocuments()).toBe(0);
    expect(isYearCovered(2027)).toBe(false);
  });

  it('anyone but a 市局联络员 is refused', async () => {
    const reply = await sendFile(stranger.openId, 'holidays-2027.csv', holidays2027());
    expect(cardText(reply.content)).toContain('没有权限');
    expect(await calendarYearModel(conn()).countDocuments()).toBe(0);
  });

  it('imported in chat: previewed, confirmed, stored, and the pending due date computed and announced', async () => {
    const bytes = holidays2027();
    const reply = await sendFile(cityLiaison.openId, 'holidays-2027.csv', bytes);
    const preview = cardText(reply.content);
    expect(preview).toContain('导入预览 · 2027年节假日安排');
    expect(preview).toContain('休（放假的工作日）**18** 天：01-01、02-05、02-08');
    expect(preview).toContain('班（调休上班的周末）**5** 天：01-31、02-20、05-08、09-26、10-09');
    expect(preview).toContain('确认后将重新计算 **2** 项“待定”的公示截止日期');
    expect(isYearCovered(2027)).toBe(false); // a preview changes nothing

    const click = await h.feishu.clickButton(cityLiaison.openId, reply.current, '确认导入');
    expect(click.clientError).toBeUndefined();
    const card = click.card ?? (await h.emulator.waitFor((m) => m.message_id === click.messageId && cardText(m.current).includes('已导入'), 30_000)).current;
    const result = cardText(card);
    expect(result).toContain('已导入 · 2027年节假日安排');
    expect(result).toContain('已重新计算 **2** 项“待定”的公示截止日期，并通知了 2 人');

    // stored (for every instance and the CLI), logged, and used
    const stored = await calendarYearModel(conn()).findOne({ year: 2027 }).lean();
    expect(stored).toMatchObject({ source: 'chat', by: cityLiaison.openId, byName: cityLiaison.name, fileName: 'holidays-2027.csv' });
    expect(stored?.rest).toHaveLength(18);
    expect(await importLogModel(conn()).findOne({ kind: 'calendar' }).lean()).toMatchObject({
      year: 2027,
      by: cityLiaison.openId,
      counts: { rest: 18, work: 5, dueDatesFilled: 2, notified: 2 },
    });
    expect(isYearCovered(2027)).toBe(true);
    // 2026-12-15 + 20 working days: 2027-01-01 is a holiday in this arrangement, so one day later than Monday–Friday
    expect(addWorkingDays('2026-12-15', 20)).toBe('2027-01-13');
    expect((await readTask(conn(), first._id)).publication).toEqual({ dueDate: '2027-01-13' });
    // the closure: 20 working days from the 组长's confirmation (2026-12-18, a Friday) is 2027-01-18
    expect((await readTask(conn(), closed._id)).publication).toEqual({ dueDate: '2027-01-18' });

    // the county liaison and the 组长 (they publish the result) are told the date
    for (const person of [liaison, leader]) {
      const notice = cardText((await dueNotice(person.openId, '2027-01-13')).current);
      expect(notice).toContain('公示截止日期已确定');
      expect(notice).toContain('永济市甲电缆有限公司（示例）');
      expect(notice).toContain('检查完成 2026-12-15');
      const closure = cardText((await dueNotice(person.openId, '2027-01-18')).current);
      expect(closure).toContain('永济市丙化工有限公司（示例）');
      expect(closure).toContain('检查完成 2026-12-18');
    }

    // a second click: refused, nothing imported twice
    const again = await h.feishu.clickButton(cityLiaison.openId, reply.content, '确认导入');
    expect(again.toast?.content).toBe('这份文件已经导入过了，不会重复导入');
    expect(await importLogModel(conn()).countDocuments({ kind: 'calendar' })).toBe(1);
  });

  it('calendar due reads the imported years from the database', async () => {
    useImportedYears([]); // as a fresh process: nothing loaded
    expect(isYearCovered(2027)).toBe(false);
    const due = await cli('calendar', 'due', '2026-12-15');
    expect(due).toMatchObject({ code: 0, out: ['2027-01-13'] });
    expect((await cli('calendar', 'due', '2027-09-30', '--days', '1')).out).toEqual(['2027-10-08']);
  });

  it('imported with the CLI: an amended arrangement replaces the year and fills a pending due date', async () => {
    // a record stored as “待定” (completed before the year was known), then an amended arrangement of the year
    const second = await completedTask('永济市乙包装有限公司（示例）', '2026-12-22');
    await taskModel(conn()).updateOne({ _id: second._id }, { $set: { publication: { dueDate: '', dueNote: '日历数据缺少2027年的法定节假日安排……' } } });
    const file = path.join(dir, 'holidays-2027-amended.csv');
    writeFileSync(file, amended2027());

    // a chat preview of the amendment names what changes against the imported year
    const reply = await sendFile(cityLiaison.openId, 'holidays-2027-amended.csv', amended2027());
    const preview = cardText(reply.content);
    expect(preview).toContain('取代已导入的安排');
    expect(preview).toContain(`由 ${cityLiaison.name} 导入`);
    expect(preview).toContain('2027-01-19：平常 → 休');
    await h.feishu.clickButton(cityLiaison.openId, reply.current, '取消');

    const imported = await cli('calendar', 'import', file);
    expect(imported.code).toBe(0);
    expect(imported.out[0]).toMatch(/^已导入2027年节假日安排：休19天、班5天（文件 SHA-256 [0-9a-f]{64}）$/);
    expect(imported.out[1]).toBe('已重新计算1项“待定”的公示截止日期，通知2人（消息由运行中的服务发送）');
    expect((await calendarYearModel(conn()).findOne({ year: 2027 }).lean())).toMatchObject({ source: 'cli', byName: '命令行' });
    // 2027-01-19 is now a holiday: 20 working days after 2026-12-22 is 2027-01-21
    expect((await readTask(conn(), second._id)).publication).toEqual({ dueDate: '2027-01-21' });
    // the notices are queued by the CLI and delivered by the running service
    await dueNotice(liaison.openId, '2027-01-21');
    await dueNotice(leader.openId, '2027-01-21');
    expect(await importLogModel(conn()).countDocuments({ kind: 'calendar', source: 'cli' })).toBe(1);
  });

  it('an arrangement amended again moves the due dates it changes, not yet published, and tells the people who publish', async () => {
    // 2027-03-01 is a Monday; its 20th working day after is 03-29 (no rest day in March in the imported arrangement)
    const moved = await completedTask('永济市丁食品有限公司（示例）', '2027-03-01');
    expect(moved.publication).toEqual({ dueDate: '2027-03-29' });
    // done 2027-01-25: its count ends in February, before the amended day, and stays
    const kept = await completedTask('永济市戊纸制品有限公司（示例）', '2027-01-25');
    const keptDue = kept.publication!.dueDate;
    // published: its date is history and stays
    const published = await completedTask('永济市己塑料有限公司（示例）', '2027-03-01');
    await taskModel(conn()).updateOne(
      { _id: published._id },
      { $set: { state: '已公示', publication: { dueDate: '2027-03-29', publishedOn: '2027-03-05', result: '未发现问题' } } },
    );
    const amendedAgain = Buffer.from(`${amended2027().toString('utf8').trimEnd()}\r\n2027-03-10,休,再次修订（示例）\r\n`);

    const reply = await sendFile(cityLiaison.openId, 'holidays-2027-amended-2.csv', amendedAgain);
    expect(cardText(reply.content)).toContain('按本文件的安排，**1** 项尚未公示的检查结果的公示截止日期会改变');
    expect((await readTask(conn(), moved._id)).publication).toEqual({ dueDate: '2027-03-29' }); // a preview changes nothing

    const click = await h.feishu.clickButton(cityLiaison.openId, reply.current, '确认导入');
    const card = click.card ?? (await h.emulator.waitFor((m) => m.message_id === click.messageId && cardText(m.current).includes('已导入'), 30_000)).current;
    expect(cardText(card)).toContain('按新安排调整了 **1** 项已确定的公示截止日期，并通知了 2 人');
    // 2027-03-10 is now a rest day: the 20th working day after 03-01 is 03-30
    expect((await readTask(conn(), moved._id)).publication).toEqual({ dueDate: '2027-03-30' });
    expect((await readTask(conn(), kept._id)).publication?.dueDate).toBe(keptDue);
    expect((await readTask(conn(), published._id)).publication).toMatchObject({ dueDate: '2027-03-29', publishedOn: '2027-03-05' });
    for (const person of [liaison, leader]) {
      const notice = await h.emulator.waitFor((m) => m.receive_id === person.openId && m.root === undefined && cardText(m.current).includes('由 2027-03-29 改为 **2027-03-30**'), 30_000);
      expect(cardText(notice.current)).toContain('公示截止日期已调整');
      expect(cardText(notice.current)).toContain('永济市丁食品有限公司（示例）');
      expect(cardText(notice.current)).not.toContain('永济市戊纸制品有限公司（示例）');
    }
    expect(await importLogModel(conn()).findOne({ kind: 'calendar', fileName: 'holidays-2027-amended-2.csv' }).lean()).toMatchObject({
      counts: { dueDatesFilled: 0, dueDatesMoved: 1, notified: 2 },
    });
  });

  it('the reminders job fills a closure’s “待定” due date too, from the 组长’s confirmation', async () => {
    // as the service stores it when the year was unknown (the job fills what an import left, e.g. a failed notice)
    await taskModel(conn()).updateOne({ _id: closed._id }, { $set: { publication: { dueDate: '', dueNote: '日历数据缺少2027年的法定节假日安排……' } } });
    const run = await sendReminders({ conn: conn(), outbox: h.service.outbox, log: h.log, now }, new Date('2027-01-04T01:00:00Z'));
    expect(run).toMatchObject({ working: true, estimated: false, dueDatesFilled: 1, unknownDueDates: 0 });
    expect((await readTask(conn(), closed._id)).publication).toEqual({ dueDate: '2027-01-18' });
  });

  it('the CLI refuses a bad file with its problems and stores nothing', async () => {
    const file = path.join(dir, 'holidays-2028.csv');
    writeFileSync(file, '日期,类型\n2028-06-03,休\n');
    const r = await cli('calendar', 'import', file);
    expect(r.code).toBe(1);
    expect(r.out).toEqual(['  第2行：“休”应为周一至周五（周末本来就休息，不必列出），2028-06-03是周六']);
    expect(r.err).toEqual(['节假日安排有1处问题，没有导入（见上）']);
    const missing = await cli('calendar', 'import', path.join(dir, 'none.csv'));
    expect(missing).toMatchObject({ code: 1, err: [`找不到文件：${path.join(dir, 'none.csv')}`] });
    expect(await calendarYearModel(conn()).countDocuments({ year: 2028 })).toBe(0);
  });
});
