/** 附件5: row building (ratios, 合计), names, and the workbook read back with exceljs. */
import ExcelJS from 'exceljs';
import { buildSummaryXlsx, chineseDate, DETAIL_SHEET, LAYOUT, SUMMARY_COLUMNS, SUMMARY_SHEET } from '../../src/exports/summaryXlsx';
import { emptyCounts, type CountyCounts } from '../../src/operations/progress';
import { buildSummaryRows, summaryFileName, summaryTitle, type Summary, type SummaryDetail } from '../../src/operations/summary';
import { partContent, readZip } from '../../src/exports/zipParts';
import { DETAIL_COLUMNS } from '../../src/exports/summaryColumns';
import { validateCard } from '../../src/sandbox/emulator/card-validator';
import { exampleHeading } from '../../src/exports/summaryExample';
import { summaryCard } from '../../src/bot/progressCards';

function counts(county: string, c: Partial<CountyCounts>): CountyCounts {
  return { ...emptyCounts(county), ...c };
}

const XIA = counts('夏县', { total: 4, checked: 3, noProblem: 2, problem: 1, rectified: 0, rectifying: 1, rectOverdue: 1, published: 1, unpublished: 2, pubOverdue: 1 });
const JIANG = counts('绛县', { total: 2, checked: 2, noProblem: 2, published: 2 });
const EMPTY = counts('平陆县', {});

describe('buildSummaryRows', () => {
  const { rows, total } = buildSummaryRows([XIA, JIANG, EMPTY], new Map([['夏县', 16], ['绛县', 8]]), { withTotal: true });

  it('numbers the counties and computes the ratios as fractions', () => {
    expect(rows.map((r) => [r.index, r.county])).toEqual([[1, '夏县'], [2, '绛县'], [3, '平陆县']]);
    expect(rows[0]).toMatchObject({ registered: 16, sampled: 4, sampleRatio: 0.25, checked: 3, unfinished: 1, completionRate: 0.75, publicationRate: 0.25 });
    expect(rows[0]).toMatchObject({ noProblem: 2, problem: 1, rectified: 0, rectifying: 1, rectOverdue: 1, published: 1, unpublished: 2, pubOverdue: 1 });
  });

  it('leaves a ratio empty (null) when its divisor is 0', () => {
    expect(rows[2]).toMatchObject({ registered: 0, sampled: 0, sampleRatio: null, completionRate: null, publicationRate: null });
  });

  it('adds a 合计 row (without 序号) from the county rows', () => {
    expect(total).toMatchObject({ county: '合计', registered: 24, sampled: 6, sampleRatio: 0.25, checked: 5, unfinished: 1, published: 3, publicationRate: 0.5 });
    expect(total!.index).toBeUndefined();
  });

  it('has no 合计 for a one-county table', () => {
    expect(buildSummaryRows([XIA], new Map([['夏县', 16]]), { withTotal: false }).total).toBeUndefined();
  });
});

describe('names', () => {
  it('follows the notice', () => {
    expect(summaryTitle(2024)).toBe('2024年市级“双随机、一公开”监督检查情况汇总表');
    expect(summaryFileName(2024, '2024-11-15')).toBe('附件5-2024年市级“双随机、一公开”监督检查情况汇总表-20241115.xlsx');
    expect(summaryFileName(2024, '2024-11-15', '永济市')).toBe('附件5-2024年市级“双随机、一公开”监督检查情况汇总表-永济市-20241115.xlsx');
    expect(chineseDate('2024-11-05')).toBe('2024年11月5日');
  });
});

function summary(): Summary & { details: SummaryDetail[] } {
  const { rows, total } = buildSummaryRows([XIA, JIANG, EMPTY], new Map([['夏县', 16], ['绛县', 8]]), { withTotal: true });
  const detail: SummaryDetail = {
    county: '夏县',
    no: 7,
    name: '夏县瑞丰电缆有限公司（示例）',
    uscc: '91140828MA0K000001',
    licenceNo: '（晋）XK06-001-00001',
    product: '电线电缆',
    category: '工业产品',
    riskClass: 'B',
    teamLeader: '王建国',
    state: '待公示',
    completionDate: '2024-08-01',
    result: '未发现问题',
    rectificationDeadline: '',
    rectificationConfirmedOn: '',
    publicationDue: '2024-08-29',
    publishedOn: '',
  };
  return {
    ...exampleHeading(),
    rows,
    total,
    details: [detail],
  };
}

describe('buildSummaryXlsx', () => {
  let wb: ExcelJS.Workbook;
  beforeAll(async () => {
    const data = await buildSummaryXlsx(summary());
    wb = new ExcelJS.Workbook();
    await wb.xlsx.load(data as never);
  });

  it('has the title block of an official form', () => {
    const ws = wb.getWorksheet(SUMMARY_SHEET)!;
    expect(ws.getCell(`A${LAYOUT.mark}`).value).toBe('附件5');
    expect(ws.getCell(`A${LAYOUT.title}`).value).toBe('2024年市级“双随机、一公开”监督检查情况汇总表');
    expect(ws.getCell(`A${LAYOUT.title}`).isMerged).toBe(true);
    expect(String(ws.getCell(`A${LAYOUT.campaign}`).value)).toContain('工业产品生产许可证获证企业');
    expect(ws.getCell(`A${LAYOUT.unit}`).value).toBe('填报单位（盖章）：运城市市场监督管理局');
    const dateCell = ws.getRow(LAYOUT.unit).values as unknown[];
    expect(dateCell.some((v) => typeof v === 'string' && v.startsWith('填报日期：2024年11月15日'))).toBe(true);
  });

  it('has a two-row header with column groups, frozen with the county column', () => {
    const ws = wb.getWorksheet(SUMMARY_SHEET)!;
    const h1 = ws.getRow(LAYOUT.header1);
    const h2 = ws.getRow(LAYOUT.header2);
    SUMMARY_COLUMNS.forEach((c, i) => {
      if (c.group) {
        expect(h2.getCell(i + 1).value).toBe(c.title);
        expect(h1.getCell(i + 1).value).toBe(c.group); // merged cells read as the master's value
      } else {
        expect(h1.getCell(i + 1).value).toBe(c.title);
      }
    });
    expect(ws.views[0]).toMatchObject({ state: 'frozen', xSplit: 2, ySplit: LAYOUT.header2 });
    expect(ws.getColumn(2).width).toBeGreaterThan(10);
    expect(h2.getCell(6).border?.top?.style).toBe('thin');
    expect(ws.pageSetup).toMatchObject({ orientation: 'landscape', fitToWidth: 1, printTitlesRow: `${LAYOUT.header1}:${LAYOUT.header2}` });
  });

  it('writes one row per county with numbers and percentages, then 合计', () => {
    const ws = wb.getWorksheet(SUMMARY_SHEET)!;
    const col = (key: string) => SUMMARY_COLUMNS.findIndex((c) => c.key === key) + 1;
    const xia = ws.getRow(LAYOUT.firstData);
    expect(xia.getCell(col('index')).value).toBe(1);
    expect(xia.getCell(col('county')).value).toBe('夏县');
    expect(xia.getCell(col('registered')).value).toBe(16);
    expect(xia.getCell(col('sampleRatio')).value).toEqual({ formula: 'IF(C7=0,"—",D7/C7)', result: 0.25 });
    expect(xia.getCell(col('sampleRatio')).numFmt).toBe('0.00%');
    expect(xia.getCell(col('pubOverdue')).value).toBe(1);
    expect(xia.getCell(col('rectOverdue')).value).toBe(1);
    const empty = ws.getRow(LAYOUT.firstData + 2);
    expect(empty.getCell(col('sampleRatio')).value).toEqual({ formula: 'IF(C9=0,"—",D9/C9)', result: '—' });
    const total = ws.getRow(LAYOUT.firstData + 3);
    expect(total.getCell(1).value).toBe('合计');
    // 合计: SUM formulas with cached results; ratios as formulas of the 合计 row
    expect(total.getCell(col('sampled')).value).toEqual({ formula: 'SUM(D7:D9)', result: 6 });
    expect(total.getCell(col('publicationRate')).value).toMatchObject({ result: 0.5 });
    expect(total.getCell(col('sampled')).font?.bold).toBe(true);
    const after = ws.getRow(LAYOUT.firstData + 4).getCell(1).value;
    expect(String(after)).toMatch(/^说明/);
    // the sheet says the column layout is the system's own
    expect(String(after)).toContain('通知只列出附件5表名，未印制表样');
  });

  it('lists every task on the 检查明细 sheet', () => {
    const ws = wb.getWorksheet(DETAIL_SHEET)!;
    expect(ws.getRow(2).getCell(4).value).toBe('企业名称');
    expect(ws.getRow(3).values).toEqual(
      expect.arrayContaining(['夏县', 7, '夏县瑞丰电缆有限公司（示例）', '待公示', '2024-08-01', '未发现问题', '2024-08-29']),
    );
    expect(ws.rowCount).toBe(3);
    expect(ws.autoFilter).toBeTruthy();
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    // printable: A3 landscape, two pages wide, the header row and the firm's columns on every page
    expect(ws.pageSetup).toMatchObject({ paperSize: 8, orientation: 'landscape', fitToWidth: 2, fitToHeight: 0, printTitlesRow: '2:2', printTitlesColumn: 'A:D' });
  });
});

describe('the 检查明细 rows written by hand', () => {
  it('read back as exactly the values given: XML-special text, white space, line breaks, empty cells, 1,500 rows', async () => {
    const base = summary();
    const odd = ['A&B <公司> "甲" \'乙\'', '  前后有空格  ', '第一行\n第二行', '', '夏县瑞丰电缆有限公司（示例）', '&amp; 不是实体'];
    const details: SummaryDetail[] = Array.from({ length: 1500 }, (_, i) => ({
      ...base.details[0]!,
      no: i + 1,
      name: odd[i % odd.length]!,
      teamLeader: i % 2 === 0 ? '王建国' : odd[(i + 1) % odd.length]!,
    }));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await buildSummaryXlsx({ ...base, details })) as never);
    const ws = wb.getWorksheet(DETAIL_SHEET)!;
    expect(ws.rowCount).toBe(2 + details.length);
    for (const i of [0, 1, 2, 3, 4, 5, 777, 1499]) {
      const row = ws.getRow(3 + i);
      expect(row.getCell(1).value).toBe(i + 1);
      expect(row.getCell(3).value).toBe(i + 1);
      expect(row.getCell(2).value).toBe('夏县');
      expect(row.getCell(4).value).toBe(details[i]!.name);
      expect(row.getCell(10).value).toBe(details[i]!.teamLeader);
      // the sheet's own header is still there, above the rows
      expect(ws.getRow(2).getCell(4).value).toBe('企业名称');
    }
    // the other sheets are exceljs's own, untouched
    expect(wb.getWorksheet(SUMMARY_SHEET)!.getCell(`A${LAYOUT.mark}`).value).toBe('附件5');
  });

  it('reads back every row of a sheet written across several buffers and compressed while it is written', async () => {
    const base = summary();
    // some 3 MB of rows: three buffers of 1 MiB and a dozen pieces handed to the compression
    const details: SummaryDetail[] = Array.from({ length: 4000 }, (_, i) => ({ ...base.details[0]!, no: i + 1, name: `企业${i}`, uscc: `U${i}`, licenceNo: `L${i}` }));
    const data = await buildSummaryXlsx({ ...base, details });
    const sheet = readZip(data).find((p) => p.name.startsWith('xl/worksheets/') && p.size > 2_500_000);
    expect(sheet).toBeDefined();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(data as never);
    const ws = wb.getWorksheet(DETAIL_SHEET)!;
    expect(ws.rowCount).toBe(2 + details.length);
    for (let i = 0; i < details.length; i++) {
      const row = ws.getRow(3 + i);
      if (row.getCell(1).value !== i + 1 || row.getCell(4).value !== `企业${i}` || row.getCell(6).value !== `L${i}`) throw new Error(`row ${i + 1} reads back wrong`);
    }
  });

  it('holds each text once in the shared strings, a value cleaned of a refused character included', async () => {
    const base = summary();
    // the cleaned value equals a value of the sheet; the same refused value twice; a sheet title as a value (in a
    // column of shared strings: 检查组组长; the names are inline strings)
    const names = ['运城\ufffe公司', '运城公司', '运城\ufffe公司', '企业名称', '运城\u0001公司'];
    const details: SummaryDetail[] = names.map((name, i) => ({ ...base.details[0]!, no: i + 1, teamLeader: name }));
    const data = await buildSummaryXlsx({ ...base, details });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(data as never);
    const ws = wb.getWorksheet(DETAIL_SHEET)!;
    expect(names.map((_, i) => ws.getRow(3 + i).getCell(10).value)).toEqual(['运城公司', '运城公司', '运城公司', '企业名称', '运城公司']);
    const sst = (await partContent(readZip(data).find((p) => p.name === 'xl/sharedStrings.xml')!)).toString('utf8');
    const items = [...sst.matchAll(/<si><t(?: xml:space="preserve")?>([^<]*)<\/t><\/si>/g)].map((m) => m[1]);
    expect(items.filter((t) => t === '运城公司')).toHaveLength(1);
    expect(items.filter((t) => t === '企业名称')).toHaveLength(1);
    expect(new Set(items).size).toBe(items.length);
    expect(sst).toContain(`uniqueCount="${items.length}"`);
  });
});

describe('the 检查明细 inline strings (names, codes, licences, 后续处置)', () => {
  const DISPOSAL = DETAIL_COLUMNS.findIndex((c) => c.key === 'disposal') + 1;
  /** The 检查明细 sheet's XML (the part with the rows). */
  async function detailXml(data: Buffer): Promise<string> {
    for (const p of readZip(data).filter((q) => q.name.startsWith('xl/worksheets/sheet'))) {
      const xml = (await partContent(p)).toString('utf8');
      // the one sheet with a filter (on its header row)
      if (xml.includes('<autoFilter')) return xml.slice(xml.indexOf('<row r="3"'), xml.indexOf('</sheetData>'));
    }
    throw new Error('no 检查明细 sheet');
  }

  it('are text read back as given: formula-looking text, XML-special characters, white space, emoji', async () => {
    const base = summary();
    const texts = ['=HYPERLINK("http://x","点我")', '+1+1', '=1+1', '-2+3', '@SUM(A1)', 'A&B <公司> "甲"', '  前后有空格  ', '第一行\n第二行', '\u3000全角空格', '😀表情公司', '&amp; 不是实体'];
    const details: SummaryDetail[] = texts.map((t, i) => ({ ...base.details[0]!, no: i + 1, name: t, uscc: `${t}U`, licenceNo: `L${t}`, disposal: `立案（${t}，2024-10-01）` }));
    const data = await buildSummaryXlsx({ ...base, details });
    const rows = await detailXml(data);
    // every name cell is an inline string, no formula anywhere in the rows
    expect(rows.match(/<c r="D\d+" t="inlineStr"><is><t[ >]/g)).toHaveLength(texts.length);
    expect(rows).not.toContain('<f>');
    // white space at either end or a line break kept as it is (Excel trims a text without xml:space)
    expect(rows).toContain('<c r="D9" t="inlineStr"><is><t xml:space="preserve">  前后有空格  </t></is></c>');
    expect(rows).toContain('<c r="D10" t="inlineStr"><is><t xml:space="preserve">第一行\n第二行</t></is></c>');
    expect(rows).toContain('<c r="D3" t="inlineStr"><is><t>=HYPERLINK(&quot;http://x&quot;,&quot;点我&quot;)</t></is></c>'.replace(/&quot;/g, '"'));
    // the names are not in the shared strings
    const sst = (await partContent(readZip(data).find((p) => p.name === 'xl/sharedStrings.xml')!)).toString('utf8');
    expect(sst).not.toContain('前后有空格');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(data as never);
    const ws = wb.getWorksheet(DETAIL_SHEET)!;
    texts.forEach((t, i) => {
      const row = ws.getRow(3 + i);
      for (const [col, want] of [[4, t], [5, `${t}U`], [6, `L${t}`], [DISPOSAL, `立案（${t}，2024-10-01）`]] as const) {
        expect(row.getCell(col).type).toBe(ExcelJS.ValueType.String);
        expect(row.getCell(col).value).toBe(want);
      }
    });
  });

  it('drop the characters XML cannot hold; a text of nothing else is the empty cell', async () => {
    const base = summary();
    const names = ['运城\ufffe公司', '运城\u0001公\u202e司', '运城\ud800公司', '\u0001\u0002', '运城\u0008公司\u000b'];
    const details: SummaryDetail[] = names.map((name, i) => ({ ...base.details[0]!, no: i + 1, name }));
    const data = await buildSummaryXlsx({ ...base, details });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(data as never);
    const ws = wb.getWorksheet(DETAIL_SHEET)!;
    expect(names.map((_, i) => ws.getRow(3 + i).getCell(4).value)).toEqual(['运城公司', '运城公司', '运城公司', '', '运城公司']);
    expect((await detailXml(data)).match(/<c r="D6"[^>]*>/)?.[0]).toBe('<c r="D6" t="s">');
  });

  it('texts longer than what is left of a row buffer are written whole, and one longer than a cell holds is cut to 32,767 characters', async () => {
    const base = summary();
    // Excel's limit, 3 bytes of UTF-8 a character: about 98 KB each, a row buffer (1 MiB) full every ten or so
    const full = (i: number) => `${i}`.padEnd(32_767, '企');
    const huge = '企'.repeat(1_200_000);
    // a character outside the BMP across the limit: cut before it, not between its halves
    const astral = `${'企'.repeat(32_766)}𠀀尾`;
    const long = (i: number) => (i === 2500 ? huge : i === 2501 ? astral : i >= 2490 && i < 2530 ? full(i) : `企业${i}`);
    const details: SummaryDetail[] = Array.from({ length: 3000 }, (_, i) => ({ ...base.details[0]!, no: i + 1, name: long(i) }));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await buildSummaryXlsx({ ...base, details })) as never);
    const ws = wb.getWorksheet(DETAIL_SHEET)!;
    expect(ws.getRow(3 + 2500).getCell(4).value).toBe(huge.slice(0, 32_767));
    expect(ws.getRow(3 + 2501).getCell(4).value).toBe('企'.repeat(32_766));
    for (let i = 2490; i < 2530; i++) if (i !== 2500 && i !== 2501) expect(ws.getRow(3 + i).getCell(4).value).toBe(full(i));
    expect(ws.getRow(3 + 2489).getCell(4).value).toBe('企业2489');
    expect(ws.getRow(3 + 2530).getCell(4).value).toBe('企业2530');
    expect(ws.getRow(3 + 2999).getCell(3).value).toBe(3000);
  });
});

it('builds the 汇总表 in several turns of the event loop (title, header rows, body and notes apart)', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const WorksheetWriter = require('exceljs/lib/stream/xlsx/worksheet-writer') as { prototype: { mergeCells(...args: unknown[]): void; name: string } };
  let turns = 0;
  let counting = true;
  const count = () => {
    turns += 1;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  // the turns seen when each merge of the 汇总表 is made: the title's, the header rows', the 合计's, the notes'
  const seen: number[] = [];
  const original = WorksheetWriter.prototype.mergeCells;
  const spy = jest.spyOn(WorksheetWriter.prototype, 'mergeCells').mockImplementation(function (this: { name: string }, ...args: unknown[]) {
    if (this.name === SUMMARY_SHEET) seen.push(turns);
    return original.apply(this, args);
  });
  try {
    await buildSummaryXlsx(summary());
  } finally {
    counting = false;
    spy.mockRestore();
  }
  const headerMerges = SUMMARY_COLUMNS.filter((c, i) => c.group === undefined || SUMMARY_COLUMNS[i - 1]?.group !== c.group).length;
  // title, 专项, 填报单位 and date: 4 merges; then the header rows'; then the 合计 and the notes
  const title = seen.slice(0, 4);
  const header = seen.slice(4, 4 + headerMerges);
  const rest = seen.slice(4 + headerMerges);
  expect(rest.length).toBeGreaterThan(0);
  expect(Math.max(...title)).toBeLessThan(Math.min(...header));
  expect(Math.max(...header)).toBeLessThan(Math.min(...rest));
});

it('the reply card is valid Card JSON 2.0', () => {
  const card = summaryCard(summary());
  expect(validateCard(card)).toMatchObject({ ok: true });
});
