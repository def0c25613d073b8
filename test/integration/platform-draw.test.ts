/**
 * The platform's draw sent in chat, through the real webhook, SDK and emulator (the file downloaded with the
 * message resource API): the problem cases refused or warned by line, non-liaisons refused, a draw imported and
 * dispatched exactly as a `/抽取` draw (county 接收 lists, assignment cards, the result and both bundles to the
 * liaison), recorded in the campaign's hash chain with the file's SHA-256; a redraw by a second file with a reason;
 * stale and repeated confirms refused; `draw verify` on its bundles; and one of its tasks checked through to 附件1.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli';
import { shanghaiDate } from '../../src/domain/calendar';
import { chainProblems } from '../../src/domain/draw2/chain';
import { personRef } from '../../src/domain/draw2/inputs';
import type { PlatformInternalBundle, PlatformPublicBundle } from '../../src/domain/draw2/platform';
import { OPINION_SHEET_TITLE } from '../../src/domain/inspection';
import { usccCheckChar } from '../../src/domain/uscc';
import { cardText, findButtons, type ClickResult } from '../../src/sandbox/client';
import type { SentMessage } from '../../src/sandbox/emulator';
import { drawModel, loadChain, type DrawDoc } from '../../src/store/draw';
import { importLogModel } from '../../src/store/importLog';
import { setupUploadModel } from '../../src/store/setupUpload';
import { staffModel } from '../../src/store/staff';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { inspectionDriver } from '../support/fixtures';
import { startHarness, type Harness } from '../support/harness';
import { seedRegistries, type SeededRegistries } from '../support/registries';
import { countyOfficers, platformCsv, platformPlan, platformXlsx, type PlannedRow } from '../support/platformFiles';
import { csvBytes } from '../support/setupFiles';

const ADMIN = 'ou_admin00000000000000000000000001';

let h: Harness;
let reg: SeededRegistries;
let d: ReturnType<typeof inspectionDriver>;
// The campaign spans this whole year, so that today is inside its inspection window. (The service runs on the real
// clock: a fixed clock in the past would let the database's TTL index drop a preview's bytes at once.)
const YEAR = Number(shanghaiDate(new Date()).slice(0, 4));
const conn = () => h.service.db.connection;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'platform_draw', adminOpenIds: [ADMIN] });
  reg = await seedRegistries(conn(), { year: YEAR, enterprises: 80, seed: 31, campaign: { from: `${YEAR}-01-01`, to: `${YEAR}-12-31` } });
  d = inspectionDriver(h);
});

afterAll(async () => {
  await h.close();
});

// ---- chat --------------------------------------------------------------------------------------------------------

async function sendFile(openId: string, name: string, bytes: Buffer): Promise<SentMessage> {
  const sent = await h.feishu.sendFile(openId, name, bytes);
  expect(sent.status).toBe(200);
  return h.emulator.waitFor((m) => m.root === sent.messageId, 60_000);
}

async function command(openId: string, text: string): Promise<SentMessage> {
  const sent = await h.feishu.sendText(openId, text);
  expect(sent.status).toBe(200);
  return h.emulator.waitFor((m) => m.root === sent.messageId, 60_000);
}

async function cardAfter(click: ClickResult, expected: string): Promise<unknown> {
  expect(click.clientError).toBeUndefined();
  if (click.card) return click.card;
  expect(click.toast?.content).toContain('正在处理');
  const patched = await h.emulator.waitFor((m) => m.message_id === click.messageId && cardText(m.current).includes(expected), 60_000);
  return patched.current;
}

const buttons = (card: unknown) => findButtons(card).map((b) => b.text);

async function dispatched(attempt: number): Promise<DrawDoc> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const draw = await drawModel(conn()).findOne({ attempt, status: 'confirmed', dispatchedAt: { $exists: true } }).lean<DrawDoc>();
    if (draw) return draw;
    if (Date.now() > deadline) throw new Error(`draw ${attempt} not dispatched`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (l) => (out += `${l}\n`), err: (l) => (err += `${l}\n`), env: {} });
  return { code, out, err };
}

async function nothingImported(): Promise<void> {
  expect(await drawModel(conn()).countDocuments()).toBe(0);
  expect(await taskModel(conn()).countDocuments()).toBe(0);
  expect(await loadChain(conn(), reg.campaign._id)).toEqual([]);
}

// ---- who may -----------------------------------------------------------------------------------------------------

describe('who may import the platform’s draw', () => {
  it('a county liaison is told only the 市局联络员 may import it; an officer is told who may send what and the file is not even downloaded', async () => {
    const county = reg.countyLiaison('盐湖区')!;
    // A county liaison's file may be the county's 情况汇报, so it is read (its header row tells what it is) and refused.
    const fromCounty = cardText((await sendFile(county.openId, '抽查结果.xlsx', await platformXlsx(platformPlan(reg, 3)))).content);
    expect(fromCounty).toContain('是监管平台抽取结果文件：只有**市局联络员**可以导入');
    expect(fromCounty).not.toContain('确认上报');
    const downloads = () => h.emulator.requests.filter((r) => r.path.includes('/resources/')).length;
    const before = downloads();
    const fromOfficer = cardText((await sendFile(reg.officer.openId, '抽查结果.xlsx', await platformXlsx(platformPlan(reg, 3)))).content);
    expect(fromOfficer).toContain('没有权限');
    expect(downloads()).toBe(before);
    await nothingImported();
  });

  it('an administrator (ADMIN_OPEN_IDS) sees the preview but may not import a draw: that is the 市局联络员’s, as /抽取', async () => {
    const reply = await sendFile(ADMIN, '抽查结果.xlsx', await platformXlsx(platformPlan(reg, 3)));
    const text = cardText(reply.content);
    expect(text).toContain('无法导入 · 监管平台抽取结果');
    expect(text).toContain('只有市局联络员可以导入抽取结果（与 /抽取 相同）');
    expect(text).toContain('匹配企业 **3** 家');
    expect(buttons(reply.content)).toEqual([]);
    expect(await setupUploadModel(conn()).countDocuments({ kind: 'platformDraw' })).toBe(0);
    await nothingImported();
  });
});

// ---- problems ------------------------------------------------------------------------------------------------------

describe('problems, by line', () => {
  it('an unknown code, an unknown name, an ambiguous name and a 组长 who is not one are refused: listed by line, no button, nothing stored', async () => {
    // a second person of an existing name (a namesake in another county)
    const namesake = countyOfficers(reg).find((s) => s.county === '河津市')!;
    const twin = { ...namesake, openId: 'ou_twin0000000000000000000000001', county: '夏县', unit: '夏县市场监督管理局', avoid: [] };
    await staffModel(conn()).create(twin);
    const rows = platformPlan(reg, 6);
    const unknownCode = `91140800MA0K99999${usccCheckChar('91140800MA0K99999')}`;
    rows[1] = { ...rows[1]!, uscc: unknownCode, name: '不存在的企业' };
    rows[2] = { ...rows[2]!, inspectors: [...rows[2]!.inspectors, '查无此人'] };
    rows[3] = { ...rows[3]!, inspectors: [namesake.name, rows[3]!.inspectors[1]!] };
    const notLeader = countyOfficers(reg)[0]!;
    rows[4] = { ...rows[4]!, leader: notLeader.name, inspectors: [notLeader.name, ...rows[4]!.inspectors.slice(1)] };
    rows[5] = { ...rows[5]!, name: `${rows[5]!.name}（原名）` }; // a warning only
    const reply = await sendFile(reg.cityLiaison.openId, '抽查结果.csv', await platformCsv(rows));
    const text = cardText(reply.content);
    expect(text).toContain('无法导入 · 监管平台抽取结果');
    expect(text).toContain('共读取 **6** 行：匹配企业 **2** 家');
    expect(text).toContain('有问题的行（共 4 处，不能导入）');
    expect(text).toContain(`第3行：统一社会信用代码 ${unknownCode}（不存在的企业）不在检查对象名录库中`);
    expect(text).toContain('第4行：检查人员：“查无此人”不在执法检查人员名录库中');
    expect(text).toContain(`第5行：检查人员：姓名“${namesake.name}”在人员名录中有2人`);
    expect(text).toContain(`请在文件中写成“${namesake.name}（所属县区）”或“${namesake.name}（单位）”以区分`);
    expect(text).toContain(`第6行：组长“${notLeader.name}”在人员名录中不是组长（角色：执法人员）`);
    expect(text).toContain('提示（共 1 处，不影响导入）');
    expect(text).toContain(`第7行：企业名称与名录库不同：文件为“${rows[5]!.name}”`);
    expect(buttons(reply.content)).toEqual([]);
    expect(await setupUploadModel(conn()).countDocuments({ kind: 'platformDraw' })).toBe(0);
    await nothingImported();

    // told apart in the file as 姓名（所属县区）, the namesake is found
    rows[3] = { ...rows[3]!, inspectors: [`${namesake.name}（${namesake.county}）`, rows[3]!.inspectors[1]!] };
    const fixed = cardText((await sendFile(reg.cityLiaison.openId, '抽查结果.csv', await platformCsv(rows))).content);
    expect(fixed).not.toContain('第5行');
    await staffModel(conn()).deleteOne({ openId: twin.openId });
  });

  it('a header with 检查人员 but no 统一社会信用代码 is named as the platform file with its missing column', async () => {
    const bytes = await csvBytes(['企业名称', '检查人员'], [['某公司', '张三']]);
    const text = cardText((await sendFile(reg.cityLiaison.openId, '抽查结果.csv', bytes)).content);
    expect(text).toContain('监管平台抽取结果缺少必需的列：统一社会信用代码');
    await nothingImported();
  });
});

describe('取消', () => {
  it('drops the preview: the card says so, nothing is imported, a later click is refused', async () => {
    const reply = await sendFile(reg.cityLiaison.openId, '抽查结果.xlsx', await platformXlsx(platformPlan(reg, 2)));
    expect(buttons(reply.content)).toEqual(['确认导入', '取消']);
    const cancel = await h.feishu.clickButton(reg.cityLiaison.openId, reply.current, '取消');
    expect(cancel.toast).toEqual({ type: 'info', content: '已取消，没有导入' });
    expect(cardText(cancel.card)).toContain('预览已失效 · 监管平台抽取结果');
    expect(buttons(cancel.card)).toEqual([]);
    const late = await h.feishu.clickButton(reg.cityLiaison.openId, reply.content, '确认导入', { messageId: reply.message_id });
    expect(late.toast?.content).toBe('这份预览已取消；如需导入请重新发送文件');
    await nothingImported();
  });
});

// ---- the draw --------------------------------------------------------------------------------------------------

describe('a platform draw imported from chat', () => {
  let first: PlannedRow[];
  let bytes: Buffer;
  let preview: SentMessage;

  it('previews: rows, firms by county, teams, warnings, and what confirming does (attempt 1, replacing nothing)', async () => {
    first = platformPlan(reg, 8);
    first[7] = { ...first[7]!, name: `${first[7]!.name}（平台登记名）` };
    bytes = await platformXlsx(first);
    preview = await sendFile(reg.cityLiaison.openId, `${YEAR}年抽查结果.xlsx`, bytes);
    const text = cardText(preview.content);
    expect(text).toContain('导入预览 · 监管平台抽取结果');
    expect(text).toContain(`专项：**${reg.campaign.name}**`);
    expect(text).toContain('共读取 **8** 行：匹配企业 **8** 家，组成 **8** 个检查组');
    expect(text).toContain('有问题 **0** 处');
    const counties = new Map<string, number>();
    for (const r of first) {
      const county = reg.data.enterprises.find((e) => e.uscc === r.uscc)!.county;
      counties.set(county, (counties.get(county) ?? 0) + 1);
    }
    for (const [county, n] of counties) expect(text).toContain(`${county} ${n} 家`);
    expect(text).toContain('提示（共 1 处，不影响导入）');
    expect(text).toContain('作为来源为“平台”的抽取（第1次抽取）');
    expect(text).toContain('本专项还没有确认过的抽取，导入不替换任何抽取');
    expect(text).toContain('随机性来自国家“双随机、一公开”监管平台');
    expect(buttons(preview.content)).toEqual(['确认导入', '取消']);
    await nothingImported();
    const upload = (await setupUploadModel(conn()).findOne({ kind: 'platformDraw', status: 'previewed' }).lean())!;
    expect(upload.sha256).toBe(sha256(bytes));
  });

  it('确认导入 records a draw of source 平台 in the chain and dispatches it as /抽取 does', async () => {
    const before = h.emulator.messages().length;
    const click = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认导入');
    expect(click.toast?.type === 'error').toBe(false);
    const result = cardText(await cardAfter(click, '抽取结果'));
    expect(result).toContain('抽取结果 · 第1次抽取（监管平台）');
    expect(result).toContain('已导入国家“双随机、一公开”监管平台的抽取结果：**8** 家企业');
    expect(result).toContain(sha256(bytes));
    const draw = await dispatched(1);
    expect(draw).toMatchObject({ algorithm: 'platform-import/1', status: 'confirmed', confirmedBy: reg.cityLiaison.openId });
    expect(draw.platform).toMatchObject({ fileName: `${YEAR}年抽查结果.xlsx`, sha256: sha256(bytes), size: bytes.length });

    // the chain: one `platform` entry with the file's hash, who imported it and the result's hashes
    const chain = await loadChain(conn(), reg.campaign._id);
    expect(chain.map((e) => e.kind)).toEqual(['platform']);
    expect(chainProblems(chain, String(reg.campaign._id))).toEqual([]);
    expect(chain[0]!.data).toMatchObject({
      source: '平台',
      algorithm: 'platform-import/1',
      attempt: 1,
      by: personRef(reg.cityLiaison.openId),
      drawId: String(draw._id),
      file: { name: `${YEAR}年抽查结果.xlsx`, size: bytes.length, sha256: sha256(bytes) },
      firms: 8,
      reason: null,
      resultHash: draw.resultHash,
    });
    expect(JSON.stringify(chain)).not.toContain('ou_');

    // the tasks are the file's: its firms, its teams (组长 first), the registry's licence
    const tasks = await taskModel(conn()).find({ drawId: draw._id }).sort({ no: 1 }).lean<TaskDoc[]>();
    expect(tasks).toHaveLength(8);
    for (const r of first) {
      const t = tasks.find((x) => x.enterprise.uscc === r.uscc)!;
      expect(t.state).toBe('待接收');
      const e = reg.data.enterprises.find((x) => x.uscc === r.uscc)!;
      expect(t.enterprise).toMatchObject({ name: e.name, licenceNo: e.licenceNo, county: e.county, address: e.address });
      const leaderName = r.leader ?? r.inspectors[1]!;
      expect(t.team[0]).toMatchObject({ role: '组长', name: leaderName });
      expect(new Set(t.team.map((m) => m.name))).toEqual(new Set(r.inspectors));
    }

    // the same messages as a /抽取 draw: county lists with 接收, one assignment card per member, result and two bundles
    const counties = [...new Set(tasks.map((t) => t.enterprise.county))];
    const expected = tasks.reduce((n, t) => n + t.team.length, 0) + counties.filter((c) => reg.countyLiaison(c)).length + 1;
    await h.emulator.waitFor(() => h.emulator.messages().length - before >= expected, 120_000);
    // The count above includes other messages (updates, files) that may come first: wait for each member's card too.
    // Each message is read once, as it arrives, against the cards still missing (not every message on every change).
    const missing = new Map<string, Set<string>>(); // open id → names of the firms whose card it has not had yet
    for (const t of tasks) for (const m of t.team) missing.set(m.openId, (missing.get(m.openId) ?? new Set()).add(t.enterprise.name));
    await h.emulator.waitFor((x) => {
      for (const to of new Set([x.receive_id, x.chat_id])) {
        const names = missing.get(to);
        if (!names) continue;
        const text = cardText(x.content);
        for (const name of [...names]) if (text.includes(`检查任务 · ${name}`)) names.delete(name);
        if (names.size === 0) missing.delete(to);
      }
      return missing.size === 0;
    }, 120_000);
    for (const county of counties) {
      const liaison = reg.countyLiaison(county);
      if (!liaison) continue;
      const list = h.emulator.messagesTo(liaison.openId).find((m) => cardText(m.content).includes('检查任务（第1次抽取）'))!;
      expect(buttons(list.content)).toContain('接收');
    }
    for (const t of tasks) {
      for (const m of t.team) {
        const card = h.emulator.messagesTo(m.openId).find((x) => cardText(x.content).includes(`检查任务 · ${t.enterprise.name}`));
        expect(card).toBeDefined();
        expect(buttons(card!.content)).toEqual(['开始检查']);
      }
    }
    await h.emulator.waitFor(() => h.emulator.files().filter((f) => f.file_name.includes('-平台-')).length >= 2, 60_000);
    const log = await importLogModel(conn()).find({ kind: 'platformDraw' }).lean();
    expect(log).toEqual([
      expect.objectContaining({ fileName: `${YEAR}年抽查结果.xlsx`, sha256: sha256(bytes), by: reg.cityLiaison.openId, counts: expect.objectContaining({ firms: 8, attempt: 1 }) }),
    ]);
  });

  it('a second click on the same preview imports nothing more', async () => {
    const again = await h.feishu.clickButton(reg.cityLiaison.openId, preview.content, '确认导入', { messageId: preview.message_id });
    expect(again.toast).toEqual({ type: 'info', content: '这份文件已经导入过了，不会重复导入' });
    expect(await drawModel(conn()).countDocuments()).toBe(1);
    expect(await taskModel(conn()).countDocuments()).toBe(8);
  });

  it('`draw verify` passes both bundles, says the randomness came from the platform, and fails when a selection line is changed', async () => {
    const internalFile = h.emulator.files().find((f) => f.file_name.startsWith(`抽取数据包-内部-${YEAR}-第1次-平台-`))!;
    const publicFile = h.emulator.files().find((f) => f.file_name.startsWith(`抽取数据包-可公开-${YEAR}-第1次-平台-`))!;
    const internal = JSON.parse(internalFile.data.toString('utf8')) as PlatformInternalBundle;
    const pub = JSON.parse(publicFile.data.toString('utf8')) as PlatformPublicBundle;
    expect(internal.source).toBe('平台');
    expect(JSON.stringify(pub)).not.toContain('ou_');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'platform-bundle-'));
    try {
      const write = (name: string, v: unknown) => {
        const f = path.join(dir, name);
        writeFileSync(f, typeof v === 'string' || Buffer.isBuffer(v) ? v : JSON.stringify(v));
        return f;
      };
      const ok = await cli(['draw', 'verify', write('internal.json', internal)]);
      expect(ok.err).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.out).toContain('核验通过（监管平台抽取结果，内部数据包）：第1次抽取，8家企业');
      expect(ok.out).toContain('本次抽取的随机性来自国家“双随机、一公开”监管平台');
      expect(ok.out).toContain('无法复算抽取过程');
      const okPublic = await cli(['draw', 'verify', write('public.json', pub)]);
      expect(okPublic.code).toBe(0);
      expect(okPublic.out).toContain('可公开数据包');
      // against the platform's original export
      const withFile = await cli(['draw', 'verify', path.join(dir, 'internal.json'), '--file', write('export.xlsx', bytes)]);
      expect(withFile.code).toBe(0);
      expect(withFile.out).toContain('给出的原文件与数据包记录的导入文件一致');
      const otherFile = await cli(['draw', 'verify', path.join(dir, 'internal.json'), '--file', write('other.xlsx', Buffer.concat([bytes, Buffer.from('x')]))]);
      expect(otherFile.code).not.toBe(0);
      expect(otherFile.err).toContain('规则 file.bytes');

      const changed = JSON.parse(JSON.stringify(internal)) as PlatformInternalBundle;
      const outsider = reg.data.enterprises.find((e) => !first.some((r) => r.uscc === e.uscc))!;
      changed.result.selection[0]!.uscc = outsider.uscc;
      const fail = await cli(['draw', 'verify', write('changed.json', changed)]);
      expect(fail.code).not.toBe(0);
      expect(fail.err).toContain('核验不通过：规则 result.hash');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('/抽取 afterwards sees the imported draw: a redraw needs a reason', async () => {
    const reply = await command(reg.cityLiaison.openId, '/抽取');
    expect(cardText(reply.content)).toContain('已完成第1次抽取');
  });
});

describe('a second platform file replaces the first under the redraw rules', () => {
  let preview: SentMessage;
  let second: PlannedRow[];

  it('the preview says it replaces attempt 1 and asks for a reason; a stale preview is refused when a registry changed', async () => {
    second = platformPlan(reg, 6, 20);
    // a preview, then a change to a team member's unit: the preview no longer holds
    const stale = await sendFile(reg.cityLiaison.openId, '抽查结果-更正.xlsx', await platformXlsx(second));
    const staleText = cardText(stale.content);
    expect(staleText).toContain('本专项已有第1次抽取（来源：平台），确认导入即重新抽取：第1次抽取中尚未开始的 8 项任务作废');
    expect(buttons(stale.content)).toEqual(['确认导入', '取消']);
    expect(JSON.stringify(stale.content)).toContain('"name":"redraw_reason"');
    const officerName = second[0]!.inspectors[0]!;
    await staffModel(conn()).updateOne({ name: officerName }, { $set: { unit: '盐湖区市场监督管理局（新）' } });
    const click = await h.feishu.clickButton(reg.cityLiaison.openId, stale.current, '确认导入', { formValues: { redraw_reason: '以平台更正后的结果为准' } });
    expect(click.toast?.type).toBe('error');
    expect(click.toast?.content).toContain('预览之后名录库、人员名录或本专项的抽取情况有变化，这份预览已失效');
    expect(cardText(click.card)).toContain('预览已失效 · 监管平台抽取结果');
    expect(buttons(click.card)).toEqual([]);
    expect(await drawModel(conn()).countDocuments()).toBe(1);
    const original = reg.data.staff.find((s) => s.name === officerName)!;
    await staffModel(conn()).updateOne({ name: officerName }, { $set: { unit: original.unit } });

    preview = await sendFile(reg.cityLiaison.openId, '抽查结果-更正.xlsx', await platformXlsx(second));
    expect(cardText(preview.content)).toContain('作为来源为“平台”的抽取（第2次抽取）');
  });

  it('a reason too short is refused and the card stays; a newer file supersedes an older preview', async () => {
    const short = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认导入', { formValues: { redraw_reason: '改' } });
    expect(short.toast?.type).toBe('error');
    expect(short.toast?.content).toContain('请在卡片上填写2–200字的理由');
    expect(short.card).toBeUndefined();
    const newer = await sendFile(reg.cityLiaison.openId, '抽查结果-更正2.xlsx', await platformXlsx(second));
    // the older card was closed in place (no dead button); a click on it as first shown is refused. (The update of
    // the older card and the newer preview go to different targets: either may reach Feishu first.)
    await h.emulator.waitFor((m) => m.message_id === preview.message_id && cardText(m.current).includes('这份预览已失效'), 60_000);
    expect(buttons(preview.current)).toEqual([]);
    expect(cardText(preview.current)).toContain('之后又发送了同类文件，这份预览已失效');
    const old = await h.feishu.clickButton(reg.cityLiaison.openId, preview.content, '确认导入', {
      messageId: preview.message_id,
      formValues: { redraw_reason: '以平台更正后的结果为准' },
    });
    expect(old.toast?.content).toBe('之后又发送了同类文件：请在最新的预览卡片上确认');
    expect(await drawModel(conn()).countDocuments()).toBe(1);
    preview = newer;
  });

  it('with a reason it becomes attempt 2: unstarted tasks of attempt 1 are voided and their teams told', async () => {
    const click = await h.feishu.clickButton(reg.cityLiaison.openId, preview.current, '确认导入', { formValues: { redraw_reason: '以平台更正后的结果为准' } });
    expect(cardText(await cardAfter(click, '抽取结果'))).toContain('抽取结果 · 第2次抽取（监管平台）');
    const draw = await dispatched(2);
    expect(draw.reason).toBe('以平台更正后的结果为准');
    const old = await drawModel(conn()).findOne({ attempt: 1 }).lean<DrawDoc>();
    expect(old!.status).toBe('superseded');
    const voided = await taskModel(conn()).find({ drawId: old!._id }).lean<TaskDoc[]>();
    expect(voided.every((t) => t.state === '已作废')).toBe(true);
    const member = voided[0]!.team[0]!;
    await h.emulator.waitFor((m) => m.receive_id === member.openId && cardText(m.content).includes('任务已作废'), 60_000);
    const chain = await loadChain(conn(), reg.campaign._id);
    expect(chain.map((e) => e.kind)).toEqual(['platform', 'platform']);
    expect(chain[1]!.data).toMatchObject({ attempt: 2, reason: '以平台更正后的结果为准', supersedes: [1] });
    await h.emulator.waitFor(() => h.emulator.files().some((f) => f.file_name.startsWith(`抽取数据包-内部-${YEAR}-第2次-平台-`)), 60_000);
    const internal = JSON.parse(h.emulator.files().find((f) => f.file_name.startsWith(`抽取数据包-内部-${YEAR}-第2次-平台-`))!.data.toString('utf8'));
    const verified = await (async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), 'platform-bundle-'));
      try {
        const f = path.join(dir, 'b.json');
        writeFileSync(f, JSON.stringify(internal));
        return await cli(['draw', 'verify', f]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    })();
    expect(verified.code).toBe(0);
    expect(verified.out).toContain('第2次抽取，6家企业');
  });

  it('its tasks are checked through to 附件1 like any other: receive, start, nine items with one 不符合, submit, sign, the notice to the county liaison', async () => {
    const draw = (await drawModel(conn()).findOne({ attempt: 2 }).lean<DrawDoc>())!;
    const tasks = await taskModel(conn()).find({ drawId: draw._id }).sort({ no: 1 }).lean<TaskDoc[]>();
    const task = tasks.find((t) => reg.countyLiaison(t.enterprise.county))!;
    const liaison = reg.countyLiaison(task.enterprise.county)!;

    // the county receives its list
    const list = h.emulator.messagesTo(liaison.openId).find((m) => cardText(m.current).includes('检查任务（第2次抽取）'))!;
    const received = await h.feishu.clickButton(liaison.openId, list.current, '接收');
    expect(received.toast?.type).toBe('success');

    // the county officer starts from their assignment card and answers the nine items, one 不符合
    const officer = task.team.find((m) => m.role === '执法人员')!;
    const assignment = h.emulator.messagesTo(officer.openId).find((m) => cardText(m.content).includes(`检查任务 · ${task.enterprise.name}`))!;
    let card = (await d.click(officer.openId, assignment.current, '开始检查')).card!;
    const finding = '出厂检验记录不全，缺少3批次检验报告';
    for (let k = 1; k <= 9; k++) card = (await d.click(officer.openId, card, k === 4 ? '不符合' : '符合', k === 4 ? { record: finding } : undefined)).card!;
    expect(cardText(card)).toContain('9 项已全部检查');
    expect(cardText(card)).toContain('（1 项不符合）');
    const submitted = await d.click(officer.openId, card, '提交检查结果', { representative: '周厂长' });
    expect(submitted.toast?.type).toBe('success');

    // every other member signs; the 组长 sets the period
    for (const m of task.team.filter((x) => x.openId !== officer.openId)) {
      const sign = await d.cardTo(m.openId, '请核对检查记录', task.enterprise.name);
      const res = await d.click(m.openId, sign, '确认签字', m.role === '组长' ? { days: '15' } : undefined);
      expect(res.toast?.type).toBe('success');
    }
    const stored = (await taskModel(conn()).findById(task._id).lean<TaskDoc>())!;
    expect(stored.state).toBe('待整改');
    expect(stored.inspection!.rectification).toMatchObject({ days: 15, items: [expect.objectContaining({ no: 4, record: finding })] });

    // 附件1 (意见汇总表) to the county liaison
    const notice = cardText(await d.cardTo(liaison.openId, OPINION_SHEET_TITLE, task.enterprise.name));
    expect(notice).toContain(finding);
    expect(notice).toContain(task.enterprise.licenceNo);
    expect(notice).toContain('请于 15 日内完成上述问题整改');
    expect(notice).toContain('**企业代表签字**：周厂长');
  });

  it('once a task has started, a third file cannot replace the draw (as /抽取 理由=… could not)', async () => {
    const reply = await sendFile(reg.cityLiaison.openId, '抽查结果-再次.xlsx', await platformXlsx(platformPlan(reg, 4, 40)));
    const text = cardText(reply.content);
    expect(text).toContain('无法导入 · 监管平台抽取结果');
    expect(text).toMatch(/第2次抽取的任务中已有1项开始检查，不能再以平台结果替换/);
    expect(buttons(reply.content)).toEqual([]);
    expect(await drawModel(conn()).countDocuments({ status: 'confirmed' })).toBe(1);
  });

  it('a county liaison who clicks a preview’s button is refused before anything is read', async () => {
    const county = reg.countyLiaison('盐湖区')!;
    const card = h.emulator.messages().find((m) => cardText(m.content).includes('导入预览 · 监管平台抽取结果') && buttons(m.content).includes('确认导入'))!;
    const uploads = JSON.stringify(await setupUploadModel(conn()).find().sort({ _id: 1 }).lean());
    const click = await h.feishu.clickButton(county.openId, card.content, '确认导入', { messageId: card.message_id });
    expect(click.toast).toEqual({ type: 'error', content: '只有市局联络员可以导入抽取结果（与 /抽取 相同）。' });
    expect(await drawModel(conn()).countDocuments()).toBe(2);
    expect(JSON.stringify(await setupUploadModel(conn()).find().sort({ _id: 1 }).lean())).toBe(uploads);
  });
});
