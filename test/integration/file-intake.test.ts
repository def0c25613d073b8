/**
 * Every file sent in chat, through the real webhook, the SDK and the emulator (which serves the download), routed as
 * bot/fileIntake.ts says: extra checklists (进一次门，查多项事) imported by the 市局联络员 from a preview, exactly the file
 * previewed, once; a county liaison's 情况汇报 asked about, then submitted (the 市局联络员 told, /进度 showing it),
 * cancelled, superseded, refused to anyone else; closure evidence and 签字页 sent as documents; and who else gets which
 * answer.
 */
import { createHash } from 'node:crypto';
import { CHECKLISTS } from '../../src/domain/checklists';
import { CHECKLIST_HEADERS } from '../../src/domain/extraChecklists';
import { importChecklists, removeChecklist } from '../../src/operations/checklists/importChecklists';
import { campaignExtras } from '../../src/operations/checklists/campaignExtras';
import { cardText, findButtons, type ClickResult } from '../../src/sandbox/client';
import type { SentMessage } from '../../src/sandbox/emulator';
import { countyReportModel } from '../../src/store/countyReport';
import { extraChecklistModel } from '../../src/store/extraChecklist';
import { importLogModel } from '../../src/store/importLog';
import { setupUploadChunkModel, setupUploadModel } from '../../src/store/setupUpload';
import { binaryBytes } from '../../src/store/binary';
import { renderCard } from '../../src/bot/cards';
import { startHarness, type Harness } from '../support/harness';
import { inspectionDriver, PEOPLE, readTask, registerStaff, slot, submittedRecord, type Person } from '../support/fixtures';
import { campaignWithDraw, settle, taskIn } from '../support/outcomes';
import { csvBytes, staffCsv, xlsxBytes } from '../support/setupFiles';
import { generateSampleData } from '../../src/domain/sampleData';
import { gbk } from '../support/gbk';

const ADMIN = 'ou_admin00000000000000000000000007';
const yanhuLiaison: Person = { openId: 'ou_liaison000000000000000000000h1', name: '钱敏', roles: ['联络员'], unit: '盐湖区市场监督管理局', county: '盐湖区' };
const { officer, expert, leader, liaison, cityLiaison, stranger } = PEOPLE;

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
/** Monday 2024-05-06, 10:00 in 运城: inside the campaign's window, before the 情况汇报's 11-15 */
const clock = new Date('2024-05-06T02:00:00Z');
let ticks = 0;
const now = () => new Date(clock.getTime() + ++ticks);
const conn = () => h.service.db.connection;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let ctx: Awaited<ReturnType<typeof campaignWithDraw>>;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'file_intake', now, adminOpenIds: [ADMIN] });
  await registerStaff(conn(), [...Object.values(PEOPLE), yanhuLiaison]);
  d = inspectionDriver(h);
});

afterAll(async () => {
  await h.close();
});

/** Sends a file in the 1:1 chat and returns the bot's reply to it. */
async function sendFile(openId: string, name: string, bytes: Buffer): Promise<{ reply: SentMessage; messageId: string; fileKey: string }> {
  const sent = await h.feishu.sendFile(openId, name, bytes);
  expect(sent.status).toBe(200);
  const reply = await h.emulator.waitFor((m) => m.root === sent.messageId, 30_000);
  return { reply, messageId: sent.messageId, fileKey: sent.fileKey };
}

async function ask(openId: string, text: string): Promise<string> {
  const sent = await h.feishu.sendText(openId, text);
  expect(sent.status).toBe(200);
  return cardText((await h.emulator.waitFor((m) => m.root === sent.messageId, 30_000)).current);
}

/** The card a click leaves: the answer's own, or (work past the 3-second answer) the card patched in afterwards. */
async function cardAfter(click: ClickResult, expected: string): Promise<unknown> {
  expect(click.clientError).toBeUndefined();
  if (click.card) return click.card;
  expect(click.toast?.content).toContain('正在处理');
  return (await h.emulator.waitFor((m) => m.message_id === click.messageId && cardText(m.current).includes(expected), 30_000)).current;
}

const buttons = (card: unknown) => findButtons(card).map((b) => b.text);

function downloads(messageId: string) {
  return h.emulator.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/open-apis/im/v1/messages/${messageId}/resources/`));
}

const ZERO = '工业产品质量安全“零事故”创建指导';
const HAZARD = '重点工业产品质量安全隐患排查';

function checklistFile(rows: (string | number)[][]): Promise<Buffer> {
  return csvBytes(CHECKLIST_HEADERS, rows.map((r) => r.map(String)));
}

const TWO_LISTS: (string | number)[][] = [
  [ZERO, 1, '是否制定“零事故”创建工作方案并明确责任人'],
  [ZERO, 2, '是否开展质量安全风险隐患自查并建立台账'],
  [ZERO, 3, '是否建立质量安全事故报告和应急处置制度'],
  [HAZARD, 2, '隐患整改是否闭环并留存记录'],
  [HAZARD, 1, '重点产品是否存在不符合强制性标准的隐患'],
];

async function uploadsAndLog() {
  return {
    lists: await extraChecklistModel(conn()).countDocuments(),
    uploads: await setupUploadModel(conn()).countDocuments(),
    chunks: await setupUploadChunkModel(conn()).countDocuments(),
    log: await importLogModel(conn()).countDocuments(),
    reports: await countyReportModel(conn()).countDocuments(),
  };
}

describe('before a campaign exists', () => {
  it('a checklist file is previewed against nothing: the 市局联络员 is told to create the campaign first', async () => {
    const before = await uploadsAndLog();
    const { reply } = await sendFile(cityLiaison.openId, '附加检查表.csv', await checklistFile(TWO_LISTS));
    const text = cardText(reply.content);
    expect(text).toContain('无法导入 · 附加检查表');
    expect(text).toContain('请先发送 /专项 新建 创建本年度专项');
    expect(buttons(reply.content)).toEqual([]);
    expect(await uploadsAndLog()).toEqual(before);
  });

  it('a county liaison’s report has no campaign to go to: refused with the reason', async () => {
    const before = await uploadsAndLog();
    const { reply } = await sendFile(liaison.openId, '永济市情况汇报.docx', Buffer.from('PK\u0003\u0004 report'));
    expect(cardText(reply.content)).toContain('当前没有进行中的专项，无法上报情况汇报');
    expect(buttons(reply.content)).toEqual([]);
    expect(await uploadsAndLog()).toEqual(before);
  });
});

describe('extra checklists sent by the 市局联络员 (进一次门，查多项事)', () => {
  beforeAll(async () => {
    ctx = await campaignWithDraw(conn());
  });

  it('previews the file (a dry run listing every item), then imports exactly it once, with an import-log entry', async () => {
    const bytes = await checklistFile(TWO_LISTS);
    const { reply, messageId, fileKey } = await sendFile(cityLiaison.openId, '附加检查表.csv', bytes);
    const preview = cardText(reply.content);
    expect(preview).toContain('导入预览 · 附加检查表');
    expect(preview).toContain(`检查通过（未写入）：专项“${ctx.campaign.name}”`);
    expect(preview).toContain(`新增“${ZERO}”：3 项`);
    expect(preview).toContain(`新增“${HAZARD}”：2 项`);
    expect(preview).toContain('1. 重点产品是否存在不符合强制性标准的隐患'); // sorted by 序号
    expect(preview).toContain('3. 是否建立质量安全事故报告和应急处置制度');
    expect(buttons(reply.content)).toEqual(['确认导入', '取消']);
    expect(await extraChecklistModel(conn()).countDocuments()).toBe(0);
    expect(downloads(messageId)).toEqual([expect.objectContaining({ path: `/open-apis/im/v1/messages/${messageId}/resources/${fileKey}`, status: 200 })]);

    const click = await h.feishu.clickButton(cityLiaison.openId, reply.current, '确认导入');
    const result = cardText(await cardAfter(click, '已导入'));
    expect(result).toContain('已导入 · 附加检查表');
    expect(result).toContain(`已导入：专项“${ctx.campaign.name}”`);
    expect(result).toContain('导入人：许小颖');
    const stored = await extraChecklistModel(conn()).find().sort({ createdAt: 1, name: 1 }).lean();
    expect(stored.map((l) => [l.name, l.items.length, l.importedBy, String(l.campaignId)])).toEqual(
      expect.arrayContaining([
        [ZERO, 3, cityLiaison.openId, String(ctx.campaign._id)],
        [HAZARD, 2, cityLiaison.openId, String(ctx.campaign._id)],
      ]),
    );
    expect(await importLogModel(conn()).find({ kind: 'checklists' }).lean()).toEqual([
      expect.objectContaining({
        fileName: '附加检查表.csv',
        sha256: sha256(bytes),
        size: bytes.length,
        source: 'chat',
        by: cityLiaison.openId,
        byName: cityLiaison.name,
        counts: { lists: 2, items: 5, replaced: 0 },
      }),
    ]);
    expect(await setupUploadChunkModel(conn()).countDocuments()).toBe(0);
    // a visit started from now on carries them, after the 9 items
    const task = await taskIn(conn(), ctx);
    expect((await campaignExtras({ conn: conn() }, task)).map((l) => [l.name, l.items.map((i) => i.no)])).toEqual(
      expect.arrayContaining([
        [ZERO, [1, 2, 3]],
        [HAZARD, [1, 2]],
      ]),
    );

    // the same card clicked again: refused, nothing imported twice
    const again = await h.feishu.clickButton(cityLiaison.openId, reply.content, '确认导入');
    expect(again.toast).toEqual({ type: 'info', content: '这份文件已经导入过了，不会重复导入' });
    expect(buttons(again.card)).toEqual([]);
    expect(await importLogModel(conn()).countDocuments({ kind: 'checklists' })).toBe(1);
  });

  it('a newer checklist file makes the older preview stale (updated in place); a list of the same name is replaced', async () => {
    const a = await sendFile(cityLiaison.openId, 'a.csv', await checklistFile([[HAZARD, 1, '旧版本的检查项']]));
    expect(cardText(a.reply.content)).toContain(`替换“${HAZARD}”：1 项`);
    const b = await sendFile(cityLiaison.openId, 'b.xlsx', await xlsxBytes('检查表', CHECKLIST_HEADERS, [[HAZARD, '1', '重点产品是否存在隐患'], [HAZARD, '2', '隐患是否闭环']]));
    expect(cardText(b.reply.content)).toContain(`替换“${HAZARD}”：2 项`);
    const patched = await h.emulator.waitFor((m) => m.message_id === a.reply.message_id && cardText(m.current).includes('预览已失效'), 30_000);
    expect(buttons(patched.current)).toEqual([]);
    const stale = await h.feishu.clickButton(cityLiaison.openId, a.reply.content, '确认导入');
    expect(stale.toast).toEqual({ type: 'error', content: '之后又发送了同类文件：请在最新的预览卡片上确认' });

    const click = await h.feishu.clickButton(cityLiaison.openId, b.reply.current, '确认导入');
    expect(cardText(await cardAfter(click, '已导入'))).toContain(`替换“${HAZARD}”：2 项`);
    const hazard = await extraChecklistModel(conn()).findOne({ name: HAZARD }).lean();
    expect(hazard?.items.map((i) => i.text)).toEqual(['重点产品是否存在隐患', '隐患是否闭环']);
    expect(hazard?.fileName).toBe('b.xlsx');
  });

  it('an administrator of ADMIN_OPEN_IDS may do it too; 取消 leaves the campaign as it was', async () => {
    const before = await uploadsAndLog();
    const { reply } = await sendFile(ADMIN, 'extra.csv', await checklistFile([['第三张检查表', 1, '内容']]));
    expect(cardText(reply.content)).toContain('新增“第三张检查表”：1 项');
    const cancel = await h.feishu.clickButton(ADMIN, reply.current, '取消');
    expect(cancel.toast).toEqual({ type: 'info', content: '已取消，没有导入' });
    expect(cardText(cancel.card)).toContain('已取消');
    const after = await uploadsAndLog();
    expect(after).toEqual({ ...before, uploads: before.uploads + 1 });
    expect(await extraChecklistModel(conn()).exists({ name: '第三张检查表' })).toBeNull();
  });

  it('a file with bad rows is refused as a whole, every problem by line; a header missing a column is named', async () => {
    const before = await uploadsAndLog();
    const bad = await sendFile(cityLiaison.openId, 'bad.csv', await checklistFile([[ZERO, 1, '甲'], [ZERO, 1, '乙'], [ZERO, 'x', '丙'], [HAZARD, 3, '']]));
    const text = cardText(bad.reply.content);
    expect(text).toContain('无法导入 · 附加检查表');
    expect(text).toContain('检查表文件有 3 处问题，未导入');
    expect(text).toContain(`第3行：“${ZERO}”的序号 1 与第 2 行重复`);
    expect(text).toContain('第4行：“序号”应为 1–200 的整数，收到“x”');
    expect(text).toContain('第5行：缺少“检查内容”');
    expect(buttons(bad.reply.content)).toEqual([]);

    const header = await sendFile(cityLiaison.openId, 'header.csv', await csvBytes(['检查表名称', '序号', '内容'], [['甲', '1', '乙']]));
    expect(cardText(header.reply.content)).toContain('检查表文件缺少列：检查内容');
    expect(buttons(header.reply.content)).toEqual([]);
    expect(await uploadsAndLog()).toEqual(before);
  });

  it('a preview that no longer fits the campaign when confirmed is not imported, and says why', async () => {
    const { reply } = await sendFile(cityLiaison.openId, 'sixth.csv', await checklistFile([['第六张检查表', 1, '内容']]));
    expect(buttons(reply.content)).toEqual(['确认导入', '取消']);
    // meanwhile the campaign reaches 5 lists (the CLI's operation, as an operator would)
    const filler = await checklistFile([['补充一', 1, '甲'], ['补充二', 1, '乙'], ['补充三', 1, '丙']]);
    expect(await importChecklists(conn(), { fileName: 'cli.csv', data: filler, now: now() })).toMatchObject({ ok: true });
    const logBefore = await importLogModel(conn()).countDocuments();
    const click = await h.feishu.clickButton(cityLiaison.openId, reply.current, '确认导入');
    const card = cardText(await cardAfter(click, '没有导入'));
    expect(card).toContain('没有导入 · 附加检查表');
    expect(card).toContain('一个专项最多 5 张检查表，导入后将有 6 张');
    expect(await extraChecklistModel(conn()).exists({ name: '第六张检查表' })).toBeNull();
    expect(await importLogModel(conn()).countDocuments()).toBe(logBefore);
    for (const name of ['补充一', '补充二', '补充三']) await removeChecklist(conn(), undefined, name, now());
  });

  it('a document the 市局联络员 sends (not a set-up file) is answered with the kinds that can be sent, without a download', async () => {
    const before = await uploadsAndLog();
    const { reply, messageId } = await sendFile(cityLiaison.openId, '情况汇报.pdf', Buffer.from('%PDF-1.4'));
    const text = cardText(reply.content);
    expect(text).toContain('无法识别的文件类型“.pdf”');
    expect(text).toContain('附加检查表（进一次门，查多项事）：检查表名称、序号、检查内容');
    expect(text).toContain('节假日安排：日期,类型');
    expect(downloads(messageId)).toHaveLength(0);
    expect(await uploadsAndLog()).toEqual(before);
  });
});

describe('a county’s 情况汇报 sent by its liaison', () => {
  const report = Buffer.from('PK\u0003\u0004 永济市2024年监督检查情况汇报');

  it('asks first; 确认上报 records exactly that file, tells the 市局联络员, and /进度 shows it; a second click is refused', async () => {
    h.emulator.reset();
    const { reply, messageId, fileKey } = await sendFile(liaison.openId, '永济市情况汇报.docx', report);
    const question = cardText(reply.content);
    expect(question).toContain('作为情况汇报上报？');
    expect(question).toContain('要把这份文件作为 **永济市** 的监督检查情况汇报');
    expect(question).toContain('2024-11-15 前上报');
    expect(question).toContain('如果发错了文件，请点“取消”');
    expect(buttons(reply.content)).toEqual(['确认上报', '取消']);
    expect(await countyReportModel(conn()).countDocuments()).toBe(0);
    expect(downloads(messageId)).toHaveLength(1);

    const click = await h.feishu.clickButton(liaison.openId, reply.current, '确认上报');
    expect(click.toast).toEqual({ type: 'success', content: '情况汇报已上报' });
    const done = cardText(await cardAfter(click, '已上报'));
    expect(done).toContain('**永济市** 的监督检查情况汇报“永济市情况汇报.docx”已于 2024-05-06 上报（截止 2024-11-15）');
    expect(done).toContain('市局联络员已收到通知');
    const stored = await countyReportModel(conn()).find().lean();
    expect(stored).toEqual([
      expect.objectContaining({ county: '永济市', fileName: '永济市情况汇报.docx', fileKey, messageId, by: liaison.openId, byName: liaison.name, on: '2024-05-06', size: report.length }),
    ]);
    expect(binaryBytes(stored[0]!.data).equals(report)).toBe(true);
    expect(String(stored[0]!.campaignId)).toBe(String(ctx.campaign._id));

    await settle(h);
    const told = h.emulator.messages().filter((m) => m.receive_id === cityLiaison.openId && cardText(m.content).includes('情况汇报已上报：永济市'));
    expect(told).toHaveLength(1);
    expect(cardText(told[0]!.content)).toContain('赵丽 于 2024-05-06 上报监督检查情况汇报“永济市情况汇报.docx”');
    const progress = await ask(cityLiaison.openId, '/进度');
    expect(progress).toContain('情况汇报（2024-11-15 前上报）：已报 **1/');
    expect(progress).toContain('永济市（2024-05-06）');

    const again = await h.feishu.clickButton(liaison.openId, reply.content, '确认上报');
    expect(again.toast).toEqual({ type: 'info', content: '这份文件已经上报过了，不会重复上报' });
    expect(buttons(again.card)).toEqual([]);
    expect(await countyReportModel(conn()).countDocuments()).toBe(1);
  });

  it('a second report is added, not replacing the first: the card says so, and the latest counts', async () => {
    const second = Buffer.from('%PDF-1.7 永济市情况汇报（修订）');
    const { reply } = await sendFile(liaison.openId, '永济市情况汇报（修订）.pdf', second);
    const question = cardText(reply.content);
    expect(question).toContain('本县区已上报过 1 份（最近一份：2024-05-06 赵丽“永济市情况汇报.docx”）');
    expect(question).toContain('再次上报会**新增**一份，以最新一份为准');
    const click = await h.feishu.clickButton(liaison.openId, reply.current, '确认上报');
    expect(cardText(await cardAfter(click, '已上报'))).toContain('这是本县区上报的第 2 份，以这一份为准');
    expect(await countyReportModel(conn()).countDocuments({ county: '永济市' })).toBe(2);
    const latest = await countyReportModel(conn()).findOne({ county: '永济市' }).sort({ at: -1 }).lean();
    expect(latest?.fileName).toBe('永济市情况汇报（修订）.pdf');
  });

  it('取消 records nothing; a newer file makes the older question stale; another county’s liaison cannot answer it', async () => {
    const before = await countyReportModel(conn()).countDocuments();
    const wrong = await sendFile(yanhuLiaison.openId, '会议通知.docx', Buffer.from('PK notice'));
    const cancel = await h.feishu.clickButton(yanhuLiaison.openId, wrong.reply.current, '取消');
    expect(cancel.toast).toEqual({ type: 'info', content: '已取消，没有上报' });
    expect(cardText(cancel.card)).toContain('已取消，没有上报');
    expect(buttons(cancel.card)).toEqual([]);

    const a = await sendFile(yanhuLiaison.openId, '盐湖区情况汇报-初稿.wps', Buffer.from('draft'));
    const b = await sendFile(yanhuLiaison.openId, '盐湖区情况汇报.ofd', Buffer.from('final'));
    expect(buttons(b.reply.content)).toEqual(['确认上报', '取消']);
    const patched = await h.emulator.waitFor((m) => m.message_id === a.reply.message_id && cardText(m.current).includes('之后又发送了文件，这份没有上报'), 30_000);
    expect(buttons(patched.current)).toEqual([]);
    const stale = await h.feishu.clickButton(yanhuLiaison.openId, a.reply.content, '确认上报');
    expect(stale.toast).toEqual({ type: 'error', content: '之后又发送了文件：请在最新的卡片上确认' });

    // its id in a set-up button (an administrator's 取消, the 市局联络员's 导入 of a platform draw): no such upload there
    const u = String((findButtons(b.reply.content).find((x) => x.text === '确认上报')!.value as { u: string }).u);
    const forged = (action: string) => JSON.parse(JSON.stringify(b.reply.content).replace('"a":"report.submit"', action));
    const setupCancel = await h.feishu.clickButton(ADMIN, forged('"a":"setup.cancel"'), '确认上报');
    expect(setupCancel.toast?.type).toBe('error');
    const platform = await h.feishu.clickButton(cityLiaison.openId, forged('"a":"platform.import","s":"0123456789abcdef"'), '确认上报');
    expect(platform.toast?.type).toBe('error');
    expect(await setupUploadModel(conn()).findById(u).lean()).toMatchObject({ kind: 'countyReport', status: 'previewed' });

    // the 永济市 liaison clicking the 盐湖区 question (e.g. a forwarded card): refused, the card stays
    const other = await h.feishu.clickButton(liaison.openId, b.reply.current, '确认上报');
    expect(other.toast).toEqual({ type: 'error', content: '只有本县区的联络员可以上报本县区的情况汇报' });
    expect(other.card).toBeUndefined();
    expect(await countyReportModel(conn()).countDocuments()).toBe(before);

    const mine = await h.feishu.clickButton(yanhuLiaison.openId, b.reply.current, '确认上报');
    expect(cardText(await cardAfter(mine, '已上报'))).toContain('**盐湖区** 的监督检查情况汇报“盐湖区情况汇报.ofd”');
    expect(await countyReportModel(conn()).countDocuments()).toBe(before + 1);
  });

  it('refuses without downloading a type that is not a document; a registry or checklist file is the 市局联络员’s', async () => {
    const before = await uploadsAndLog();
    const exe = await sendFile(liaison.openId, 'setup.exe', Buffer.from('MZ'));
    expect(cardText(exe.reply.content)).toContain('无法上报：setup.exe');
    expect(cardText(exe.reply.content)).toContain('.doc .docx .wps');
    expect(downloads(exe.messageId)).toHaveLength(0);

    const staff = await sendFile(liaison.openId, '人员.csv', await staffCsv(generateSampleData({ year: 2024, enterprises: 5, seed: 3 }).staff.slice(0, 2)));
    expect(cardText(staff.reply.content)).toContain('“人员.csv”是执法检查人员名录库文件：只有**市局联络员**');
    // the same file saved by Chinese Excel in GBK: still a registry, not offered as the county's report
    const utf8 = (await staffCsv(generateSampleData({ year: 2024, enterprises: 5, seed: 3 }).staff.slice(0, 2))).toString('utf8').replace(/^\uFEFF/, '');
    const legacy = await sendFile(liaison.openId, '人员-GBK.csv', gbk(utf8));
    expect(cardText(legacy.reply.content)).toContain('“人员-GBK.csv”是执法检查人员名录库文件：只有**市局联络员**');
    expect(buttons(legacy.reply.content)).toEqual([]);
    const lists = await sendFile(liaison.openId, '检查表.csv', await checklistFile([['甲', 1, '乙']]));
    expect(cardText(lists.reply.content)).toContain('是附加检查表文件：只有**市局联络员**');
    expect(buttons(lists.reply.content)).toEqual([]);
    expect(await uploadsAndLog()).toEqual(before);
  });

  it('refuses a file over 20 MB with what to do', async () => {
    const before = await uploadsAndLog();
    const { reply } = await sendFile(liaison.openId, '扫描件.pdf', Buffer.alloc(21 * 1024 * 1024, 0x41));
    expect(cardText(reply.content)).toContain('文件大于 20 MB');
    expect(cardText(reply.content)).toContain('没有上报');
    expect(await uploadsAndLog()).toEqual(before);
  });
});

describe('closure evidence and 签字页 sent as documents; what a team member without either is told', () => {
  it('after 无法正常检查, a PDF is kept as evidence by its file key (nothing downloaded) and the closure can be submitted', async () => {
    const task = await taskIn(conn(), ctx);
    const item = (await d.open(officer.openId, task)).card!;
    const form = (await d.click(officer.openId, item, '无法正常检查')).card!;
    const { reply, messageId, fileKey } = await sendFile(officer.openId, '注销证明.pdf', Buffer.from('%PDF-1.4 注销'));
    expect(cardText(reply.content)).toContain(`已作为 **${task.enterprise.name}** 无法检查登记的证据（共 1 份）`);
    expect(downloads(messageId)).toHaveLength(0);
    const stored = await readTask(conn(), task._id);
    expect(stored.closure!.evidence).toEqual([expect.objectContaining({ kind: 'file', key: fileKey, name: '注销证明.pdf', messageId, by: officer.openId })]);
    // a hostile name: a right-to-left override (“.exe” shown as “gpj.”), control characters, 40,000 characters
    const hostile = `现场照片\u202Egpj.exe\u0001\uFFFE${'长'.repeat(40_000)}.pdf`;
    const second = await sendFile(officer.openId, hostile, Buffer.from('%PDF-1.4 照片'));
    const kept = (await readTask(conn(), task._id)).closure!.evidence.find((e) => e.key === second.fileKey)!;
    expect(kept.name).toBe(`现场照片gpj.exe${'长'.repeat(100 - 'gpj.exe'.length - '现场照片'.length - 1 - 4)}….pdf`);
    expect([...(kept.name ?? '')]).toHaveLength(100);
    expect(cardText(second.reply.content)).not.toMatch(/[\u0000-\u0008\u202A-\u202E\uFFFE]/);
    const sub = await d.click(officer.openId, form, '提交组长确认', { reason: '9', note: '企业已办理注销登记，见注销证明' });
    expect(sub.toast).toEqual({ type: 'success', content: '已提交，等待组长确认' });
    expect((await readTask(conn(), task._id)).state).toBe('待确认');
    // the 组长's card shows both files, and its buttons (it fits a card)
    const ask = await d.cardTo(leader.openId, '无法检查 · 待组长确认', task.enterprise.name);
    expect(findButtons(ask).map((b) => b.text)).toContain('确认无法检查');
  });

  it('after 上传签字页, a scanned PDF is the record’s 签字页 — also for a county liaison on the team (the intent comes first)', async () => {
    const at = new Date(clock.getTime() - 3600_000);
    const answers = CHECKLISTS.industrial.items.map((it) => ({ item: it.no, verdict: '符合' as const, record: '', by: officer.openId, byName: officer.name, at }));
    const team = [slot(leader), slot(liaison, '执法人员'), slot(expert)];
    const task = await taskIn(conn(), ctx, { state: '待签字', team, extra: { inspection: submittedRecord(answers, leader.openId, at, { result: '未发现问题' }) } });
    const card = renderCard('message', {
      title: '检查记录',
      color: 'blue',
      paragraphs: [task.enterprise.name],
      buttons: [{ text: '上传签字页', type: 'default', value: { a: 'insp.sigpage', task: String(task._id) } }],
    });
    const req = await d.click(liaison.openId, card, '上传签字页');
    expect(cardText(req.card)).toContain('已签字盖章的纸质文书');
    const reportsBefore = await uploadsAndLog();
    const { reply, fileKey } = await sendFile(liaison.openId, '签字页扫描.pdf', Buffer.from('%PDF-1.4 signed'));
    expect(cardText(reply.content)).toContain(`已作为 **${task.enterprise.name}** 检查记录的签字页（共 1 张）`);
    expect((await readTask(conn(), task._id)).inspection!.signaturePages).toEqual([expect.objectContaining({ kind: 'file', key: fileKey, name: '签字页扫描.pdf', by: liaison.openId })]);
    expect(await uploadsAndLog()).toEqual(reportsBefore); // not asked about as a 情况汇报
  });

  it('a team member with an open task and nothing waiting for a file is told what files are for; nothing is kept', async () => {
    const { reply, messageId } = await sendFile(expert.openId, '照片.zip', Buffer.from('PK zip'));
    const text = cardText(reply.content);
    expect(text).toContain('文件未保存');
    expect(text).toContain('您发来的文件“照片.zip”没有保存');
    expect(text).toContain('先在检查卡片上点“无法正常检查”');
    expect(text).toContain('先在汇总卡片或检查记录卡片上点“上传签字页”');
    expect(text).toContain('以**图片**发送');
    expect(text).not.toContain('名录库');
    expect(downloads(messageId)).toHaveLength(0);
  });

  it('a team member’s .xlsx or .csv is told also that only the 市局联络员 imports registries, calendars, checklists and platform draws', async () => {
    for (const name of ['人员名录.xlsx', '节假日.CSV']) {
      const { reply, messageId } = await sendFile(expert.openId, name, Buffer.from('姓名,飞书OpenID\r\n'));
      const text = cardText(reply.content);
      expect(text).toContain('文件未保存');
      expect(text).toContain(`您发来的文件“${name}”没有保存`);
      expect(text).toContain('先在检查卡片上点“无法正常检查”');
      expect(text).toContain('名录库、节假日安排、附加检查表和监管平台的抽取结果（.xlsx 或 .csv）只能由**市局联络员**（及系统管理员）发送导入');
      expect(buttons(reply.content)).toEqual([]);
      expect(downloads(messageId)).toHaveLength(0);
    }
  });

  it('a 市局联络员 on a team who opened 无法正常检查: a registry goes to the set-up, other files stay evidence', async () => {
    const team = [slot(leader), slot(cityLiaison, '执法人员'), slot(expert)];
    const task = await taskIn(conn(), ctx, { team });
    const item = (await d.click(cityLiaison.openId, await d.assignmentCard(cityLiaison.openId, task), '开始检查')).card!;
    await d.click(cityLiaison.openId, item, '无法正常检查');
    const before = await uploadsAndLog();

    // a staff registry: previewed for import (downloaded once), not kept as the firm's evidence
    const registry = await sendFile(cityLiaison.openId, '人员名录.csv', await staffCsv(generateSampleData({ year: 2024, enterprises: 5, seed: 5 }).staff.slice(0, 2)));
    expect(cardText(registry.reply.content)).toContain('导入预览 · 执法检查人员名录库');
    expect(buttons(registry.reply.content)).toEqual(['确认导入', '取消']);
    expect(downloads(registry.messageId)).toHaveLength(1);
    expect((await readTask(conn(), task._id)).closure!.evidence).toEqual([]);
    // a registry with a column missing is still a registry: the set-up names what is missing
    const partial = await sendFile(cityLiaison.openId, '名录.csv', Buffer.from('姓名,飞书OpenID,单位\r\n张三,ou_x,县局\r\n'));
    expect(cardText(partial.reply.content)).toContain('缺少必需的列');
    expect((await readTask(conn(), task._id)).closure!.evidence).toEqual([]);
    await h.feishu.clickButton(cityLiaison.openId, registry.reply.current, '取消');

    // a spreadsheet that is no set-up file, and a PDF: the closure's evidence, as for anyone on the team
    const sheet = await sendFile(cityLiaison.openId, '企业停产说明.csv', Buffer.from('日期,说明\r\n2024-05-06,停产\r\n'));
    expect(cardText(sheet.reply.content)).toContain(`已作为 **${task.enterprise.name}** 无法检查登记的证据（共 1 份）`);
    const pdf = await sendFile(cityLiaison.openId, '注销证明.pdf', Buffer.from('%PDF-1.4 注销'));
    expect(cardText(pdf.reply.content)).toContain('（共 2 份）');
    expect(downloads(pdf.messageId)).toHaveLength(0);
    expect((await readTask(conn(), task._id)).closure!.evidence.map((e) => e.name)).toEqual(['企业停产说明.csv', '注销证明.pdf']);
    const after = await uploadsAndLog();
    expect(after).toEqual({ ...before, uploads: after.uploads, chunks: after.chunks }); // only the cancelled preview's upload
    expect(after.uploads).toBe(before.uploads + 1);
  });

  it('anyone else (registered or not) is told who may send what, and nothing is read', async () => {
    for (const who of [stranger.openId, 'ou_unregistered000000000000000042']) {
      const { reply, messageId } = await sendFile(who, '材料.docx', Buffer.from('PK doc'));
      const text = cardText(reply.content);
      expect(text).toContain('没有权限');
      expect(text).toContain('只有**市局联络员**（及系统管理员）可以发送名录库、节假日安排和附加检查表文件');
      expect(text).toContain('**县区联络员**可以发送本县区的监督检查情况汇报');
      expect(text).toContain('**检查组成员**在检查卡片上点“无法正常检查”或“上传签字页”后');
      expect(downloads(messageId)).toHaveLength(0);
    }
  });
});
