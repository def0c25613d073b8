/**
 * Reading (and writing) registry files: CSV (UTF-8, optional BOM) and XLSX (first worksheet).
 *
 * Line numbers are those a person sees: the spreadsheet row number for XLSX, and for CSV the text line on which
 * the record starts (header = line 1; a quoted cell spanning lines pushes later records down accordingly).
 * Empty rows are skipped (they are not counted).
 *
 * Limits, checked before (or while) parsing so that no file can take the service's memory or time
 * (`READ_LIMITS`; every refusal is a `RegistryFileError` with one Chinese line):
 * - the file: not empty, and at most 20 MB for XLSX (compressed: 100,000 rows take about 8 MB) or 40 MB for CSV
 *   (100,000 rows of about 250 bytes take 25 MB);
 * - XLSX: the zip's central directory is checked before parsing (parts, uncompressed sizes, compression ratio,
 *   layout: zipGuard.ts); then only the parts needed (workbook, styles, shared strings, the first sheet) are
 *   inflated, each refused as soon as it passes its declared size, and streamed through the parsers of exceljs's
 *   streaming WorkbookReader, so a worksheet is parsed as it is read and never held whole;
 * - rows: at most 100,000 data rows (reading stops at the first row over);
 * - cells: only the first 256 columns are read; a cell longer than 5,000 characters is cut there and its real
 *   length reported with the row (every registry field is far shorter: domain/textPolicy.ts), so a 10 MB name
 *   is refused with its line number and costs no more than 5,000 characters after reading; all cells together
 *   at most 60 million characters.
 * - CSV encodings: UTF-8 only. UTF-16 (with or without a byte order mark), GBK/GB18030 and binary files are
 *   recognised and refused with what to do (“请另存为 UTF-8 编码的 CSV”); an XLSX or old XLS file named .csv is
 *   recognised as such.
 * The reading yields to the event loop every few milliseconds, so a long file does not stall the service.
 *
 * XLSX cells are read as the text they stand for: strings as they are (a code typed as text keeps every digit),
 * whole numbers without exponent or separators, real date cells as the calendar date shown (YYYY-MM-DD: exceljs
 * decodes date serials as UTC midnight, so the UTC fields are the date in the sheet, whatever the process TZ),
 * rich text and hyperlinks by their text. A whole number of 16 or more digits in a number cell has already lost
 * digits in Excel (15 significant digits); such a cell is flagged so that the row is rejected with an explanation
 * instead of importing a wrong code.
 *
 * Formulas: the cell is read as its cached result, the value Excel showed when the file was saved (the formula
 * itself is never evaluated or stored). A formula cell without a cached result (a file written by a program that
 * did not compute it) or whose result is an error value (#N/A, #REF! …) is refused for its row, saying what to do.
 */
import { isUtf8 } from 'node:buffer';
import { stat, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import type * as ExcelJS from 'exceljs';
import {
  mapHeaders,
  rowRecord,
  type RegistrySpec,
  type SourceRow,
} from '../domain/registryRows';
import { checkDeclaredSizes, readCentralDirectory, ZipRefusal, type ZipEntry, type ZipLimits } from './zipGuard';
import { yielder } from './yielder';
import { exceljs } from '../heavyModules';
import { escapeXlsxText } from '../exports/xlsxText';

/** A file-level failure (unreadable, wrong format, missing header, over a limit); the message is one Chinese line. */
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
  /** 0-based columns cut at `maxCellChars`, with their real length in characters. */
  long?: [number, number][];
  /** 0-based columns holding a formula without a usable result, with why. */
  formula?: [number, string][];
}

export interface RegistryFileContent<H extends string> {
  format: RegistryFormat;
  rows: SourceRow<H>[];
}

export interface ReadLimits extends ZipLimits {
  /** XLSX files (compressed: 100,000 registry rows take about 8 MB) */
  maxFileBytes: number;
  /** CSV files (plain text: 100,000 registry rows of about 250 bytes take 25 MB) */
  maxCsvBytes: number;
  /** data rows (the header row not counted) */
  maxRows: number;
  maxColumns: number;
  maxCellChars: number;
  maxTotalChars: number;
}

const MB = 1024 * 1024;

export const READ_LIMITS: Readonly<ReadLimits> = {
  maxFileBytes: 20 * MB,
  maxCsvBytes: 40 * MB,
  maxRows: 100_000,
  maxColumns: 256,
  maxCellChars: 5_000,
  maxTotalChars: 60_000_000,
  maxEntries: 2_000,
  maxEntryBytes: 200 * MB,
  maxTotalBytes: 300 * MB,
  maxRatio: 500,
  ratioFloorBytes: 1 * MB,
};

export interface ReadOptions {
  limits?: Partial<ReadLimits>;
}

function limitsOf(opts: ReadOptions | undefined): ReadLimits {
  return { ...READ_LIMITS, ...opts?.limits };
}

export function formatOf(file: string): RegistryFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.xls') throw new RegistryFileError(`不支持旧版 Excel 文件（.xls）：${file}；请另存为 .xlsx 或 CSV UTF-8`);
  throw new RegistryFileError(`无法识别的文件类型“${ext || '（无扩展名）'}”：${file}；只支持 .xlsx 和 .csv`);
}

const isBlank = (cells: readonly string[]): boolean => cells.every((c) => c.trim() === '');

function mbText(bytes: number): string {
  return `${Math.round((bytes / MB) * 10) / 10} MB`;
}

function checkSize(bytes: number, limits: ReadLimits, format: RegistryFormat): void {
  if (bytes === 0) throw new RegistryFileError('文件为空（0 字节）；请选择填好的名录文件');
  const max = format === 'csv' ? limits.maxCsvBytes : limits.maxFileBytes;
  if (bytes > max) {
    const hint = format === 'csv' ? '请拆分为多个文件分别导入' : '请删除多余的工作表、图片和格式，或拆分为多个文件';
    throw new RegistryFileError(`文件有 ${mbText(bytes)}，超过 ${mbText(max)} 的上限；${hint}`);
  }
}

const tooManyRows = (limits: ReadLimits) =>
  new RegistryFileError(`文件超过${limits.maxRows}行数据（读到第${limits.maxRows + 1}行时已停止）；每次最多导入${limits.maxRows}行，请拆分为多个文件分别导入`);

const tooMuchText = (limits: ReadLimits) =>
  new RegistryFileError(`文件中的文字超过${limits.maxTotalChars}个字符，不像是一份名录文件；请删除多余的列和内容后重试`);

/** Collects the rows of one sheet under the limits (rows, columns, cell length, all text). */
class RowCollector {
  readonly rows: SheetRow[] = [];
  private dataRows = 0;
  private totalChars = 0;

  constructor(private readonly limits: ReadLimits) {}

  /** The cell text as kept (cut when too long); records its real length on the row. */
  cell(row: SheetRow, col: number, text: string): void {
    if (col >= this.limits.maxColumns) return;
    this.totalChars += Math.min(text.length, this.limits.maxCellChars + 1);
    if (this.totalChars > this.limits.maxTotalChars) throw tooMuchText(this.limits);
    if (text.length > this.limits.maxCellChars) {
      (row.long ??= []).push([col, text.length]);
      text = text.slice(0, this.limits.maxCellChars);
    }
    row.cells[col] = text;
  }

  add(row: SheetRow): void {
    for (let i = 0; i < row.cells.length; i++) row.cells[i] ??= '';
    if (isBlank(row.cells) && !row.long && !row.formula) return;
    if (this.rows.length > 0) {
      this.dataRows += 1;
      if (this.dataRows > this.limits.maxRows) throw tooManyRows(this.limits);
    }
    this.rows.push(row);
  }
}

// ---------------------------------------------------------------------------------------------
// CSV

/** Decodes a CSV file's bytes, refusing what is not UTF-8 text with what to do instead. */
export function decodeCsv(data: Uint8Array): string {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const saveAs = '请在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”，或在记事本中“另存为”并选择 UTF-8 编码';
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50) {
    throw new RegistryFileError('这是一个 Excel（.xlsx）文件，但扩展名是 .csv；请把文件扩展名改为 .xlsx 后重新导入');
  }
  if (bytes.length >= 8 && bytes.readUInt32LE(0) === 0xe011cfd0) {
    throw new RegistryFileError('这是旧版 Excel（.xls）文件，不是 CSV；请另存为 CSV UTF-8 或 .xlsx 后重新导入');
  }
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new RegistryFileError(`CSV 文件是 UTF-16（Unicode）编码；请另存为 UTF-8 编码的 CSV：${saveAs}`);
  }
  const head = bytes.subarray(0, 4096);
  const nuls = head.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
  if (nuls > 0) {
    // UTF-16 without a byte order mark has a zero in every other byte of ASCII text.
    if (nuls * 4 >= head.length) throw new RegistryFileError(`CSV 文件是 UTF-16（Unicode）编码；请另存为 UTF-8 编码的 CSV：${saveAs}`);
    throw new RegistryFileError('文件不是文本格式的 CSV（含有二进制数据）；请导出为 CSV UTF-8 或 .xlsx 后重新导入');
  }
  // isUtf8 (simdutf) is fast; a fatal TextDecoder takes about 20 ms per MB and would block the event loop.
  if (isUtf8(bytes)) return bytes.toString('utf8').replace(/^\uFEFF/, '');
  {
    let gbk = false;
    try {
      new TextDecoder('gb18030', { fatal: true }).decode(bytes);
      gbk = true;
    } catch {
      gbk = false;
    }
    throw new RegistryFileError(`CSV 文件不是 UTF-8 编码${gbk ? '（看起来是 GBK/GB2312 编码，中文版 Excel 默认如此）' : ''}；请另存为 UTF-8 编码的 CSV：${saveAs}`);
  }
}

function csvDelimiter(content: string): string {
  const firstLine = content.split(/\r\n|\r|\n/, 1)[0] ?? '';
  return !firstLine.includes(',') && firstLine.includes('\t') ? '\t' : ',';
}

/**
 * The records of CSV text (RFC 4180: a field in double quotes may hold the delimiter, line breaks and "" for a
 * quote; CRLF, LF or CR ends a record), each with the line it starts on. Lenient as spreadsheets are: records may
 * have different numbers of fields, and a quote inside an unquoted field is kept as it is. Scans with indexOf and a
 * sticky expression, so a 10 MB field costs about as much as copying it.
 */
function* csvRecords(text: string, delimiter: string): Generator<{ cells: string[]; line: number }> {
  const special = new RegExp(`[${delimiter === '\t' ? '\\t' : delimiter}\\r\\n]`, 'g');
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === 0x22) {
        // Quoted field: up to the closing quote, "" standing for one quote.
        const parts: string[] = [];
        let from = i + 1;
        for (;;) {
          const q = text.indexOf('"', from);
          if (q < 0) throw new RegistryFileError(`CSV 文件格式错误：第${start}行开始的引号没有闭合；请在 Excel 中打开后另存为 CSV UTF-8 再试`);
          parts.push(text.slice(from, q));
          if (text.charCodeAt(q + 1) === 0x22) {
            parts.push('"');
            from = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        value = parts.length === 1 ? parts[0]! : parts.join('');
        line += countLineBreaks(value);
        // Anything between the closing quote and the next delimiter is kept as it is.
        special.lastIndex = i;
        const m = special.exec(text);
        const stop = m ? m.index : n;
        if (stop > i) value += text.slice(i, stop);
        i = stop;
      } else {
        special.lastIndex = i;
        const m = special.exec(text);
        const stop = m ? m.index : n;
        value = text.slice(i, stop);
        i = stop;
      }
      cells.push(value);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === 0x0d || c === 0x0a) {
        i += c === 0x0d && text.charCodeAt(i + 1) === 0x0a ? 2 : 1;
        line += 1;
        break;
      }
      i += 1; // the delimiter
      if (i >= n) {
        cells.push('');
        break;
      }
    }
    yield { cells, line: start };
  }
}

function countLineBreaks(text: string): number {
  let count = 0;
  for (let k = text.search(/[\r\n]/); k >= 0 && k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x0a) count += 1;
    else if (c === 0x0d) {
      count += 1;
      if (text.charCodeAt(k + 1) === 0x0a) k += 1;
    }
  }
  return count;
}

function addCsvRecord(collector: RowCollector, rec: { cells: string[]; line: number }): void {
  const row: SheetRow = { line: rec.line, cells: [] };
  rec.cells.forEach((text, col) => collector.cell(row, col, text));
  collector.add(row);
}

/** Reads CSV bytes at once (blocks for as long as parsing takes; `readSheetData` yields instead). */
export function readCsv(data: Uint8Array, opts?: ReadOptions): SheetRow[] {
  const limits = limitsOf(opts);
  checkSize(data.byteLength, limits, 'csv');
  const content = decodeCsv(data);
  const collector = new RowCollector(limits);
  for (const rec of csvRecords(content, csvDelimiter(content))) addCsvRecord(collector, rec);
  return collector.rows;
}

async function readCsvAsync(data: Uint8Array, limits: ReadLimits): Promise<SheetRow[]> {
  const content = decodeCsv(data);
  const collector = new RowCollector(limits);
  const tick = yielder();
  for (const rec of csvRecords(content, csvDelimiter(content))) {
    addCsvRecord(collector, rec);
    await tick();
  }
  return collector.rows;
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

interface CellRead {
  text: string;
  inexact?: boolean;
  /** a formula or error cell that has no usable value: why */
  refused?: string;
}

/** Excel's day 0 (1899-12-30) in the 1900 date system; serials count days from it. */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

/** The text of a cell value, whether it is a number that may have lost digits, or why it is refused. */
function cellText(value: unknown, isDate = false): CellRead {
  if (value === null || value === undefined) return { text: '' };
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'number') {
    if (isDate && Number.isFinite(value)) return { text: dateText(new Date(EXCEL_EPOCH_MS + Math.round(value * 86400) * 1000)) };
    return { text: numberText(value), inexact: Number.isInteger(value) && Math.abs(value) >= 1e15 };
  }
  if (typeof value === 'boolean') return { text: value ? '是' : '否' };
  if (value instanceof Date) return { text: dateText(value) };
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (Array.isArray(v.richText)) {
      return { text: v.richText.map((part) => cellText((part as { text?: unknown }).text).text).join('') };
    }
    if ('formula' in v || 'sharedFormula' in v) {
      const result = v.result;
      if (result === undefined || result === null) {
        return { text: '', refused: '是公式且文件中没有计算结果；请在 Excel 中打开并保存该文件，或将该列“粘贴为数值”后重新导入' };
      }
      // The streaming reader gives an error result (t="e", e.g. #N/A) as NaN; the full reader as {error}.
      if (typeof result === 'number' && Number.isNaN(result)) return { text: '', refused: '的公式结果是错误值（如 #N/A、#REF!）；请改正后重新导入' };
      if (typeof result === 'object' && 'error' in result) {
        return { text: '', refused: `的公式结果是错误值 ${String((result as { error: unknown }).error)}；请改正后重新导入` };
      }
      return cellText(result, isDate);
    }
    if ('text' in v) return cellText(v.text);
    if (typeof v.error === 'string') return { text: '', refused: `是错误值 ${v.error}；请改正后重新导入` };
  }
  return { text: String(value) };
}

function isDateFormat(numFmt: string | undefined): boolean {
  if (!numFmt) return false;
  // As exceljs's own test: date/time tokens outside quoted text and colour/condition brackets.
  const f = numFmt.replace(/"[^"]*"|\[[^\]]*\]|\\./g, '');
  return /[ymdhs]/i.test(f) && !/^[#0.,%E+\-\s]*$/i.test(f);
}

const EXCEL_PARTS = {
  rels: 'xl/_rels/workbook.xml.rels',
  workbook: 'xl/workbook.xml',
  styles: 'xl/styles.xml',
  sharedStrings: 'xl/sharedStrings.xml',
} as const;

/**
 * The parts of exceljs's streaming WorkbookReader this module drives. It reads the zip entries itself (only the
 * parts the central directory names, inflated under the size caps) and gives exceljs UTF-8 text streams: exceljs's
 * own zip path decodes each 16 KB chunk separately, which corrupts a 汉字 split across two chunks (about 1 row in
 * 300 of a Chinese registry came out with U+FFFD).
 */
interface ReaderInternals {
  workbookRels?: { Id: string; Target: string }[];
  model?: { sheets?: { id: number | string; rId: string; name?: string }[] };
  _parseRels(entry: NodeJS.ReadableStream): Promise<void>;
  _parseWorkbook(entry: NodeJS.ReadableStream): Promise<void>;
  _parseStyles(entry: NodeJS.ReadableStream): Promise<void>;
  _parseSharedStrings(entry: NodeJS.ReadableStream): AsyncGenerator<unknown>;
  _parseWorksheet(iterator: AsyncIterable<unknown>, sheetNo: string): Generator<{ eventType: string; value: unknown }>;
}

/** A part's text, inflated as it is read and refused as soon as it passes its declared size. */
function partText(buf: Buffer, e: ZipEntry): Readable {
  const data = buf.subarray(e.dataStart, e.dataStart + e.compressedSize);
  let seen = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > e.uncompressedSize) done(lyingPart(e));
      else done(null, chunk);
    },
    flush(done) {
      done(seen === e.uncompressedSize ? null : lyingPart(e));
    },
  });
  const stages: (NodeJS.ReadableStream | NodeJS.WritableStream)[] = [Readable.from([data])];
  if (e.method === 8) stages.push(createInflateRaw({ chunkSize: 64 * 1024 }));
  stages.push(cap);
  pipeline(stages, () => undefined);
  // A string decoder keeps every multi-byte character whole across chunks.
  return cap.setEncoding('utf8');
}

function lyingPart(e: ZipEntry): RegistryFileError {
  return new RegistryFileError(`Excel 文件的部件“${e.name}”实际内容与声明的大小不符，疑似被篡改或恶意构造，已拒绝`);
}

/** The worksheet part of the workbook's first sheet (as Excel orders the sheets, not as the parts are named). */
function firstSheetPart(reader: ReaderInternals, entries: readonly ZipEntry[]): ZipEntry | undefined {
  const first = reader.model?.sheets?.[0];
  const target = reader.workbookRels?.find((r) => r.Id === first?.rId)?.Target;
  if (target !== undefined) {
    const name = target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
    const found = entries.find((e) => e.name === name);
    if (found) return found;
  }
  return entries
    .filter((e) => /^xl\/worksheets\/sheet\d+\.xml$/.test(e.name))
    .sort((a, b) => Number(/(\d+)\.xml$/.exec(a.name)![1]) - Number(/(\d+)\.xml$/.exec(b.name)![1]))[0];
}

export async function readXlsx(data: Uint8Array, opts?: ReadOptions): Promise<SheetRow[]> {
  const limits = limitsOf(opts);
  checkSize(data.byteLength, limits, 'xlsx');
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  let entries: ZipEntry[];
  try {
    entries = readCentralDirectory(buf, limits.maxEntries);
    checkDeclaredSizes(entries, limits);
  } catch (err) {
    if (err instanceof ZipRefusal) throw new RegistryFileError(err.message);
    throw err;
  }
  const part = (name: string) => entries.find((e) => e.name === name);
  const rels = part(EXCEL_PARTS.rels);
  const workbook = part(EXCEL_PARTS.workbook);
  if (!rels || !workbook) {
    throw new RegistryFileError('不是有效的 Excel（.xlsx）文件：找不到工作簿；请在 Excel 中打开后“另存为 → Excel 工作簿（*.xlsx）”再试');
  }

  const collector = new RowCollector(limits);
  const tick = yielder();
  const reader = new (exceljs().stream.xlsx.WorkbookReader)(Readable.from([]), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  }) as unknown as ReaderInternals;
  try {
    await reader._parseRels(partText(buf, rels));
    await reader._parseWorkbook(partText(buf, workbook));
    const styles = part(EXCEL_PARTS.styles);
    if (styles) await reader._parseStyles(partText(buf, styles));
    const shared = part(EXCEL_PARTS.sharedStrings);
    if (shared) for await (const _ of reader._parseSharedStrings(partText(buf, shared))) await tick();
    const sheet = firstSheetPart(reader, entries);
    if (!sheet) throw new RegistryFileError('Excel 文件中没有工作表');
    const sheetNo = /(\d+)\.xml$/.exec(sheet.name)?.[1] ?? '1';
    for (const { value } of reader._parseWorksheet(partText(buf, sheet), sheetNo)) {
      for await (const row of value as AsyncIterable<ExcelJS.Row>) {
        const sheetRow: SheetRow = { line: row.number, cells: [] };
        row.eachCell({ includeEmpty: false }, (cell, colNumber) => {
          const col = colNumber - 1;
          const value = rawValue(cell);
          // exceljs turns date-formatted number cells into dates itself; a formula's number result it leaves as a number.
          const read = cellText(value, isFormulaNumber(value) && isDateFormat(cell.numFmt));
          collector.cell(sheetRow, col, read.text);
          if (read.inexact) (sheetRow.inexact ??= []).push(col);
          if (read.refused) (sheetRow.formula ??= []).push([col, read.refused]);
        });
        collector.add(sheetRow);
        await tick();
      }
    }
  } catch (err) {
    if (err instanceof RegistryFileError) throw err;
    throw new RegistryFileError(`无法读取 Excel 文件：${err instanceof Error ? err.message.split('\n')[0] : String(err)}；请在 Excel 中打开后重新保存为 .xlsx 再试`);
  }
  return collector.rows;
}

/**
 * The cell's value; for a formula, with its cached result as stored (exceljs's `cell.value` drops a result of 0,
 * '' or NaN, which would make “0” look like “no result”).
 */
function rawValue(cell: ExcelJS.Cell): unknown {
  const model = (cell as unknown as { model?: { formula?: unknown; sharedFormula?: unknown; result?: unknown } }).model;
  if (model && (model.formula !== undefined || model.sharedFormula !== undefined)) {
    return { formula: model.formula ?? model.sharedFormula, result: model.result };
  }
  return cell.value;
}

function isFormulaNumber(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'formula' in value && typeof (value as { result?: unknown }).result === 'number';
}

// ---------------------------------------------------------------------------------------------
// Registry files

/** Reads a registry file's bytes (sent in chat, or read from disk) under the limits, yielding while it parses. */
export async function readSheetData(data: Uint8Array, format: RegistryFormat, opts?: ReadOptions): Promise<SheetRow[]> {
  const limits = limitsOf(opts);
  checkSize(data.byteLength, limits, format);
  return format === 'csv' ? readCsvAsync(data, limits) : readXlsx(data, opts);
}

export async function readSheet(file: string, opts?: ReadOptions): Promise<{ format: RegistryFormat; rows: SheetRow[] }> {
  const format = formatOf(file);
  const limits = limitsOf(opts);
  let data: Uint8Array;
  try {
    // The size is checked before a byte is read.
    const info = await stat(file);
    if (!info.isFile()) throw new RegistryFileError(`不是文件：${file}`);
    checkSize(info.size, limits, format);
    data = await readFile(file);
  } catch (err) {
    if (err instanceof RegistryFileError) throw err;
    const code = (err as { code?: string }).code;
    throw new RegistryFileError(code === 'ENOENT' ? `找不到文件：${file}` : `无法读取文件 ${file}：${(err as Error).message}`);
  }
  return { format, rows: await readSheetData(data, format, opts) };
}

/** Header row → records of the data rows; throws RegistryFileError for an empty file or a missing header. */
export function sheetToRows<H extends string>(sheet: readonly SheetRow[], spec: RegistrySpec<H>): SourceRow<H>[] {
  const [header, ...data] = sheet;
  if (header === undefined) throw new RegistryFileError(`文件中没有内容：第1行应为表头（${spec.headers.join('、')}）`);
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
    for (const [col, why] of row.formula ?? []) {
      const h = headerOfColumn.get(col);
      if (h !== undefined) problems.push(`“${h}”${why}`);
    }
    for (const [col, length] of row.long ?? []) {
      const h = headerOfColumn.get(col);
      if (h !== undefined) source.lengths = { ...source.lengths, [h]: length } as Partial<Record<H, number>>;
    }
    if (problems.length > 0) source.cellProblems = problems;
    return source;
  });
}

export async function readRegistryFile<H extends string>(
  file: string,
  spec: RegistrySpec<H>,
  opts?: ReadOptions,
): Promise<RegistryFileContent<H>> {
  const { format, rows } = await readSheet(file, opts);
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
  const workbook = new (exceljs().Workbook)();
  const sheet = workbook.addWorksheet(sheetName);
  sheet.addRow([...headers]).font = { bold: true };
  for (const r of rows) {
    const row = sheet.addRow(
      r.map((c) => {
        // a text as it is shown: `_xHHHH_` escaped (exports/xlsxText.ts)
        if (typeof c === 'string') return escapeXlsxText(c);
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
