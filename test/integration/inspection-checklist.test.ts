/**
 * The checklist in chat, through the webhook with the simulated Feishu client: full walks of 附件3 and 附件4,
 * refusals (不符合 without 检查记录, non-members), concurrent answers, stale cards, restart, photos, navigation.
 */
import { CHECKLISTS, type ChecklistKind } from '../../src/domain/checklists';
import { cardText, findButtons } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff, type Card } from '../support/fixtures';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
const conn = () => h.service.db.connection;
const { officer, expert, leader, stranger } = PEOPLE;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'insp_checklist' });
  await registerStaff(conn());
  d = inspectionDriver(h);
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => h.emulator.reset());

function expectItem(card: Card | undefined, kind: ChecklistKind, k: number): void {
  const text = cardText(card);
  expect(text).toContain(`第 ${k}/9 项`);
  expect(text).toContain(CHECKLISTS[kind].items[k - 1].content);
  expect(d.buttons(card).filter((b) => b === '符合' || b === '不符合')).toEqual(['符合', '不符合']);
}

describe.each(['industrial', 'food'] as const)('a full walk of %s', (kind) => {
  it('opens from the assignment card, saves each answer with who and when, and ends on the summary', async () => {
    const task = await createTask(conn(), { kind });
    const assignment = await d.assignmentCard(officer.openId, task);
    const opened = await d.click(officer.openId, assignment, '开始检查');
    expect(opened.toast).toEqual({ type: 'success', content: '已开始检查，共 9 项' });
    let card = opened.card;
    let stored = await readTask(conn(), task._id);
    expect(stored.state).toBe('检查中');
    expect(stored.inspection?.startedBy).toBe(officer.openId);

    for (let k = 1; k <= 9; k += 1) {
      expectItem(card, kind, k);
      const verdict = k === 4 ? '不符合' : '符合';
      const record = k === 4 ? '未见原材料进厂检验记录' : k === 6 ? '人员持证上岗' : undefined;
      const res = await d.click(officer.openId, card!, verdict, record ? { record } : undefined);
      expect(res.toast).toEqual({ type: 'success', content: `已保存第${k}项：${verdict}` });
      // saved before the card moved on
      stored = await readTask(conn(), task._id);
      const a = stored.inspection!.answers.find((x) => x.item === k)!;
      expect(a).toMatchObject({ verdict, record: record ?? '', by: officer.openId, byName: officer.name });
      expect(a.at).toBeInstanceOf(Date);
      expect(stored.version).toBe(k + 1);
      card = res.card;
    }
    const text = cardText(card);
    expect(text).toContain('9 项已全部检查');
    expect(text).toContain('结论：**发现问题**（1 项不符合）');
    expect(text).toContain('未见原材料进厂检验记录');
    const buttons = d.buttons(card);
    expect(buttons.filter((b) => b === '修改')).toHaveLength(9);
    expect(buttons).toContain('提交检查结果');
    expect(stored.inspection!.history).toHaveLength(9);
  });
});

it('refuses 不符合 without a 检查记录, saying what to do, and changes nothing', async () => {
  const task = await createTask(conn());
  const { card } = await d.open(officer.openId, task);
  const before = await readTask(conn(), task._id);
  const res = await d.click(officer.openId, card!, '不符合', { record: '   ' });
  expect(res.toast).toEqual({ type: 'error', content: '选择“不符合”时必须填写检查记录' });
  expect(res.card).toBeUndefined();
  const after = await readTask(conn(), task._id);
  expect(after.version).toBe(before.version);
  expect(after.inspection!.answers).toHaveLength(0);
  // with a record it is saved
  const ok = await d.click(officer.openId, card!, '不符合', { record: '营业执照名称与许可证不一致' });
  expect(ok.toast?.type).toBe('success');
  expectItem(ok.card, 'industrial', 2);
});

it('refuses a non-member with an error toast and changes nothing', async () => {
  const task = await createTask(conn());
  const card = await d.assignmentCard(stranger.openId, task);
  const res = await d.click(stranger.openId, card, '开始检查');
  expect(res.toast).toEqual({ type: 'error', content: '您不是该任务检查组成员，不能操作此检查' });
  expect(res.card).toBeUndefined();
  const stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('待检查');
  expect(stored.version).toBe(0);
  expect(stored.inspection).toBeUndefined();

  // nor can an outsider answer on a member's card
  const { card: item1 } = await d.open(officer.openId, task);
  const answer = await d.click(stranger.openId, item1!, '符合');
  expect(answer.toast?.type).toBe('error');
  expect((await readTask(conn(), task._id)).inspection!.answers).toHaveLength(0);
});

it('lets a team start before the county has pressed 接收, and notes it', async () => {
  const task = await createTask(conn(), { state: '待接收' });
  const { card } = await d.open(leader.openId, task);
  expectItem(card, 'industrial', 1);
  const stored = await readTask(conn(), task._id);
  expect(stored.state).toBe('检查中');
  expect(stored.inspection!.startedBeforeReceipt).toBe(true);
});

it('two members answering the same item at once: one is current, both are in the history, the other is told', async () => {
  const task = await createTask(conn());
  const a = (await d.open(officer.openId, task)).card!;
  const b = (await d.open(expert.openId, task)).card!;
  expectItem(b, 'industrial', 1);
  const [ra, rb] = await Promise.all([
    d.click(officer.openId, a, '符合'),
    d.click(expert.openId, b, '不符合', { record: '住所名称已变更未申报' }),
  ]);
  const results = [ra, rb];
  const won = results.filter((r) => r.toast?.type === 'success');
  const lost = results.filter((r) => r.toast?.type === 'warning');
  expect(won).toHaveLength(1);
  expect(lost).toHaveLength(1);
  const stored = await readTask(conn(), task._id);
  const current = stored.inspection!.answers.find((x) => x.item === 1)!;
  expect(lost[0].toast!.content).toContain(`第1项已由${current.byName}记录为“${current.verdict}”`);
  const history = stored.inspection!.history.filter((x) => x.item === 1);
  expect(history.map((x) => x.outcome).sort()).toEqual(['saved', 'stale']);
  expect(new Set(history.map((x) => x.by))).toEqual(new Set([officer.openId, expert.openId]));
  expect(stored.inspection!.answers).toHaveLength(1);
  expect(stored.version).toBe(2);
  // both now see the same, current state
  expectItem(won[0].card, 'industrial', 2);
  expectItem(lost[0].card, 'industrial', 2);
});

it('refuses a stale card politely and re-renders it from the stored state', async () => {
  const task = await createTask(conn());
  let mine = (await d.open(officer.openId, task)).card!;
  const old = (await d.open(expert.openId, task)).card!;
  mine = (await d.click(officer.openId, mine, '符合')).card!;
  const mid = mine; // item 2, with 上一项
  for (let k = 2; k <= 3; k += 1) mine = (await d.click(officer.openId, mine, '符合')).card!;
  const before = await readTask(conn(), task._id);

  const res = await d.click(expert.openId, old, '符合');
  expect(res.toast).toEqual({ type: 'warning', content: '第1项已由李明记录为“符合”，您的选择未覆盖它（已留存备查）。卡片已刷新' });
  expectItem(res.card, 'industrial', 4);
  const after = await readTask(conn(), task._id);
  expect(after.version).toBe(before.version);
  expect(after.inspection!.answers.find((x) => x.item === 1)!.by).toBe(officer.openId);
  expect(after.inspection!.history.at(-1)).toMatchObject({ item: 1, by: expert.openId, outcome: 'stale', baseVersion: 1 });

  // a stale navigation button too
  const back = await d.click(officer.openId, mid, '上一项');
  expect(back.toast).toEqual({ type: 'warning', content: '卡片不是最新进度，已为您刷新，请重新操作' });
  expectItem(back.card, 'industrial', 4);
});

it('keeps the text of a refused stale answer in the refreshed form when it shows the same item', async () => {
  const task = await createTask(conn());
  let mine = (await d.open(officer.openId, task)).card!;
  mine = (await d.click(officer.openId, mine, '符合')).card!; // → item 2
  const theirs = (await d.open(expert.openId, task)).card!; // item 2, this version
  // a teammate goes back and forth: same item, newer version
  mine = (await d.click(officer.openId, mine, '上一项')).card!;
  mine = (await d.click(officer.openId, mine, '下一项')).card!;
  const typed = '现场发现新增的关键生产设备未在材料清单中（三台注塑机）';
  const res = await d.click(expert.openId, theirs, '不符合', { record: typed });
  expect(res.toast?.type).toBe('warning');
  expectItem(res.card, 'industrial', 2);
  expect(JSON.stringify(res.card)).toContain(typed);
  expect((await readTask(conn(), task._id)).inspection!.answers.find((x) => x.item === 2)).toBeUndefined();
});

it('survives a restart in the middle of a checklist and continues at the right item', async () => {
  const task = await createTask(conn(), { kind: 'food' });
  let card = (await d.open(officer.openId, task)).card!;
  for (let k = 1; k <= 4; k += 1) card = (await d.click(officer.openId, card, '符合')).card!;
  expectItem(card, 'food', 5);

  await h.restart();

  // the card on screen still works
  const res = await d.click(officer.openId, card, '符合');
  expect(res.toast?.content).toBe('已保存第5项：符合');
  expectItem(res.card, 'food', 6);
  // and /我的任务 shows the progress and continues where the team is
  const list = await d.myTasks(officer.openId);
  expect(cardText(list)).toContain('检查中 5/9');
  const row = findButtons(list).find((b) => (b.value as { task: string }).task === String(task._id))!;
  expect(row.text).toBe('继续检查');
  const resumed = await d.click(officer.openId, list, (b) => b.text === row.text && (b.value as { task: string }).task === String(task._id));
  expectItem(resumed.card, 'food', 6);
  expect((await readTask(conn(), task._id)).inspection!.answers.map((a) => a.item)).toEqual([1, 2, 3, 4, 5]);
});

it('goes back with 上一项, forward with 下一项, and edits from the summary with 修改', async () => {
  const task = await createTask(conn());
  let card = (await d.open(officer.openId, task)).card!;
  expect(d.buttons(card)).not.toContain('上一项');
  card = (await d.click(officer.openId, card, '符合')).card!;
  card = (await d.click(officer.openId, card, '不符合', { record: '新增关键设备未报告' })).card!;
  expectItem(card, 'industrial', 3);

  card = (await d.click(officer.openId, card, '上一项')).card!;
  expectItem(card, 'industrial', 2);
  expect(cardText(card)).toContain('当前结论：**不符合**');
  expect(cardText(card)).toContain('新增关键设备未报告'); // the record is in the input, to edit
  card = (await d.click(officer.openId, card, '下一项')).card!;
  expectItem(card, 'industrial', 3);

  for (let k = 3; k <= 9; k += 1) card = (await d.click(officer.openId, card, '符合')).card!;
  expect(cardText(card)).toContain('9 项已全部检查');
  // 修改 item 2: answer it again; the summary comes back (all answered) and the history keeps both answers
  const edit = findButtons(card).filter((b) => b.text === '修改')[1];
  expect(edit.value).toMatchObject({ a: 'insp.edit', item: 2 });
  card = (await d.click(officer.openId, card, (b) => b.text === '修改' && (b.value as { item: number }).item === 2)).card!;
  expectItem(card, 'industrial', 2);
  card = (await d.click(officer.openId, card, '符合', { record: '经核实已报告' })).card!;
  expect(cardText(card)).toContain('未发现问题');
  const stored = await readTask(conn(), task._id);
  expect(stored.inspection!.history.filter((x) => x.item === 2).map((x) => x.verdict)).toEqual(['不符合', '符合']);
  // from the summary, 上一项 goes to item 9
  card = (await d.click(officer.openId, card, '上一项')).card!;
  expectItem(card, 'industrial', 9);
});

it('符合 on an item that was 不符合, with its record left as pre-filled: the finding is not kept on the 符合, and the answer says so', async () => {
  const task = await createTask(conn());
  let card = (await d.open(officer.openId, task)).card!;
  card = (await d.click(officer.openId, card, '不符合', { record: '消防通道堵塞' })).card!;
  card = (await d.click(officer.openId, card, '不符合', { record: '台账缺失' })).card!;
  expectItem(card, 'industrial', 3);
  // back to item 2: its record is in the input; 符合 sends it unchanged
  card = (await d.click(officer.openId, card, '上一项')).card!;
  const flipped = await d.click(officer.openId, card, '符合', { record: '台账缺失' });
  expect(flipped.toast).toEqual({ type: 'success', content: '已保存第2项：符合（原“不符合”的检查记录未沿用，仍保留在修改记录中；如需备注请重新填写）' });
  // back to item 1: a note typed anew is kept as typed
  card = (await d.click(officer.openId, flipped.card!, '上一项')).card!;
  card = (await d.click(officer.openId, card, '上一项')).card!;
  expectItem(card, 'industrial', 1);
  const noted = await d.click(officer.openId, card, '符合', { record: '消防通道已当场清理' });
  expect(noted.toast).toEqual({ type: 'success', content: '已保存第1项：符合' });
  const stored = await readTask(conn(), task._id);
  const rec = stored.inspection!;
  expect(rec.answers.filter((a) => a.item <= 2).map((a) => [a.item, a.verdict, a.record])).toEqual([
    [1, '符合', '消防通道已当场清理'],
    [2, '符合', ''],
  ]);
  // nothing typed is lost: the 不符合 and its record stay in the history
  expect(rec.history.filter((x) => x.item === 2).map((x) => [x.verdict, x.record])).toEqual([
    ['不符合', '台账缺失'],
    ['符合', ''],
  ]);
});

it('attaches photos sent during a checklist to the current item and lists them on the summary', async () => {
  const task = await createTask(conn());
  let card = (await d.open(officer.openId, task)).card!;
  card = (await d.click(officer.openId, card, '符合')).card!;

  const key = h.emulator.storeUserResource('image', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const sent = await h.feishu.sendImage(officer.openId, key);
  const reply = await h.emulator.waitFor((m) => m.root === sent.messageId);
  expect(cardText(reply.current)).toContain('第 2 项');
  let stored = await readTask(conn(), task._id);
  expect(stored.inspection!.photos).toEqual([
    expect.objectContaining({ item: 2, imageKey: key, messageId: sent.messageId, by: officer.openId }),
  ]);
  expect(stored.version).toBe(2); // a photo does not make anyone's card stale

  // the same message delivered again under a new event id is attached once
  await h.feishu.deliver(h.feishu.messageEvent(officer.openId, 'image', { image_key: key }, { messageId: sent.messageId, mentionBot: false }));
  // the card still works after the photo; 返回检查 on the reply shows the current item
  const back = await d.click(officer.openId, reply.current, '返回检查');
  expectItem(back.card, 'industrial', 2);
  expect(cardText(back.card)).toContain('本项已附照片 1 张');
  card = back.card!;
  for (let k = 2; k <= 9; k += 1) card = (await d.click(officer.openId, card, '符合')).card!;
  stored = await readTask(conn(), task._id);
  expect(stored.inspection!.photos).toHaveLength(1);
  const text = cardText(card);
  expect(text).toContain('现场照片**（1 张）');
  expect(text).toContain('第2项 · 李明');
});

it('with two checklists open, a photo goes to the one the sender worked on last', async () => {
  const mine = await createTask(conn(), { enterprise: { name: '运城市甲有限公司' } });
  const theirs = await createTask(conn(), { enterprise: { name: '运城市乙有限公司' } });
  await d.open(expert.openId, theirs);
  await d.open(officer.openId, theirs);
  await d.open(officer.openId, mine);
  // the expert keeps working on the other one: it is the task changed last, but not the officer's latest
  const other = (await d.open(expert.openId, theirs)).card!;
  await d.click(expert.openId, other, '符合');
  const key = h.emulator.storeUserResource('image', Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
  const sent = await h.feishu.sendImage(officer.openId, key);
  const reply = await h.emulator.waitFor((m) => m.root === sent.messageId);
  expect(cardText(reply.current)).toContain('运城市甲有限公司');
  expect((await readTask(conn(), mine._id)).inspection!.photos).toHaveLength(1);
  expect((await readTask(conn(), theirs._id)).inspection!.photos).toHaveLength(0);
});

it('tells a member without an open checklist that the photo was not kept; others get the usual pointer', async () => {
  await createTask(conn(), { team: [{ openId: PEOPLE.officer2.openId, name: PEOPLE.officer2.name, role: '执法人员', unit: PEOPLE.officer2.unit, county: PEOPLE.officer2.county }] });
  const key = h.emulator.storeUserResource('image', Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  const sent = await h.feishu.sendImage(PEOPLE.officer2.openId, key);
  const reply = await h.emulator.waitFor((m) => m.root === sent.messageId);
  expect(cardText(reply.current)).toContain('照片未保存');
  const other = await h.feishu.sendImage(PEOPLE.cityLiaison.openId, key);
  const pointer = await h.emulator.waitFor((m) => m.root === other.messageId);
  expect(cardText(pointer.current)).toContain('/帮助');
});
