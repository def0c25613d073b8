/**
 * /导出 through the webhook: which task (licence number, exact or partial name, ambiguous, none), who may export,
 * which forms (附件1–4) arrive as .docx files in the chat, the card listing them, idempotency per request message,
 * and the refusals (record not submitted, no argument).
 */
import JSZip from 'jszip';
import { shanghaiDate } from '../../src/domain/calendar';
import { CHECKLISTS, type ChecklistKind } from '../../src/domain/checklists';
import { buildRectification, OPINION_SHEET_TITLE, type InspectionRecord } from '../../src/domain/inspection';
import { taskModel, type RectificationCheck, type TaskDoc, type TaskState } from '../../src/store/task';
import type { SentMessage, StoredFile } from '../../src/sandbox/emulator/types';
import { cardText } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { createTask, inspectionDriver, PEOPLE, readTask, registerStaff, submittedRecord, type Person } from '../support/fixtures';

let h: Harness;
const conn = () => h.service.db.connection;
const { officer, expert, leader, liaison, cityLiaison, stranger } = PEOPLE;

const DISTRICT_LEADER: Person = { openId: 'ou_boss00000000000000000000000001', name: '刘局长', roles: ['领导'], unit: '盐湖区市场监督管理局', county: '盐湖区' };
const YANHU_LIAISON: Person = { openId: 'ou_liaison000000000000000000000h1', name: '钱敏', roles: ['联络员'], unit: '盐湖区市场监督管理局', county: '盐湖区' };
const UNREGISTERED = 'ou_nobody00000000000000000000001';
const XIAXIAN_LEADER: Person = { openId: 'ou_boss00000000000000000000000002', name: '夏局长', roles: ['领导'], unit: '夏县市场监督管理局', county: '夏县' };

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'export' });
  await registerStaff(conn(), [...Object.values(PEOPLE), DISTRICT_LEADER, YANHU_LIAISON, XIAXIAN_LEADER]);
});

afterAll(async () => {
  await h.close();
});

beforeEach(() => h.emulator.reset());

// ---- fixtures ---------------------------------------------------------------------------------------------------------

let uscc = 0;
/** A distinct enterprise (licence number and 统一社会信用代码) per call. */
function ent(name: string, extra: Record<string, string> = {}) {
  uscc += 1;
  const n = String(uscc).padStart(5, '0');
  return { name, licenceNo: `晋XK06-001-9${n}`, uscc: `91140800MA0E${n}X`, ...extra };
}

/** Writes a submitted (and, unless `state` says otherwise, fully signed) record, as the checklist flow leaves it. */
async function submitted(
  task: TaskDoc,
  opts: { findings?: Record<number, string>; state?: TaskState; check?: Partial<RectificationCheck>; publishedOn?: string } = {},
): Promise<TaskDoc> {
  const kind: ChecklistKind = task.checklist;
  const at = new Date('2024-05-06T02:00:00Z');
  const findings = opts.findings ?? {};
  const answers = CHECKLISTS[kind].items.map((i) => ({
    item: i.no,
    verdict: findings[i.no] ? ('不符合' as const) : ('符合' as const),
    record: findings[i.no] ?? (i.no === 3 ? '检验设备均在检定周期内' : ''),
    by: officer.openId,
    byName: officer.name,
    at,
  }));
  const hasFindings = Object.keys(findings).length > 0;
  const state: TaskState = opts.state ?? (hasFindings ? '待整改' : '待公示');
  const signed = state !== '待签字';
  const inspection: InspectionRecord = submittedRecord(answers, officer.openId, at, {
    completionDate: '2024-05-06',
    signatures: (signed ? [officer, expert, leader] : [officer]).map((p) => ({ openId: p.openId, name: p.name, role: p.roles[0], at })),
    completedAt: signed ? at : undefined,
    result: hasFindings ? '发现问题' : '未发现问题',
    rectification:
      hasFindings && signed
        ? buildRectification({ kind, answers, days: 15, issuedDate: '2024-05-06', setBy: leader.openId, recipients: [liaison.openId] })
        : undefined,
  });
  const $set: Record<string, unknown> = { inspection, state };
  if (opts.check) {
    $set.rectificationCheck = {
      items: Object.entries(findings).map(([no, issue]) => ({ no: Number(no), issue, done: `已整改：${issue}` })),
      opinion: '该企业按照检查组提出的整改意见已全部完成整改，符合相关规定的要求。',
      confirmedBy: liaison.openId,
      confirmedByName: liaison.name,
      confirmedAt: new Date('2024-06-03T02:00:00Z'),
      confirmedOn: '2024-06-03',
      ...opts.check,
    };
  }
  if (opts.publishedOn) $set.publication = { dueDate: '2024-06-04', publishedOn: opts.publishedOn, result: '发现问题经责令已改正' };
  await taskModel(conn()).updateOne({ _id: task._id }, { $set });
  return readTask(conn(), task._id);
}

// ---- chat helpers --------------------------------------------------------------------------------------------------------

async function ask(openId: string, text: string, opts: Parameters<Harness['feishu']['sendText']>[2] = {}) {
  const sent = await h.feishu.sendText(openId, text, opts);
  expect(sent.status).toBe(200);
  const reply = await h.emulator.waitFor((m) => m.root === sent.messageId, 60_000);
  return { sent, reply, text: cardText(reply.current) };
}

const fileMessages = (to: string): SentMessage[] => h.emulator.messages().filter((m) => m.msg_type === 'file' && m.receive_id === to);

/** Waits until `n` file messages went to `to`, then returns the stored files they carry. */
async function filesTo(to: string, n: number, timeoutMs = 60_000): Promise<StoredFile[]> {
  const until = Date.now() + timeoutMs;
  while (fileMessages(to).length < n) {
    if (Date.now() > until) throw new Error(`expected ${n} files to ${to}, got ${fileMessages(to).length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stored = h.emulator.files();
  return fileMessages(to).map((m) => {
    const key = (m.content as { file_key?: string }).file_key;
    const file = stored.find((f) => f.file_key === key);
    if (!file) throw new Error(`file ${String(key)} not stored`);
    return file;
  });
}

const settle = () => new Promise((r) => setTimeout(r, 600));

async function documentText(file: StoredFile): Promise<string> {
  const zip = await JSZip.loadAsync(file.data);
  const xml = await zip.file('word/document.xml')!.async('string');
  return xml.replace(/<\/w:p>/g, '\n').replace(/<[^>]+>/g, '').replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

// ---- tests ------------------------------------------------------------------------------------------------------------------

it('a team member exports by 许可证编号: 附件1, 附件2 and 附件3 arrive as .docx files, with a card listing them', async () => {
  const e = ent('运城市河东电线电缆有限公司');
  const task = await submitted(await createTask(conn(), { kind: 'industrial', enterprise: e }), {
    findings: { 2: '新增挤出机一台，未向发证机关报告', 5: '合格证未标注许可证编号' },
    state: '已公示',
    check: {},
    publishedOn: '2024-06-10',
  });
  const { reply, text } = await ask(officer.openId, `/导出 ${e.licenceNo}`);
  expect(reply.msg_type).toBe('interactive');
  expect(text).toContain('检查记录已导出');
  expect(text).toContain(e.name);
  expect(text).toContain('已发送 3 个文件');

  const files = await filesTo(officer.openId, 3);
  const names = files.map((f) => f.file_name).sort();
  expect(names).toEqual([
    `附件1-市级“双随机、一公开”监督检查意见汇总表-${e.name}.docx`,
    `附件2-市级“双随机、一公开”监督检查整改结果确认单-${e.name}.docx`,
    `附件3-工业产品生产许可证获证企业监督检查记录-${e.name}.docx`,
  ]);
  for (const name of names) expect(text).toContain(name);
  for (const f of files) {
    expect(f.file_type).toBe('doc');
    expect(f.size).toBeGreaterThan(1000);
    expect(f.data.subarray(0, 2).toString()).toBe('PK');
  }
  const byForm = (form: string) => files.find((f) => f.file_name.startsWith(form))!;
  const f1 = await documentText(byForm('附件1'));
  expect(f1).toContain(OPINION_SHEET_TITLE);
  expect(f1).toContain('新增挤出机一台，未向发证机关报告（附件3第2项）');
  expect(f1).toContain('请于 15 日内完成上述问题整改');
  const f2 = await documentText(byForm('附件2'));
  expect(f2).toContain('已整改：合格证未标注许可证编号');
  expect(f2).toContain('永济市市场监督管理局（盖章）');
  expect(f2).toContain('2024年6月3日');
  const f3 = await documentText(byForm('附件3'));
  expect(f3).toContain(e.name);
  expect(f3).toContain('2024年5月6日');
  for (const item of CHECKLISTS.industrial.items) expect(f3).toContain(item.content);
  // signature lines blank for handwriting (the paper is signed on site)
  expect(f3).toMatch(/检查组成员签字：\n/);
  for (const name of ['李明', '张华', '王建国']) expect(f3).not.toContain(name);
  expect(task.state).toBe('已公示');
});

it('a redelivered request sends nothing twice; a later /导出 sends again', async () => {
  const e = ent('运城市重发测试电器有限公司');
  await submitted(await createTask(conn(), { kind: 'industrial', enterprise: e }));
  const first = await ask(officer.openId, `/导出 ${e.licenceNo}`);
  expect(first.text).toContain('已发送 1 个文件');
  await filesTo(officer.openId, 1);

  // the same message again (the platform's redelivery: same event, and the same message under a new event id)
  await h.feishu.deliver(first.sent.envelope);
  await h.feishu.sendText(officer.openId, `/导出 ${e.licenceNo}`, { messageId: first.sent.messageId });
  await settle();
  expect(fileMessages(officer.openId)).toHaveLength(1);
  expect(h.emulator.messages().filter((m) => m.root === first.sent.messageId)).toHaveLength(1);

  await ask(officer.openId, `/导出 ${e.licenceNo.toLowerCase()}`);
  await filesTo(officer.openId, 2);
  await settle();
  expect(fileMessages(officer.openId)).toHaveLength(2);
});

it('the real flow (food, findings, all signed) → the county liaison exports by exact name: 附件1 and 附件4', async () => {
  const d = inspectionDriver(h);
  const e = ent('永济市导出流程食品包装有限公司', { licenceNo: '晋XK16-204-77777' });
  const task = await createTask(conn(), { kind: 'food', enterprise: e });
  let card = (await d.open(officer.openId, task)).card!;
  const r4 = '原材料进厂检验记录缺失';
  for (let k = 1; k <= 9; k += 1) card = (await d.click(officer.openId, card, k === 4 ? '不符合' : '符合', k === 4 ? { record: r4 } : undefined)).card!;
  await d.click(officer.openId, card, '提交检查结果', { representative: '钱厂长' });

  const forLeader = await d.cardTo(leader.openId, '请核对检查记录', e.name);
  const forExpert = await d.cardTo(expert.openId, '请核对检查记录', e.name);

  // while signing: 附件4 and a draft 附件1 (period blank)
  const early = await ask(liaison.openId, `/导出 ${e.name}`);
  expect(early.text).toContain('已发送 2 个文件');
  const draft = await filesTo(liaison.openId, 2);
  expect(await documentText(draft.find((f) => f.file_name.startsWith('附件1'))!)).toContain('请于　　日内完成');

  await d.click(leader.openId, forLeader, '确认签字', { days: '20' });
  await d.click(expert.openId, forExpert, '确认签字');
  expect((await readTask(conn(), task._id)).state).toBe('待整改');

  const { text } = await ask(liaison.openId, `/导出 ${e.name}`);
  expect(text).toContain('已发送 2 个文件');
  const files = (await filesTo(liaison.openId, 4)).slice(2);
  expect(files.map((f) => f.file_name).sort()).toEqual([
    `附件1-市级“双随机、一公开”监督检查意见汇总表-${e.name}.docx`,
    `附件4-食品相关产品生产许可证获证企业监督检查记录-${e.name}.docx`,
  ]);
  const f4 = await documentText(files.find((f) => f.file_name.startsWith('附件4'))!);
  for (const item of CHECKLISTS.food.items) expect(f4).toContain(item.content);
  expect(f4).toContain(r4);
  expect(f4).toContain(shanghaiDate(new Date()).replace(/^(\d{4})-0?(\d+)-0?(\d+)$/, '$1年$2月$3日'));
  expect(f4).toMatch(/企业代表签字：\n/);
  expect(f4).not.toContain('钱厂长');
  const f1 = await documentText(files.find((f) => f.file_name.startsWith('附件1'))!);
  expect(f1).toContain(`${r4}（附件4第4项）`);
  expect(f1).toContain('请于 20 日内完成');
});

it('a unique partial name finds the task; asked in a group, the files go only to the requester', async () => {
  const e = ent('运城市部分匹配锅炉有限公司');
  await submitted(await createTask(conn(), { kind: 'industrial', enterprise: e }));
  const { text } = await ask(cityLiaison.openId, '/export 部分匹配锅炉', { chatType: 'group' });
  expect(text).toContain('检查记录已导出');
  const files = await filesTo(cityLiaison.openId, 1);
  expect(files[0].file_name).toBe(`附件3-工业产品生产许可证获证企业监督检查记录-${e.name}.docx`);
  await settle();
  expect(fileMessages(h.feishu.defaultGroupChatId)).toHaveLength(0);
});

it('finds a licence number stored with full-width brackets whichever brackets are typed', async () => {
  const e = ent('运城市全角括号电缆有限公司', { licenceNo: '（晋）XK06-001-00999' });
  await submitted(await createTask(conn(), { kind: 'industrial', enterprise: e }));
  for (const typed of ['（晋）XK06-001-00999', '(晋)xk06-001-00999']) {
    const { text } = await ask(cityLiaison.openId, `/导出 ${typed}`);
    expect(text).toContain('检查记录已导出');
  }
});

it('an ambiguous name is refused with the candidates and their licence numbers; nothing is sent', async () => {
  const a = ent('运城市歧义甲化工有限公司');
  const b = ent('运城市歧义乙化工有限公司');
  await submitted(await createTask(conn(), { enterprise: a }));
  await submitted(await createTask(conn(), { enterprise: b }));
  const { text } = await ask(leader.openId, '/导出 歧义');
  expect(text).toContain('找到多家企业');
  expect(text).toContain('匹配到 2 家企业');
  for (const e of [a, b]) {
    expect(text).toContain(e.name);
    expect(text).toContain(`/导出 ${e.licenceNo}`);
  }
  await settle();
  expect(h.emulator.messages().filter((m) => m.msg_type === 'file')).toHaveLength(0);

  // the same enterprise's redrawn (voided) task does not make a name ambiguous; the live task is taken
  const c = ent('运城市作废重抽阀门有限公司');
  await createTask(conn(), { enterprise: c, state: '已作废' });
  await submitted(await createTask(conn(), { enterprise: c }));
  expect((await ask(leader.openId, `/导出 ${c.name}`)).text).toContain('已发送 1 个文件');
});

it('two firms sharing a licence number (a registry error): neither is sent silently; each is offered by its name', async () => {
  // the same number, once with full-width brackets and once with ASCII ones
  const a = ent('运城市重号甲化工有限公司', { licenceNo: '（晋）XK06-001-98888' });
  const b = ent('运城市重号乙化工有限公司', { licenceNo: '(晋)XK06-001-98888' });
  await submitted(await createTask(conn(), { enterprise: a }));
  await submitted(await createTask(conn(), { enterprise: b }));
  const { text } = await ask(leader.openId, '/导出 (晋)XK06-001-98888');
  expect(text).toContain('匹配到 2 家企业');
  for (const e of [a, b]) expect(text).toContain(`/导出 ${e.name}`);
  await settle();
  expect(h.emulator.messages().filter((m) => m.msg_type === 'file')).toHaveLength(0);
  // by name, each is found
  expect((await ask(leader.openId, `/导出 ${b.name}`)).text).toContain('已发送 1 个文件');
});

it('a name or number that matches nothing is refused, naming what was searched', async () => {
  const { text } = await ask(officer.openId, '/导出 不存在的企业名称');
  expect(text).toContain('未找到检查任务');
  expect(text).toContain('不存在的企业名称');
  expect(text).toContain('用法：/导出 <许可证编号或企业名称>');
});

it('who may export: team, the county liaison and 领导, 市局 staff and 领导; others learn nothing about the task', async () => {
  const e = ent('盐湖区权限测试铸造有限公司', { county: '盐湖区' });
  await submitted(await createTask(conn(), { enterprise: e }));

  // outside the scope the task is not searched at all: the drawn list is not disclosed (policies.ts)
  const refused = await ask(stranger.openId, `/导出 ${e.licenceNo}`);
  expect(refused.text).toContain('未找到检查任务');
  expect(refused.text).toContain('只查找您有权导出的任务');
  const otherCounty = await ask(liaison.openId, `/导出 ${e.licenceNo}`); // 永济市 liaison, enterprise in 盐湖区
  expect(otherCounty.text).toContain('未找到检查任务');
  const otherLeader = await ask(XIAXIAN_LEADER.openId, `/导出 ${e.licenceNo}`); // a county 领导 of 夏县
  expect(otherLeader.text).toContain('未找到检查任务');
  const nobody = await ask(UNREGISTERED, `/导出 ${e.licenceNo}`);
  expect(nobody.text).toContain('没有权限');
  await settle();
  expect(h.emulator.messages().filter((m) => m.msg_type === 'file')).toHaveLength(0);

  for (const who of [expert, YANHU_LIAISON, cityLiaison, DISTRICT_LEADER]) {
    expect((await ask(who.openId, `/导出 ${e.licenceNo}`)).text).toContain('检查记录已导出');
    await filesTo(who.openId, 1);
  }
});

it('a record not yet submitted: the blank 附件3 with the firm\'s name, to take along', async () => {
  const e = ent('运城市未提交橡胶有限公司');
  await createTask(conn(), { enterprise: e, state: '检查中' });
  const { text } = await ask(officer.openId, `/导出 ${e.licenceNo}`);
  expect(text).toContain('空白检查表已导出');
  expect(text).toContain('检查中');
  const [file] = await filesTo(officer.openId, 1);
  expect(file.file_name).toBe(`附件3-工业产品生产许可证获证企业监督检查记录（空白）-${e.name}.docx`);
  const doc = await documentText(file);
  expect(doc).toContain(`企业名称（盖章）：${e.name}`);
  expect(doc).toContain('年　　月　　日');
  expect(doc).not.toContain('☑');
});

it('no argument → the usage, naming the argument', async () => {
  const { text } = await ask(officer.openId, '/导出');
  expect(text).toContain('参数有误');
  expect(text).toContain('许可证编号或企业名称');
  expect(text).toContain('用法：/导出 <许可证编号或企业名称>');
  const long = await ask(officer.openId, `/导出 ${'长'.repeat(101)}`);
  expect(long.text).toContain('过长');
});

it('/帮助 lists /导出', async () => {
  const { text } = await ask(officer.openId, '/帮助');
  expect(text).toContain('/导出');
});
