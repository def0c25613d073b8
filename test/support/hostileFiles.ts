/**
 * Registry files for the hostile-input tests: big valid ones (100,000 rows, CSV and XLSX, written streaming) and
 * malicious ones (zip bombs whose parts inflate to a gigabyte, with honest or lying sizes; oversized cells;
 * wrong encodings; formulas). Deterministic: no randomness.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { constants, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { ENTERPRISE_HEADERS } from '../../src/domain/registryRows';
import { usccCheckChar } from '../../src/domain/uscc';

const COUNTIES = ['盐湖区', '永济市', '河津市', '临猗县', '万荣县', '闻喜县', '稷山县', '新绛县', '绛县', '垣曲县', '夏县', '平陆县', '芮城县', '运城开发区'];

/** A valid 统一社会信用代码 for serial `i` (distinct for distinct i < 10^10). */
export function serialUscc(i: number): string {
  const body = `91140${String(i).padStart(12, '0')}`;
  return body + usccCheckChar(body);
}

/** Row `i` of a synthetic enterprise registry, as cell texts in ENTERPRISE_HEADERS order. */
export function enterpriseRow(i: number): string[] {
  return [
    `运城市第${i}号测试制品有限公司`,
    serialUscc(i),
    `XK13-014-${String(i).padStart(6, '0')}`,
    i % 3 === 0 ? '食品用塑料包装容器工具等制品' : '电线电缆',
    i % 3 === 0 ? '食品相关产品' : '工业产品',
    '2022-01-01',
    '2027-12-31',
    COUNTIES[i % COUNTIES.length]!,
    `山西省运城市${COUNTIES[i % COUNTIES.length]}工业园区第${i}号`,
    'ABCD'[i % 4]!,
    '张三',
    '0359-2345678',
  ];
}

function csvLine(cells: readonly string[]): string {
  return cells.map((c) => (/[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c)).join(',');
}

/** A UTF-8 CSV enterprise registry with `rows` data rows; `row(i)` may override a row's cells. */
export async function writeEnterpriseCsv(file: string, rows: number, row: (i: number) => string[] = enterpriseRow): Promise<void> {
  const out = createWriteStream(file);
  out.write(`\uFEFF${csvLine(ENTERPRISE_HEADERS)}\r\n`);
  for (let i = 1; i <= rows; i++) {
    if (!out.write(`${csvLine(row(i))}\r\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

/** An XLSX enterprise registry with `rows` data rows (exceljs streaming writer, shared strings as Excel writes). */
export async function writeEnterpriseXlsx(
  file: string,
  rows: number,
  row: (i: number) => ExcelJS.CellValue[] = enterpriseRow,
): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: false });
  const ws = wb.addWorksheet('检查对象名录库');
  ws.addRow([...ENTERPRISE_HEADERS]).commit();
  for (let i = 1; i <= rows; i++) ws.addRow(row(i)).commit();
  ws.commit();
  await wb.commit();
}

// ---- zip bombs --------------------------------------------------------------------------------------------------

interface RawEntry {
  name: string;
  /** raw deflate data */
  data: Buffer;
  /** uncompressed size written into the headers */
  declaredSize: number;
}

/** A zip with the given entries (deflate, sizes as declared, CRC not checked by anyone before the size checks). */
function zipOf(entries: readonly RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

/** Raw deflate of `prefix`, then `repeat` times `filler`, then `suffix`, built without inflating it all in memory. */
function bombDeflate(prefix: string, filler: Buffer, repeat: number, suffix: string): { data: Buffer; size: number } {
  const head = deflateRawSync(Buffer.from(prefix), { finishFlush: constants.Z_SYNC_FLUSH });
  // A sync-flushed block of a uniform filler refers only to bytes inside itself, so it can be repeated.
  const block = deflateRawSync(filler, { finishFlush: constants.Z_SYNC_FLUSH, level: 9 });
  const tail = deflateRawSync(Buffer.from(suffix));
  const data = Buffer.concat([head, ...Array.from({ length: repeat }, () => block), tail]);
  return { data, size: Buffer.byteLength(prefix) + filler.length * repeat + Buffer.byteLength(suffix) };
}

const CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>' +
  '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
  '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>';
const ROOT_RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>';
const WORKBOOK =
  '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ' +
  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>';
const WORKBOOK_RELS =
  '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>';

function small(name: string, text: string): RawEntry {
  const data = Buffer.from(text);
  return { name, data: deflateRawSync(data), declaredSize: data.length };
}

/**
 * An XLSX whose worksheet inflates to about `gigabytes` GB (a valid sheet padded with whitespace) from about
 * 1 MB per GB. `lie`: the headers declare a small size instead (only inflating reveals the truth).
 */
export async function writeZipBomb(file: string, opts: { gigabytes?: number; lie?: boolean } = {}): Promise<{ bytes: number; inflated: number }> {
  const mbs = Math.round((opts.gigabytes ?? 1) * 1024);
  const sheet = bombDeflate(
    '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>' +
      '<row r="1"><c r="A1" t="inlineStr"><is><t>企业名称</t></is></c></row>',
    Buffer.alloc(1024 * 1024, 0x20),
    mbs,
    '</sheetData></worksheet>',
  );
  const zip = zipOf([
    small('[Content_Types].xml', CONTENT_TYPES),
    small('_rels/.rels', ROOT_RELS),
    small('xl/workbook.xml', WORKBOOK),
    small('xl/_rels/workbook.xml.rels', WORKBOOK_RELS),
    { name: 'xl/worksheets/sheet1.xml', data: sheet.data, declaredSize: opts.lie ? 4096 : sheet.size },
  ]);
  await writeFile(file, zip);
  return { bytes: zip.length, inflated: sheet.size };
}
