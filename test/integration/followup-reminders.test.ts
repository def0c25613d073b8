/**
 * The `reminders` job with a movable clock (09:00 in 运城 each day): exactly which cards go to whom on D−5, D−2, D
 * and D+1 (escalation to the city bureau), the rectification confirmation reminders, nothing new on a second run the
 * same day, nothing on rest days, and a due date beyond the calendar's data handled without a crash.
 */
import { addWorkingDays } from '../../src/domain/calendar';
import { CHECKLISTS } from '../../src/domain/checklists';
import { buildRectification, type Answer, type InspectionRecord } from '../../src/domain/inspection';
import { taskModel, type Publication, type TaskDoc, type TaskState } from '../../src/store/task';
import { cardText } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff, submittedRecord, type Card, type Person } from '../support/fixtures';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
let clock = new Date('2026-09-14T02:00:00Z');
const conn = () => h.service.db.connection;
const { officer, expert, leader, liaison, cityLiaison } = PEOPLE;
const head: Person = { openId: 'ou_head0000000000000000000000000c1', name: '刘科长', roles: ['领导'], unit: '运城市市场监督管理局', county: '市局' };
const countyHead: Person = { openId: 'ou_head0000000000000000000000000y1', name: '孙局长', roles: ['领导'], unit: '永济市市场监督管理局', county: '永济市' };
const otherHead: Person = { openId: 'ou_head0000000000000000000000000s1', name: '周局长', roles: ['领导'], unit: '盐湖区市场监督管理局', county: '盐湖区' };
const everyone = [...Object.values(PEOPLE), head, countyHead, otherHead];
const nameOf = new Map(everyone.map((p) => [p.openId, p.name]));

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'followup_rem', now: () => clock });
  await registerStaff(conn(), everyone);
  d = inspectionDriver(h);
});

afterAll(async () => {
  await h.close();
});

/** A task whose record is complete (as the inspection flow leaves it), written straight into the database. */
async function completedTask(opts: {
  name: string;
  completionDate: string;
  state: TaskState;
  findings?: Record<number, string>;
  rectificationDeadline?: string;
  publication?: Publication | null;
  signed?: boolean;
}): Promise<TaskDoc> {
  const task = await createTask(conn(), { enterprise: { name: opts.name } });
  const at = new Date(`${opts.completionDate}T02:00:00Z`);
  const findings = opts.findings ?? {};
  const answers: Answer[] = CHECKLISTS.industrial.items.map((it) => ({
    item: it.no,
    verdict: findings[it.no] ? '不符合' : '符合',
    record: findings[it.no] ?? '',
    by: officer.openId,
    byName: officer.name,
    at,
  }));
  const team = task.team;
  const signed = opts.signed ?? true;
  const inspection: InspectionRecord = submittedRecord(answers, officer.openId, at, {
    completionDate: opts.completionDate,
    signatures: team.filter((m) => signed || m.role !== '组长').map((m) => ({ openId: m.openId, name: m.name, role: m.role, at })),
    ...(signed ? { completedAt: at, result: Object.keys(findings).length > 0 ? ('发现问题' as const) : ('未发现问题' as const) } : {}),
  });
  if (opts.rectificationDeadline) {
    inspection.rectification = {
      ...buildRectification({ kind: 'industrial', answers, days: 15, issuedDate: opts.completionDate, setBy: leader.openId, recipients: [] }),
      deadline: opts.rectificationDeadline,
    };
  }
  const publication = opts.publication === null ? undefined : (opts.publication ?? { dueDate: addWorkingDays(opts.completionDate, 20) });
  await taskModel(conn()).updateOne({ _id: task._id }, { $set: { state: opts.state, inspection, ...(publication ? { publication } : {}), version: 14 } });
  return readTask(conn(), task._id);
}

async function settle(): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    const c = await h.service.outbox.counts();
    if (!c.pending && !c.sending) {
      expect(c.failed ?? 0).toBe(0);
      return;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('the outbox did not settle');
}

const titleOf = (card: Card) => String(((card.header as Card).title as Card).content);

/** Runs the job at 09:00 (运城) on `day`; resolves with "recipient: card title" for every card it sent, sorted. */
async function runOn(day: string): Promise<string[]> {
  clock = new Date(`${day}T01:00:00Z`);
  h.emulator.reset();
  expect(await h.service.scheduler.runNow('reminders')).toBe(true);
  await settle();
  return h.emulator
    .messages()
    .map((m) => `${nameOf.get(m.receive_id) ?? m.receive_id}: ${titleOf(m.content)}`)
    .sort();
}

/** The card the job sent to `openId` in the last run. */
const sentTo = (openId: string): Card => {
  const m = h.emulator.messages().find((x) => x.receive_id === openId);
  if (!m) throw new Error(`nothing sent to ${nameOf.get(openId)}`);
  return m.current;
};

it('publication: D−5 (a 调休 Saturday), D−2, D, then overdue with escalation to the city bureau; reruns send nothing', async () => {
  const task = await completedTask({ name: '永济市甲电缆有限公司', completionDate: '2026-09-14', state: '待公示' });
  expect(task.publication!.dueDate).toBe('2026-10-16');
  const toPeople = (title: string) => [`王建国: ${title}`, `赵丽: ${title}`];

  expect(await runOn('2026-10-09')).toEqual([]); // D−6
  expect(await runOn('2026-10-10')).toEqual(toPeople('公示提醒：还有 5 个工作日')); // Saturday, worked (调休)
  const d5 = cardText(sentTo(liaison.openId));
  expect(d5).toContain('距公示截止还有 **5 个工作日**（2026-10-16）');
  expect(d5).toContain('永济市甲电缆有限公司');
  expect(await runOn('2026-10-10')).toEqual([]); // the same day again: nothing new
  expect(await runOn('2026-10-11')).toEqual([]); // Sunday
  expect(await runOn('2026-10-13')).toEqual([]);
  expect(await runOn('2026-10-14')).toEqual(toPeople('公示提醒：还有 2 个工作日'));
  expect(await runOn('2026-10-15')).toEqual([]);
  expect(await runOn('2026-10-16')).toEqual(toPeople('今天公示截止'));
  expect(await runOn('2026-10-17')).toEqual([]); // Saturday, not worked

  // D+1: the responsible people, and one report each to the city liaison, the city 领导 and the county's 领导
  expect(await runOn('2026-10-19')).toEqual(
    [...toPeople('公示已逾期 1 个工作日'), '刘科长: 逾期事项报告', '孙局长: 逾期事项报告', '许小颖: 逾期事项报告'].sort(),
  );
  const report = cardText(sentTo(head.openId));
  for (const s of ['截至 2026-10-19，以下 1 项检查', '永济市甲电缆有限公司', '永济市', '结果公示', '2026-10-16', '赵丽、王建国']) expect(report).toContain(s);
  expect(cardText(sentTo(leader.openId))).toContain('逾期情况已同时报告市局');
  expect(await runOn('2026-10-19')).toEqual([]);

  // D+2: the responsible people only; the reminder carries the form, and publishing from it stops the reminders
  expect(await runOn('2026-10-20')).toEqual(toPeople('公示已逾期 2 个工作日'));
  const card = sentTo(leader.openId);
  expect(d.buttons(card)).toEqual(['已录入并公示']);
  const pub = await d.click(leader.openId, card, '已录入并公示', {});
  expect(pub.toast).toEqual({ type: 'success', content: '已登记公示：未发现问题（逾期 2 个工作日）' });
  expect((await readTask(conn(), task._id)).publication).toMatchObject({ publishedOn: '2026-10-20', result: '未发现问题' });
  await settle();
  expect(await runOn('2026-10-21')).toEqual([]);
});

it('rectification: the county liaison is reminded to confirm on site, the city bureau from overdue day 5', async () => {
  // deadline on a 国庆 holiday; the publication deadline is far enough not to interfere
  const task = await completedTask({
    name: '永济市乙包装有限公司',
    completionDate: '2026-09-18',
    state: '待整改',
    findings: { 3: '检验设备超出检定周期' },
    rectificationDeadline: '2026-10-05',
    publication: { dueDate: '2026-11-20' },
  });
  expect(await runOn('2026-09-28')).toEqual([]); // 3 working days left (09-29, 09-30, then 10-08)
  expect(await runOn('2026-09-29')).toEqual(['赵丽: 整改期限提醒：还有 2 个工作日']);
  expect(cardText(sentTo(liaison.openId))).toContain('距整改期限还有 **2 个工作日**（2026-10-08）');
  expect(await runOn('2026-09-30')).toEqual([]); // the D−2 threshold reminds once
  expect(await runOn('2026-10-05')).toEqual([]); // holiday
  // the period ends on the first working day after the holiday, and the card says why
  expect(await runOn('2026-10-08')).toEqual(['赵丽: 整改期限今天到期']);
  expect(cardText(sentTo(liaison.openId))).toContain('附件1 所写期限 2026-10-05 是休息日，期限顺延至其后第一个工作日 2026-10-08');
  expect(await runOn('2026-10-09')).toEqual(['赵丽: 整改待现场确认']); // overdue working day 1
  expect(cardText(sentTo(liaison.openId))).toContain('整改期限 2026-10-08 已过 **1 个工作日**');
  expect(await runOn('2026-10-10')).toEqual([]); // a Saturday worked (调休): day 2
  expect(await runOn('2026-10-12')).toEqual([]);
  expect(await runOn('2026-10-13')).toEqual(['赵丽: 整改待现场确认']); // day 4
  const reminder = sentTo(liaison.openId);
  expect(d.buttons(reminder)).toEqual(['确认整改', '登记后续处置', '已录入并公示']);
  expect(await runOn('2026-10-14')).toEqual(['刘科长: 逾期事项报告', '孙局长: 逾期事项报告', '许小颖: 逾期事项报告']); // day 5
  expect(cardText(sentTo(cityLiaison.openId))).toContain('整改确认');

  // confirming from the reminder card stops them
  clock = new Date('2026-10-14T06:00:00Z');
  const ok = await d.click(liaison.openId, reminder, '确认整改', { status_1: 'done', done_1: '已送检天平并取得检定证书' });
  expect(ok.toast?.type).toBe('success');
  expect((await readTask(conn(), task._id)).state).toBe('待公示');
  await settle();
  expect(await runOn('2026-10-16')).toEqual([]); // day 7: nothing, confirmed

  // the card as shown before the confirmation promised “发现问题待后续处理”: that click is stale and refreshed …
  const old = await d.click(liaison.openId, reminder, '已录入并公示', {});
  expect(old.toast).toEqual({ type: 'warning', content: '整改已经县区现场确认，公示结果已变为“发现问题经责令已改正”。卡片已刷新，请核对后再点“已录入并公示”' });
  expect(cardText(old.card)).toContain('发现问题经责令已改正');
  expect((await readTask(conn(), task._id)).state).toBe('待公示');
  // … and the card after the confirmation publishes with the confirmed label
  const pub = await d.click(liaison.openId, ok.card!, '已录入并公示', {});
  expect(pub.toast).toEqual({ type: 'success', content: '已登记公示：发现问题经责令已改正' });
  expect((await readTask(conn(), task._id)).publication).toMatchObject({ publishedOn: '2026-10-16', result: '发现问题经责令已改正' });
});

it('a due date beyond the calendar data: unknown with a note, no crash, the city liaison told once a week', async () => {
  clock = new Date('2026-12-15T02:00:00Z');
  h.emulator.reset();
  // the last signature completes the record on 2026-12-15: the 20th working day falls in 2027 (no data yet)
  const task = await completedTask({ name: '永济市丙化工有限公司', completionDate: '2026-12-15', state: '待签字', signed: false, publication: null });
  const legacy = await completedTask({ name: '永济市丁机械有限公司', completionDate: '2026-12-01', state: '待公示', publication: null });
  const record = (await d.open(leader.openId, task)).card!;
  const signed = await d.click(leader.openId, record, '确认签字');
  expect(signed.toast).toEqual({ type: 'success', content: '已签字，检查记录已完成' });
  const stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待公示');
  expect(stored.publication).toEqual({
    dueDate: '',
    dueNote: '日历数据缺少2027年的法定节假日安排，公示截止日期暂无法确定（按周一至周五（元旦、劳动节、国庆节除外）估算约为 2027-01-13，以日历更新后的正式日期为准）。',
  });
  const card = await d.cardTo(liaison.openId, '检查结果待公示', task.enterprise.name);
  expect(cardText(card)).toContain('公示截止**：暂无法确定');
  expect(cardText(card)).toContain('估算约为 2027-01-13');
  expect(d.buttons(card)).toEqual(['已录入并公示']); // publication can still be recorded
  expect(cardText(signed.card)).toContain('公示截止：暂无法确定');
  await settle();

  // the job: fills in a missing due date it can compute; warns the city liaison about the one it cannot
  expect(await runOn('2026-12-16')).toEqual(['许小颖: 节假日日历需要更新']);
  const warning = cardText(sentTo(cityLiaison.openId));
  expect(warning).toContain('以下 1 项检查的公示截止日期暂无法确定');
  expect(warning).toContain('永济市丙化工有限公司');
  // what the 市局联络员 can do: send the year's calendar in chat (not upgrade a library or restart a service)
  expect(warning).toContain('请在与我的单聊中把该年的**节假日安排**文件发给我');
  expect(warning).toContain('第1行表头为“日期,类型”');
  expect(warning).toContain('点“确认导入”');
  expect(warning).not.toMatch(/chinese-days|升级|重启/);
  expect((await readTask(conn(), legacy._id)).publication).toEqual({ dueDate: '2026-12-29' });
  expect(await runOn('2026-12-16')).toEqual([]);
  expect(await runOn('2026-12-18')).toEqual([]); // same week
  expect(await runOn('2026-12-19')).toEqual([]); // Saturday
  expect(await runOn('2026-12-22')).toEqual(['赵丽: 公示提醒：还有 5 个工作日', '王建国: 公示提醒：还有 5 个工作日', '许小颖: 节假日日历需要更新'].sort());

  // in a year without data the job still runs (Monday–Friday estimated, 元旦 resting as in every arrangement) and says so
  expect(await runOn('2027-01-01')).toEqual([]); // 元旦
  expect(await runOn('2027-01-02')).toEqual([]); // Saturday
  const jan4 = await runOn('2027-01-04');
  // due 2026-12-29: overdue on 12-30, 12-31 and 01-04
  expect(jan4).toEqual(['王建国: 公示已逾期 3 个工作日', '许小颖: 节假日日历需要更新', '赵丽: 公示已逾期 3 个工作日']);
  expect(cardText(sentTo(cityLiaison.openId))).toContain('今天（2027-01-04）所在年份没有日历数据');
});

it('a record waiting for a signature: from the next working day the member who has not signed gets it to sign, daily', async () => {
  // submitted Friday 2026-11-13; the 组长 has not signed (the others have)
  const task = await completedTask({ name: '永济市丁塑料有限公司', completionDate: '2026-11-13', state: '待签字', signed: false, publication: null });
  const toLeader = () => ['王建国: 永济市丁塑料有限公司']; // the record card's title is the firm
  // this task's cards only (earlier tests' tasks still have their own reminders and warnings)
  const run = async (day: string) => (await runOn(day)).filter((x) => x.endsWith('永济市丁塑料有限公司'));
  expect(await run('2026-11-13')).toEqual([]); // the day it was submitted
  expect(await run('2026-11-14')).toEqual([]); // Saturday
  const monday = await run('2026-11-16');
  expect(monday).toEqual(toLeader());
  const card = sentTo(leader.openId);
  expect(cardText(card)).toContain('签字提醒：检查记录已于 2026-11-13 提交，等待您确认签字（已 1 个工作日）');
  expect(cardText(card)).toContain('如有异议，请联系组长重新打开检查');
  expect(await run('2026-11-16')).toEqual([]); // the same day again: nothing new
  expect(await run('2026-11-17')).toEqual(toLeader());
  expect(cardText(sentTo(leader.openId))).toContain('（已 2 个工作日）');
  // the reminder's own button signs: the record completes, and the reminders stop
  const signed = await d.click(leader.openId, sentTo(leader.openId), '确认签字');
  expect(signed.toast?.type).toBe('success');
  expect((await readTask(conn(), task._id)).state).not.toBe('待签字');
  await settle();
  expect(await run('2026-11-18')).toEqual([]);
});
