/**
 * /汇总 through the webhook: tasks written straight into the database (a confirmed draw, a superseded one with
 * leftovers, another campaign's tasks), then the .xlsx the bot sends is read back with exceljs and every cell of
 * every county row is compared with figures counted here from the plan.
 */
import ExcelJS from 'exceljs';
import { Types } from 'mongoose';
import { YUNCHENG_COUNTIES } from '../../src/domain/registryRows';
import { DETAIL_SHEET, LAYOUT, SUMMARY_COLUMNS, SUMMARY_SHEET } from '../../src/exports/summaryXlsx';
import { drawModel } from '../../src/store/draw';
import { taskModel } from '../../src/store/task';
import { cardText } from '../../src/sandbox/client';
import { expectFormulasCached } from '../support/outcomes';
import { startHarness, type Harness } from '../support/harness';
import { seedRegistries, type SeededRegistries } from '../support/registries';

/** Friday 2024-11-15, 10:00 in Shanghai: the day 附件5 is due. */
const NOW = new Date('2024-11-15T02:00:00Z');
const DRAWN_ON = new Date('2024-03-20T02:00:00Z');

let h: Harness;
let reg: SeededRegistries;
const conn = () => h.service.db.connection;

type Kind = 'received' | 'toInspect' | 'inspecting' | 'signing' | 'pubOverdue' | 'pubPending' | 'rectOverdue' | 'rectConfirmed' | 'published';
const KINDS: Kind[] = ['published', 'pubOverdue', 'received', 'rectOverdue', 'pubPending', 'toInspect', 'rectConfirmed', 'inspecting', 'published', 'signing'];

function inspection(completionDate: string, result: string, deadline?: string) {
  return {
    startedAt: NOW,
    startedBy: 'ou_test',
    cursor: 10,
    round: 1,
    completionDate,
    completedAt: NOW,
    result,
    ...(deadline ? { rectification: { days: 10, issuedDate: completionDate, deadline, items: [], setBy: '', recipients: [] } } : {}),
  };
}

const FIELDS: Record<Kind, Record<string, unknown>> = {
  received: { state: '待接收' },
  toInspect: { state: '待检查' },
  inspecting: { state: '检查中', inspection: { startedAt: NOW, startedBy: 'ou_test', cursor: 3 } },
  signing: { state: '待签字', inspection: { startedAt: NOW, startedBy: 'ou_test', cursor: 10, completionDate: '2024-11-14' } },
  // 20 working days after 2024-09-20 is 2024-10-23 (国庆 off, 调休 weekend days 09-29 and 10-12 on): overdue
  pubOverdue: { state: '待公示', inspection: inspection('2024-09-20', '未发现问题') },
  pubPending: { state: '待公示', inspection: inspection('2024-11-08', '未发现问题'), publication: { dueDate: '2024-12-06' } },
  rectOverdue: { state: '待整改', inspection: inspection('2024-11-01', '发现问题', '2024-11-11') },
  rectConfirmed: {
    state: '待公示',
    inspection: inspection('2024-10-28', '发现问题', '2024-11-12'),
    rectificationCheck: { items: [], opinion: '已全部完成整改', confirmedBy: 'ou_x', confirmedByName: '赵丽', confirmedAt: NOW, confirmedOn: '2024-11-08' },
    publication: { dueDate: '2024-11-25' },
  },
  published: {
    state: '已公示',
    inspection: inspection('2024-08-01', '未发现问题'),
    publication: { dueDate: '2024-08-29', publishedOn: '2024-08-20', result: '未发现问题' },
  },
};

interface Row {
  registered: number;
  sampled: number;
  checked: number;
  noProblem: number;
  problem: number;
  rectified: number;
  rectifying: number;
  rectOverdue: number;
  published: number;
  unpublished: number;
  pubOverdue: number;
}
const zero = (): Row => ({ registered: 0, sampled: 0, checked: 0, noProblem: 0, problem: 0, rectified: 0, rectifying: 0, rectOverdue: 0, published: 0, unpublished: 0, pubOverdue: 0 });

const expected = new Map<string, Row>();
const planned: { county: string; name: string; kind: Kind }[] = [];

function row(county: string): Row {
  let r = expected.get(county);
  if (!r) expected.set(county, (r = zero()));
  return r;
}

function count(county: string, kind: Kind): void {
  const r = row(county);
  r.sampled += 1;
  const checked = ['pubOverdue', 'pubPending', 'rectOverdue', 'rectConfirmed', 'published'].includes(kind);
  if (!checked) return;
  r.checked += 1;
  if (kind === 'rectOverdue' || kind === 'rectConfirmed') r.problem += 1;
  else r.noProblem += 1;
  if (kind === 'rectConfirmed') r.rectified += 1;
  if (kind === 'rectOverdue') (r.rectifying += 1), (r.rectOverdue += 1);
  if (kind === 'published') r.published += 1;
  else r.unpublished += 1;
  if (kind === 'pubOverdue') r.pubOverdue += 1;
}

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'summary', now: () => NOW });
  reg = await seedRegistries(conn(), { enterprises: 150, seed: 7 });
  const campaign = reg.campaign;
  const draw = (attempt: number, status: 'confirmed' | 'superseded') => ({
    campaignId: campaign._id,
    attempt,
    status,
    requestedBy: reg.cityLiaison.openId,
    requestedByName: reg.cityLiaison.name,
    entropy: `e${attempt}`,
    entropySource: 'liaison' as const,
    populationHash: 'p',
    staffHash: 's',
    seed: 'seed',
    resultHash: 'r',
    prevLogHash: 'l',
    bundleGz: Buffer.from('x'),
    confirmedBy: reg.cityLiaison.openId,
    confirmedAt: DRAWN_ON,
  });
  const old = await drawModel(conn()).create(draw(1, 'superseded'));
  const current = await drawModel(conn()).create(draw(2, 'confirmed'));

  for (const e of reg.data.enterprises) {
    if (e.validTo >= campaign.from && e.validFrom <= '2024-03-20') row(e.county).registered += 1;
  }
  const eligible = reg.data.enterprises.filter((e) => e.validTo >= campaign.from).sort((a, b) => (a.uscc < b.uscc ? -1 : 1));
  const leader = reg.data.staff.find((s) => s.roles.includes('组长'))!;
  const team = [{ openId: leader.openId, name: leader.name, role: '组长', unit: leader.unit, county: leader.county }];
  const docs: Record<string, unknown>[] = [];
  const base = (e: (typeof eligible)[number], no: number, campaignId: Types.ObjectId, drawId: Types.ObjectId) => ({
    campaignId,
    drawId,
    no,
    enterprise: e,
    checklist: e.category === '工业产品' ? 'industrial' : 'food',
    team,
    version: 0,
  });
  eligible.slice(0, 45).forEach((e, i) => {
    const kind = KINDS[i % KINDS.length]!;
    planned.push({ county: e.county, name: e.name, kind });
    count(e.county, kind);
    docs.push({ ...base(e, i + 1, campaign._id, current._id), ...FIELDS[kind] });
  });
  // the superseded draw: voided tasks, and one left behind in 待检查 (it still must not count)
  eligible.slice(45, 51).forEach((e, i) => docs.push({ ...base(e, i + 1, campaign._id, old._id), state: i === 0 ? '待检查' : '已作废' }));
  // another campaign's tasks
  const other = new Types.ObjectId();
  eligible.slice(51, 54).forEach((e, i) => docs.push({ ...base(e, i + 1, other, new Types.ObjectId()), ...FIELDS.published }));
  await taskModel(conn()).insertMany(docs);
});

afterAll(async () => {
  await h.close();
});

async function command(openId: string, text: string) {
  const sent = await h.feishu.sendText(openId, text);
  expect(sent.status).toBe(200);
  return h.emulator.waitFor((m) => m.root === sent.messageId, 60_000);
}

async function fileTo(openId: string, nameIncludes: string): Promise<{ name: string; wb: ExcelJS.Workbook }> {
  const msg = await h.emulator.waitFor(
    (m) => m.receive_id === openId && m.msg_type === 'file' && (h.emulator.files().find((f) => f.file_key === (m.content as { file_key: string }).file_key)?.file_name ?? '').includes(nameIncludes),
    20_000,
  );
  const file = h.emulator.files().find((f) => f.file_key === (msg.content as { file_key: string }).file_key)!;
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file.data as never);
  // every formula cell carries its cached value in the sheet XML (`val` below cannot tell a missing one from 0)
  expect(await expectFormulasCached(file.data, wb)).toBeGreaterThan(0);
  return { name: file.file_name, wb };
}

const col = (key: string) => {
  const i = SUMMARY_COLUMNS.findIndex((c) => c.key === key);
  if (i < 0) throw new Error(`no column ${key}`);
  return i + 1;
};
const ratio = (n: number, d: number) => (d > 0 ? n / d : '—');

/**
 * A cell's value; a formula cell's cached result. (exceljs writes a cached 0 as <v>0</v> but reads it back as no
 * result: a formula cell without one is 0.)
 */
function val(cell: ExcelJS.Cell): unknown {
  const v = cell.value as unknown;
  return v && typeof v === 'object' && 'formula' in (v as object) ? ((v as { result?: unknown }).result ?? 0) : v;
}

function expectRow(ws: ExcelJS.Worksheet, r: number, e: Row): void {
  const row = ws.getRow(r);
  const v = (key: string) => val(row.getCell(col(key)));
  expect({
    registered: v('registered'),
    sampled: v('sampled'),
    checked: v('checked'),
    unfinished: v('unfinished'),
    noProblem: v('result:1'),
    problem: v('ordered'),
    rectified: v('rectified'),
    rectifying: v('rectifying'),
    rectOverdue: v('rectOverdue'),
    published: v('published'),
    unpublished: v('unpublished'),
    pubOverdue: v('pubOverdue'),
  }).toEqual({ ...e, unfinished: e.sampled - e.checked });
  // every completed task has one result: 经责令已改正 (confirmed) or 待后续处理 (not yet) for those with findings
  expect(v('result:E')).toBe(e.rectified);
  expect(v('result:A')).toBe(e.problem - e.rectified);
  expect(v('caseOpened')).toBe(0);
  expect(v('transferred')).toBe(0);
  expect(v('sampleRatio')).toEqual(ratio(e.sampled, e.registered));
  expect(v('completionRate')).toEqual(ratio(e.checked, e.sampled));
  expect(v('publicationRate')).toEqual(ratio(e.published, e.sampled));
  // derived columns are formulas over the same row
  expect(row.getCell(col('unfinished')).formula).toBe(`${ws.getColumn(col('sampled')).letter}${r}-${ws.getColumn(col('checked')).letter}${r}`);
}

describe('/汇总', () => {
  it('sends a leader the whole city as .xlsx, every cell matching the task states', async () => {
    const leader = reg.data.staff.find((s) => s.roles.includes('领导'))!;
    const reply = await command(leader.openId, '/汇总');
    const text = cardText(reply.content);
    expect(text).toContain('附件5 汇总表已生成');
    const total = [...expected.values()].reduce((t, r) => {
      for (const k of Object.keys(t) as (keyof Row)[]) t[k] += r[k];
      return t;
    }, zero());
    expect(text).toContain(`抽查 ${total.sampled} 家`);

    const { name, wb } = await fileTo(leader.openId, '附件5');
    expect(name).toBe('附件5-2024年市级“双随机、一公开”监督检查情况汇总表-20241115.xlsx');
    const ws = wb.getWorksheet(SUMMARY_SHEET)!;
    expect(ws.getCell(`A${LAYOUT.title}`).value).toBe('2024年市级“双随机、一公开”监督检查情况汇总表');
    expect(ws.getCell(`A${LAYOUT.unit}`).value).toBe('填报单位（盖章）：运城市市场监督管理局');
    YUNCHENG_COUNTIES.forEach((county, i) => {
      const r = LAYOUT.firstData + i;
      expect(ws.getRow(r).getCell(col('index')).value).toBe(i + 1);
      expect(ws.getRow(r).getCell(col('county')).value).toBe(county);
      expectRow(ws, r, expected.get(county) ?? zero());
    });
    const totalRow = LAYOUT.firstData + YUNCHENG_COUNTIES.length;
    expect(ws.getRow(totalRow).getCell(1).value).toBe('合计');
    expectRow(ws, totalRow, total);
    // 合计 counts are SUM formulas over the county rows, their cached results as expected
    const sampledL = ws.getColumn(col('sampled')).letter;
    expect(ws.getRow(totalRow).getCell(col('sampled')).formula).toBe(`SUM(${sampledL}${LAYOUT.firstData}:${sampledL}${totalRow - 1})`);
    expect(total.pubOverdue).toBeGreaterThan(0);
    expect(total.rectOverdue).toBeGreaterThan(0);

    const detail = wb.getWorksheet(DETAIL_SHEET)!;
    expect(detail.rowCount).toBe(2 + planned.length);
    const order = new Map(YUNCHENG_COUNTIES.map((c, i) => [c, i]));
    const counties = Array.from({ length: planned.length }, (_, i) => String(detail.getRow(3 + i).getCell(2).value));
    expect(counties).toEqual([...counties].sort((a, b) => order.get(a)! - order.get(b)!));
    const names = Array.from({ length: planned.length }, (_, i) => String(detail.getRow(3 + i).getCell(4).value));
    expect(new Set(names)).toEqual(new Set(planned.map((p) => p.name)));
    const overdue = planned.find((p) => p.kind === 'pubOverdue')!;
    const overdueRow = detail.getRow(3 + names.indexOf(overdue.name));
    expect(overdueRow.values).toEqual(expect.arrayContaining(['待公示', '2024-09-20', '未发现问题', '2024-10-23']));
  });

  it('sends a county liaison their county’s row and enterprises only, under their unit', async () => {
    const county = [...expected.entries()].filter(([c, r]) => r.sampled > 2 && reg.countyLiaison(c)).map(([c]) => c)[0]!;
    const liaison = reg.countyLiaison(county)!;
    const reply = await command(liaison.openId, '/汇总');
    expect(cardText(reply.content)).toContain(`范围：${county}`);
    const { name, wb } = await fileTo(liaison.openId, county);
    expect(name).toBe(`附件5-2024年市级“双随机、一公开”监督检查情况汇总表-${county}-20241115.xlsx`);
    const ws = wb.getWorksheet(SUMMARY_SHEET)!;
    expect(ws.getCell(`A${LAYOUT.unit}`).value).toBe(`填报单位（盖章）：${liaison.unit}`);
    expect(ws.getRow(LAYOUT.firstData).getCell(col('county')).value).toBe(county);
    expectRow(ws, LAYOUT.firstData, expected.get(county)!);
    expect(String(ws.getRow(LAYOUT.firstData + 1).getCell(1).value)).toMatch(/^说明/);
    const detail = wb.getWorksheet(DETAIL_SHEET)!;
    expect(detail.rowCount).toBe(2 + planned.filter((p) => p.county === county).length);
  });

  it('asked in a group, answers there but sends the file only to the requester', async () => {
    const chatId = 'oc_summarygroup0000000000000000001';
    const sent = await h.feishu.sendText(reg.cityLiaison.openId, '/summary', { chatType: 'group', chatId });
    expect(sent.status).toBe(200);
    await h.emulator.waitFor((m) => m.root === sent.messageId, 20_000);
    const file = await h.emulator.waitFor((m) => m.msg_type === 'file' && m.receive_id === reg.cityLiaison.openId && m.createdAt >= Date.now() - 20_000, 20_000);
    expect(file.receive_id_type).toBe('open_id');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.emulator.messages().filter((m) => m.msg_type === 'file' && m.receive_id === chatId)).toHaveLength(0);
  });

  it('refuses a county officer with the reason, sending no file; names an unknown campaign', async () => {
    const officer = reg.data.staff.find((s) => s.county !== '市局' && !s.roles.includes('联络员') && !s.roles.includes('领导'))!;
    const reply = await command(officer.openId, '/汇总');
    expect(cardText(reply.content)).toContain('/我的任务');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.emulator.messagesTo(officer.openId).filter((m) => m.msg_type === 'file')).toHaveLength(0);
    const unknown = await command(reg.cityLiaison.openId, '/汇总 专项=不存在的专项');
    expect(cardText(unknown.content)).toContain('没有名为“不存在的专项”的专项');
  });
});
