/**
 * Findings that become a case, through the webhook: on a completed record with 不符合 items, the county liaison records
 * the follow-up as 立案 (case number and date) or 移交 (to whom) instead of 责令改正; the rectification reminders stop,
 * the city bureau is told, the result publishes as 发现问题待后续处理, and 附件5 counts each in its own column.
 */
import { recordDisposal } from '../../src/operations/followup/recordDisposal';
import { SUMMARY_COLUMNS, SUMMARY_SHEET, LAYOUT } from '../../src/exports/summaryXlsx';
import { YUNCHENG_COUNTIES } from '../../src/domain/registryRows';
import { cardText } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { inspectionDriver, PEOPLE, readTask, registerStaff, type Card, type Person } from '../support/fixtures';
import { campaignWithDraw, cellValue, expectFormulasCached, filesTo, settle, taskIn, workbook } from '../support/outcomes';
import type { TaskDoc } from '../../src/store/task';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
let clock = new Date('2024-05-06T02:00:00Z');
let ticks = 0;
const now = () => new Date(clock.getTime() + ++ticks);
const conn = () => h.service.db.connection;
const { officer, expert, leader, liaison, cityLiaison } = PEOPLE;
const head: Person = { openId: 'ou_head0000000000000000000000000c9', name: '刘科长', roles: ['领导'], unit: '运城市市场监督管理局', county: '市局' };
let ctx: Awaited<ReturnType<typeof campaignWithDraw>>;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'disposal', now });
  await registerStaff(conn(), [...Object.values(PEOPLE), head]);
  d = inspectionDriver(h);
  ctx = await campaignWithDraw(conn());
});

afterAll(async () => {
  await h.close();
});

/** Through the chat: the officer answers (item 3 不符合), submits; the expert and the 组长 sign → 待整改. */
async function withFindings(): Promise<TaskDoc> {
  const task = await taskIn(conn(), ctx);
  let card = (await d.open(officer.openId, task)).card!;
  for (let k = 1; k <= 9; k += 1) card = (await d.click(officer.openId, card, k === 3 ? '不符合' : '符合', k === 3 ? { record: '天平超出检定周期' } : undefined)).card!;
  await d.click(officer.openId, card, '提交检查结果', { representative: '孙经理' });
  for (const m of [expert, leader]) await d.click(m.openId, await d.cardTo(m.openId, '请核对检查记录', task.enterprise.name), '确认签字');
  expect((await readTask(conn(), task._id)).state).toBe('待整改');
  return readTask(conn(), task._id);
}

let caseTask: TaskDoc;

it('立案: the county liaison records the case number and date; the city bureau is told; reminders stop', async () => {
  caseTask = await withFindings();
  const card: Card = await d.cardTo(liaison.openId, '待整改：确认整改与结果公示', caseTask.enterprise.name);
  expect(d.buttons(card)).toEqual(['确认整改', '登记后续处置', '已录入并公示']);

  // the client needs the kind; the server needs the case number and a valid date
  await expect(d.click(liaison.openId, card, '登记后续处置', {})).rejects.toThrow('required field "kind" is empty');
  expect((await d.click(liaison.openId, card, '登记后续处置', { kind: '立案', case_date: '2024-05-06 +0800' })).toast?.content).toBe(
    '立案请填写案件编号（最多 50 字）',
  );
  expect((await d.click(liaison.openId, card, '登记后续处置', { kind: '立案', case_no: '永市监立字〔2024〕12号', case_date: '2024-05-09 +0800' })).toast?.content).toBe(
    '立案请选择立案日期（不晚于今天，不早于检查完成日期）',
  );
  // the city bureau's liaison does not stand in where the county has its own (policies.ts)
  const city = await recordDisposal(
    { conn: conn(), outbox: h.service.outbox, log: h.log, now },
    { taskId: String(caseTask._id), actor: { openId: cityLiaison.openId, roles: ['联络员'], county: '市局' }, round: 1, kind: '立案', caseNo: 'x', caseDate: '2024-05-06' },
  );
  expect(city).toMatchObject({ ok: false, refusal: { code: 'notDisposer', county: '永济市', countyHasLiaison: true } });

  const ok = await d.click(liaison.openId, card, '登记后续处置', { kind: '立案', case_no: '永市监立字〔2024〕12号', case_date: '2024-05-06 +0800', note: '涉嫌使用超期计量器具' });
  expect(ok.toast).toEqual({ type: 'success', content: '已登记立案，整改提醒停止' });
  const stored = await readTask(conn(), caseTask._id);
  expect(stored.state).toBe('待公示');
  expect(stored.disposal).toMatchObject({ kind: '立案', caseNo: '永市监立字〔2024〕12号', caseDate: '2024-05-06', by: liaison.openId, byName: '赵丽', note: '涉嫌使用超期计量器具' });
  expect(cardText(ok.card)).toContain('**后续处置**：立案（案件编号 永市监立字〔2024〕12号，立案日期 2024-05-06）');
  expect(d.buttons(ok.card)).toEqual(['已录入并公示']); // no confirmation form any more

  for (const who of [cityLiaison, leader, officer]) {
    expect(cardText(await d.cardTo(who.openId, '发现问题已立案', caseTask.enterprise.name))).toContain('赵丽** 登记：立案');
  }
  // a second record of the disposal is refused
  expect((await d.click(liaison.openId, card, '登记后续处置', { kind: '移交', transfer_to: '市局稽查支队' })).toast?.content).toBe('已登记为“立案”，无需重复登记');

  // past the rectification deadline: no 整改待现场确认 reminder (there is nothing to confirm)
  await settle(h);
  clock = new Date(`${stored.inspection!.rectification!.deadline}T01:00:00Z`);
  clock = new Date(clock.getTime() + 7 * 86_400_000);
  h.emulator.reset();
  expect(await h.service.scheduler.runNow('reminders')).toBe(true);
  await settle(h);
  const texts = h.emulator.messages().map((m) => cardText(m.content));
  expect(texts.filter((t) => t.includes('整改待现场确认') || t.includes('整改期限今天到期'))).toEqual([]);
  // the job ran and did remind about the publication of that task (a positive control)
  expect(texts.some((t) => t.includes(caseTask.enterprise.name) && t.includes('公示'))).toBe(true);
  clock = new Date('2024-05-06T02:00:00Z');

  // published as 发现问题待后续处理
  const pub = await d.click(liaison.openId, ok.card!, '已录入并公示', {});
  expect(pub.toast).toEqual({ type: 'success', content: '已登记公示：发现问题待后续处理' });
});

it('移交 after the result was published as 发现问题待后续处理; 附件5 counts 立案 and 移交', async () => {
  const task = await withFindings();
  const card = await d.cardTo(liaison.openId, '待整改：确认整改与结果公示', task.enterprise.name);
  const pub = await d.click(liaison.openId, card, '已录入并公示', {});
  expect((await readTask(conn(), task._id)).publication?.result).toBe('发现问题待后续处理');
  const moved = await d.click(liaison.openId, pub.card!, '登记后续处置', { kind: '移交', transfer_to: '运城市公安局经侦支队' });
  expect(moved.toast).toEqual({ type: 'success', content: '已登记移交，整改提醒停止' });
  const stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('已公示');
  expect(stored.disposal).toMatchObject({ kind: '移交', transferTo: '运城市公安局经侦支队' });

  // a third task on the 责令改正 path, confirmed
  const third = await withFindings();
  const c3 = await d.cardTo(liaison.openId, '待整改：确认整改与结果公示', third.enterprise.name);
  await d.click(liaison.openId, c3, '确认整改', { status_1: 'done', done_1: '已更换检定合格的天平' });

  await settle(h);
  h.emulator.reset();
  const sent = await h.feishu.sendText(head.openId, '/汇总');
  await h.emulator.waitFor((m) => m.root === sent.messageId, 20_000);
  const [file] = await filesTo(h, head.openId, 1);
  const wb = await workbook(file.data);
  expect(await expectFormulasCached(file.data, wb)).toBeGreaterThan(0);
  const ws = wb.getWorksheet(SUMMARY_SHEET)!;
  const col = (key: string) => SUMMARY_COLUMNS.findIndex((c) => c.key === key) + 1;
  const row = ws.getRow(LAYOUT.firstData + YUNCHENG_COUNTIES.indexOf('永济市'));
  expect(row.getCell(2).value).toBe('永济市');
  const v = (key: string) => cellValue(row.getCell(col(key)));
  expect({ ordered: v('ordered'), rectified: v('rectified'), caseOpened: v('caseOpened'), transferred: v('transferred'), pending: v('result:A'), rectifiedResult: v('result:E') }).toEqual({
    ordered: 1,
    rectified: 1,
    caseOpened: 1,
    transferred: 1,
    pending: 2,
    rectifiedResult: 1,
  });
  const total = ws.getRow(LAYOUT.firstData + YUNCHENG_COUNTIES.length);
  expect(cellValue(total.getCell(col('caseOpened')))).toBe(1);
  expect(total.getCell(col('caseOpened')).formula).toMatch(/^SUM\(/);
});

it('a county without a liaison: the refusals say who may; the 市局联络员 stands in for 立案/移交 and 公示 but not for 附件2', async () => {
  const task = await withFindings();
  const card = await d.cardTo(liaison.openId, '待整改：确认整改与结果公示', task.enterprise.name);
  // the firm turns out to be in 夏县, where nobody is registered as 联络员 (the registry's 所属县区 was corrected)
  await h.service.db.connection.collection('tasks').updateOne({ _id: task._id }, { $set: { 'enterprise.county': '夏县' } });
  const done = { status_1: 'done', done_1: '已更换检定合格的天平' };
  const refused = await d.click(liaison.openId, card, '确认整改', done);
  const noConfirmer =
    '夏县没有登记联络员：整改须由夏县市场监管局的联络员到企业现场核实后确认（附件2），市局不代为确认。请在执法检查人员名录库中登记该县区的联络员';
  expect(refused.toast).toEqual({ type: 'error', content: noConfirmer });
  const notDisposer = await d.click(liaison.openId, card, '登记后续处置', { kind: '移交', transfer_to: '市局稽查支队' });
  expect(notDisposer.toast).toEqual({ type: 'error', content: '夏县没有登记联络员，立案或移交由市局联络员代为登记' });
  const notPublisher = await d.click(liaison.openId, card, '已录入并公示', {});
  expect(notPublisher.toast).toEqual({ type: 'error', content: '按“谁检查、谁录入”，只有本检查组的组长、执法人员或市局联络员（该县区没有登记联络员）可以登记公示' });
  expect((await readTask(conn(), task._id)).state).toBe('待整改');

  // Only a liaison of the firm's county confirms 附件2 (they verify on site): the 市局联络员 is refused too.
  const byCity = await d.click(cityLiaison.openId, card, '确认整改', done);
  expect(byCity.toast).toEqual({ type: 'error', content: noConfirmer });
  const after = await readTask(conn(), task._id);
  expect(after.state).toBe('待整改');
  expect(after.rectificationCheck?.confirmedBy).toBeUndefined();
});
