/**
 * The yearly set-up in chat, registries: files sent through the real webhook, downloaded with the SDK from the
 * emulator's message resource API, previewed, confirmed once, refused when stale, and every bad file refused with
 * nothing changed.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENTERPRISE_HEADERS, STAFF_HEADERS } from '../../src/domain/registryRows';
import { generateSampleData } from '../../src/domain/sampleData';
import { usccCheckChar } from '../../src/domain/uscc';
import type { Enterprise, Staff } from '../../src/domain/types';
import { enterpriseCells } from '../../src/operations/writeSampleData';
import { cardText, findButtons, type ClickResult } from '../../src/sandbox/client';
import type { SentMessage } from '../../src/sandbox/emulator';
import { createCampaign } from '../../src/operations/campaigns';
import { enterpriseModel } from '../../src/store/enterprise';
import { importLogModel } from '../../src/store/importLog';
import { processedEventModel } from '../../src/store/processedEvents';
import { setupUploadChunkModel, setupUploadModel } from '../../src/store/setupUpload';
import { staffModel } from '../../src/store/staff';
import { createTask, TEAM } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { writeZipBomb } from '../support/hostileFiles';
import { csvBytes, enterprisesCsv, enterprisesXlsx, staffCsv } from '../support/setupFiles';

const ADMIN = 'ou_admin00000000000000000000000001';
const STRANGER = 'ou_stranger000000000000000000000009';

let h: Harness;
const data = generateSampleData({ year: 2024, enterprises: 60, seed: 7 });
const cityLiaison = data.staff.find((s) => s.roles.includes('联络员') && s.county === '市局')!;
const countyLiaison = data.staff.find((s) => s.roles.includes('联络员') && s.county !== '市局')!;

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'setup_files', adminOpenIds: [ADMIN] });
});

afterAll(async () => {
  await h.close();
});

const conn = () => h.service.db.connection;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Sends a file and returns the bot's reply (a card replying to the file message). */
async function sendFile(openId: string, name: string, bytes: Buffer): Promise<{ reply: SentMessage; messageId: string; fileKey: string }> {
  const sent = await h.feishu.sendFile(openId, name, bytes);
  expect(sent.status).toBe(200);
  const reply = await h.emulator.waitFor((m) => m.root === sent.messageId, 30_000);
  return { reply, messageId: sent.messageId, fileKey: sent.fileKey };
}

async function command(openId: string, text: string): Promise<SentMessage> {
  const sent = await h.feishu.sendText(openId, text);
  expect(sent.status).toBe(200);
  return h.emulator.waitFor((m) => m.root === sent.messageId, 30_000);
}

/** The card a click leaves: the answer's own, or (work past the 3-second answer) the card patched in afterwards. */
async function cardAfter(click: ClickResult, expected: string): Promise<unknown> {
  expect(click.clientError).toBeUndefined();
  if (click.card) return click.card;
  expect(click.toast?.content).toContain('正在处理');
  const patched = await h.emulator.waitFor((m) => m.message_id === click.messageId && cardText(m.current).includes(expected), 30_000);
  return patched.current;
}

function buttons(card: unknown): string[] {
  return findButtons(card).map((b) => b.text);
}

/** What must not move when a file is refused. */
async function snapshot() {
  return {
    enterprises: await enterpriseModel(conn()).countDocuments(),
    staff: await staffModel(conn()).countDocuments(),
    uploads: await setupUploadModel(conn()).countDocuments(),
    chunks: await setupUploadChunkModel(conn()).countDocuments(),
    log: await importLogModel(conn()).countDocuments(),
  };
}

function resourceRequests(messageId: string) {
  return h.emulator.requests.filter((r) => r.method === 'GET' && r.path.startsWith(`/open-apis/im/v1/messages/${messageId}/resources/`));
}

describe('who may send files', () => {
  it('tells anyone else who may, without downloading the file', async () => {
    const before = await snapshot();
    const { reply, messageId } = await sendFile(STRANGER, 'staff.csv', await staffCsv(data.staff));
    const text = cardText(reply.content);
    expect(text).toContain('没有权限');
    expect(text).toContain('只有**市局联络员**');
    expect(resourceRequests(messageId)).toHaveLength(0);
    expect(await snapshot()).toEqual(before);
  });
});

describe('where files are taken', () => {
  it('a file shared in a group is not addressed to the bot: no answer, nothing read', async () => {
    const before = await snapshot();
    const sent = await h.feishu.sendFile(ADMIN, 'staff.csv', await staffCsv(data.staff), { chatType: 'group' });
    expect(sent.status).toBe(200);
    // handled (the event is marked done) …
    const deadline = Date.now() + 30_000;
    while (!(await processedEventModel(conn()).exists({ _id: `message:${sent.messageId}`, done: true }))) {
      if (Date.now() > deadline) throw new Error('the group file was not handled');
      await new Promise((r) => setTimeout(r, 50));
    }
    // … without a reply and without a download
    expect(h.emulator.messages().filter((m) => m.root === sent.messageId)).toEqual([]);
    expect(resourceRequests(sent.messageId)).toHaveLength(0);
    expect(await snapshot()).toEqual(before);
  });

  it('/导入 tells the 市局联络员 which files to send', async () => {
    const text = cardText((await command(ADMIN, '/导入')).content);
    expect(text).toContain('发送文件完成年度准备');
    expect(text).toContain('节假日安排：日期,类型');
    expect(text).toContain('不超过 20 MB');
  });
});

describe('registries sent as files', () => {
  it('the administrator (ADMIN_OPEN_IDS) previews and imports the staff registry before anyone is registered', async () => {
    const bytes = await staffCsv(data.staff);
    const { reply, messageId, fileKey } = await sendFile(ADMIN, '执法检查人员名录库.csv', bytes);
    const preview = cardText(reply.content);
    expect(preview).toContain('导入预览 · 执法检查人员名录库');
    expect(preview).toContain(`共读取 **${data.staff.length}** 行：新增 **${data.staff.length}**、更新 **0**、无变化 **0**；有问题 **0** 行`);
    expect(buttons(reply.content)).toEqual(['确认导入', '取消']);
    // a dry run: nothing written yet; the file came through the SDK's message resource call
    expect(await staffModel(conn()).countDocuments()).toBe(0);
    const download = resourceRequests(messageId);
    expect(download).toHaveLength(1);
    expect(download[0]).toMatchObject({ path: `/open-apis/im/v1/messages/${messageId}/resources/${fileKey}`, query: { type: 'file' }, status: 200 });

    const click = await h.feishu.clickButton(ADMIN, reply.current, '确认导入');
    const result = cardText(await cardAfter(click, '已导入'));
    expect(result).toContain('已导入 · 执法检查人员名录库');
    expect(result).toContain(`新增 **${data.staff.length}**、更新 **0**、无变化 **0**`);
    expect(await staffModel(conn()).countDocuments()).toBe(data.staff.length);
    const log = await importLogModel(conn()).find().lean();
    expect(log).toEqual([
      expect.objectContaining({
        kind: 'staff',
        fileName: '执法检查人员名录库.csv',
        sha256: sha256(bytes),
        size: bytes.length,
        source: 'chat',
        by: ADMIN,
        byName: '系统管理员',
        counts: { rows: data.staff.length, inserted: data.staff.length, updated: 0, unchanged: 0, rejected: 0 },
      }),
    ]);
    expect(await setupUploadChunkModel(conn()).countDocuments()).toBe(0); // the bytes are forgotten once imported

    // the same preview clicked again (a second click, or the card as an old client still shows it): refused
    const again = await h.feishu.clickButton(ADMIN, reply.content, '确认导入');
    expect(again.toast).toEqual({ type: 'info', content: '这份文件已经导入过了，不会重复导入' });
    expect(cardText(again.card)).toContain('已导入');
    // … and when its card replaces the result card (a double click), the import's figures are still there
    expect(cardText(again.card)).toContain(`导入结果：新增 **${data.staff.length}**、更新 **0**、无变化 **0**；有问题 **0** 行`);
    expect(buttons(again.card)).toEqual([]);
    expect(await importLogModel(conn()).countDocuments()).toBe(1);
  });

  it('a 市局联络员 imports the enterprise registry from an .xlsx', async () => {
    const bytes = await enterprisesXlsx(data.enterprises);
    const { reply } = await sendFile(cityLiaison.openId, '检查对象名录库.xlsx', bytes);
    expect(cardText(reply.content)).toContain(`新增 **${data.enterprises.length}**`);
    const click = await h.feishu.clickButton(cityLiaison.openId, reply.current, '确认导入');
    expect(cardText(await cardAfter(click, '已导入'))).toContain('已导入 · 检查对象名录库');
    expect(await enterpriseModel(conn()).countDocuments()).toBe(data.enterprises.length);
    const log = await importLogModel(conn()).findOne({ kind: 'enterprises' }).lean();
    expect(log).toMatchObject({ by: cityLiaison.openId, byName: cityLiaison.name, sha256: sha256(bytes) });
  });

  it('a county liaison is not a 市局联络员: refused', async () => {
    const before = await snapshot();
    const { reply } = await sendFile(countyLiaison.openId, 'staff.csv', await staffCsv(data.staff));
    expect(cardText(reply.content)).toContain('没有权限');
    expect(await snapshot()).toEqual(before);
  });

  it('lists bad rows by line (the first 20, then a count) and cancels without writing', async () => {
    const fresh = generateSampleData({ year: 2024, enterprises: 25, seed: 99 }).enterprises;
    // rows 2..24 (23 rows) get an invalid 所属县区; the last two are good
    const rows = fresh.map((e, i) => enterpriseCells(i < 23 ? { ...e, county: '火星县' } : e));
    const bytes = await csvBytes(ENTERPRISE_HEADERS, rows);
    const before = await snapshot();
    const { reply } = await sendFile(cityLiaison.openId, 'bad.csv', bytes);
    const text = cardText(reply.content);
    expect(text).toContain('有问题 **23** 行');
    expect(text).toContain('新增 **2**');
    for (let line = 2; line <= 21; line++) expect(text).toContain(`第${line}行：所属县区“火星县”无效`);
    expect(text).not.toContain('第22行');
    expect(text).toContain('……另有 3 行有问题，未列出');
    const cancel = await h.feishu.clickButton(cityLiaison.openId, reply.current, '取消');
    expect(cancel.toast).toEqual({ type: 'info', content: '已取消，没有导入' });
    expect(cardText(cancel.card)).toContain('已取消');
    expect(await enterpriseModel(conn()).countDocuments()).toBe(before.enterprises);
    expect(await importLogModel(conn()).countDocuments()).toBe(before.log);
    // the cancelled preview clicked again: refused
    const late = await h.feishu.clickButton(cityLiaison.openId, reply.content, '确认导入');
    expect(late.toast?.content).toBe('这份预览已取消；如需导入请重新发送文件');
    expect(await enterpriseModel(conn()).countDocuments()).toBe(before.enterprises);
  });

  it('counts updated and unchanged rows; a newer file of the same kind makes the older preview stale', async () => {
    const changed: Enterprise[] = data.enterprises.slice(0, 3).map((e, i) => (i === 0 ? { ...e, address: `${e.address}（新厂区）` } : e));
    const a = await sendFile(cityLiaison.openId, 'a.csv', await enterprisesCsv(changed));
    expect(cardText(a.reply.content)).toContain('新增 **0**、更新 **1**、无变化 **2**');
    const newer = data.enterprises.slice(3, 5).map((e) => ({ ...e, phone: '0359-1234567' }));
    const b = await sendFile(cityLiaison.openId, 'b.csv', await enterprisesCsv(newer));
    expect(cardText(b.reply.content)).toContain('更新 **2**');

    // the older preview's card is updated in place: no dead button stays
    const patched = await h.emulator.waitFor((m) => m.message_id === a.reply.message_id && cardText(m.current).includes('预览已失效'), 30_000);
    expect(buttons(patched.current)).toEqual([]);
    // and a click on it as it was shown before is refused
    const stale = await h.feishu.clickButton(cityLiaison.openId, a.reply.content, '确认导入');
    expect(stale.toast).toEqual({ type: 'error', content: '之后又发送了同类文件：请在最新的预览卡片上确认' });
    const stored = await enterpriseModel(conn()).findOne({ uscc: changed[0]!.uscc }).lean();
    expect(stored?.address).toBe(data.enterprises[0]!.address);

    const click = await h.feishu.clickButton(cityLiaison.openId, b.reply.current, '确认导入');
    expect(cardText(await cardAfter(click, '已导入'))).toContain('新增 **0**、更新 **2**、无变化 **0**');
    expect((await enterpriseModel(conn()).findOne({ uscc: newer[0]!.uscc }).lean())?.phone).toBe('0359-1234567');
  });

  it('lists licences that end before the active campaign starts, and 回避 codes that name unknown firms', async () => {
    await createCampaign(conn(), { name: '2024年专项', year: 2024, from: '2024-03-15', to: '2024-10-31', ratio: 0.25 });
    const expired: Enterprise = { ...data.enterprises[10]!, validFrom: '2018-01-01', validTo: '2023-12-31' };
    const e = await sendFile(cityLiaison.openId, 'expired.csv', await enterprisesCsv([expired]));
    const text = cardText(e.reply.content);
    expect(text).toContain('许可证在专项开始前到期（共 1 家）');
    expect(text).toContain(`第2行：${expired.name}`);
    expect(text).toContain('有效期止 2023-12-31');
    await h.feishu.clickButton(cityLiaison.openId, e.reply.current, '取消');

    const unknownFirm = `91140800MA0K00009${usccCheckChar('91140800MA0K00009')}`; // valid, but in no registry
    const person: Staff = { ...data.staff.find((s) => s.roles.includes('执法人员'))!, avoid: [data.enterprises[0]!.uscc] };
    const withUnknown = await csvBytes(STAFF_HEADERS, [[person.name, person.openId, person.roles.join('、'), person.unit, person.county, '', '', `${data.enterprises[0]!.uscc}、${unknownFirm}`]]);
    const s = await sendFile(cityLiaison.openId, 'avoid.csv', withUnknown);
    const staffText = cardText(s.reply.content);
    expect(staffText).toContain('新增 **0**、更新 **1**、无变化 **0**；有问题 **0** 行');
    expect(staffText).toContain('回避企业不在检查对象名录库中（共 1 个）');
    expect(staffText).toContain(`第2行：${unknownFirm}`);
    expect(staffText).not.toContain(`第2行：${data.enterprises[0]!.uscc}`);
    await h.feishu.clickButton(cityLiaison.openId, s.reply.current, '取消');
  });

  it('names a row whose licence number a stored firm of another code holds, in the preview and the result, and imports it', async () => {
    const holder = data.enterprises[20]!;
    const fresh = generateSampleData({ year: 2024, enterprises: 3, seed: 4242 }).enterprises;
    // a new firm typed with the holder's licence in full-width brackets and lower case: the same licence
    const twin: Enterprise = { ...fresh[0]!, licenceNo: holder.licenceNo.replace('(', '（').replace(')', '）').toLowerCase() };
    const other: Enterprise = fresh[1]!;
    const before = await enterpriseModel(conn()).countDocuments();
    const p = await sendFile(cityLiaison.openId, 'twin.csv', await enterprisesCsv([other, twin]));
    const text = cardText(p.reply.content);
    expect(text).toContain('许可证编号与名录库中的其他企业相同（共 1 行）');
    expect(text).toContain(`第3行：${twin.name}（许可证 ${twin.licenceNo}）与名录库中的${holder.name}（${holder.uscc}，许可证 ${holder.licenceNo}）相同`);
    expect(text).toContain('仍会导入');
    expect(text).not.toContain(`第2行：${other.name}`);
    const click = await h.feishu.clickButton(cityLiaison.openId, p.reply.current, '确认导入');
    const result = cardText(await cardAfter(click, '已导入'));
    expect(result).toContain(`与名录库中的${holder.name}（${holder.uscc}`);
    expect(result).toContain('已导入，请核对');
    expect(await enterpriseModel(conn()).countDocuments()).toBe(before + 2);

    // a file that gives the holder a new number and the twin keeps the old one: the registry after it has no pair
    const moved = await sendFile(cityLiaison.openId, 'moved.csv', await enterprisesCsv([{ ...holder, licenceNo: `${holder.licenceNo}A` }, twin]));
    expect(cardText(moved.reply.content)).not.toContain('许可证编号与名录库中的其他企业相同');
    await h.feishu.clickButton(cityLiaison.openId, moved.reply.current, '取消');
  });

  it('lists 获证产品 the licence catalogue does not know: no expert can be matched for them', async () => {
    const firm: Enterprise = { ...generateSampleData({ year: 2024, enterprises: 1, seed: 4343 }).enterprises[0]!, product: '电线电缆、量子饮水机' };
    const p = await sendFile(cityLiaison.openId, 'unknown-product.csv', await enterprisesCsv([firm]));
    const text = cardText(p.reply.content);
    expect(text).toContain('获证产品不在产品目录中（共 1 处）');
    expect(text).toContain('第2行：量子饮水机');
    expect(text).not.toContain('第2行：电线电缆');
    await h.feishu.clickButton(cityLiaison.openId, p.reply.current, '取消');
  });

  it('names the people a new 回避 puts in conflict with a task they are on, not yet inspected, in the preview and the result', async () => {
    const person = data.staff.find((s) => s.roles.includes('执法人员'))!;
    const member = { openId: person.openId, name: person.name, role: '执法人员' as const, unit: person.unit, county: person.county };
    const [pending, started, done] = [data.enterprises[1]!, data.enterprises[2]!, data.enterprises[3]!];
    await createTask(conn(), { enterprise: pending, state: '待检查', team: [...TEAM.slice(0, 1), member] });
    await createTask(conn(), { enterprise: started, state: '检查中', team: [...TEAM.slice(0, 1), member] });
    await createTask(conn(), { enterprise: done, state: '待公示', team: [...TEAM.slice(0, 1), member] }); // inspected: history
    const row = (avoid: string) => [[person.name, person.openId, person.roles.join('、'), person.unit, person.county, '', '', avoid]];
    const s = await sendFile(cityLiaison.openId, 'avoid2.csv', await csvBytes(STAFF_HEADERS, row([pending, started, done].map((e) => e.uscc).join('、'))));
    const text = cardText(s.reply.content);
    expect(text).toContain('检查组中需回避的人员（共 2 项）');
    expect(text).toContain(`第2行 ${person.name}：${pending.name}（${pending.county}，执法人员，待检查）`);
    expect(text).toContain(`第2行 ${person.name}：${started.name}（${started.county}，执法人员，检查中）`);
    expect(text).not.toContain(done.name);
    expect(text).toContain('已派发的检查组不会自动调整');
    const result = cardText(await cardAfter(await h.feishu.clickButton(cityLiaison.openId, s.reply.current, '确认导入'), '已导入'));
    expect(result).toContain('检查组中需回避的人员（共 2 项）');
    // a file without that 回避 names nobody
    const again = await sendFile(cityLiaison.openId, 'avoid3.csv', await csvBytes(STAFF_HEADERS, row('')));
    expect(cardText(again.reply.content)).not.toContain('检查组中需回避的人员');
    await h.feishu.clickButton(cityLiaison.openId, again.reply.current, '取消');
  });
});

/** writeZipBomb's .xlsx as bytes (1 GB inflated from about 1 MB). */
async function zipBomb(opts: { lie?: boolean }): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-bomb-'));
  try {
    const file = path.join(dir, 'bomb.xlsx');
    const { bytes, inflated } = await writeZipBomb(file, { gigabytes: 1, ...opts });
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
    expect(inflated).toBeGreaterThan(1000 * 1024 * 1024);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A staff CSV with `rows` short data rows (the required columns only). */
function manyStaffRows(rows: number): Buffer {
  const lines = ['姓名,飞书OpenID,角色,单位,所属县区'];
  for (let i = 1; i <= rows; i++) lines.push(`人员${i},ou_${String(i).padStart(8, '0')},执法人员,县局,夏县`);
  const bytes = Buffer.from(`${lines.join('\r\n')}\r\n`);
  expect(bytes.length).toBeGreaterThan(3 * 1024 * 1024);
  expect(bytes.length).toBeLessThan(20 * 1024 * 1024);
  return bytes;
}

describe('bad files: refused with a reason, nothing changed', () => {
  const gbkHeader = Buffer.from([0xc6, 0xf3, 0xd2, 0xb5, 0xc3, 0xfb, 0xb3, 0xc6, 0x2c, 0x31, 0x0d, 0x0a]); // “企业名称,1” in GBK

  it.each<[string, string, () => Promise<Buffer> | Buffer, string[]]>([
    ['not a registry', 'list.csv', () => Buffer.from('名称,数量\r\n甲,1\r\n'), ['无法识别的文件', '检查对象名录库：企业名称', '执法检查人员名录库：姓名', '节假日安排：日期,类型']],
    [
      'a platform draw that matches nothing',
      'draw.csv',
      () => Buffer.from('统一社会信用代码,企业名称,检查人员\r\n91140800MA0K000001,甲,张三\r\n'),
      ['无法导入 · 监管平台抽取结果', '第2行：统一社会信用代码校验位错误（应为8）', '“张三”不在执法检查人员名录库中'],
    ],
    ['an empty file', 'empty.csv', () => Buffer.from('\uFEFF\r\n\r\n'), ['文件是空的']],
    ['a registry without rows', 'header.csv', () => csvBytes(STAFF_HEADERS, []), ['无法导入 · 执法检查人员名录库', '共读取 **0** 行', '文件只有表头，没有数据行']],
    ['a registry missing a column', 'staff.csv', () => csvBytes(STAFF_HEADERS.filter((x) => x !== '角色'), []), ['缺少必需的列：角色']],
    ['the wrong encoding', 'gbk.csv', () => gbkHeader, ['CSV 文件不是 UTF-8 编码']],
    ['an old Excel file', 'old.xls', () => Buffer.from('not really'), ['不支持旧版 Excel 文件（.xls）']],
    ['not a spreadsheet at all', 'photo.jpg', () => Buffer.from([0xff, 0xd8, 0xff, 0x00]), ['无法识别的文件类型“.jpg”']],
    ['a broken .xlsx', 'broken.xlsx', () => Buffer.from('PK this is not a zip'), ['不是有效的 Excel（.xlsx）文件', '另存为']],
    ['a file over 20 MB', 'huge.csv', () => Buffer.concat([Buffer.from('姓名,飞书OpenID\r\n'), Buffer.alloc(21 * 1024 * 1024, 0x41)]), ['大于 20 MB']],
    // an .xlsx of about 1 MB whose worksheet inflates to 1 GB: refused from the sizes in the zip, before inflating
    ['a zip bomb', 'bomb.xlsx', () => zipBomb({}), ['Excel 文件的部件“xl/worksheets/sheet1.xml”解压后有 1024 MB，超过单个部件 200 MB 的上限']],
    // the same whose headers lie about the size: refused once inflating passes the declared size
    ['a zip bomb that lies about its size', 'liar.xlsx', () => zipBomb({ lie: true }), ['Excel 文件的部件“xl/worksheets/sheet1.xml”实际内容与声明的大小不符']],
    // 100,001 short staff rows: about 4 MB, under the 20 MB limit, refused by the row limit
    ['more than 100,000 rows', 'staff-100001.csv', () => manyStaffRows(100_001), ['文件超过100000行数据（读到第100001行时已停止）；每次最多导入100000行，请拆分为多个文件分别导入']],
  ])('%s', async (_what, name, bytes, expected) => {
    const before = await snapshot();
    const { reply } = await sendFile(cityLiaison.openId, name, await bytes());
    const text = cardText(reply.content);
    for (const e of expected) expect(text).toContain(e);
    expect(buttons(reply.content)).toEqual([]);
    expect(await snapshot()).toEqual(before);
  });
});
