/**
 * 进一次门，查多项事 and the paper, through the CLI and the webhook: extra checklists loaded from a file
 * (`checklist import`), shown after the 9 items in the same visit, exported as their own record and counted in 附件5
 * apart from the form's items; 上传签字页; blank forms before the visit; the inspection window (a start outside it
 * refused without the 组长's reason).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliIo } from '../../src/cli';
import { EXTRA_SHEET, ITEM_SHEET } from '../../src/exports/summaryXlsx';
import { importChecklists } from '../../src/operations/checklists/importChecklists';
import { extraChecklistModel } from '../../src/store/extraChecklist';
import { cardText } from '../../src/sandbox/client';
import { startHarness, type Harness } from '../support/harness';
import { inspectionDriver, PEOPLE, readTask, registerStaff, type Card, type Person } from '../support/fixtures';
import { campaignWithDraw, cellValue, documentXml, expectFormulasCached, filesTo, settle, tableCells, taskIn, workbook, xmlText } from '../support/outcomes';

let h: Harness;
let d: ReturnType<typeof inspectionDriver>;
let clock = new Date('2024-05-06T02:00:00Z');
let ticks = 0;
const now = () => new Date(clock.getTime() + ++ticks);
const conn = () => h.service.db.connection;
const { officer, expert, leader } = PEOPLE;
const head: Person = { openId: 'ou_head0000000000000000000000000c8', name: '刘科长', roles: ['领导'], unit: '运城市市场监督管理局', county: '市局' };
let ctx: Awaited<ReturnType<typeof campaignWithDraw>>;
const dir = mkdtempSync(path.join(os.tmpdir(), 'visit-'));
const ZERO = '工业产品质量安全“零事故”创建指导';
const HAZARD = '重点工业产品质量安全隐患排查';

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'visit', now });
  await registerStaff(conn(), [...Object.values(PEOPLE), head]);
  d = inspectionDriver(h);
  ctx = await campaignWithDraw(conn());
});

afterAll(async () => {
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env: { MONGODB_URI: h.config.mongodbUri, SPOTCHECK_DATA_DIR: path.join(dir, 'data') } };
  return { code: await runCli(argv, io), out, err };
}

async function ask(openId: string, text: string): Promise<string> {
  const sent = await h.feishu.sendText(openId, text);
  const reply = await h.emulator.waitFor((m) => m.root === sent.messageId, 15_000);
  return cardText(reply.current);
}

describe('checklist import (CLI)', () => {
  it('refuses a bad file with every problem and its line; --dry-run writes nothing; import writes', async () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, `检查表名称,序号,检查内容\n${ZERO},1,是否开展零事故创建\n${ZERO},1,重复的序号\n${HAZARD},x,序号不是数字\n${HAZARD},2,\n`);
    const refused = await cli('checklist', 'import', bad, '--campaign', ctx.campaign.name);
    expect(refused.code).toBe(1);
    expect(refused.err).toEqual(['检查表文件有 3 处问题，未导入']);
    expect(refused.out).toEqual([
      '  第3行：“工业产品质量安全“零事故”创建指导”的序号 1 与第 2 行重复',
      '  第4行：“序号”应为 1–200 的整数，收到“x”',
      '  第5行：缺少“检查内容”',
    ]);
    const noHeader = path.join(dir, 'noheader.csv');
    writeFileSync(noHeader, '名称,内容\na,b\n');
    const r2 = await cli('checklist', 'import', noHeader);
    expect(r2).toMatchObject({ code: 1 });
    expect(r2.err).toEqual(['检查表文件缺少列：检查表名称、序号、检查内容（第1行应为表头：检查表名称、序号、检查内容）']);

    const good = path.join(dir, 'extra.csv');
    writeFileSync(
      good,
      [
        '\uFEFF序号,检查表名称,检查内容,备注',
        `2,${ZERO},是否开展质量安全风险隐患自查,`,
        `1,${ZERO},是否制定“零事故”创建工作方案,`,
        `3,${ZERO},是否建立质量安全事故报告制度,`,
        `1,${HAZARD},"重点产品是否存在标准不符合的隐患,如电线电缆导体截面",`,
        `2,${HAZARD},是否对隐患建立整改台账,`,
      ].join('\r\n'),
    );
    const dry = await cli('checklist', 'import', good, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.out[0]).toBe(`检查通过（未写入）：专项“${ctx.campaign.name}”`);
    expect(await extraChecklistModel(conn()).countDocuments()).toBe(0);
    const real = await cli('checklist', 'import', good);
    expect(real.code).toBe(0);
    expect(real.out.slice(0, 3)).toEqual([`已导入：专项“${ctx.campaign.name}”`, `  新增“${ZERO}”：3 项`, `  新增“${HAZARD}”：2 项`]);
    const list = await cli('checklist', 'list');
    expect(list.out).toContain(`  ${ZERO}（3 项）`);
    expect(list.out).toContain('    1. 是否制定“零事故”创建工作方案');

    // the chat operation: only a 市局联络员 may load checklists
    const bytes = Buffer.from(`检查表名称,序号,检查内容\n${HAZARD},1,x\n`);
    expect(await importChecklists(conn(), { fileName: 'x.csv', data: bytes, actor: { openId: officer.openId, roles: ['执法人员'], county: '盐湖区' }, now: now() })).toEqual({
      ok: false,
      reason: '只有市局联络员可以导入检查表',
    });
  });
});

describe('one visit, several checklists', () => {
  let task: Awaited<ReturnType<typeof taskIn>>;

  it('shows the extra items after the 9, in the same flow; their 不符合 does not change the result', async () => {
    task = await taskIn(conn(), ctx);
    let card: Card = (await d.open(officer.openId, task)).card!;
    expect(cardText(card)).toContain('第 1/14 项');
    for (let k = 1; k <= 9; k += 1) card = (await d.click(officer.openId, card, '符合')).card!;
    let text = cardText(card);
    expect(text).toContain(`${ZERO}** 第 1/3 项`);
    expect(text).toContain('是否制定“零事故”创建工作方案');
    card = (await d.click(officer.openId, card, '符合')).card!;
    card = (await d.click(officer.openId, card, '不符合', { record: '未开展风险隐患自查' })).card!;
    card = (await d.click(officer.openId, card, '符合')).card!;
    expect(cardText(card)).toContain(`${HAZARD}** 第 1/2 项`);
    card = (await d.click(officer.openId, card, '符合')).card!;
    card = (await d.click(officer.openId, card, '不符合', { record: '隐患整改台账缺失' })).card!;
    text = cardText(card);
    expect(text).toContain('14 项已全部检查');
    expect(text).toContain('结论：**未发现问题**');
    expect(text).toContain(`进一次门，查多项事：${ZERO}`);
    expect(text).toContain('检查记录：未开展风险隐患自查');

    // 上传签字页: the next picture is the signed paper
    const req = await d.click(officer.openId, card, '上传签字页');
    expect(cardText(req.card)).toContain('已签字盖章的纸质文书');
    const key = h.emulator.storeUserResource('image', Buffer.from([0xff, 0xd8, 0xff, 0xe0]));
    const sent = await h.feishu.sendImage(officer.openId, key);
    expect(cardText((await h.emulator.waitFor((m) => m.root === sent.messageId)).current)).toContain('检查记录的签字页（共 1 张）');
    let stored = await readTask(conn(), task._id);
    expect(stored.inspection!.signaturePages).toEqual([expect.objectContaining({ kind: 'image', key, messageId: sent.messageId, by: officer.openId })]);
    expect(stored.inspection!.photos).toHaveLength(0);

    const summary = (await d.open(officer.openId, task)).card!;
    await d.click(officer.openId, summary, '提交检查结果', { representative: '孙经理' });
    for (const m of [expert, leader]) await d.click(m.openId, await d.cardTo(m.openId, '请核对检查记录', task.enterprise.name), '确认签字');
    stored = await readTask(conn(), task._id);
    expect(stored.state).toBe('待公示');
    expect(stored.inspection!.result).toBe('未发现问题');
    expect(stored.inspection!.extras!.map((x) => [x.name, x.items.length])).toEqual([[ZERO, 3], [HAZARD, 2]]);
  });

  it('exports 附件3 and each extra checklist as its own record: signature lines blank, dated with the inspection date', async () => {
    h.emulator.reset();
    const text = await ask(officer.openId, `/导出 ${task.enterprise.licenceNo}`);
    expect(text).toContain('已发送 3 个文件');
    expect(text).toContain('签字页：已上传 1 张');
    const files = await filesTo(h, officer.openId, 3);
    const names = files.map((f) => f.file_name).sort();
    expect(names).toEqual(
      [
        `附件3-工业产品生产许可证获证企业监督检查记录-${task.enterprise.name}.docx`,
        `进一次门查多项事-${ZERO}检查记录-${task.enterprise.name}.docx`,
        `进一次门查多项事-${HAZARD}检查记录-${task.enterprise.name}.docx`,
      ].sort(),
    );
    const zero = await documentXml(files.find((f) => f.file_name.includes(ZERO))!.data);
    const t = xmlText(zero);
    expect(t).toContain(`${ZERO}检查记录`);
    expect(t).toContain('2024年5月6日');
    const rows = tableCells(zero);
    expect(rows[0]).toEqual(['序号', '检查内容', '结论', '检查记录']);
    expect(rows[2]).toEqual(['2', '是否开展质量安全风险隐患自查', '☐符合\n☑不符合', '未开展风险隐患自查']);
    expect(t).toMatch(/检查组成员签字：\n\n?企业代表签字：\n/);
    for (const name of ['李明', '张华', '王建国', '孙经理']) expect(t).not.toContain(name);
    const form = xmlText(await documentXml(files.find((f) => f.file_name.startsWith('附件3'))!.data));
    expect(form).not.toContain('未开展风险隐患自查'); // the extra items stay out of 附件3
  });

  it('before the visit: the blank 附件3 and the blank extra checklists, with the firm’s name', async () => {
    const fresh = await taskIn(conn(), ctx);
    h.emulator.reset();
    const text = await ask(officer.openId, `/导出 ${fresh.enterprise.licenceNo}`);
    expect(text).toContain('空白检查表已导出');
    const files = await filesTo(h, officer.openId, 3);
    for (const f of files) {
      const t = xmlText(await documentXml(f.data));
      expect(t).toContain(`企业名称（盖章）：${fresh.enterprise.name}`);
      expect(t).toContain('　　　　年　　月　　日');
      expect(t).not.toContain('☑');
    }
  });

  it('附件5 counts the extra checklists on their own sheet and the form’s items per item', async () => {
    await settle(h);
    h.emulator.reset();
    const sent = await h.feishu.sendText(head.openId, '/汇总');
    await h.emulator.waitFor((m) => m.root === sent.messageId, 20_000);
    const [file] = await filesTo(h, head.openId, 1);
    const wb = await workbook(file.data);
    expect(await expectFormulasCached(file.data, wb)).toBeGreaterThan(0);
    const extra = wb.getWorksheet(EXTRA_SHEET)!;
    const cells: string[] = [];
    extra.eachRow((row) => cells.push((row.values as unknown[]).slice(1).map((v) => String(cellValue({ value: v } as never) ?? '')).join('|')));
    // one table per checklist (its name as the title row, merged), the county rows, 合计
    const zeroAt = cells.findIndex((c) => c.startsWith(`${ZERO}|`));
    const hazardAt = cells.findIndex((c) => c.startsWith(`${HAZARD}|`));
    expect(zeroAt).toBeGreaterThanOrEqual(0);
    expect(hazardAt).toBeGreaterThan(zeroAt);
    // 永济市: 1 record, 1 with findings, 1 不符合 (item 2) — for each list
    expect(cells.slice(zeroAt, hazardAt)).toContain('永济市|1|1|1|0|1|0');
    expect(cells.slice(zeroAt, hazardAt)).toContain('合计|1|1|1|0|1|0');
    expect(cells.slice(hazardAt)).toContain('永济市|1|1|1|0|1');
    const items = wb.getWorksheet(ITEM_SHEET)!;
    let yongji: unknown[] | undefined;
    items.eachRow((row) => {
      if ((row.values as unknown[])[1] === '永济市') yongji = (row.values as unknown[]).slice(2).map((v) => cellValue({ value: v } as never));
    });
    // 附件3: one record, no 不符合 (the extra findings are not the form's); 附件4: none
    expect(yongji).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('the inspection window', () => {
  it('a start outside it is refused without the 组长’s reason; the 组长 starts with a reason, which is recorded', async () => {
    clock = new Date('2024-11-05T02:00:00Z');
    const task = await taskIn(conn(), ctx);
    const forOfficer = await d.assignmentCard(officer.openId, task);
    const refused = await d.click(officer.openId, forOfficer, '开始检查');
    expect(refused.toast).toEqual({ type: 'warning', content: '今天不在检查时间（2024-03-15 至 2024-10-31）内，需组长填写原因' });
    expect(cardText(refused.card)).toContain('需由组长 王建国 填写原因后才能开始');
    expect(d.buttons(refused.card)).toEqual(['无法正常检查']);
    expect((await readTask(conn(), task._id)).state).toBe('待检查');

    const forLeader = await d.assignmentCard(leader.openId, task);
    const card = (await d.click(leader.openId, forLeader, '开始检查')).card!;
    expect(d.buttons(card)).toEqual(['说明原因并开始检查', '无法正常检查']);
    await expect(d.click(leader.openId, card, '说明原因并开始检查', {})).rejects.toThrow('required field "window_reason" is empty');
    const started = await d.click(leader.openId, card, '说明原因并开始检查', { window_reason: '企业10月停产检修，经市局同意延后检查' });
    expect(started.toast).toEqual({ type: 'success', content: '已开始检查，共 14 项' });
    const stored = await readTask(conn(), task._id);
    expect(stored.state).toBe('检查中');
    expect(stored.inspection!.outsideWindow).toMatchObject({ reason: '企业10月停产检修，经市局同意延后检查', by: leader.openId, from: '2024-03-15', to: '2024-10-31' });
    // the others continue without asking again
    expect(cardText((await d.open(officer.openId, task)).card)).toContain('第 1/14 项');
    clock = new Date('2024-05-06T02:00:00Z');
  });
});
