/**
 * 附件5 built the way /汇总 builds it (operations/summary.ts summarize → exports/summaryXlsx.ts buildSummaryXlsx):
 * the 检查明细 rows streamed from the database's cursor in the file's order and written batch by batch as they
 * arrive. The file is read back with exceljs and its detail rows compared with the order worked out here from the
 * inserted tasks (the official counties first, then the others by JavaScript's string order, tasks without a county
 * as 未注明县区; each county by 抽取序号), over batches of a few rows (many getMores); and the streamed file must be
 * byte for byte the one written from the same rows held in memory (same shared-string indices).
 */
import ExcelJS from 'exceljs';
import mongoose, { Types, type Connection } from 'mongoose';
import { YUNCHENG_COUNTIES } from '../../src/domain/registryRows';
import { buildSummaryXlsx, DETAIL_SHEET, EXTRA_SHEET } from '../../src/exports/summaryXlsx';
import { UNNAMED_COUNTY } from '../../src/operations/progress';
import { detailPipeline, detailReads, openDetailRows, summarize, summaryCounts, summaryDetails } from '../../src/operations/summary';
import type { CampaignDoc } from '../../src/store/campaign';
import type { DrawDoc } from '../../src/store/draw';
import { startWireServer, type WireServer } from '../../src/store/embedded';
import { compilePipeline } from '../../src/store/embedded/pipeline';
import { extraChecklistModel } from '../../src/store/extraChecklist';
import { taskModel } from '../../src/store/task';
import { mulberry32 } from '../../src/domain/prng';

const TODAY = '2024-11-15';
/**
 * Known counties out of their official order, others whose JavaScript order (UTF-16 units) differs from MongoDB's
 * (code points: U+FF5E before U+20000) and tasks with a null or no county.
 */
const COUNTIES: (string | null | undefined)[] = ['夏县', '盐湖区', '外省某县', '绛县', '\uff5e县', '𠀀县', null, '永济市', undefined, 'Ａ区 & <x>', '运城开发区'];
const TASKS = 240;

let server: WireServer;
let conn: Connection;
const campaign = { _id: new Types.ObjectId(), name: '流式测试专项', year: 2024, from: '2024-01-01', to: '2024-12-31' } as CampaignDoc;
const draw = { _id: new Types.ObjectId(), campaignId: campaign._id, confirmedAt: new Date('2024-03-20T02:00:00Z'), createdAt: new Date('2024-03-20T02:00:00Z') } as DrawDoc;
const inserted: { county: string; no: number; name: string }[] = [];

beforeAll(async () => {
  server = await startWireServer();
  conn = await mongoose.createConnection(server.uri, { dbName: 'summary_stream' }).asPromise();
  const rnd = mulberry32(5);
  const docs: Record<string, unknown>[] = [];
  for (let i = 0; i < TASKS; i++) {
    const county = COUNTIES[Math.floor(rnd() * COUNTIES.length)];
    const no = TASKS - i; // inserted out of 抽取序号 order
    const name = `企业${no}${i % 5 === 0 ? ' & <甲>' : ''}`;
    const done = i % 3 !== 0;
    const extras = done && i % 4 === 1 ? [{ name: i % 8 === 1 ? '电动自行车' : '访客清单', items: [{ no: 1, text: '一' }, { no: 2, text: `二${i % 3}` }] }] : undefined;
    const answers = Array.from({ length: 9 + (extras ? 2 : 0) }, (_, k) => ({ item: k + 1, verdict: (i + k) % 5 === 0 ? '不符合' : '符合', record: '', by: 'x', byName: 'x', at: new Date(0) }));
    docs.push({
      campaignId: campaign._id,
      drawId: draw._id,
      no,
      enterprise: { uscc: `U${no}`, name, licenceNo: `L${no % 7}`, product: '电线电缆', category: '工业产品', riskClass: 'A', ...(county === undefined ? {} : { county }) },
      checklist: 'industrial',
      team: [{ openId: `ou_${i % 4}`, name: `组长${i % 4}`, role: '组长', unit: '市局', county: '市局' }],
      state: done ? '待公示' : '待检查',
      version: 1,
      ...(done ? { inspection: { cursor: 12, answers, history: [], round: 1, completionDate: '2024-10-0' + (1 + (i % 9)), result: '未发现问题', ...(extras ? { extras } : {}) } } : {}),
    });
    inserted.push({ county: county ?? UNNAMED_COUNTY, no, name });
  }
  // a voided task and another draw's: never listed
  docs.push({ ...docs[0]!, _id: undefined, no: 9999, state: '已作废' }, { ...docs[1]!, _id: undefined, drawId: new Types.ObjectId(), no: 9998 });
  await taskModel(conn).collection.insertMany(docs.map(({ _id, ...d }) => d));
  await extraChecklistModel(conn).collection.insertOne({ campaignId: campaign._id, name: '电动自行车', items: [{ no: 1, text: '一' }, { no: 2, text: '二' }], importedBy: 'CLI', fileName: 'x', createdAt: new Date(0), updatedAt: new Date(0) });
});

afterAll(async () => {
  await conn.close();
  await server.close();
});

/** The order 检查明细 must show: the official counties, then the others by JavaScript's order; by 抽取序号 within. */
function expectedOrder(rows: readonly { county: string; no: number; name: string }[]) {
  const others = [...new Set(rows.map((r) => r.county))].filter((c) => !(YUNCHENG_COUNTIES as readonly string[]).includes(c)).sort();
  const order = [...YUNCHENG_COUNTIES, ...others];
  return [...rows].sort((a, b) => order.indexOf(a.county) - order.indexOf(b.county) || a.no - b.no);
}

async function detailRowsOf(data: Buffer): Promise<{ index: unknown; county: unknown; no: unknown; name: unknown }[]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(data as never);
  const ws = wb.getWorksheet(DETAIL_SHEET)!;
  expect(wb.getWorksheet(EXTRA_SHEET)).toBeDefined();
  const out = [];
  for (let r = 3; r <= ws.rowCount; r++) {
    const row = ws.getRow(r);
    out.push({ index: row.getCell(1).value, county: row.getCell(2).value, no: row.getCell(3).value, name: row.getCell(4).value });
  }
  return out;
}

it('writes the rows streamed over many getMores in the file’s order, the bytes of the same rows written from memory', async () => {
  const expected = expectedOrder(inserted);
  // the data exercises what it should: an unknown county whose order differs between UTF-16 and code points,
  // tasks without a county
  expect(expected.map((r) => r.county)).toEqual(expect.arrayContaining(['\uff5e县', '𠀀县', UNNAMED_COUNTY, 'Ａ区 & <x>']));
  // batches of 70: reads of several counties each ($in), 未注明县区 with named ones ($nin of the others')
  const ordered = (await summaryCounts(conn, { campaignId: campaign._id, drawId: draw._id, today: TODAY })).counties;
  const grouped = detailReads(ordered.map((c) => c.county), ordered.map((c) => c.total), 70);
  const withRows = (read: number[]) => read.filter((i) => ordered[i]!.total > 0).length;
  expect(grouped.filter((read) => withRows(read) > 1).length).toBeGreaterThan(1);
  expect(withRows(grouped.find((read) => read.some((i) => ordered[i]!.county === UNNAMED_COUNTY))!)).toBeGreaterThan(1);
  const files: Buffer[] = [];
  for (const batchSize of [7, 70]) {
    const before = server.engine!.commandsRun;
    const streamed = await summarize(conn, { scope: { kind: 'city' }, campaign, draw, today: TODAY, batchSize });
    const data = await buildSummaryXlsx(streamed);
    // the aggregates and a getMore per further batch (besides the counts, the registry, the lists)
    expect(server.engine!.commandsRun - before).toBeGreaterThanOrEqual(Math.ceil(TASKS / batchSize));
    expect(streamed.details.count).toBe(TASKS);
    expect(await detailRowsOf(data)).toEqual(expected.map((r, i) => ({ index: i + 1, county: r.county, no: r.no, name: r.name })));
    expect(streamed.extras!.map((x) => x.name)).toEqual(['电动自行车', '访客清单']);
    files.push(data);
  }
  const data = files[0]!;
  expect(files[1]!.equals(data)).toBe(true);

  // the same summary with every row read first and written from memory: the same bytes
  const again = await summarize(conn, { scope: { kind: 'city' }, campaign, draw, today: TODAY });
  const { counties } = await summaryCounts(conn, { campaignId: campaign._id, drawId: draw._id, today: TODAY });
  const { details } = await summaryDetails(conn, { campaignId: campaign._id, drawId: draw._id, today: TODAY, counties });
  await again.details.close();
  expect(details).toHaveLength(TASKS);
  expect((await buildSummaryXlsx({ ...again, details })).equals(data)).toBe(true);
});

it('streams one county’s rows by 抽取序号', async () => {
  const s = await summarize(conn, { scope: { kind: 'county', county: '夏县' }, campaign, draw, today: TODAY, batchSize: 5 });
  const rows = await detailRowsOf(await buildSummaryXlsx(s));
  const expected = expectedOrder(inserted.filter((r) => r.county === '夏县'));
  expect(expected.length).toBeGreaterThan(10);
  expect(rows).toEqual(expected.map((r, i) => ({ index: i + 1, county: '夏县', no: r.no, name: r.name })));
});

it('leaves out rows of a county the order does not name; the ordered pipeline is compiled, not run in mingo', async () => {
  const which = { campaignId: campaign._id, drawId: draw._id, today: TODAY };
  const order = ['盐湖区', '夏县'];
  expect(compilePipeline(detailPipeline({ ...which, order }).slice(1) as unknown[])).toBeDefined();
  const got = [];
  for await (const slice of openDetailRows(conn, { ...which, order, batchSize: 4 })) got.push(...slice.map((d) => ({ county: d.county, no: d.no, name: d.name })));
  expect(got).toEqual([...expectedOrder(inserted.filter((r) => r.county === '盐湖区')), ...expectedOrder(inserted.filter((r) => r.county === '夏县'))]);
});

it('closes a detail cursor never read, and refuses to read it afterwards', async () => {
  const rows = openDetailRows(conn, { campaignId: campaign._id, drawId: draw._id, today: TODAY, order: ['夏县'], batchSize: 2 });
  await rows.close();
  await rows.close();
  await expect(rows[Symbol.asyncIterator]().next()).rejects.toThrow('read already');
  expect(rows.count).toBe(0);
});

it('groups consecutive counties into reads of up to a batch, a larger county alone', () => {
  expect(detailReads(['a', 'b', 'c', 'd', 'e'], [3, 0, 2, 9, 1], 5)).toEqual([[0, 1, 2], [3], [4]]);
  expect(detailReads(['a'], [0], 5)).toEqual([[0]]);
  expect(detailReads([], [], 5)).toEqual([]);
});
