/**
 * After item 9, through the webhook: submission, 确认签字 by every member, the outcome (未发现问题 → 待公示;
 * 发现问题 → the 组长's rectification period, the 意见汇总表 (附件1) to the county liaison and the team, 待整改),
 * reopening by the 组长 only, and /我的任务.
 */
import { shanghaiDate } from '../../src/domain/calendar';
import { CHECKLISTS } from '../../src/domain/checklists';
import { OPINION_SHEET_TITLE, rectificationDeadline } from '../../src/domain/inspection';
import type { TaskDoc } from '../../src/store/task';
import { cardText, findButtons } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff, slot, type Card } from '../support/fixtures';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
const conn = () => h.service.db.connection;
const { officer, expert, leader, liaison } = PEOPLE;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'insp_signoff' });
  await registerStaff(conn());
  d = inspectionDriver(h);
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => h.emulator.reset());

/** Opens the checklist as `who` and answers all nine items; `findings` maps item → 检查记录 for 不符合. */
async function walk(who: string, task: TaskDoc, findings: Record<number, string> = {}): Promise<Card> {
  let card = (await d.open(who, task)).card!;
  for (let k = 1; k <= 9; k += 1) {
    const record = findings[k];
    card = (await d.click(who, card, record ? '不符合' : '符合', record ? { record } : undefined)).card!;
  }
  expect(cardText(card)).toContain('9 项已全部检查');
  return card;
}

const signCard = (openId: string, task: TaskDoc) => d.cardTo(openId, '请核对检查记录', task.enterprise.name);
const today = () => shanghaiDate(new Date());
const countTo = (openId: string, text: string) =>
  h.emulator.messages().filter((m) => m.receive_id === openId && m.root === undefined && cardText(m.content).includes(text)).length;

it('submission freezes the answers, every other member confirms, and the record completes as 未发现问题', async () => {
  const task = await createTask(conn(), { kind: 'industrial' });
  const first = (await d.open(officer.openId, task)).card!;
  const summary = await walk(officer.openId, task);

  const sub = await d.click(officer.openId, summary, '提交检查结果', { representative: '孙经理' });
  expect(sub.toast).toEqual({ type: 'success', content: '已提交，等待其他 2 位成员确认签字' });
  expect(cardText(sub.card)).toContain('待签字 1/3');
  let stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待签字');
  expect(stored.inspection).toMatchObject({ representative: '孙经理', completionDate: today(), round: 1, submittedBy: officer.openId, result: '未发现问题' });
  expect(stored.inspection!.signatures.map((s) => s.openId)).toEqual([officer.openId]);

  // answers cannot change any more
  const late = await d.click(officer.openId, first, '不符合', { record: '补充记录' });
  expect(late.toast).toEqual({ type: 'warning', content: '检查结果已提交，不能再修改；如需修改，请组长重新打开' });
  expect(cardText(late.card)).toContain('待签字');
  expect((await readTask(conn(), task._id)).inspection!.answers.every((a) => a.verdict === '符合')).toBe(true);

  const forExpert = await signCard(expert.openId, task);
  const forLeader = await signCard(leader.openId, task);
  expect(d.buttons(forExpert)).toEqual(['确认签字', '上传签字页']);
  expect(d.buttons(forLeader)).toEqual(['确认签字', '重新打开检查', '上传签字页']);
  expect(JSON.stringify(forLeader)).not.toContain('"name":"days"'); // no findings, no period
  expect(countTo(officer.openId, '请核对检查记录')).toBe(0);

  const e = await d.click(expert.openId, forExpert, '确认签字');
  expect(e.toast).toEqual({ type: 'success', content: '已签字，还差 1 位成员' });
  // the 组长's own card to sign now shows the expert's signature (it is updated in place), its button still there
  const leaderMessage = h.emulator.messagesTo(leader.openId).find((m) => cardText(m.content).includes('请核对检查记录') && cardText(m.content).includes(task.enterprise.name))!;
  const seen = await h.emulator.waitFor((m) => m.message_id === leaderMessage.message_id && cardText(m.current).includes('待签字 2/3'), 30_000);
  expect(d.buttons(seen.current)).toContain('确认签字');
  const twice = await d.click(expert.openId, forExpert, '确认签字');
  expect(twice.toast).toEqual({ type: 'info', content: '您已签字，无需重复确认' });

  const l = await d.click(leader.openId, forLeader, '确认签字');
  expect(l.toast).toEqual({ type: 'success', content: '已签字，检查记录已完成' });
  stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待公示');
  expect(stored.inspection!.result).toBe('未发现问题');
  expect(stored.inspection!.completedAt).toBeInstanceOf(Date);
  expect(stored.inspection!.signatures.map((s) => s.openId)).toEqual([officer.openId, expert.openId, leader.openId]);
  expect(stored.inspection!.rectification).toBeUndefined();
  // the whole team is told; the form carries every signature
  for (const m of [officer, expert, leader]) {
    const done = await d.cardTo(m.openId, '检查记录已完成', task.enterprise.name);
    expect(cardText(done)).toContain('检查组签字**（3/3）');
  }
  expect(countTo(leader.openId, '请核对检查记录')).toBe(1);
  // and the expert's card to sign shows the record complete, without a button to sign again
  const expertMessage = h.emulator.messagesTo(expert.openId).find((m) => cardText(m.content).includes('请核对检查记录') && cardText(m.content).includes(task.enterprise.name))!;
  const complete = await h.emulator.waitFor((m) => m.message_id === expertMessage.message_id && cardText(m.current).includes('3/3'), 30_000);
  expect(d.buttons(complete.current)).not.toContain('确认签字');
});

it('findings: the 组长 sets the period, and the 意见汇总表 (附件1) goes to the county liaison and the team', async () => {
  const task = await createTask(conn(), { kind: 'food' });
  const r3 = '检验设备（天平）超出检定周期';
  const r7 = '未配备质量安全员，未制定风险管控清单';
  const summary = await walk(officer.openId, task, { 3: r3, 7: r7 });
  expect(cardText(summary)).toContain('（2 项不符合）');
  expect(JSON.stringify(summary)).not.toContain('"name":"days"'); // the officer does not set the period
  await d.click(officer.openId, summary, '提交检查结果', { representative: '钱厂长' });

  const forLeader = await signCard(leader.openId, task);
  expect(JSON.stringify(forLeader)).toContain('"default_value":"15"');
  const bad = await d.click(leader.openId, forLeader, '确认签字', { days: '一百' });
  expect(bad.toast).toEqual({ type: 'error', content: '整改期限请填写 1–365 之间的整数天数，例如 15' });
  expect(bad.card).toBeUndefined();
  expect((await readTask(conn(), task._id)).inspection!.signatures).toHaveLength(1);
  await d.click(leader.openId, forLeader, '确认签字', { days: '10' });
  expect((await readTask(conn(), task._id)).state).toBe('待签字');
  await d.click(expert.openId, await signCard(expert.openId, task), '确认签字');

  const stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待整改');
  expect(stored.inspection!.result).toBe('发现问题');
  const rect = stored.inspection!.rectification!;
  expect(rect).toMatchObject({ days: 10, issuedDate: today(), deadline: rectificationDeadline(today(), 10), setBy: leader.openId });
  expect(rect.items).toEqual([
    { no: 3, content: CHECKLISTS.food.items[2].content, record: r3 },
    { no: 7, content: CHECKLISTS.food.items[6].content, record: r7 },
  ]);
  expect(new Set(rect.recipients)).toEqual(new Set([liaison.openId, officer.openId, expert.openId, leader.openId]));

  const notice = await d.cardTo(liaison.openId, OPINION_SHEET_TITLE, task.enterprise.name);
  const text = cardText(notice);
  for (const expected of [
    '永济市晋南食品包装有限公司',
    '食品用塑料包装容器工具等制品',
    '晋XK16-204-00456',
    '2021年6月1日至2026年5月31日',
    r3,
    r7,
    '请于 10 日内完成上述问题整改，整改结果报当地市场监督管理部门。',
    `整改期限至 **${rect.deadline}**`,
    '李明（执法人员',
    '王建国（组长',
    '张华（专家',
    '**企业代表签字**：钱厂长',
  ]) {
    expect(text).toContain(expected);
  }
  expect(findButtons(notice)).toHaveLength(0); // the liaison is not on the team
  for (const m of [officer, expert, leader]) expect(d.buttons(await d.cardTo(m.openId, OPINION_SHEET_TITLE, task.enterprise.name))).toEqual(['查看检查记录']);
  // not to a liaison of another county
  expect(countTo(PEOPLE.cityLiaison.openId, OPINION_SHEET_TITLE)).toBe(0);

  const list = cardText(await d.myTasks(officer.openId));
  expect(list).toContain(`待整改 · 附件4 · 执法人员 · 整改期限至 ${rect.deadline}`);
});

it('two last signatures at the same moment complete the record exactly once', async () => {
  const task = await createTask(conn(), { enterprise: { name: '运城市丁化工有限公司' } });
  const summary = await walk(officer.openId, task, { 5: '合格证未标注许可证编号' });
  await d.click(officer.openId, summary, '提交检查结果', { representative: '吴经理' });
  const [forExpert, forLeader] = await Promise.all([signCard(expert.openId, task), signCard(leader.openId, task)]);
  const results = await Promise.all([d.click(expert.openId, forExpert, '确认签字'), d.click(leader.openId, forLeader, '确认签字')]);
  expect(results.map((r) => r.toast?.type)).toEqual(['success', 'success']);
  const stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待整改');
  expect(stored.inspection!.rectification).toMatchObject({ days: 15, setBy: leader.openId, items: [expect.objectContaining({ no: 5 })] });
  // start, 9 answers, submission, 2 signatures, 1 completion
  expect(stored.version).toBe(14);
  expect(cardText(await d.cardTo(liaison.openId, OPINION_SHEET_TITLE, task.enterprise.name))).toContain('合格证未标注许可证编号');
});

it('a reopen needs the 组长, is logged, withdraws the 意见汇总表 and asks for new signatures', async () => {
  const task = await createTask(conn(), { kind: 'industrial', enterprise: { name: '运城市丙机械有限公司' } });
  // the 组长 submits: the period is on the summary for them
  const summary = await walk(leader.openId, task, { 2: '新增关键生产设备未报告' });
  expect(JSON.stringify(summary)).toContain('"name":"days"');
  await d.click(leader.openId, summary, '提交检查结果', { representative: '周经理', days: '20' });
  const oldSign = await signCard(officer.openId, task);
  await d.click(officer.openId, oldSign, '确认签字');
  await d.click(expert.openId, await signCard(expert.openId, task), '确认签字');
  expect((await readTask(conn(), task._id)).inspection!.rectification!.days).toBe(20);
  await d.cardTo(liaison.openId, OPINION_SHEET_TITLE, task.enterprise.name);

  const officerView = (await d.open(officer.openId, task)).card!;
  expect(d.buttons(officerView)).not.toContain('重新打开检查');
  const leaderView = (await d.open(leader.openId, task)).card!;
  expect(cardText(leaderView)).toContain('整改期限：20 天');
  const refused = await d.click(officer.openId, leaderView, '重新打开检查', { reason: '想改一下' });
  expect(refused.toast).toEqual({ type: 'error', content: '只有本组组长可以重新打开检查' });
  expect((await readTask(conn(), task._id)).state).toBe('待整改');

  const reopened = await d.click(leader.openId, leaderView, '重新打开检查', { reason: '第2项记录需补充证据' });
  expect(reopened.toast).toEqual({ type: 'success', content: '已重新打开，修改后请重新提交' });
  expect(cardText(reopened.card)).toContain('9 项已全部检查');
  let stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('检查中');
  expect(stored.inspection!.reopens).toEqual([
    expect.objectContaining({ by: leader.openId, reason: '第2项记录需补充证据', fromState: '待整改', round: 1 }),
  ]);
  expect(stored.inspection!.signatures).toEqual([]);
  expect(stored.inspection!.rectification).toBeUndefined();
  expect(stored.inspection!.answers).toHaveLength(9);
  const withdrawal = await d.cardTo(liaison.openId, '检查已重新打开');
  expect(cardText(withdrawal)).toContain('意见汇总表作废');
  expect(cardText(await d.cardTo(officer.openId, '检查已重新打开'))).toContain('第2项记录需补充证据');

  // a signature card of the first round is void now: shown so in place, and a click from a copy of it is refused
  const oldMessage = h.emulator.messagesTo(officer.openId).find((m) => cardText(m.content).includes('请核对检查记录') && cardText(m.content).includes(task.enterprise.name))!;
  const voided = await h.emulator.waitFor((m) => m.message_id === oldMessage.message_id && cardText(m.current).includes('检查已重新打开'), 30_000);
  expect(d.buttons(voided.current)).toEqual([]);
  const stale = await d.click(officer.openId, oldSign, '确认签字');
  expect(stale.toast?.type).toBe('warning');

  // the 组长 corrects item 2 and submits again: round 2, new signatures
  let card = (await d.click(leader.openId, reopened.card!, (b) => b.text === '修改' && (b.value as { item: number }).item === 2)).card!;
  card = (await d.click(leader.openId, card, '符合', { record: '已补充设备变更报告' })).card!;
  expect(cardText(card)).toContain('未发现问题');
  expect(cardText(card)).toContain('周经理'); // the representative is kept in the form
  // Forget the first round's cards before submitting again, so only round-2 sign cards can be found.
  h.emulator.reset();
  const again = await d.click(leader.openId, card, '提交检查结果', {});
  expect(again.toast?.type).toBe('success');
  for (const m of [officer, expert]) await d.click(m.openId, await signCard(m.openId, task), '确认签字');
  stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待公示');
  expect(stored.inspection!.round).toBe(2);
  expect(stored.inspection!.history.filter((x) => x.item === 2).map((x) => x.verdict)).toEqual(['不符合', '符合']);
});

it('/我的任务 lists the caller’s tasks with their state and continues the open one', async () => {
  const me = PEOPLE.officer2;
  const team = [slot(leader), slot(me)];
  const waiting = await createTask(conn(), { team, state: '待接收', enterprise: { name: '甲待接收公司' } });
  const unstarted = await createTask(conn(), { team, state: '待检查', enterprise: { name: '乙待检查公司' } });
  await createTask(conn(), { team, state: '已作废', enterprise: { name: '丙作废公司' } });
  const open = await createTask(conn(), { team, kind: 'food', enterprise: { name: '丁检查中公司' } });
  let card = (await d.open(me.openId, open)).card!;
  card = (await d.click(me.openId, card, '符合')).card!;
  card = (await d.click(me.openId, card, '符合')).card!;

  const list = await d.myTasks(me.openId);
  const text = cardText(list);
  expect(text).toContain('共 3 项任务');
  expect(text).toContain('检查中 2/9 · 附件4 · 执法人员');
  expect(text).toContain('待检查 · 附件3');
  expect(text).toContain('待接收 · 附件3');
  expect(text).not.toContain('丙作废公司');
  // the open one first, with a button to continue it
  const buttons = findButtons(list);
  expect(buttons.map((b) => b.text)).toEqual(['继续检查', '开始检查', '开始检查']);
  expect(buttons[0].value).toEqual({ a: 'insp.start', task: String(open._id) });
  const resumed = await d.click(me.openId, list, '继续检查');
  expect(cardText(resumed.card)).toContain('第 3/9 项');
  // 开始检查 of a task not started also names its campaign (the one-write start, startInspection.ts)
  expect(buttons[2].value).toEqual({ a: 'insp.start', task: String(waiting._id), c: String(waiting.campaignId) });
  expect(buttons[1].value).toEqual({ a: 'insp.start', task: String(unstarted._id), c: String(unstarted.campaignId) });
  const started = await d.click(me.openId, list, (b) => (b.value as { task?: string }).task === String(unstarted._id));
  expect(started.toast?.type).toBe('success');
  expect(cardText(started.card)).toContain('第 1/9 项');
  const stored = await readTask(conn(), unstarted._id);
  expect(stored.state).toBe('检查中');
  expect(stored.inspection).toMatchObject({ startedBy: me.openId, startedBeforeReceipt: false, cursor: 1 });

  // someone with no tasks is told so; someone without an inspection role is refused with the reason
  expect(cardText(await d.myTasks(PEOPLE.stranger.openId))).toContain('您目前没有检查任务');
  expect(cardText(await d.myTasks(PEOPLE.cityLiaison.openId))).toContain('仅限组长、执法人员、专家使用');
});
