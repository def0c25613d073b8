/**
 * 附件5 as an .xlsx workbook (exceljs). Sheet 汇总表: the official-looking table (附件5 mark, title, 专项,
 * 填报单位 and date, a two-row header with column groups, one row per county, 合计, 说明 and the signature line),
 * borders, widths, number formats, frozen header and county column, A4 landscape fitted to one page wide.
 * Sheet 检查明细: one row per task, with a filter on the header row.
 * Columns and their definitions: operations/summary.ts.
 * Written with exceljs's streaming writer, except the rows of 检查明细 (20,000 for the city): those are written as
 * SpreadsheetML by hand (detailRowsXml) into the sheet part exceljs wrote, and the package is zipped again
 * (exports/zipParts.ts; the sheet is compressed on the thread pool while its rows are written): exceljs took a
 * second for them, this about a tenth. The rows come a slice at a time (operations/summary.ts DetailRows): from
 * summarize, the database's batches as they arrive, in the file's order, each written and dropped; the shared
 * strings' map carries over between slices, so the file is the one all rows at once would give. Names, codes and
 * the like are inline strings, the rest shared strings (docs/architecture.md, 附件5's 检查明细 cells); from summarize,
 * an inline text that needs no care goes from the reply's bytes into the sheet without becoming a string
 * (operations/detailBytes.ts).
 */
import { chineseDateText } from '../domain/calendar';
import { yielder } from '../operations/yielder';
import { PassThrough } from 'node:stream';
import { setImmediate as turn } from 'node:timers/promises';
import type ExcelJS from 'exceljs';
import { exceljs } from '../heavyModules';
import { deflatedPart, deflatingPart, partContent, readZip, writeZip } from './zipParts';
import { escapeXlsxText, XLSX_ESCAPE_LIKE } from './xlsxText';
import { stripRefused } from '../domain/textPolicy';
import { BYTE_FIELDS, rowsInMemory, type ByteSlice, type DetailRows, type Summary, type SummaryDetail, type SummaryRow } from '../operations/summary';
import {
  DETAIL_COLUMNS,
  DETAIL_SHEET,
  EXTRA_SHEET,
  EXTRA_SHEET_NOTE,
  ITEM_SHEET,
  ITEM_SHEET_NOTE,
  SUMMARY_COLUMNS,
  summaryNotes,
  type SummaryColumn,
} from './summaryColumns';

export { SUMMARY_COLUMNS, DETAIL_SHEET, ITEM_SHEET, EXTRA_SHEET } from './summaryColumns';


export const SUMMARY_SHEET = '汇总表';
/** Row numbers of the 汇总表 layout. */
export const LAYOUT = { mark: 1, title: 2, campaign: 3, unit: 4, header1: 5, header2: 6, firstData: 7 } as const;

/** The 说明 lines under the table (from the column definitions, exports/summaryColumns.ts). */
export const SUMMARY_NOTES = summaryNotes();

const FONT = '宋体';
const THIN: Partial<ExcelJS.Borders> = {
  top: { style: 'thin' },
  left: { style: 'thin' },
  bottom: { style: 'thin' },
  right: { style: 'thin' },
};
const HEADER_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE7E6E6' } };
const CENTER: Partial<ExcelJS.Alignment> = { horizontal: 'center', vertical: 'middle', wrapText: true };

/** 2024-11-15 → 2024年11月15日 */
export function chineseDate(date: string): string {
  return chineseDateText(date) ?? date;
}

/** The most characters (UTF-16 units) Excel holds in a cell: a longer text makes it report the file as damaged. */
export const CELL_MAX = 32_767;

/**
 * A value from the records as a cell. Text is always written as a string cell (exceljs writes a formula only for
 * a {formula} value), so a name such as =HYPERLINK("…") is shown as typed and never evaluated; characters XML
 * cannot hold (data stored before domain/textPolicy.ts) are dropped so the file always opens, and a text longer
 * than a cell holds is cut to CELL_MAX (never between the two halves of a character outside the BMP).
 */
function textCell<T>(value: T): T | string {
  if (typeof value !== 'string') return value;
  const clean = stripRefused(value);
  if (clean.length <= CELL_MAX) return clean;
  const last = clean.charCodeAt(CELL_MAX - 1);
  return clean.slice(0, last >= 0xd800 && last <= 0xdbff ? CELL_MAX - 1 : CELL_MAX);
}

/** The value of a count or text column of a row (formula columns are computed in `cellOf`). */
function plainValue(row: SummaryRow, col: SummaryColumn): number | string | null {
  const v = col.value?.(row);
  return v === undefined ? null : textCell(v);
}

/** A row's cells: counts as numbers, derived columns as formulas with their cached values. */
function rowCells(row: SummaryRow, r: number, letters: Map<string, string>): ExcelJS.CellValue[] {
  const byKey = new Map<string, number | string | null>();
  for (const c of SUMMARY_COLUMNS) if (c.value) byKey.set(c.key, plainValue(row, c));
  const num = (key: string) => Number(byKey.get(key) ?? 0);
  return SUMMARY_COLUMNS.map((c) => {
    if (c.diff) {
      const [a, b] = c.diff;
      const result = num(a) - num(b);
      byKey.set(c.key, result);
      return { formula: `${letters.get(a)}${r}-${letters.get(b)}${r}`, result };
    }
    if (c.ratio) {
      const [n, d] = c.ratio;
      const result = num(d) > 0 ? num(n) / num(d) : '—';
      return { formula: `IF(${letters.get(d)}${r}=0,"—",${letters.get(n)}${r}/${letters.get(d)}${r})`, result };
    }
    return plainValue(row, c);
  });
}

/** The 合计 row: SUM formulas over the county rows for counts; the same ratio and difference formulas. */
function totalCells(total: SummaryRow, r: number, first: number, last: number, letters: Map<string, string>): ExcelJS.CellValue[] {
  const own = rowCells(total, r, letters);
  return SUMMARY_COLUMNS.map((c, i) => {
    if (c.key === 'index' || c.key === 'county') return i === 0 ? '合计' : null;
    if (c.kind === 'int' && !c.diff) {
      const L = letters.get(c.key)!;
      return { formula: `SUM(${L}${first}:${L}${last})`, result: plainValue(total, c) as number };
    }
    return own[i] ?? null;
  });
}


/**
 * Commits a streamed sheet's rows 1…`last` one at a time, the event loop getting a turn every few milliseconds:
 * a row is written (its cells' styles looked up) when committed, and the first workbook a process builds runs
 * exceljs's code cold (a sheet committed at once held the loop for tens of ms).
 */
async function commitRows(ws: { getRow(r: number): { commit(): void } }, last: number): Promise<void> {
  const tick = yielder(5);
  for (let r = 1; r <= last; r++) {
    ws.getRow(r).commit();
    await tick();
  }
}

/**
 * 汇总表. Built in several turns of the event loop (the layout, the header rows, the body a few rows at a time,
 * the rows committed a few at a time, the notes): the first build in a process runs exceljs's code cold, and the
 * sheet built in one go held the loop ~50 ms.
 */
async function summarySheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, s: Summary): Promise<void> {
  const n = SUMMARY_COLUMNS.length;
  const ws = wb.addWorksheet(SUMMARY_SHEET, {
    properties: { defaultRowHeight: 20 },
    pageSetup: {
      // 31 columns: A3 landscape, fitted to one page wide
      paperSize: 8 as unknown as ExcelJS.PaperSize,
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 1,
      fitToHeight: 0,
      horizontalCentered: true,
      margins: { left: 0.4, right: 0.4, top: 0.6, bottom: 0.6, header: 0.3, footer: 0.3 },
      printTitlesRow: `${LAYOUT.header1}:${LAYOUT.header2}`,
    },
    views: [{ state: 'frozen', xSplit: 2, ySplit: LAYOUT.header2, topLeftCell: `C${LAYOUT.firstData}`, activeCell: 'A1' }],
  });
  ws.columns = SUMMARY_COLUMNS.map((c) => ({ key: c.key, width: c.width }));
  const last = ws.getColumn(n).letter;

  const mark = ws.getCell(`A${LAYOUT.mark}`);
  mark.value = '附件5';
  mark.font = { name: '黑体', size: 14 };

  ws.mergeCells(`A${LAYOUT.title}:${last}${LAYOUT.title}`);
  const title = ws.getCell(`A${LAYOUT.title}`);
  title.value = textCell(s.title);
  title.font = { name: '方正小标宋简体', size: 18, bold: true };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  ws.getRow(LAYOUT.title).height = 36;

  ws.mergeCells(`A${LAYOUT.campaign}:${last}${LAYOUT.campaign}`);
  const campaign = ws.getCell(`A${LAYOUT.campaign}`);
  campaign.value = textCell(`专项：${s.campaign.name}`);
  campaign.font = { name: FONT, size: 11 };

  const split = ws.getColumn(Math.ceil(n / 2)).letter;
  const after = ws.getColumn(Math.ceil(n / 2) + 1).letter;
  ws.mergeCells(`A${LAYOUT.unit}:${split}${LAYOUT.unit}`);
  ws.mergeCells(`${after}${LAYOUT.unit}:${last}${LAYOUT.unit}`);
  const unit = ws.getCell(`A${LAYOUT.unit}`);
  unit.value = textCell(`填报单位（盖章）：${s.unit}`);
  unit.font = { name: FONT, size: 11 };
  const date = ws.getCell(`${after}${LAYOUT.unit}`);
  date.value = `填报日期：${chineseDate(s.today)}（数据截至当日）`;
  date.font = { name: FONT, size: 11 };
  date.alignment = { horizontal: 'right' };
  await turn();

  // Two header rows: a column with a group has the group above it; one without spans both rows.
  const h1 = ws.getRow(LAYOUT.header1);
  const h2 = ws.getRow(LAYOUT.header2);
  SUMMARY_COLUMNS.forEach((c, i) => {
    const col = i + 1;
    if (c.group === undefined) {
      h1.getCell(col).value = c.title;
      ws.mergeCells(LAYOUT.header1, col, LAYOUT.header2, col);
    } else {
      h2.getCell(col).value = c.title;
      if (i === 0 || SUMMARY_COLUMNS[i - 1]!.group !== c.group) {
        const span = SUMMARY_COLUMNS.slice(i).findIndex((x) => x.group !== c.group);
        const end = span === -1 ? n : col + span - 1;
        h1.getCell(col).value = c.group;
        ws.mergeCells(LAYOUT.header1, col, LAYOUT.header1, end);
      }
    }
  });
  h1.height = 24;
  h2.height = 42;
  for (const r of [h1, h2]) {
    for (let col = 1; col <= n; col++) {
      const cell = r.getCell(col);
      cell.font = { name: FONT, size: 10, bold: true };
      cell.alignment = CENTER;
      cell.fill = HEADER_FILL;
      cell.border = THIN;
    }
  }
  await turn();

  const letters = new Map(SUMMARY_COLUMNS.map((c, i) => [c.key, ws.getColumn(i + 1).letter]));
  const body = [...s.rows, ...(s.total ? [s.total] : [])];
  const first = LAYOUT.firstData;
  const lastRow = LAYOUT.firstData + s.rows.length - 1;
  const tick = yielder(5);
  for (let i = 0; i < body.length; i++) {
    const data = body[i]!;
    const row = ws.getRow(LAYOUT.firstData + i);
    const isTotal = s.total !== undefined && i === body.length - 1;
    const values = isTotal ? totalCells(data, row.number, first, lastRow, letters) : rowCells(data, row.number, letters);
    SUMMARY_COLUMNS.forEach((c, j) => {
      const cell = row.getCell(j + 1);
      cell.value = values[j] ?? null;
      cell.font = { name: FONT, size: 10, bold: isTotal };
      cell.border = THIN;
      cell.alignment = { horizontal: c.kind === 'text' && c.key !== 'county' ? 'left' : 'center', vertical: 'middle', wrapText: true };
      if (c.kind === 'pct') cell.numFmt = '0.00%';
      else if (c.kind === 'int') cell.numFmt = '0';
    });
    if (isTotal) {
      ws.mergeCells(row.number, 1, row.number, 2);
      row.getCell(1).alignment = CENTER;
    }
    row.height = 20;
    await tick();
  }
  // the rows so far written out a few at a time (each styled cell costs exceljs a style lookup)
  await commitRows(ws, LAYOUT.firstData + body.length - 1);

  let r = LAYOUT.firstData + body.length;
  for (const note of SUMMARY_NOTES) {
    ws.mergeCells(r, 1, r, n);
    const cell = ws.getCell(r, 1);
    cell.value = note;
    cell.font = { name: FONT, size: 9 };
    cell.alignment = { horizontal: 'left', vertical: 'middle', wrapText: true };
    ws.getRow(r).height = note.length > 90 ? 30 : 18;
    r += 1;
  }
  r += 1;
  ws.mergeCells(r, 1, r, n);
  const sign = ws.getCell(r, 1);
  sign.value = textCell(`填报人：${s.preparedBy || '            '}        审核人：            联系电话：`);
  sign.font = { name: FONT, size: 11 };
  await turn();
  ws.commit();
}

/** A small counting table: title row, header rows, one row per county, 合计 as SUM formulas, a 说明. */
function countTable(
  ws: ExcelJS.Worksheet,
  start: number,
  opts: {
    title: string;
    groups: { title: string; columns: string[] }[];
    rows: { county: string; values: number[] }[];
    withTotal: boolean;
  },
): number {
  const n = 1 + opts.groups.reduce((k, g) => k + g.columns.length, 0);
  ws.mergeCells(start, 1, start, n);
  const t = ws.getCell(start, 1);
  t.value = opts.title;
  t.font = { name: FONT, size: 12, bold: true };
  t.alignment = { horizontal: 'left', vertical: 'middle' };
  const h1 = ws.getRow(start + 1);
  const h2 = ws.getRow(start + 2);
  h1.getCell(1).value = '县（市、区）';
  ws.mergeCells(start + 1, 1, start + 2, 1);
  let col = 2;
  for (const g of opts.groups) {
    h1.getCell(col).value = textCell(g.title);
    if (g.columns.length > 1) ws.mergeCells(start + 1, col, start + 1, col + g.columns.length - 1);
    g.columns.forEach((c, i) => (h2.getCell(col + i).value = c));
    col += g.columns.length;
  }
  for (const r of [h1, h2]) {
    for (let c = 1; c <= n; c++) {
      const cell = r.getCell(c);
      cell.font = { name: FONT, size: 10, bold: true };
      cell.alignment = CENTER;
      cell.fill = HEADER_FILL;
      cell.border = THIN;
    }
  }
  h2.height = 30;
  const first = start + 3;
  const body = [...opts.rows];
  body.forEach((data, i) => {
    const row = ws.getRow(first + i);
    row.getCell(1).value = data.county;
    data.values.forEach((v, j) => (row.getCell(j + 2).value = v));
  });
  let end = first + body.length;
  if (opts.withTotal && body.length > 0) {
    const row = ws.getRow(end);
    row.getCell(1).value = '合计';
    for (let c = 2; c <= n; c++) {
      const L = ws.getColumn(c).letter;
      const result = body.reduce((k, b) => k + (b.values[c - 2] ?? 0), 0);
      row.getCell(c).value = { formula: `SUM(${L}${first}:${L}${end - 1})`, result };
    }
    end += 1;
  }
  for (let r = first; r < end; r++) {
    const row = ws.getRow(r);
    for (let c = 1; c <= n; c++) {
      const cell = row.getCell(c);
      cell.font = { name: FONT, size: 10, bold: opts.withTotal && r === end - 1 };
      cell.border = THIN;
      cell.alignment = { horizontal: 'center', vertical: 'middle' };
      if (c > 1) cell.numFmt = '0';
    }
  }
  return end;
}

async function itemSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, s: Summary): Promise<void> {
  const ws = wb.addWorksheet(ITEM_SHEET, {
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 },
    views: [{ state: 'frozen', xSplit: 1, ySplit: 3 }],
  });
  const items = s.items ?? [];
  const n3 = items[0]?.industrial.ng.length ?? 9;
  const n4 = items[0]?.food.ng.length ?? 9;
  ws.columns = [{ width: 13 }, ...Array.from({ length: 2 + n3 + n4 }, () => ({ width: 7 }))];
  const numbers = (k: number) => Array.from({ length: k }, (_, i) => `第${i + 1}项`);
  const end = countTable(ws as unknown as ExcelJS.Worksheet, 1, {
    title: `${s.title}（不符合项统计，${s.scope.kind === 'county' ? s.scope.county : '全市'}）`,
    groups: [
      { title: '附件3 工业产品：不符合的企业数', columns: ['检查记录数', ...numbers(n3)] },
      { title: '附件4 食品相关产品：不符合的企业数', columns: ['检查记录数', ...numbers(n4)] },
    ],
    rows: items.map((x) => ({ county: x.county, values: [x.industrial.records, ...x.industrial.ng, x.food.records, ...x.food.ng] })),
    withTotal: s.scope.kind === 'city',
  });
  ws.mergeCells(end + 1, 1, end + 1, 3 + n3 + n4);
  const note = ws.getCell(end + 1, 1);
  note.value = ITEM_SHEET_NOTE;
  note.font = { name: FONT, size: 9 };
  note.alignment = { wrapText: true, vertical: 'middle' };
  ws.getRow(end + 1).height = 30;
  await turn();
  await commitRows(ws, end + 1);
  ws.commit();
}

async function extraSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, s: Summary): Promise<void> {
  const extras = s.extras ?? [];
  const widest = Math.max(...extras.map((x) => x.items.length), 1);
  const ws = wb.addWorksheet(EXTRA_SHEET, { pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0 } });
  ws.columns = [{ width: 13 }, { width: 9 }, { width: 10 }, { width: 9 }, ...Array.from({ length: widest }, () => ({ width: 7 }))];
  let r = 1;
  for (const x of extras) {
    r = countTable(ws as unknown as ExcelJS.Worksheet, r, {
      title: `${x.name}`,
      groups: [
        { title: '检查情况', columns: ['检查记录数', '发现不符合的企业数', '不符合项次'] },
        { title: '各项不符合的企业数', columns: x.items.map((i) => `第${i.no}项`) },
      ],
      rows: x.rows.map((row) => ({ county: row.county, values: [row.records, row.withFindings, row.ngTotal, ...row.ng] })),
      withTotal: s.scope.kind === 'city',
    });
    const items = x.items.map((i) => `${i.no}. ${i.text}`).join('\n');
    ws.mergeCells(r, 1, r, 4 + Math.max(1, x.items.length));
    const list = ws.getCell(r, 1);
    list.value = textCell(`检查项：\n${items}`);
    list.font = { name: FONT, size: 9 };
    list.alignment = { wrapText: true, vertical: 'top' };
    ws.getRow(r).height = Math.min(409, 14 * (x.items.length + 1));
    r += 2;
    await turn();
  }
  ws.mergeCells(r, 1, r, 4 + widest);
  const note = ws.getCell(r, 1);
  note.value = EXTRA_SHEET_NOTE;
  note.font = { name: FONT, size: 9 };
  note.alignment = { wrapText: true, vertical: 'middle' };
  ws.getRow(r).height = 30;
  await turn();
  await commitRows(ws, r);
  ws.commit();
}

function detailSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, s: Summary): string {
  const ws = wb.addWorksheet(DETAIL_SHEET, {
    views: [{ state: 'frozen', xSplit: 4, ySplit: 2, topLeftCell: 'E3', activeCell: 'A1' }],
    // 21 columns (~350 characters wide) fitted to one page came out at ~3.5 pt: on A3 landscape, two pages wide, each
    // page repeats the header row and the columns that name the firm (序号 … 企业名称), at about full size
    pageSetup: {
      paperSize: 8 as unknown as ExcelJS.PaperSize, // A3: the typings list no A3
      orientation: 'landscape',
      fitToPage: true,
      fitToWidth: 2,
      fitToHeight: 0,
      printTitlesRow: '2:2',
      printTitlesColumn: 'A:D',
    },
  });
  // no per-column style: a style on 340,000 cells costs more than the rest of the sheet (the default font is used)
  ws.columns = DETAIL_COLUMNS.map((c) => ({ key: c.key, width: c.width }));
  const last = ws.getColumn(DETAIL_COLUMNS.length).letter;
  ws.mergeCells(`A1:${last}1`);
  const title = ws.getCell('A1');
  title.value = `${s.title}（检查明细，${s.scope.kind === 'county' ? s.scope.county : '全市'}，截至${chineseDate(s.today)}）`;
  title.font = { name: FONT, size: 14, bold: true };
  title.alignment = { horizontal: 'center', vertical: 'middle' };
  ws.getRow(1).height = 28;
  const header = ws.getRow(2);
  DETAIL_COLUMNS.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.value = c.title;
    cell.font = { name: FONT, size: 10, bold: true };
    cell.alignment = CENTER;
    cell.fill = HEADER_FILL;
    cell.border = THIN;
  });
  header.height = 30;
  ws.autoFilter = { from: { row: 2, column: 1 }, to: { row: 2, column: DETAIL_COLUMNS.length } };
  header.commit();
  ws.commit();
  // the rows themselves are written by detailRowsXml into the sheet exceljs wrote (buildSummaryXlsx)
  return `xl/worksheets/sheet${ws.id}.xml`;
}

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const escapeXml = (text: string) => text.replace(/[&<>]/g, (c) => XML_ESCAPES[c]!);

/** Column letters of the 检查明细 sheet (A…U). */
const DETAIL_LETTERS = DETAIL_COLUMNS.map((_, i) => String.fromCharCode(65 + i));
if (DETAIL_COLUMNS.length > 26) throw new Error('检查明细 has more columns than single letters');
/** Per column of 检查明细, its place in BYTE_FIELDS (a text that may come as the cursor's bytes), or -1. */
const BYTE_SLOT = DETAIL_COLUMNS.map((c) => (BYTE_FIELDS as readonly string[]).indexOf(c.key));
// the bytes are written as an inline string's text as they are: only an inline column's
if (DETAIL_COLUMNS.some((c, i) => BYTE_SLOT[i]! >= 0 && c.inline !== true)) throw new Error('a text read as bytes must be an inline column’s');

/** The rows' bytes handed to the compression at a time (at least). */
const EMIT_BYTES = 256 * 1024;
/** The rows are written into buffers of this size (the 1,500 rows of test/unit/summary.test.ts fill more than one). */
const BUFFER_BYTES = 1024 * 1024;

const asciiBytes = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const ROW_OPEN = asciiBytes('<row r="');
const NUMBER_MID = asciiBytes('"><v>');
const STRING_MID = asciiBytes('" t="s"><v>');
const CELL_CLOSE = asciiBytes('</v></c>');
const INLINE_MID = asciiBytes('" t="inlineStr"><is><t>');
const INLINE_MID_PRESERVE = asciiBytes('" t="inlineStr"><is><t xml:space="preserve">');
const INLINE_CLOSE = asciiBytes('</t></is></c>');
const ROW_CLOSE = asciiBytes('</row>');

/** A text whose white space Excel would drop unless told to keep it: at either end, or a line break. */
const PRESERVE = /^\s|\n|\s$/;

/**
 * A text that cannot be written as it is into an inline string: &, <, > (escaped), a character textCell drops
 * (C0/C1 controls, noncharacters, bidi controls: domain/textPolicy.ts isRefusedBmp; a surrogate, even of a valid
 * pair, takes the careful path too), white space at either end (xml:space="preserve", as sharedStringXml), or a
 * sequence a reader would take for an escaped character (`_xHHHH_`, exports/xlsxText.ts).
 */
export const INLINE_CARE = new RegExp(
  `${/[&<>\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]|^\s|\s$/.source}|${XLSX_ESCAPE_LIKE.source}`,
);

/** Copies `bytes` (its first `count`) into `buf` at `at`; returns the position after them. */
function putBytes(buf: Uint8Array, at: number, bytes: Uint8Array, count = bytes.length): number {
  for (let k = 0; k < count; k++) buf[at + k] = bytes[k]!;
  return at + count;
}

/** Writes `v` as String(v) writes it (digit by digit for the usual integers); returns the position after it. */
function putNumber(buf: Uint8Array, at: number, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) {
    const text = String(v);
    for (let k = 0; k < text.length; k++) buf[at + k] = text.charCodeAt(k);
    return at + text.length;
  }
  let len = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) len++;
  for (let k = at + len - 1; k >= at; k--) {
    buf[k] = 48 + (v % 10);
    v = Math.floor(v / 10);
  }
  return at + len;
}

/**
 * The 检查明细 rows (from row 3) as SpreadsheetML, written by hand: exceljs spent a second on 20,000 rows. Numbers
 * (序号, 抽取序号) are number cells; a text of an `inline` column (DETAIL_COLUMNS: names, codes … nearly one per
 * row) is an inline string (t="inlineStr", its UTF-8 written straight into the row's buffer, or copied from the
 * cursor's bytes: ByteSlice); every other value is
 * a shared string (`strings`: text → index, appended after exceljs's own). Either way text is only ever text: a
 * value such as =HYPERLINK("…") or +1+1 is a string cell, never a formula; characters XML cannot hold are dropped
 * (textCell) and &, <, > escaped. No style; '' (and a text that is empty once cleaned) as an empty shared string.
 * Yields to the event loop every few milliseconds.
 */
async function detailRowsXml(
  /**
   * the rows in the file's order, a slice at a time (each dropped once written); a ByteSlice's texts left in the
   * cursor's bytes (BYTE_FIELDS: those that need no care, operations/detailBytes.ts plainInline) are copied as they
   * are, what Buffer#write writes for their text
   */
  rows: AsyncIterable<readonly SummaryDetail[] | ByteSlice>,
  strings: Map<string, number>,
  firstIndex: number,
  /** receives the rows' bytes in order, a piece every few milliseconds (never changed afterwards) */
  emit: (piece: Buffer) => void,
): Promise<{ added: string[] }> {
  const added: string[] = [];
  /**
   * A value's shared string index: one lookup in `strings` (for a value that differs from the row above's in its
   * column; the texts of `inline` columns are never looked up). A value with characters textCell drops is kept in
   * `strings` too, as an alias of its cleaned text's index: it never equals a text of the sheet (those are clean),
   * so the two kinds of keys cannot meet.
   */
  const indexOf = (raw: string): number => {
    const found = strings.get(raw);
    if (found !== undefined) return found;
    const text = textCell(raw);
    let i = text === raw ? undefined : strings.get(text);
    if (i === undefined) {
      i = firstIndex + added.length;
      strings.set(text, i);
      added.push(text);
    }
    if (text !== raw) strings.set(raw, i);
    return i;
  };
  const inline = DETAIL_COLUMNS.map((c) => c.inline === true);
  const n = DETAIL_COLUMNS.length;
  // the rows' bytes are written straight into one buffer, piece by piece (the constant pieces as bytes, numbers
  // digit by digit, inline text by Buffer#write or copied), no string built per row or cell; buffers of BUFFER_BYTES (or
  // more for a huge text), a new one when one is full (what was emitted from it stays as it is)
  let buf = Buffer.allocUnsafe(BUFFER_BYTES);
  let at = 0;
  /** the end of what `emit` has been given */
  let emitted = 0;
  const ROW_ATTRS = asciiBytes(`" spans="1:${n}" x14ac:dyDescent="0.25">`);
  const CELL_OPEN = DETAIL_LETTERS.map((l) => asciiBytes(`<c r="${l}`));
  // the most a row can take: its fixed pieces, row numbers of up to 16 digits and numbers of up to 24 characters
  // (an inline string's text is not counted: room for it is made before it is written)
  const rowMax = ROW_OPEN.length + ROW_ATTRS.length + ROW_CLOSE.length + 16 + n * (6 + 16 + INLINE_MID_PRESERVE.length + 24 + INLINE_CLOSE.length);
  /**
   * A new buffer with room for `bytes` more: what is not emitted yet is emitted (part of a row, maybe: the pieces
   * only go in order into the compression), and the rows go on in the new buffer; the emitted pieces stay where
   * they are.
   */
  const fresh = (bytes: number): void => {
    emit(buf.subarray(emitted, at));
    buf = Buffer.allocUnsafe(Math.max(BUFFER_BYTES, bytes + rowMax * 64));
    at = 0;
    emitted = 0;
  };
  const digits = new Uint8Array(24);
  const lastRaw: (string | undefined)[] = new Array<string | undefined>(n).fill(undefined);
  const lastIndex: number[] = new Array<number>(n).fill(0);
  const byteFields = BYTE_FIELDS.length;
  // the row's number over all slices: the rows, the shared strings' map and `added` carry over from one slice to
  // the next, so the file is the one all rows at once would give
  let i = -1;
  /** the row's values (rowValues), the same array for each row */
  const vals: (string | number | undefined)[] = new Array<string | number | undefined>(n).fill(undefined);
  /**
   * Writes a slice's rows (synchronously: the buffer and the position in locals, not in the variables the closures
   * share, which the loop would load and store at every byte); the event loop gets its turns between slices.
   */
  const writeRows = (details: readonly SummaryDetail[], bytes: ByteSlice | undefined): void => {
    let b = buf;
    let a = at;
    for (let s = 0; s < details.length; s++) {
      i += 1;
      const d = details[s]!;
      rowValues(d, vals);
      const r = i + 3;
      if (a + rowMax > b.length) {
        at = a;
        fresh(rowMax);
        b = buf;
        a = at;
      }
      // the row number's digits once, copied into each cell's reference
      const digitCount = putNumber(digits, 0, r);
      a = putBytes(b, a, ROW_OPEN);
      a = putBytes(b, a, digits, digitCount);
      a = putBytes(b, a, ROW_ATTRS);
      for (let c = 0; c < n; c++) {
        a = putBytes(b, a, CELL_OPEN[c]!);
        a = putBytes(b, a, digits, digitCount);
        if (bytes !== undefined && BYTE_SLOT[c]! >= 0) {
          const p = (s * byteFields + BYTE_SLOT[c]!) * 2;
          const start = bytes.spans[p]!;
          if (start >= 0) {
            // a text that needs no care, as the cursor sent it: an inline string of those bytes
            const end = bytes.spans[p + 1]!;
            const doc = bytes.docs[s]!;
            if (a + end - start + rowMax > b.length) {
              at = a;
              fresh(end - start + rowMax);
              b = buf;
              a = at;
            }
            a = putBytes(b, a, INLINE_MID);
            if (end - start <= 64) for (let k = start; k < end; k++) b[a++] = doc[k]!;
            else {
              b.set(doc.subarray(start, end), a);
              a += end - start;
            }
            a = putBytes(b, a, INLINE_CLOSE);
            continue;
          }
        }
        // 序号, then the row's values
        const v = c === 0 ? i + 1 : (vals[c] ?? '');
        if (typeof v === 'number' && Number.isFinite(v)) {
          a = putBytes(b, a, NUMBER_MID);
          a = putNumber(b, a, v);
        } else if (inline[c] && v !== '') {
          let text = String(v);
          let mid = INLINE_MID;
          if (text.length > CELL_MAX || INLINE_CARE.test(text)) {
            const clean = textCell(text);
            mid = PRESERVE.test(clean) ? INLINE_MID_PRESERVE : INLINE_MID;
            text = escapeXml(escapeXlsxText(clean));
          }
          if (text === '') {
            // nothing left once cleaned: the empty shared string, as any other empty value
            a = putBytes(b, a, STRING_MID);
            a = putNumber(b, a, indexOf(''));
          } else {
            // at most 3 bytes of UTF-8 per UTF-16 unit
            if (a + text.length * 3 + rowMax > b.length) {
              at = a;
              fresh(text.length * 3 + rowMax);
              b = buf;
              a = at;
            }
            a = putBytes(b, a, mid);
            a += b.write(text, a, 'utf8');
            a = putBytes(b, a, INLINE_CLOSE);
            continue;
          }
        } else {
          // a column often repeats the value of the row above (the county, the product, an empty date …): its
          // index again, without a lookup
          const raw = String(v);
          let index: number;
          if (raw === lastRaw[c]) index = lastIndex[c]!;
          else {
            index = indexOf(raw);
            lastRaw[c] = raw;
            lastIndex[c] = index;
          }
          a = putBytes(b, a, STRING_MID);
          a = putNumber(b, a, index);
        }
        a = putBytes(b, a, CELL_CLOSE);
      }
      a = putBytes(b, a, ROW_CLOSE);
      // the rows so far go to the compression (on the thread pool) while the next are written
      if ((i & 63) === 0 && a - emitted >= EMIT_BYTES) {
        emit(b.subarray(emitted, a));
        emitted = a;
      }
    }
    buf = b;
    at = a;
  };
  const tick = yielder(8);
  for await (const slice of rows) {
    const bytes = Array.isArray(slice) ? undefined : (slice as ByteSlice);
    writeRows(bytes ? bytes.details : (slice as readonly SummaryDetail[]), bytes);
    await tick();
  }
  emit(buf.subarray(emitted, at));
  return { added };
}

/**
 * A 检查明细 row's values in DETAIL_COLUMNS' order (from 1: 序号 is the writer's), each read by its name: one shape of
 * object read at fixed places, not 20 loads by a computed key per row (checked below against DETAIL_COLUMNS).
 */
function rowValues(d: SummaryDetail, out: (string | number | undefined)[]): void {
  out[1] = d.county;
  out[2] = d.no;
  out[3] = d.name;
  out[4] = d.uscc;
  out[5] = d.licenceNo;
  out[6] = d.product;
  out[7] = d.category;
  out[8] = d.riskClass;
  out[9] = d.teamLeader;
  out[10] = d.state;
  out[11] = d.completionDate;
  out[12] = d.result;
  out[13] = d.resultLabel;
  out[14] = d.resultCode;
  out[15] = d.disposal;
  out[16] = d.credit;
  out[17] = d.rectificationDeadline;
  out[18] = d.rectificationConfirmedOn;
  out[19] = d.publicationDue;
  out[20] = d.publishedOn;
}

{
  // rowValues puts each column's value at its place
  const probe = Object.fromEntries(DETAIL_COLUMNS.map((c, i) => [c.key, i])) as unknown as SummaryDetail;
  const out: (string | number | undefined)[] = new Array(DETAIL_COLUMNS.length).fill(undefined);
  rowValues(probe, out);
  if (DETAIL_COLUMNS[0]!.key !== 'index' || DETAIL_COLUMNS.some((_, i) => i > 0 && out[i] !== i)) throw new Error('rowValues does not follow DETAIL_COLUMNS');
}

/**
 * A shared string item as exceljs writes one (xml:space="preserve" where white space at either end or a line break),
 * `_xHHHH_` in the text escaped (exports/xlsxText.ts).
 */
function sharedStringXml(text: string): string {
  const xml = escapeXml(escapeXlsxText(text));
  return PRESERVE.test(text) ? `<si><t xml:space="preserve">${xml}</t></si>` : `<si><t>${xml}</t></si>`;
}

/**
 * exceljs's shared strings as it wrote them, each item's `_xHHHH_` escaped (exceljs writes a text as it is given; its
 * items are plain <si><t>…</t></si>, readSharedStrings).
 */
function escapedSharedStrings(xml: string): string {
  if (!xml.includes('_x')) return xml;
  return xml.replace(/(<t(?: xml:space="preserve")?>)([^<]*)(<\/t>)/g, (_, open: string, text: string, close: string) => `${open}${escapeXlsxText(text)}${close}`);
}

/** The shared strings exceljs wrote, text → index (its items are plain <si><t>…</t></si>). */
function readSharedStrings(xml: string): Map<string, number> {
  const out = new Map<string, number>();
  let i = 0;
  for (const m of xml.matchAll(/<si>(?:<t\/>|<t(?: xml:space="preserve")?>([^<]*)<\/t>)<\/si>|<si>/g)) {
    if (m[0] !== '<si>') {
      const text = (m[1] ?? '').replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e]!);
      if (!out.has(text)) out.set(text, i);
    }
    i += 1;
  }
  return out;
}

/** Puts the 检查明细 rows into the package exceljs wrote: its sheet part and the shared strings are replaced. */
async function withDetailRows(xlsx: Buffer, rows: DetailRows, sheetPart: string, created: Date): Promise<Buffer> {
  const parts = readZip(xlsx);
  const sheet = parts.findIndex((p) => p.name === sheetPart);
  const sst = parts.findIndex((p) => p.name === 'xl/sharedStrings.xml');
  if (sheet < 0 || sst < 0) throw new Error(`the workbook lacks ${sheet < 0 ? sheetPart : 'its shared strings'}`);
  const sstXml = (await partContent(parts[sst]!)).toString('utf8');
  const count = Number(/uniqueCount="(\d+)"/.exec(sstXml)?.[1] ?? NaN);
  const strings = readSharedStrings(sstXml);
  if (!Number.isInteger(count)) throw new Error('the workbook’s shared strings have no count');
  const sheetXml = (await partContent(parts[sheet]!)).toString('utf8');
  const end = sheetXml.indexOf('</sheetData>');
  if (end < 0) throw new Error(`${sheetPart} has no sheetData`);
  // the sheet deflated as it is written: exceljs's part up to its rows, the rows a piece at a time while the next
  // are written (never copied into one buffer), then the rest of exceljs's part
  const newSheet = deflatingPart(sheetPart);
  newSheet.write(Buffer.from(sheetXml.slice(0, end), 'utf8'));
  let added: string[];
  try {
    ({ added } = await detailRowsXml(rows.bytes ? rows.bytes() : rows, strings, count, (piece) => newSheet.write(piece)));
  } catch (err) {
    newSheet.abort();
    throw err;
  }
  newSheet.write(Buffer.from(sheetXml.slice(end), 'utf8'));
  // the new items in chunks of a few hundred, each a buffer at once (one string of them all would be megabytes)
  const tick = yielder(8);
  const total = count + added.length;
  const close = sstXml.lastIndexOf('</sst>');
  const sstChunks: Buffer[] = [
    Buffer.from(escapedSharedStrings(sstXml.slice(0, close)).replace(/ count="\d+"/, ` count="${total}"`).replace(/ uniqueCount="\d+"/, ` uniqueCount="${total}"`), 'utf8'),
  ];
  for (let i = 0; i < added.length; i += 512) {
    let chunk = '';
    for (const text of added.slice(i, i + 512)) chunk += sharedStringXml(text);
    sstChunks.push(Buffer.from(chunk, 'utf8'));
    await tick();
  }
  sstChunks.push(Buffer.from(sstXml.slice(close), 'utf8'));
  const [sheetOut, sstOut] = await Promise.all([newSheet.end(), deflatedPart('xl/sharedStrings.xml', sstChunks)]);
  parts[sheet] = sheetOut;
  parts[sst] = sstOut;
  return writeZip(parts, created);
}

/**
 * The workbook as a Buffer (for the outbox's sendFile). Every sheet but the 检查明细 rows is built first (exceljs),
 * then the rows are written as `s.details` gives them: from summarize, the database's batches as they arrive (it
 * computes them meanwhile), each written and dropped; the reading is closed whatever happens.
 */
export async function buildSummaryXlsx(s: Summary): Promise<Buffer> {
  const rows = Array.isArray(s.details) ? rowsInMemory(s.details as readonly SummaryDetail[]) : (s.details as DetailRows);
  try {
    const { xlsx, detailPart, created } = await workbookWithoutRows(s);
    return await withDetailRows(xlsx, rows, detailPart, created);
  } finally {
    await rows.close();
  }
}

/** The workbook exceljs writes: every sheet, 检查明细 with its title and header only. */
async function workbookWithoutRows(s: Summary): Promise<{ xlsx: Buffer; detailPart: string; created: Date }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const created = new Date(`${s.today}T00:00:00+08:00`);
  // loaded when the first workbook is built, not when the service starts (heavyModules.ts)
  const Excel = exceljs();
  const wb = new Excel.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: true });
  wb.creator = textCell(s.unit);
  wb.lastModifiedBy = textCell(s.unit);
  wb.title = textCell(s.title);
  wb.subject = textCell(s.campaign.name);
  wb.created = created;
  wb.modified = created;
  // each sheet in turns of its own (the event loop runs between them)
  await turn();
  await summarySheet(wb, s);
  await turn();
  await itemSheet(wb, s);
  await turn();
  if ((s.extras ?? []).length > 0) await extraSheet(wb, s);
  await turn();
  const detailPart = detailSheet(wb, s);
  await turn();
  await wb.commit();
  return { xlsx: Buffer.concat(chunks), detailPart, created };
}
