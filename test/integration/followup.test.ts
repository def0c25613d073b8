/**
 * The follow-up through the webhook, with a movable clock: a record completed with findings → the county liaison
 * confirms the rectification on site (附件2, with every item) → the publication form → 已公示; a record without
 * findings → published; publication before the confirmation (发现问题待后续处理) and its later update; refusals
 * (not the county's liaison, not the team, a date in the future or before the completion date, bad input).
 */
import { addWorkingDays } from '../../src/domain/calendar';
import { RECTIFICATION_OPINION } from '../../src/domain/followup';
import type { TaskDoc } from '../../src/store/task';
import { cardText, findButtons } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff, type Card, type Person } from '../support/fixtures';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
let clock = new Date('2026-03-02T02:00:00Z'); // Monday 10:00 in 运城
const conn = () => h.service.db.connection;
const { officer, expert, leader, liaison, cityLiaison, stranger } = PEOPLE;
/** a liaison of another county */
const otherLiaison: Person = { openId: 'ou_liaison000000000000000000000s1', name: '钱多', roles: ['联络员'], unit: '盐湖区市场监督管理局', county: '盐湖区' };

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'followup', now: () => clock });
  await registerStaff(conn(), [...Object.values(PEOPLE), otherLiaison]);
  d = inspectionDriver(h);
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => h.emulator.reset());

const at = (iso: string) => {
  clock = new Date(iso);
};

async function walk(who: string, task: TaskDoc, findings: Record<number, string> = {}): Promise<Card> {
  let card = (await d.open(who, task)).card!;
  for (let k = 1; k <= 9; k += 1) {
    const record = findings[k];
    card = (await d.click(who, card, record ? '不符合' : '符合', record ? { record } : undefined)).card!;
  }
  return card;
}

/** Officer submits, expert and leader sign: the record completes today. */
async function complete(task: TaskDoc, findings: Record<number, string> = {}): Promise<void> {
  const summary = await walk(officer.openId, task, findings);
  await d.click(officer.openId, summary, '提交检查结果', { representative: '孙经理' });
  for (const m of [expert, leader]) await d.click(m.openId, await d.cardTo(m.openId, '请核对检查记录', task.enterprise.name), '确认签字');
}

const countTo = (openId: string, text: string) =>
  h.emulator.messages().filter((m) => m.receive_id === openId && m.root === undefined && cardText(m.content).includes(text)).length;

/** Waits until the outbox has delivered everything (nothing pending, nothing failed). */
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

it('findings: the county confirms the rectification (附件2), then the team publishes → 已公示 发现问题经责令已改正', async () => {
  at('2026-03-02T02:00:00Z');
  const task = await createTask(conn(), { kind: 'food', enterprise: { name: '永济市甲包装有限公司' } });
  const r3 = '检验设备（天平）超出检定周期';
  const r7 = '未配备质量安全员，未制定风险管控清单';
  await complete(task, { 3: r3, 7: r7 });
  let stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待整改');
  const due = addWorkingDays('2026-03-02', 20);
  expect(due).toBe('2026-03-30');
  expect(stored.publication).toEqual({ dueDate: due });
  const deadline = stored.inspection!.rectification!.deadline;
  expect(deadline).toBe('2026-03-17');

  // the county liaison and the 组长 get the follow-up card with the deadline; only the liaison may confirm
  const forLiaison = await d.cardTo(liaison.openId, '待整改：确认整改与结果公示', task.enterprise.name);
  expect(d.buttons(forLiaison)).toEqual(['确认整改', '登记后续处置', '已录入并公示']);
  const text = cardText(forLiaison);
  for (const s of [r3, r7, '**公示截止**：2026-03-30（还有 20 个工作日）', '**整改期限**：2026-03-17（附件1，15 天）', RECTIFICATION_OPINION]) expect(text).toContain(s);
  const forLeader = await d.cardTo(leader.openId, '待整改：确认整改与结果公示', task.enterprise.name);
  expect(d.buttons(forLeader)).toEqual(['已录入并公示']);
  await settle();
  expect(countTo(officer.openId, '待整改：确认整改与结果公示')).toBe(0);
  expect(countTo(cityLiaison.openId, '待整改：确认整改与结果公示')).toBe(0);
  expect(countTo(otherLiaison.openId, task.enterprise.name)).toBe(0);

  // refusals: another county's liaison, a team member; a blank 完成整改情况
  const done = { status_1: 'done', done_1: '已更换检定合格的天平，见检定证书', status_2: 'done', done_2: '已任命质量安全员并制定风险管控清单' };
  at('2026-03-18T02:00:00Z');
  const other = await d.click(otherLiaison.openId, forLiaison, '确认整改', done);
  const onlyCounty = '整改由永济市市场监管局到企业现场核实后确认（附件2），只有永济市市场监管局的联络员可以确认整改';
  expect(other.toast).toEqual({ type: 'error', content: onlyCounty });
  expect(other.card).toBeUndefined();
  // the county has its own liaison: the 市局联络员 may not confirm (src/policies.ts), and the refusal does not say so
  const city = await d.click(cityLiaison.openId, forLiaison, '确认整改', done);
  expect(city.toast).toEqual({ type: 'error', content: onlyCounty });
  expect(city.toast?.content).not.toContain('市局联络员');
  const member = await d.click(officer.openId, forLiaison, '确认整改', done);
  expect(member.toast?.content).toContain('只有永济市市场监管局的联络员');
  const blank = await d.click(liaison.openId, forLiaison, '确认整改', { ...done, done_2: '   ' });
  expect(blank.toast).toEqual({ type: 'error', content: '请填写第 2 项的完成整改情况（现场核实的结果），再点“确认整改”' });
  expect(blank.card).toBeUndefined();
  expect((await readTask(conn(), task._id)).rectificationCheck).toBeUndefined();
  // an item found not rectified on site: 附件2 (“已全部完成整改”) is not issued, the task stays 待整改, the form stays
  const partly = await d.click(liaison.openId, forLiaison, '确认整改', { ...done, status_2: 'open', done_2: '未整改：风险管控清单尚未制定' });
  expect(partly.toast).toEqual({
    type: 'warning',
    content: '第 2 项未整改：附件2 只在全部问题整改完成后出具，本次没有提交。整改完成后再确认；拒不整改的，请在“后续处置”中登记立案或移交',
  });
  expect(partly.card).toBeUndefined();
  expect(await readTask(conn(), task._id)).toMatchObject({ state: '待整改' });
  expect((await readTask(conn(), task._id)).rectificationCheck).toBeUndefined();
  // the form asks each item's result: no choice, no submission (the client refuses an empty required field)
  expect(JSON.stringify(forLiaison)).toContain('"name":"status_1"');
  const noChoice = await d.click(liaison.openId, forLiaison, '确认整改', { done_1: 'x', done_2: 'y' }).then(
    () => 'submitted',
    (e: Error) => e.message,
  );
  expect(noChoice).toContain('required field "status_1" is empty');

  // the county liaison confirms on site: 附件2 recorded with every item; 待整改 → 待公示
  const ok = await d.click(liaison.openId, forLiaison, '确认整改', done);
  expect(ok.toast).toEqual({ type: 'success', content: '已确认整改并上报市局，请接着登记公示' });
  expect(d.buttons(ok.card)).toEqual(['已录入并公示']);
  stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待公示');
  expect(stored.rectificationCheck).toMatchObject({
    items: [
      { no: 1, issue: r3, done: done.done_1 },
      { no: 2, issue: r7, done: done.done_2 },
    ],
    opinion: RECTIFICATION_OPINION,
    confirmedBy: liaison.openId,
    confirmedByName: '赵丽',
    confirmedByUnit: '永济市市场监督管理局',
    confirmedOn: '2026-03-18',
  });
  const again = await d.click(liaison.openId, forLiaison, '确认整改', done);
  expect(again.toast).toEqual({ type: 'info', content: '整改已由赵丽于 2026-03-18 确认，无需重复确认' });

  // 上报市局: the city liaison and the team get the confirmation; the confirmer does not get it again
  const report = await d.cardTo(cityLiaison.openId, '整改已确认（附件2）', task.enterprise.name);
  expect(findButtons(report)).toHaveLength(0);
  for (const s of ['赵丽** 已于 2026-03-18 现场确认企业完成整改', done.done_1, done.done_2, '县局监管确认']) expect(cardText(report)).toContain(s);
  const forOfficer = await d.cardTo(officer.openId, '整改已确认（附件2）', task.enterprise.name);
  expect(d.buttons(forOfficer)).toEqual(['已录入并公示']);
  expect(cardText(forOfficer)).toContain('公示结果：**发现问题经责令已改正**');
  await settle();
  expect(countTo(liaison.openId, '整改已确认（附件2）')).toBe(0);

  // publication: refusals for a date in the future, before the completion date, or someone outside
  at('2026-03-20T02:00:00Z');
  const future = await d.click(officer.openId, forOfficer, '已录入并公示', { published_on: '2026-03-21' });
  expect(future.toast).toEqual({ type: 'error', content: '公示日期不能晚于今天（2026-03-20）：请在实际公示后再登记' });
  const early = await d.click(officer.openId, forOfficer, '已录入并公示', { published_on: '2026-02-27' });
  expect(early.toast).toEqual({ type: 'error', content: '公示日期不能早于检查完成日期（2026-03-02），请选择实际公示的日期' });
  const outsider = await d.click(cityLiaison.openId, forOfficer, '已录入并公示', {});
  expect(outsider.toast).toEqual({ type: 'error', content: '按“谁检查、谁录入”，只有本检查组的组长、执法人员或永济市市场监管局的联络员可以登记公示' });
  expect((await readTask(conn(), task._id)).state).toBe('待公示');

  const pub = await d.click(officer.openId, forOfficer, '已录入并公示', { published_on: '2026-03-19', reference: '国家企业信用信息公示系统' });
  expect(pub.toast).toEqual({ type: 'success', content: '已登记公示：发现问题经责令已改正' });
  expect(findButtons(pub.card)).toHaveLength(0);
  stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('已公示');
  expect(stored.publication).toMatchObject({
    dueDate: due,
    publishedOn: '2026-03-19',
    publishedBy: officer.openId,
    publishedByName: '李明',
    reference: '国家企业信用信息公示系统',
    result: '发现问题经责令已改正',
  });
  const twice = await d.click(leader.openId, forLeader, '已录入并公示', {});
  expect(twice.toast).toEqual({ type: 'info', content: '检查结果已于 2026-03-19 公示（发现问题经责令已改正），无需重复登记' });

  // the team and the county liaison are told; the publisher is not told again
  for (const m of [leader, expert, liaison]) expect(cardText(await d.cardTo(m.openId, '检查结果已公示', task.enterprise.name))).toContain('李明** 登记：已于 2026-03-19');
  await settle();
  expect(countTo(officer.openId, '检查结果已公示')).toBe(0);

  // the record card links to the follow-up (fu.view)
  const record = (await d.open(officer.openId, task)).card!;
  expect(cardText(record)).toContain('已于 2026-03-19 公示：发现问题经责令已改正');
  const viewed = await d.click(officer.openId, record, '公示情况');
  expect(cardText(viewed.card)).toContain('公示位置：国家企业信用信息公示系统');
  const nosy = await d.click(stranger.openId, record, '公示情况');
  expect(nosy.toast).toEqual({ type: 'error', content: '您不是该任务的检查组成员或联络员，无法查看' });
});

it('no findings: 待公示 → the county liaison publishes (default date today) → 已公示 未发现问题', async () => {
  at('2026-04-07T02:00:00Z'); // Tuesday after 清明
  const task = await createTask(conn(), { enterprise: { name: '永济市乙电缆有限公司' } });
  await complete(task);
  expect((await readTask(conn(), task._id)).publication).toEqual({ dueDate: addWorkingDays('2026-04-07', 20) });
  const card = await d.cardTo(liaison.openId, '检查结果待公示', task.enterprise.name);
  expect(d.buttons(card)).toEqual(['已录入并公示']);
  expect(cardText(card)).toContain('公示结果：**未发现问题**');
  expect(d.buttons(await d.cardTo(leader.openId, '检查结果待公示', task.enterprise.name))).toEqual(['已录入并公示']);
  await settle();
  expect(countTo(expert.openId, '检查结果待公示')).toBe(0);

  const stranger1 = await d.click(stranger.openId, card, '已录入并公示', {});
  expect(stranger1.toast?.type).toBe('error');
  at('2026-04-09T08:00:00Z');
  const ok = await d.click(liaison.openId, card, '已录入并公示', { reference: '山西省市场监管信息平台' });
  expect(ok.toast).toEqual({ type: 'success', content: '已登记公示：未发现问题' });
  const stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('已公示');
  expect(stored.publication).toMatchObject({ publishedOn: '2026-04-09', publishedBy: liaison.openId, publishedByName: '赵丽', result: '未发现问题' });
  for (const m of [officer, expert, leader]) await d.cardTo(m.openId, '检查结果已公示', task.enterprise.name);
});

it('published before the confirmation (发现问题待后续处理), confirmed later, then the published result updated', async () => {
  at('2026-05-11T02:00:00Z');
  const task = await createTask(conn(), { enterprise: { name: '永济市丙机械有限公司' } });
  await complete(task, { 5: '合格证未标注许可证编号' });
  const forLeader = await d.cardTo(leader.openId, '待整改：确认整改与结果公示', task.enterprise.name);
  const forLiaison = await d.cardTo(liaison.openId, '待整改：确认整改与结果公示', task.enterprise.name);

  at('2026-05-20T02:00:00Z');
  const pub = await d.click(leader.openId, forLeader, '已录入并公示', {});
  expect(pub.toast).toEqual({ type: 'success', content: '已登记公示：发现问题待后续处理' });
  let stored = await readTask(conn(), task._id);
  expect(stored).toMatchObject({ state: '已公示', publication: { result: '发现问题待后续处理', publishedOn: '2026-05-20' } });
  expect(stored.rectificationCheck).toBeUndefined();

  // the county can still confirm (the card it already has works), and is told to update the published result
  at('2026-05-27T02:00:00Z');
  const ok = await d.click(liaison.openId, forLiaison, '确认整改', { status_1: 'done', done_1: '已补标许可证编号' });
  expect(ok.toast).toEqual({ type: 'success', content: '已确认整改并上报市局' });
  stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('已公示');
  expect(stored.rectificationCheck!.items).toEqual([{ no: 1, issue: '合格证未标注许可证编号', done: '已补标许可证编号' }]);
  const confirmed = await d.cardTo(leader.openId, '整改已确认（附件2）', task.enterprise.name);
  expect(cardText(confirmed)).toContain('请在监管平台更新为“发现问题经责令已改正”');
  expect(d.buttons(confirmed)).toEqual(['已更新公示结果']);
  const tooEarly = await d.click(leader.openId, confirmed, '已更新公示结果', { published_on: '2026-05-19' });
  expect(tooEarly.toast).toEqual({ type: 'error', content: '更新日期不能早于首次公示日期（2026-05-20）' });
  const amended = await d.click(leader.openId, confirmed, '已更新公示结果', {});
  expect(amended.toast).toEqual({ type: 'success', content: '已登记更新后的公示结果' });
  stored = await readTask(conn(), task._id);
  expect(stored.publication).toMatchObject({
    result: '发现问题经责令已改正',
    publishedOn: '2026-05-20',
    amended: { from: '发现问题待后续处理', on: '2026-05-27', by: leader.openId, byName: '王建国' },
  });
  expect(cardText(await d.cardTo(liaison.openId, '公示结果已更新', task.enterprise.name))).toContain('更新为“发现问题经责令已改正”');
  // the old card clicked again (or the county's copy): says who updated it and when, not what it would have needed
  const twice = await d.click(leader.openId, confirmed, '已更新公示结果', {});
  expect(twice.toast).toEqual({ type: 'info', content: '公示结果已于 2026-05-27 由王建国更新为“发现问题经责令已改正”，无需再次更新' });
});

it('a reopened record voids the follow-up cards until it completes again, with a new deadline', async () => {
  at('2026-06-01T02:00:00Z');
  const task = await createTask(conn(), { enterprise: { name: '永济市丁化工有限公司' } });
  await complete(task);
  const card = await d.cardTo(liaison.openId, '检查结果待公示', task.enterprise.name);
  const record = (await d.open(leader.openId, task)).card!;
  await d.click(leader.openId, record, '重新打开检查', { reason: '第1项需补充记录' });
  let stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('检查中');
  expect(stored.publication).toBeUndefined();
  const refused = await d.click(liaison.openId, card, '已录入并公示', {});
  expect(refused.toast).toEqual({ type: 'warning', content: '检查记录尚未完成（可能已被组长重新打开），全体签字后才能整改确认或公示' });
  expect(refused.card).toBeUndefined();
  const view = await d.click(leader.openId, record, '整改与公示');
  expect(view.toast?.content).toBe('检查记录尚未完成（可能已被组长重新打开），全体签字后才能整改确认或公示');

  at('2026-06-03T02:00:00Z');
  h.emulator.reset();
  const summary = (await d.open(leader.openId, task)).card!;
  await d.click(leader.openId, summary, '提交检查结果', {});
  // both sign cards first: they are identical, and the emulator finds a clicked message by its card
  const signCards = [await d.cardTo(officer.openId, '请核对检查记录', task.enterprise.name), await d.cardTo(expert.openId, '请核对检查记录', task.enterprise.name)];
  await d.click(officer.openId, signCards[0], '确认签字');
  await d.click(expert.openId, signCards[1], '确认签字');
  stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待公示');
  expect(stored.publication).toEqual({ dueDate: addWorkingDays('2026-06-03', 20) });
  const old = await d.click(liaison.openId, card, '已录入并公示', {});
  expect(old.toast).toEqual({ type: 'warning', content: '检查记录已重新提交，这张卡片已失效，已刷新为最新状态' });
  expect(d.buttons(old.card)).toEqual(['已录入并公示']); // the refreshed card works
  const fresh = await d.click(liaison.openId, old.card!, '已录入并公示', {});
  expect(fresh.toast?.type).toBe('success');
});

it('a record reopened after the county confirmed its rectification: the 附件2 is void, and its confirmer and the 市局联络员 are told', async () => {
  at('2026-07-01T02:00:00Z');
  const task = await createTask(conn(), { enterprise: { name: '永济市戊电缆有限公司' } });
  await complete(task, { 5: '合格证未标注许可证编号' });
  const forLiaison = await d.cardTo(liaison.openId, '待整改：确认整改与结果公示', task.enterprise.name);
  at('2026-07-08T02:00:00Z');
  const ok = await d.click(liaison.openId, forLiaison, '确认整改', { status_1: 'done', done_1: '已补标许可证编号' });
  expect(ok.toast?.type).toBe('success');
  expect((await readTask(conn(), task._id)).rectificationCheck?.confirmedOn).toBe('2026-07-08');

  at('2026-07-09T02:00:00Z');
  const record = (await d.open(leader.openId, task)).card!;
  await d.click(leader.openId, record, '重新打开检查', { reason: '第5项记录写错了企业' });
  expect((await readTask(conn(), task._id)).rectificationCheck).toBeUndefined();
  const voidLine = `${liaison.name} 于 2026-07-08 现场确认的整改结果确认单（附件2）随之作废`;
  for (const person of [liaison, cityLiaison, officer]) {
    const notice = await h.emulator.waitFor(
      (m) => m.receive_id === person.openId && m.root === undefined && cardText(m.content).includes('第5项记录写错了企业'),
      30_000,
    );
    expect(cardText(notice.content)).toContain(voidLine);
  }
});
