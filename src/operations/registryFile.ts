/**
 * Reading (and writing) registry files: CSV (UTF-8, optional BOM) and XLSX (first worksheet).
 *
 * Line numbers are those a person sees: the spreadsheet row number for XLSX, and for CSV the text line on which
 * the record starts (header = line 1; a quoted cell spanning lines pushes later records down accordingly).
 * Empty rows are skipped (they are not counted).
 *
 * XLSX cells are read as the text they stand for: strings as they are (a code typed as text keeps every digit),
 * whole numbers without exponent or separators, real date cells as the calendar date shown (YYYY-MM-DD: exceljs
 * decodes date serials as UTC midnight, so the UTC fields are the date in the sheet, whatever the process TZ),
 * formulas by their cached result, rich text and hyperlinks by their text. A whole number of 16 or more digits
 * in a number cell has already lost digits in Excel (15 significant digits); such a cell is flagged so that the
 * row is rejected with an explanation instead of importing a wrong code.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import {
  mapHeaders,
  rowRecord,
  type RegistrySpec,
  type SourceRow,
} from '../domain/registryRows';

/** A file-level failure (unreadable, wrong format, missing header); the message is one Chinese line. */
export class RegistryFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryFileError';
  }
}

export type RegistryFormat = 'csv' | 'xlsx';

export interface SheetRow {
  /** Line / row number as shown to a person (1 = first line of the file). */
  line: number;
  cells: string[];
  /** 0-based columns holding a number cell too long to be exact. */
  inexact?: number[];
}

export interface RegistryFileContent<H extends string> {
  format: RegistryFormat;
  rows: SourceRow<H>[];
}

export function formatOf(file: string): RegistryFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.xls') throw new RegistryFileError(`不支持旧版 Excel 文件（.xls）：${file}；请另存为 .xlsx 或 CSV UTF-8`);
  throw new RegistryFileError(`无法识别的文件类型“${ext || '（无扩展名）'}”：${file}；只支持 .xlsx 和 .csv`);
}

const isBlank = (cells: readonly string[]): boolean => cells.every((c) => c.trim() === '');

// ---------------------------------------------------------------------------------------------
// CSV

export function readCsv(data: Uint8Array): SheetRow[] {
  let content: string;
  try {
    content = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new RegistryFileError('CSV 文件不是 UTF-8 编码；在 Excel 中请“另存为 → CSV UTF-8（逗号分隔）”');
  }
  content = content.replace(/^\uFEFF/, '');
  const firstLine = content.split(/\r\n|\r|\n/, 1)[0] ?? '';
  const delimiter = !firstLine.includes(',') && firstLine.includes('\t') ? '\t' : ',';
  let records: { record: string[]; raw: string }[];
  try {
    records = parse(content, { delimiter, relax_column_count: true, skip_empty_lines: false, raw: true }) as unknown as typeof records;
  } catch (err) {
    throw new RegistryFileError(`CSV 文件格式错误：${err instanceof Error ? err.message : String(err)}`);
  }
  const rows: SheetRow[] = [];
  let line = 1;
  for (const { record, raw } of records) {
    if (!isBlank(record)) rows.push({ line, cells: record });
    line += (raw.match(/\r\n|\r|\n/g) ?? []).length;
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// XLSX

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

function dateText(d: Date): string {
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

function numberText(n: number): string {
  if (Number.isInteger(n)) return BigInt(n).toString();
  return String(n);
}

/** The text of a cell value, and whether it is a number that may have lost digits. */
function cellText(value: unknown): { text: string; inexact: boolean } {
  if (value === null || value === undefined) return { text: '', inexact: false };
  if (typeof value === 'string') return { text: value, inexact: false };
  if (typeof value === 'number') {
    return { text: numberText(value), inexact: Number.isInteger(value) && Math.abs(value) >= 1e15 };
  }
  if (typeof value === 'boolean') return { text: value ? '是' : '否', inexact: false };
  if (value instanceof Date) return { text: dateText(value), inexact: false };
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) {
      return { text: v.richText.map((part) => cellText((part as { text?: unknown }).text).text).join(''), inexact: false };
    }
    if ('formula' in v || 'sharedFormula' in v) return cellText(v.result);
    if ('text' in v) return cellText(v.text);
    if (typeof v.error === 'string') return { text: v.error, inexact: false };
  }
  return { text: String(value), inexact: false };
}

export async function readXlsx(data: Uint8Array): Promise<SheetRow[]> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(data.buffer, data.byteOffset, data.byteLength) as unknown as ArrayBuffer);
  } catch (err) {
    throw new RegistryFileError(`无法读取 Excel 文件：${err instanceof Error ? err.message : String(err)}`);
  }
  const sheet = workbook.worksheets[0];
  if (sheet === undefined) throw new RegistryFileError('Excel 文件中没有工作表');
  const rows: SheetRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const cells: string[] = [];
    const inexact: number[] = [];
    row.eachCell({ includeEmpty: false }, (cell, colNumber) => {
      const { text, inexact: lossy } = cellText(cell.value);
      cells[colNumber - 1] = text;
      if (lossy) inexact.push(colNumber - 1);
    });
    for (let i = 0; i < cells.length; i++) cells[i] ??= '';
    if (isBlank(cells)) return;
    rows.push(inexact.length > 0 ? { line: rowNumber, cells, inexact } : { line: rowNumber, cells });
  });
  return rows;
}

// ---------------------------------------------------------------------------------------------
// Registry files

export async function readSheet(file: string): Promise<{ format: RegistryFormat; rows: SheetRow[] }> {
  const format = formatOf(file);
  let data: Uint8Array;
  try {
    data = await readFile(file);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new RegistryFileError(code === 'ENOENT' ? `找不到文件：${file}` : `无法读取文件 ${file}：${(err as Error).message}`);
  }
  return { format, rows: format === 'csv' ? readCsv(data) : await readXlsx(data) };
}

/** Header row → records of the data rows; throws RegistryFileError for an empty file or a missing header. */
export function sheetToRows<H extends string>(sheet: readonly SheetRow[], spec: RegistrySpec<H>): SourceRow<H>[] {
  const [header, ...data] = sheet;
  if (header === undefined) throw new RegistryFileError(`文件为空：第1行应为表头（${spec.headers.join('、')}）`);
  const mapped = mapHeaders(header.cells, spec);
  if ('error' in mapped) throw new RegistryFileError(mapped.error);
  const headerOfColumn = new Map([...mapped.ok].map(([h, i]) => [i, h]));
  return data.map((row) => {
    const source: SourceRow<H> = { line: row.line, record: rowRecord(row.cells, mapped.ok) };
    const problems = (row.inexact ?? []).flatMap((col) => {
      const h = headerOfColumn.get(col);
      return h === undefined
        ? []
        : [`“${h}”是数字格式，超过15位的数字在 Excel 中已丢失末位（读到${row.cells[col]}），请将该列设为文本格式后重新填写`];
    });
    if (problems.length > 0) source.cellProblems = problems;
    return source;
  });
}

export async function readRegistryFile<H extends string>(file: string, spec: RegistrySpec<H>): Promise<RegistryFileContent<H>> {
  const { format, rows } = await readSheet(file);
  return { format, rows: sheetToRows(rows, spec) };
}

// ---------------------------------------------------------------------------------------------
// Writing (sample data, exports of the registries)

/** A cell to write: text, or a calendar date written as a real date cell. */
export type OutCell = string | { date: string };

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV with a UTF-8 BOM (so that Excel shows the Chinese text correctly) and CRLF line ends. */
export async function writeCsv(file: string, headers: readonly string[], rows: readonly OutCell[][]): Promise<void> {
  const lines = [headers, ...rows.map((r) => r.map((c) => (typeof c === 'string' ? c : c.date)))].map((r) =>
    r.map(csvField).join(','),
  );
  await writeFile(file, `\uFEFF${lines.join('\r\n')}\r\n`, 'utf8');
}

/** XLSX with one worksheet; text cells stay text (codes keep their digits), dates are real date cells. */
export async function writeXlsx(
  file: string,
  sheetName: string,
  headers: readonly string[],
  rows: readonly OutCell[][],
): Promise<void> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(sheetName);
  sheet.addRow([...headers]).font = { bold: true };
  for (const r of rows) {
    const row = sheet.addRow(
      r.map((c) => {
        if (typeof c === 'string') return c;
        const [y, m, d] = c.date.split('-').map(Number) as [number, number, number];
        return new Date(Date.UTC(y, m - 1, d));
      }),
    );
    r.forEach((c, i) => {
      if (typeof c !== 'string') row.getCell(i + 1).numFmt = 'yyyy-mm-dd';
    });
  }
  sheet.columns.forEach((col, i) => {
    const longest = Math.max(...[headers[i] ?? '', ...rows.map((r) => { const c = r[i]; return typeof c === 'string' ? c : c?.date ?? ''; })].map((t) => t.length));
    col.width = Math.min(60, Math.max(8, longest * 2 + 2));
  });
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  await workbook.xlsx.writeFile(file);
}
