/**
 * 附件5 read back with exceljs against the database: a draw whose tasks end every way (each result of the dictionary,
 * closures, 立案 and 移交, findings on several items of 附件3 and 附件4, extra checklists), written straight into the
 * database; the sheet /汇总 sends is compared cell by cell with counts computed here from the stored tasks (plain
 * reads, not the aggregation the sheet is built from).
 */
import { CHECKLISTS, type ChecklistKind } from '../../src/domain/checklists';
import { YUNCHENG_COUNTIES } from '../../src/domain/registryRows';
import { completionDateOf, currentResult, isComplete, isClosed } from '../../src/domain/outcome';
import { RESULT_DICTIONARY } from '../../src/domain/results';
import { extraRecords } from '../../src/domain/visit';
import { DETAIL_COLUMNS } from '../../src/exports/summaryColumns';
import { DETAIL_SHEET, EXTRA_SHEET, ITEM_SHEET, LAYOUT, SUMMARY_COLUMNS, SUMMARY_SHEET } from '../../src/exports/summaryXlsx';
import { taskModel, type TaskDoc } from '../../src/store/task';
import { startHarness, type Harness } from '../support/harness';
import { PEOPLE, registerStaff, type Person } from '../support/fixtures';
import { campaignWithDraw, cellValue, expectFormulasCached, filesTo, taskIn, workbook } from '../support/outcomes';
import type ExcelJS from 'exceljs';

const NOW = new Date('2024-11-15T02:00:00Z');
let h: Harness;
const conn = () => h.service.db.connection;
const head: Person = { openId: 'ou_head0000000000000000000000000c7', name: '刘科长', roles: ['领导'], unit: '运城市市场监督管理局', county: '市局' };
let ctx: Awaited<ReturnType<typeof campaignWithDraw>>;
const EXTRAS = [
  { name: '零事故创建指导', items: [{ no: 1, text: '方案' }, { no: 2, text: '自查' }] },
  { name: '隐患排查', items: [{ no: 1, text: '隐患台账' }] },
];

function record(kind: ChecklistKind, findings: number[], extraFindings: number[] = [], withExtras = false) {
  const n = CHECKLISTS[kind].items.length;
  const steps = n + (withExtras ? 3 : 0);
  const answers = Array.from({ length: steps }, (_, i) => {
    const item = i + 1;
    const ng = item <= n ? findings.includes(item) : extraFindings.includes(item);
    return { item, verdict: ng ? '不符合' : '符合', record: ng ? `问题${item}` : '', by: 'ou_x', byName: 'x', at: NOW };
  });
  return {
    startedAt: NOW,
    startedBy: 'ou_x',
    cursor: steps + 1,
    round: 1,
    answers,
    completionDate: '2024-09-02',
    completedAt: NOW,
    result: findings.length > 0 ? '发现问题' : '未发现问题',
    ...(withExtras ? { extras: EXTRAS } : {}),
    ...(findings.length > 0 ? { rectification: { days: 15, issuedDate: '2024-09-02', deadline: '2024-09-17', items: [], setBy: '', recipients: [] } } : {}),
  };
}

const closure = (code: string, label: string) => ({
  status: 'confirmed',
  code,
  result: label,
  note: '说明',
  evidence: [{ kind: 'image', key: 'img', messageId: `om_${code}`, by: 'ou_x', byName: 'x', at: NOW }],
  fromState: '待检查',
  openedBy: 'ou_x',
  openedAt: NOW,
  confirmedBy: 'ou_x',
  confirmedOn: '2024-09-03',
  returns: [],
});

beforeAll(async () => {
  h = await startHarness({ dbPrefix: 'annex5', now: () => NOW });
  await registerStaff(conn(), [...Object.values(PEOPLE), head]);
  ctx = await campaignWithDraw(conn());
  const counties = ['盐湖区', '永济市', '夏县'];
  let i = 0;
  const add = async (extra: Record<string, unknown>, kind: ChecklistKind = 'industrial') => {
    const county = counties[i++ % counties.length]!;
    await taskIn(conn(), ctx, { kind, enterprise: { county }, extra });
  };
  await add({ state: '待检查' });
  await add({ state: '检查中', inspection: { startedAt: NOW, startedBy: 'ou_x', cursor: 3 } });
  await add({ state: '待公示', inspection: record('industrial', []) });
  await add({ state: '已公示', inspection: record('food', []), publication: { dueDate: '2024-10-08', publishedOn: '2024-09-20', result: '未发现问题' } });
  await add({ state: '待整改', inspection: record('industrial', [2, 5]) });
  await add({ state: '待整改', inspection: record('food', [5]) }, 'food');
  await add({
    state: '待公示',
    inspection: record('industrial', [3]),
    rectificationCheck: { items: [], opinion: 'ok', confirmedBy: 'ou_y', confirmedByName: 'y', confirmedAt: NOW, confirmedOn: '2024-09-20' },
  });
  await add({ state: '待公示', inspection: record('industrial', [7]), disposal: { kind: '立案', caseNo: 'A1', caseDate: '2024-09-05', by: 'ou_y', byName: 'y', at: NOW, on: '2024-09-05' } });
  await add({
    state: '已公示',
    inspection: record('food', [1, 2]),
    disposal: { kind: '移交', transferTo: '公安', by: 'ou_y', byName: 'y', at: NOW, on: '2024-09-06' },
    publication: { dueDate: '2024-10-08', publishedOn: '2024-09-10', result: '发现问题待后续处理' },
  }, 'food');
  for (const r of RESULT_DICTIONARY.filter((x) => x.closure)) await add({ state: '待公示', closure: closure(r.code, r.label), publication: { dueDate: '2024-10-09' } });
  await add({ state: '已公示', closure: closure('6', RESULT_DICTIONARY.find((r) => r.code === '6')!.label), publication: { dueDate: '2024-10-09', publishedOn: '2024-09-12', result: '通过登记的住所（经营场所）无法联系' } });
  await add({ state: '待确认', closure: { ...closure('8', '不配合检查情节严重'), status: 'proposed' } });
  await add({ state: '待公示', inspection: record('industrial', [4], [11, 12], true) });
  await add({ state: '待公示', inspection: record('industrial', [], [10], true) });
  await add({ state: '待签字', inspection: { ...record('industrial', [9], [12], true), completedAt: undefined } });
  // a task of another draw, voided: never counted
  await taskIn(conn(), { campaign: ctx.campaign, draw: { ...ctx.draw, _id: new (ctx.draw._id.constructor as never as { new (): typeof ctx.draw._id })() } }, { state: '已作废' });
});

afterAll(async () => {
  await h.close();
});

it('every count of 附件5 equals the count computed from the stored tasks', async () => {
  const sent = await h.feishu.sendText(head.openId, '/汇总');
  await h.emulator.waitFor((m) => m.root === sent.messageId, 20_000);
  const [file] = await filesTo(h, head.openId, 1);
  const wb = await workbook(file.data);
  // the counts below are read with cellValue, which cannot tell a missing cached value from 0: the XML can
  expect(await expectFormulasCached(file.data, wb)).toBeGreaterThan(100);
  const tasks = await taskModel(conn()).find({ drawId: ctx.draw._id, state: { $ne: '已作废' } }).lean<TaskDoc[]>();

  // 汇总表
  const ws = wb.getWorksheet(SUMMARY_SHEET)!;
  const col = (key: string) => SUMMARY_COLUMNS.findIndex((c) => c.key === key) + 1;
  const check = (row: ExcelJS.Row, list: TaskDoc[]) => {
    const v = (key: string) => cellValue(row.getCell(col(key)));
    const completed = list.filter((t) => isComplete(t));
    const inspected = completed.filter((t) => !isClosed(t));
    const problem = inspected.filter((t) => t.inspection?.result === '发现问题');
    expect(v('sampled')).toBe(list.length);
    expect(v('checked')).toBe(completed.length);
    expect(v('unfinished')).toBe(list.length - completed.length);
    for (const r of RESULT_DICTIONARY) expect([r.code, v(`result:${r.code}`)]).toEqual([r.code, completed.filter((t) => currentResult(t)?.code === r.code).length]);
    expect(v('ordered')).toBe(problem.filter((t) => !t.disposal).length);
    expect(v('caseOpened')).toBe(problem.filter((t) => t.disposal?.kind === '立案').length);
    expect(v('transferred')).toBe(problem.filter((t) => t.disposal?.kind === '移交').length);
    expect(v('rectified')).toBe(problem.filter((t) => t.rectificationCheck).length);
    expect(v('rectifying')).toBe(problem.filter((t) => !t.rectificationCheck && !t.disposal).length);
    expect(v('credit')).toBe(completed.filter((t) => currentResult(t)?.credit).length);
    expect(v('published')).toBe(list.filter((t) => t.publication?.publishedOn).length);
  };
  YUNCHENG_COUNTIES.forEach((county, i) => check(ws.getRow(LAYOUT.firstData + i), tasks.filter((t) => t.enterprise.county === county)));
  check(ws.getRow(LAYOUT.firstData + YUNCHENG_COUNTIES.length), tasks);
  // the data covers every path (a guard that the comparisons above are not all zeros)
  const total = (key: string) => cellValue(ws.getRow(LAYOUT.firstData + YUNCHENG_COUNTIES.length).getCell(col(key)));
  expect([total('result:6'), total('result:8'), total('caseOpened'), total('transferred'), total('credit'), total('result:A'), total('result:E')]).toEqual([2, 1, 1, 1, 3, 5, 1]);
  // every completed task has one result
  const totalRow = ws.getRow(LAYOUT.firstData + YUNCHENG_COUNTIES.length);
  const results = RESULT_DICTIONARY.reduce((n, r) => n + Number(cellValue(totalRow.getCell(col(`result:${r.code}`)))), 0);
  expect(results).toBe(Number(cellValue(totalRow.getCell(col('checked')))));

  // 不符合项统计: per county, per form, per item
  const items = wb.getWorksheet(ITEM_SHEET)!;
  const byCounty = new Map<string, unknown[]>();
  items.eachRow((row) => {
    const values = (row.values as unknown[]).slice(1);
    if (typeof values[0] === 'string' && (YUNCHENG_COUNTIES.includes(values[0]) || values[0] === '合计')) byCounty.set(values[0], values.slice(1).map((v) => cellValue({ value: v } as never)));
  });
  const records = (list: TaskDoc[], kind: ChecklistKind) => list.filter((t) => t.checklist === kind && isComplete(t) && !isClosed(t));
  const ng = (list: TaskDoc[], item: number) => list.filter((t) => t.inspection!.answers.some((a) => a.item === item && a.verdict === '不符合')).length;
  const expectedRow = (list: TaskDoc[]) => {
    const ind = records(list, 'industrial');
    const food = records(list, 'food');
    return [ind.length, ...Array.from({ length: 9 }, (_, i) => ng(ind, i + 1)), food.length, ...Array.from({ length: 9 }, (_, i) => ng(food, i + 1))];
  };
  for (const county of ['盐湖区', '永济市', '夏县', '绛县']) expect([county, byCounty.get(county)]).toEqual([county, expectedRow(tasks.filter((t) => t.enterprise.county === county))]);
  expect(byCounty.get('合计')).toEqual(expectedRow(tasks));

  // 检查明细: one row per task, its dictionary result (code, label, credit follow-up) as the domain rules give it;
  // a closure's 完成日期 is the 组长's confirmation (completionDateOf), like its publication clock
  const detail = wb.getWorksheet(DETAIL_SHEET)!;
  const dcol = (key: string) => DETAIL_COLUMNS.findIndex((c) => c.key === key) + 1;
  const rowsByName = new Map<string, ExcelJS.Row>();
  detail.eachRow((row, r) => {
    if (r > 2) rowsByName.set(String(row.getCell(dcol('name')).value), row);
  });
  expect(rowsByName.size).toBe(tasks.length);
  const text = (row: ExcelJS.Row, key: string) => String(row.getCell(dcol(key)).value ?? '');
  for (const t of tasks) {
    const row = rowsByName.get(t.enterprise.name)!;
    const r = currentResult(t);
    expect([t.enterprise.name, text(row, 'resultCode'), text(row, 'resultLabel'), text(row, 'credit')]).toEqual([t.enterprise.name, r?.code ?? '', r?.label ?? '', r?.credit ?? '']);
    expect([t.enterprise.name, text(row, 'completionDate')]).toEqual([t.enterprise.name, isComplete(t) ? completionDateOf(t) : '']);
  }
  const closedRows = tasks.filter((t) => isClosed(t)).map((t) => `${text(rowsByName.get(t.enterprise.name)!, 'completionDate')}|${text(rowsByName.get(t.enterprise.name)!, 'publicationDue')}`);
  expect(closedRows).toEqual(Array.from({ length: RESULT_DICTIONARY.filter((x) => x.closure).length + 1 }, () => '2024-09-03|2024-10-09'));

  // 进一次门查多项事
  const extra = wb.getWorksheet(EXTRA_SHEET)!;
  const lines: string[] = [];
  extra.eachRow((row) => lines.push((row.values as unknown[]).slice(1).map((v) => String(cellValue({ value: v } as never) ?? '')).join('|')));
  for (const [li, list] of EXTRAS.entries()) {
    const start = lines.findIndex((l) => l.startsWith(`${list.name}|`));
    expect(start).toBeGreaterThanOrEqual(0);
    const withList = tasks.filter((t) => isComplete(t) && !isClosed(t) && t.inspection?.extras?.length);
    const rows = (subset: TaskDoc[]) => {
      const recs = subset.map((t) => extraRecords(t.checklist, t.inspection!.extras, t.inspection!.answers)[li]!);
      const ngs = list.items.map((it) => recs.filter((r) => r.items.find((x) => x.no === it.no)?.answer?.verdict === '不符合').length);
      const withFindings = recs.filter((r) => r.items.some((x) => x.answer?.verdict === '不符合')).length;
      return [recs.length, withFindings, ngs.reduce((a, b) => a + b, 0), ...ngs].join('|');
    };
    const section = lines.slice(start, start + 20);
    for (const county of ['盐湖区', '永济市', '夏县']) expect(section).toContain(`${county}|${rows(withList.filter((t) => t.enterprise.county === county))}`);
    expect(section).toContain(`合计|${rows(withList)}`);
  }
});
