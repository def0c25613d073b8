/**
 * 无法正常检查 through the webhook, the SDK and the emulator: a team member records that the firm cannot be reached
 * (无法联系), with a photo and a document as evidence; the 组长 confirms; the 市局联络员 and the county are told; the
 * county publishes the dictionary result; /导出 gives the record with the 经营异常 flag and blank signature box; the
 * public page and /进度 count it. Also: refusals (no evidence, no reason), the 组长 returning a proposal, the 组长
 * proposing (one step).
 */
import { addWorkingDays } from '../../src/domain/calendar';
import { attachMedia } from '../../src/operations/inspection/attachMedia';
import { mediaReply } from '../../src/bot/inspection';
import { cardText, findButtons } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { inspectionDriver, PEOPLE, readTask, registerStaff } from '../support/fixtures';
import { campaignWithDraw, documentXml, filesTo, settle, tableCells, taskIn, xmlText } from '../support/outcomes';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
/** Monday 2024-05-06, 10:00 in 运城: inside the campaign's window */
let clock = new Date('2024-05-06T02:00:00Z');
/** the clock moves a millisecond per reading: what was done later is later */
let ticks = 0;
const now = () => new Date(clock.getTime() + ++ticks);
const conn = () => h.service.db.connection;
const { officer, expert, leader, liaison, cityLiaison } = PEOPLE;
let ctx: Awaited<ReturnType<typeof campaignWithDraw>>;
const deps = () => ({ conn: conn(), outbox: h.service.outbox, log: h.log, now });

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'closure', now });
  await registerStaff(conn());
  d = inspectionDriver(h);
  ctx = await campaignWithDraw(conn());
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => h.emulator.reset());

async function ask(openId: string, text: string): Promise<string> {
  const sent = await h.feishu.sendText(openId, text);
  expect(sent.status).toBe(200);
  const reply = await h.emulator.waitFor((m) => m.root === sent.messageId, 15_000);
  return cardText(reply.current);
}

async function photo(openId: string): Promise<{ messageId: string; reply: string; card: Record<string, unknown> }> {
  const key = h.emulator.storeUserResource('image', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const sent = await h.feishu.sendImage(openId, key);
  const reply = await h.emulator.waitFor((m) => m.root === sent.messageId);
  return { messageId: sent.messageId, reply: cardText(reply.current), card: reply.current };
}

it('无法联系 with evidence: recorded by an officer, confirmed by the 组长, published by the county, exported with the flag', async () => {
  const task = await taskIn(conn(), ctx);
  const item = (await d.open(officer.openId, task)).card!;
  expect(d.buttons(item)).toContain('无法正常检查');

  // the form: reasons from the dictionary, a required 情况说明
  const form = (await d.click(officer.openId, item, '无法正常检查')).card!;
  const json = JSON.stringify(form);
  expect(cardText(form)).toContain('把现场照片或相关文件');
  for (const label of ['通过登记的住所（经营场所）无法联系', '已关闭停业或正在组织清算', '不配合检查情节严重', '未发现开展本次抽查涉及的经营活动', '注销', '被吊销', '迁出']) {
    expect(json).toContain(label);
  }
  expect(json).not.toContain('"value":"1"'); // 未发现问题 is not a closure reason

  // no evidence yet: refused, nothing changes
  const note = '5月6日上午到登记的生产地址，厂房已空置，门卫称企业已搬离半年；联系人电话停机。';
  const early = await d.click(officer.openId, form, '提交组长确认', { reason: '6', note });
  expect(early.toast).toEqual({ type: 'error', content: '还没有证据：请先把现场照片或文件发给我（至少 1 份），再提交' });
  expect(early.card).toBeUndefined();
  expect((await readTask(conn(), task._id)).state).toBe('检查中');

  // a photo (image message) and a document (the file intake calls the same operation with plain inputs)
  const p = await photo(officer.openId);
  expect(p.reply).toContain('证据已保存');
  const doc = await attachMedia(deps(), { openId: officer.openId, kind: 'file', key: 'file_v3_0001', name: '企业迁出说明.pdf', messageId: 'om_doc_0001' });
  expect(doc).toMatchObject({ ok: true, purpose: 'closure', count: 2 });
  let stored = await readTask(conn(), task._id);
  expect(stored.closure!.evidence).toEqual([
    expect.objectContaining({ kind: 'image', messageId: p.messageId, by: officer.openId }),
    expect.objectContaining({ kind: 'file', key: 'file_v3_0001', name: '企业迁出说明.pdf' }),
  ]);
  expect(stored.inspection!.photos).toHaveLength(0); // not evidence of a checklist item
  const back = await d.click(officer.openId, p.card, '返回登记');
  expect(cardText(back.card)).toContain('照片 1 张、文件 1 份');

  // the Feishu client itself refuses to submit without a reason or a note (required fields; the server checks too)
  await expect(d.click(officer.openId, back.card!, '提交组长确认', { note })).rejects.toThrow('required field "reason" is empty');
  await expect(d.click(officer.openId, back.card!, '提交组长确认', { reason: '6' })).rejects.toThrow('required field "note" is empty');

  const sub = await d.click(officer.openId, back.card!, '提交组长确认', { reason: '6', note });
  expect(sub.toast).toEqual({ type: 'success', content: '已提交，等待组长确认' });
  stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待确认');
  expect(stored.closure).toMatchObject({ status: 'proposed', code: '6', result: '通过登记的住所（经营场所）无法联系', note, proposedBy: officer.openId });

  // the checklist is closed meanwhile
  const late = await d.click(officer.openId, item, '符合');
  expect(late.toast).toEqual({ type: 'warning', content: '已登记无法正常检查，等待组长确认；如需继续检查，请组长退回登记' });

  // the 组长 confirms
  const ask1 = await d.cardTo(leader.openId, '无法检查 · 待组长确认', task.enterprise.name);
  expect(cardText(ask1)).toContain('李明** 登记该企业无法正常检查');
  expect(d.buttons(ask1)).toEqual(['确认无法检查', '退回补充']);
  expect(d.buttons(await d.cardTo(leader.openId, '无法检查 · 待组长确认', task.enterprise.name))).toContain('确认无法检查');
  const ok = await d.click(leader.openId, ask1, '确认无法检查');
  expect(ok.toast).toEqual({ type: 'success', content: '已确认，任务结束，请按期录入公示' });
  stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待公示');
  expect(stored.closure).toMatchObject({ status: 'confirmed', confirmedBy: leader.openId, confirmedOn: '2024-05-06' });
  // the 20-working-day clock runs from the confirmation
  expect(stored.publication).toEqual({ dueDate: addWorkingDays('2024-05-06', 20) });

  // told: the 市局联络员, the county liaison (经营异常名录), the team
  for (const who of [cityLiaison, liaison, officer, expert]) {
    const told = cardText(await d.cardTo(who.openId, '无法检查 · 已确认', task.enterprise.name));
    expect(told).toContain('检查结果为“**通过登记的住所（经营场所）无法联系**”');
    expect(told).toContain('列入经营异常名录');
  }

  // the county records the publication with the dictionary result
  const pubCard = await d.cardTo(liaison.openId, '检查结果待公示', task.enterprise.name);
  expect(cardText(pubCard)).toContain('公示结果：**通过登记的住所（经营场所）无法联系**');
  expect(cardText(pubCard)).toContain('无法正常检查——通过登记的住所（经营场所）无法联系');
  expect(cardText(pubCard)).toContain('企业无法正常检查，组长已确认，检查结果为**通过登记的住所（经营场所）无法联系**');
  expect(cardText(pubCard)).not.toContain('未发现问题');
  const pub = await d.click(liaison.openId, pubCard, '已录入并公示', {});
  expect(pub.toast).toEqual({ type: 'success', content: '已登记公示：通过登记的住所（经营场所）无法联系' });
  expect((await readTask(conn(), task._id)).publication).toMatchObject({ publishedOn: '2024-05-06', result: '通过登记的住所（经营场所）无法联系' });

  // the public page shows it and counts by the dictionary
  const page = await (await fetch(`http://127.0.0.1:${h.service.port}/public/results`)).text();
  expect(page).toContain(task.enterprise.name);
  expect(page).toContain('通过登记的住所（经营场所）无法联系 1 条');

  // /导出: the record, with the flag; the signature box blank, dated with the confirmation
  await settle(h);
  h.emulator.reset();
  const exported = await ask(liaison.openId, `/导出 ${task.enterprise.licenceNo}`);
  expect(exported).toContain('⚠️ 需后续处理：**列入经营异常名录**');
  const [file] = await filesTo(h, liaison.openId, 1);
  expect(file.file_name).toBe(`无法检查-无法正常检查情况记录-${task.enterprise.name}.docx`);
  const xml = await documentXml(file.data);
  const text = xmlText(xml);
  for (const s of ['无法正常检查情况记录', '通过登记的住所（经营场所）无法联系（结果代码 6）', note, '照片 1 张、文件 1 份', '企业迁出说明.pdf', '列入经营异常名录（请县局按规定办理）', '组长 王建国 2024年5月6日确认']) {
    expect(text).toContain(s);
  }
  const signRow = tableCells(xml).at(-1)!;
  expect(signRow).toHaveLength(1);
  expect(signRow[0]!.split('\n').map((l) => l.trim()).filter((l) => l !== '')).toEqual(['检查组签字：', '2024年5月6日']);

  // /进度 of the city counts it by the dictionary
  const progress = await ask(cityLiaison.openId, '/进度');
  expect(progress).toContain('无法联系 1');
  expect(progress).toContain('无法正常检查 1 家，其中需列入经营异常名录或信用跟进');
});

it('the 组长 returns a proposal with a reason; the proposer is told and resubmits', async () => {
  const task = await taskIn(conn(), ctx);
  const item = (await d.open(officer.openId, task)).card!;
  await d.click(officer.openId, item, '无法正常检查');
  await photo(officer.openId);
  const form = (await d.click(officer.openId, item, '无法正常检查')).card!;
  const first = await d.click(officer.openId, form, '提交组长确认', { reason: '8', note: '企业负责人拒绝开门，拒绝提供资料' });
  expect(first.toast).toEqual({ type: 'success', content: '已提交，等待组长确认' });
  const ask1 = await d.cardTo(leader.openId, '无法检查 · 待组长确认', task.enterprise.name);

  expect((await d.click(leader.openId, ask1, '退回补充', {})).toast?.content).toBe('退回时请填写退回原因');
  const ret = await d.click(leader.openId, ask1, '退回补充', { return_reason: '请补拍企业大门和拒绝签收的过程' });
  expect(ret.toast).toEqual({ type: 'success', content: '已退回，登记人会收到通知' });
  const stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('检查中');
  expect(stored.closure).toMatchObject({ status: 'draft', code: '8', returns: [expect.objectContaining({ by: leader.openId, reason: '请补拍企业大门和拒绝签收的过程' })] });
  const told = await d.cardTo(officer.openId, '无法正常检查', '请补拍企业大门');
  expect(d.buttons(told)).toEqual(expect.arrayContaining(['提交组长确认', '返回检查', '取消登记']));
  // the draft keeps what was typed and chosen
  expect(JSON.stringify(told)).toContain('企业负责人拒绝开门');

  // the 组长's own card now waits for the registrant: no form of theirs to submit in the registrant's place
  expect(cardText(ret.card)).toContain(`等待 **${officer.name}** 补充证据或修改说明后重新提交`);
  expect(d.buttons(ret.card)).not.toContain('提交组长确认');
  // and the registrant's form, clicked by the 组长, is refused: nothing confirmed, the registrant stays
  const inPlace = await d.click(leader.openId, told, '提交组长确认', { reason: '8', note: '企业负责人拒绝开门，拒绝提供资料' });
  expect(inPlace.toast).toEqual({ type: 'info', content: `已退回，等待${officer.name}补充后重新提交` });
  expect((await readTask(conn(), task._id)).closure).toMatchObject({ status: 'draft', proposedBy: officer.openId });

  // what the registrant sends now is the draft's evidence again, as the card asks
  const added = await photo(officer.openId);
  expect(added.reply).toContain(`已作为 **${task.enterprise.name}** 无法检查登记的证据（共 2 份）`);
  expect((await readTask(conn(), task._id)).closure!.evidence).toHaveLength(2);

  // a stale confirmation card does nothing now
  expect((await d.click(leader.openId, ask1, '确认无法检查')).toast).toEqual({ type: 'info', content: '该登记已处理或已退回，无需操作' });

  // cancelling drops the draft; the checklist goes on
  const cancelled = await d.click(officer.openId, told, '取消登记');
  expect(cancelled.toast).toEqual({ type: 'success', content: '已取消登记' });
  expect((await readTask(conn(), task._id)).closure).toBeUndefined();
  expect(findButtons(cancelled.card).map((b) => b.text)).toEqual(expect.arrayContaining(['符合', '不符合']));
});

it('a 组长 recording the closure confirms it in one step; someone outside the team learns nothing', async () => {
  const task = await taskIn(conn(), ctx);
  const item = (await d.open(leader.openId, task)).card!;
  const form = (await d.click(leader.openId, item, '无法正常检查')).card!;
  const outsider = await h.feishu.clickButton(PEOPLE.stranger.openId, form, '提交组长确认', { formValues: { reason: '9', note: 'x' } });
  expect(outsider.toast?.content).toBe('您不是该任务检查组成员，不能操作');
  await photo(leader.openId);
  const sub = await d.click(leader.openId, form, '提交组长确认', { reason: '9', note: '企业已于2024年4月办理注销登记，见注销通知书照片' });
  expect(sub.toast).toEqual({ type: 'success', content: '已确认，任务结束，请按期录入公示' });
  const stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待公示');
  expect(stored.closure).toMatchObject({ status: 'confirmed', code: '9', result: '注销', proposedBy: leader.openId, confirmedBy: leader.openId });
  expect(cardText(await d.cardTo(cityLiaison.openId, '无法检查 · 已确认', task.enterprise.name))).not.toContain('列入经营异常名录');
});

it('a document from a member with no closure or 签字页 pending is not kept, and the sender is told why', async () => {
  const card = await mediaReply(deps(), { openId: expert.openId, kind: 'file', key: 'file_v3_0009', name: '说明.docx', messageId: 'om_doc_0009' });
  expect(cardText(card)).toContain('文件未保存');
  expect(cardText(card)).toContain('“无法正常检查”登记中');
});

it('a task already submitted cannot be closed this way', async () => {
  clock = new Date('2024-05-07T02:00:00Z');
  const task = await taskIn(conn(), ctx, { state: '待签字', extra: { inspection: { startedAt: clock, startedBy: officer.openId, cursor: 10, round: 1 } } });
  const card = await d.assignmentCard(officer.openId, task);
  const res = await d.click(officer.openId, card, '开始检查');
  expect(d.buttons(res.card)).not.toContain('无法正常检查');
  const direct = await h.feishu.clickButton(officer.openId, { schema: '2.0', body: { elements: [{ tag: 'button', text: { tag: 'plain_text', content: 'x' }, behaviors: [{ type: 'callback', value: { a: 'close.open', task: String(task._id) } }] }] } }, 'x');
  expect(direct.toast?.content).toContain('检查记录已提交，不能再登记无法检查');
});
