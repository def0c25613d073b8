/**
 * 附件5 as an .xlsx workbook (exceljs). Sheet 汇总表: the official-looking table (附件5 mark, title, 专项,
 * 填报单位 and date, a two-row header with column groups, one row per county, 合计, 说明 and the signature line),
 * borders, widths, number formats, frozen header and county column, A4 landscape fitted to one page wide.
 * Sheet 检查明细: one row per task, with a filter on the header row.
 * Columns and their definitions: operations/summary.ts.
 * Written with exceljs's streaming writer (rows are committed as they are written): twice as fast as the in-memory
 * workbook for the 20,000-row 检查明细, and memory stays flat.
 */
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { stripRefused } from '../domain/textPolicy';
import type { Summary, SummaryDetail, SummaryRow } from '../operations/summary';

type Kind = 'int' | 'pct' | 'text';

interface Column {
  key: keyof SummaryRow;
  title: string;
  /** the group header above it (a column without one spans both header rows) */
  group?: string;
  width: number;
  kind: Kind;
}

/** The 附件5 columns, left to right. */
export const SUMMARY_COLUMNS: readonly Column[] = [
  { key: 'index', title: '序号', width: 6, kind: 'int' },
  { key: 'county', title: '县（市、区）', width: 13, kind: 'text' },
  { key: 'registered', title: '获证企业数（家）', width: 10, kind: 'int' },
  { key: 'sampled', title: '抽查企业数（家）', width: 10, kind: 'int' },
  { key: 'sampleRatio', title: '抽查比例', width: 9, kind: 'pct' },
  { key: 'checked', title: '已检查', group: '检查情况', width: 8, kind: 'int' },
  { key: 'unfinished', title: '未完成检查', group: '检查情况', width: 8, kind: 'int' },
  { key: 'completionRate', title: '检查完成率', group: '检查情况', width: 9, kind: 'pct' },
  { key: 'noProblem', title: '未发现问题', group: '检查结果', width: 8, kind: 'int' },
  { key: 'problem', title: '发现问题', group: '检查结果', width: 8, kind: 'int' },
  { key: 'rectified', title: '已整改（确认）', group: '问题整改', width: 9, kind: 'int' },
  { key: 'rectifying', title: '整改中', group: '问题整改', width: 8, kind: 'int' },
  { key: 'rectOverdue', title: '其中：逾期未整改', group: '问题整改', width: 9, kind: 'int' },
  { key: 'published', title: '已公示', group: '结果公示', width: 8, kind: 'int' },
  { key: 'unpublished', title: '未公示', group: '结果公示', width: 8, kind: 'int' },
  { key: 'pubOverdue', title: '其中：逾期未公示', group: '结果公示', width: 9, kind: 'int' },
  { key: 'publicationRate', title: '公示率', group: '结果公示', width: 9, kind: 'pct' },
  { key: 'note', title: '备注', width: 14, kind: 'text' },
];

export const SUMMARY_SHEET = '汇总表';
export const DETAIL_SHEET = '检查明细';
/** Row numbers of the 汇总表 layout. */
export const LAYOUT = { mark: 1, title: 2, campaign: 3, unit: 4, header1: 5, header2: 6, firstData: 7 } as const;

export const SUMMARY_NOTES = [
  '说明：1. 获证企业数：检查对象名录库中专项开始之日许可证仍在有效期内、抽取之日已获证的企业；抽查企业数：已确认抽取的检查任务（已作废的不计）；抽查比例＝抽查企业数÷获证企业数。',
  '2. 已检查：检查记录已由检查组全体成员签字确认；检查完成率＝已检查÷抽查企业数。',
  '3. 已整改（确认）：县局已现场确认整改结果（附件2）；逾期未整改：超过意见汇总表（附件1）规定的整改期限仍未确认。',
  '4. 逾期未公示：自检查完成之日起20个工作日内未录入公示；公示率＝已公示÷抽查企业数（未公示的视为未完成）。',
];

const DETAIL_COLUMNS: readonly { key: keyof SummaryDetail | 'index'; title: string; width: number }[] = [
  { key: 'index', title: '序号', width: 7 },
  { key: 'county', title: '县（市、区）', width: 12 },
  { key: 'no', title: '抽取序号', width: 8 },
  { key: 'name', title: '企业名称', width: 34 },
  { key: 'uscc', title: '统一社会信用代码', width: 21 },
  { key: 'licenceNo', title: '许可证编号', width: 20 },
  { key: 'product', title: '获证产品', width: 22 },
  { key: 'category', title: '产品类别', width: 12 },
  { key: 'riskClass', title: '信用风险等级', width: 8 },
  { key: 'teamLeader', title: '检查组组长', width: 10 },
  { key: 'state', title: '任务状态', width: 9 },
  { key: 'completionDate', title: '检查完成日期', width: 12 },
  { key: 'result', title: '检查结果', width: 11 },
  { key: 'rectificationDeadline', title: '整改期限', width: 12 },
  { key: 'rectificationConfirmedOn', title: '整改确认日期', width: 12 },
  { key: 'publicationDue', title: '公示期限', width: 12 },
  { key: 'publishedOn', title: '公示日期', width: 12 },
];

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
  const [y, m, d] = date.split('-');
  return `${y}年${Number(m)}月${Number(d)}日`;
}

/**
 * A value from the records as a cell. Text is always written as a string cell (exceljs writes a formula only for
 * a {formula} value), so a name such as =HYPERLINK("…") is shown as typed and never evaluated; characters XML
 * cannot hold (data stored before domain/textPolicy.ts) are dropped so the file always opens.
 */
function textCell<T>(value: T): T | string {
  return typeof value === 'string' ? stripRefused(value) : value;
}

function cellValue(row: SummaryRow, col: Column): ExcelJS.CellValue {
  const v = row[col.key];
  if (v === undefined) return null;
  if (v === null) return '—';
  return textCell(v);
}

function summarySheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, s: Summary): void {
  const n = SUMMARY_COLUMNS.length;
  const ws = wb.addWorksheet(SUMMARY_SHEET, {
    properties: { defaultRowHeight: 20 },
    pageSetup: {
      paperSize: 9,
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

  const body = [...s.rows, ...(s.total ? [s.total] : [])];
  body.forEach((data, i) => {
    const row = ws.getRow(LAYOUT.firstData + i);
    const isTotal = s.total !== undefined && i === body.length - 1;
    SUMMARY_COLUMNS.forEach((c, j) => {
      const cell = row.getCell(j + 1);
      cell.value = cellValue(data, c);
      cell.font = { name: FONT, size: 10, bold: isTotal };
      cell.border = THIN;
      cell.alignment = { horizontal: c.kind === 'text' && c.key !== 'county' ? 'left' : 'center', vertical: 'middle', wrapText: true };
      if (c.kind === 'pct') cell.numFmt = '0.00%';
      else if (c.kind === 'int') cell.numFmt = '0';
    });
    if (isTotal) {
      row.getCell(1).value = '合计';
      ws.mergeCells(row.number, 1, row.number, 2);
      row.getCell(1).alignment = CENTER;
    }
    row.height = 20;
  });

  let r = LAYOUT.firstData + body.length;
  for (const note of SUMMARY_NOTES) {
    ws.mergeCells(r, 1, r, n);
    const cell = ws.getCell(r, 1);
    cell.value = note;
    cell.font = { name: FONT, size: 9 };
    cell.alignment = { horizontal: 'left', vertical: 'middle', wrapText: true };
    ws.getRow(r).height = 18;
    r += 1;
  }
  r += 1;
  ws.mergeCells(r, 1, r, n);
  const sign = ws.getCell(r, 1);
  sign.value = textCell(`填报人：${s.preparedBy || '            '}        审核人：            联系电话：`);
  sign.font = { name: FONT, size: 11 };
  ws.commit();
}

function detailSheet(wb: ExcelJS.stream.xlsx.WorkbookWriter, s: Summary): void {
  const ws = wb.addWorksheet(DETAIL_SHEET, {
    views: [{ state: 'frozen', xSplit: 4, ySplit: 2, topLeftCell: 'E3', activeCell: 'A1' }],
    pageSetup: { paperSize: 9, orientation: 'landscape', fitToPage: true, fitToWidth: 1, fitToHeight: 0, printTitlesRow: '2:2' },
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
  s.details.forEach((d, i) => {
    ws.addRow(DETAIL_COLUMNS.map((c) => (c.key === 'index' ? i + 1 : textCell(d[c.key])))).commit();
  });
  ws.commit();
}

/** The workbook as a Buffer (for the outbox's sendFile). */
export async function buildSummaryXlsx(s: Summary): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const created = new Date(`${s.today}T00:00:00+08:00`);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: true });
  wb.creator = textCell(s.unit);
  wb.lastModifiedBy = textCell(s.unit);
  wb.title = textCell(s.title);
  wb.subject = textCell(s.campaign.name);
  wb.created = created;
  wb.modified = created;
  summarySheet(wb, s);
  detailSheet(wb, s);
  await wb.commit();
  return Buffer.concat(chunks);
}
