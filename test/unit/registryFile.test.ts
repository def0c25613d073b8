/**
 * Hostile and clumsy registry files, read in-process (the CLI child-process test with a small heap is
 * test/integration/cli-hostile-files.test.ts): every refusal is one Chinese line saying what to do, limits hold,
 * and the rows that are fine still come through.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { ENTERPRISE_HEADERS, ENTERPRISE_SPEC, validateEnterpriseRows } from '../../src/domain/registryRows';
import {
  READ_LIMITS,
  readCsv,
  readRegistryFile,
  readSheet,
  readSheetData,
  RegistryFileError,
  sheetToRows,
} from '../../src/operations/registryFile';
import { enterpriseRow, writeEnterpriseCsv, writeEnterpriseXlsx, writeZipBomb } from '../support/hostileFiles';
import { gbk } from '../support/gbk';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'registry-file-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string) => path.join(dir, name);

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(RegistryFileError);
    const message = (err as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('expected a refusal');
}

const csvText = (rows: string[][]) => rows.map((r) => r.join(',')).join('\r\n') + '\r\n';
const goodCsv = csvText([[...ENTERPRISE_HEADERS], enterpriseRow(1), enterpriseRow(2)]);

describe('files that are not what they should be', () => {
  it('an empty file', async () => {
    await writeFile(file('empty.csv'), '');
    expect(await refusal(readSheet(file('empty.csv')))).toBe('文件为空（0 字节）；请选择填好的名录文件');
    await writeFile(file('empty.xlsx'), '');
    expect(await refusal(readSheet(file('empty.xlsx')))).toBe('文件为空（0 字节）；请选择填好的名录文件');
  });

  it('a file with only blank lines', async () => {
    await writeFile(file('blank.csv'), '\r\n , \r\n\r\n');
    expect(await refusal(readRegistryFile(file('blank.csv'), ENTERPRISE_SPEC))).toMatch(/^文件中没有内容：第1行应为表头（企业名称、统一社会信用代码/);
  });

  it('a file that is not a registry names the missing columns', async () => {
    await writeFile(file('other.csv'), '日期,金额,备注\r\n2024-01-01,100,午餐\r\n');
    expect(await refusal(readRegistryFile(file('other.csv'), ENTERPRISE_SPEC))).toMatch(/^检查对象名录库缺少必需的列：企业名称、统一社会信用代码、/);
  });

  it('a GBK CSV (what Chinese Excel saves by default)', async () => {
    await writeFile(file('gbk.csv'), gbk(goodCsv));
    expect(await refusal(readSheet(file('gbk.csv')))).toMatch(/^CSV 文件不是 UTF-8 编码（看起来是 GBK\/GB2312 编码，中文版 Excel 默认如此）；请另存为 UTF-8 编码的 CSV：/);
  });

  it.each([
    ['UTF-16LE with a byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(goodCsv, 'utf16le')])],
    ['UTF-16BE with a byte order mark', Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(goodCsv, 'utf16le').swap16()])],
    ['UTF-16LE without a byte order mark', Buffer.from(goodCsv, 'utf16le')],
  ])('a %s CSV', async (_what, bytes) => {
    await writeFile(file('u16.csv'), bytes);
    expect(await refusal(readSheet(file('u16.csv')))).toMatch(/^CSV 文件是 UTF-16（Unicode）编码；请另存为 UTF-8 编码的 CSV：/);
  });

  it('a binary file named .csv', async () => {
    await writeFile(file('image.csv'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
    expect(await refusal(readSheet(file('image.csv')))).toBe('文件不是文本格式的 CSV（含有二进制数据）；请导出为 CSV UTF-8 或 .xlsx 后重新导入');
  });

  it('an XLSX named .csv, and an old XLS (or password-protected file) named .xlsx', async () => {
    await writeEnterpriseXlsx(file('real.xlsx'), 2);
    await writeFile(file('renamed.csv'), await readFile(file('real.xlsx')));
    expect(await refusal(readSheet(file('renamed.csv')))).toBe('这是一个 Excel（.xlsx）文件，但扩展名是 .csv；请把文件扩展名改为 .xlsx 后重新导入');
    await writeFile(file('old.xlsx'), Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600)]));
    expect(await refusal(readSheet(file('old.xlsx')))).toMatch(/^这是旧版 Excel（\.xls）文件或加了密码的文件；/);
  });

  it('a file over the size limit is refused before it is read', async () => {
    await writeFile(file('big.csv'), goodCsv);
    expect(await refusal(readSheet(file('big.csv'), { limits: { maxCsvBytes: 100 } }))).toMatch(/^文件有 0 MB，超过 0 MB 的上限；请拆分为多个文件分别导入$/);
    expect(READ_LIMITS.maxFileBytes).toBe(20 * 1024 * 1024);
  });
});

describe('limits on rows, cells and text', () => {
  it('reads up to the row limit and refuses the first row over it (CSV and XLSX)', async () => {
    await writeEnterpriseCsv(file('rows.csv'), 4);
    expect((await readSheet(file('rows.csv'), { limits: { maxRows: 4 } })).rows).toHaveLength(5);
    expect(await refusal(readSheet(file('rows.csv'), { limits: { maxRows: 3 } }))).toBe(
      '文件超过3行数据（读到第4行时已停止）；每次最多导入3行，请拆分为多个文件分别导入',
    );
    await writeEnterpriseXlsx(file('rows.xlsx'), 4);
    expect((await readSheet(file('rows.xlsx'), { limits: { maxRows: 4 } })).rows).toHaveLength(5);
    expect(await refusal(readSheet(file('rows.xlsx'), { limits: { maxRows: 3 } }))).toBe(
      '文件超过3行数据（读到第4行时已停止）；每次最多导入3行，请拆分为多个文件分别导入',
    );
    expect(READ_LIMITS.maxRows).toBe(100_000);
  });

  it('the sync CSV reader keeps the same limits', () => {
    const bytes = Buffer.from(csvText([[...ENTERPRISE_HEADERS], enterpriseRow(1), enterpriseRow(2), enterpriseRow(3)]));
    expect(() => readCsv(bytes, { limits: { maxRows: 2 } })).toThrow('文件超过2行数据（读到第3行时已停止）');
    expect(readCsv(bytes)).toHaveLength(4);
  });

  it.each(['csv', 'xlsx'] as const)('a name of a million characters (%s) is cut while reading and its row refused with its line number and reason; the other rows import', async (format) => {
    // 1,048,576 characters (3 MB of UTF-8): 200 times the 5,000-character cut and 10,000 times the name's limit,
    // and in the xlsx the shared string still arrives in ~50 inflated 64 KB chunks: the same cut as for a 10 MB
    // cell, at a tenth of the cost.
    const huge = '公'.repeat(1024 * 1024);
    const row = (i: number) => (i === 2 ? [huge, ...enterpriseRow(i).slice(1)] : enterpriseRow(i));
    const name = file(`huge.${format}`);
    if (format === 'csv') await writeEnterpriseCsv(name, 3, row);
    else await writeEnterpriseXlsx(name, 3, row);
    const content = await readRegistryFile(name, ENTERPRISE_SPEC);
    expect(content.rows[1]!.record['企业名称']!.length).toBe(READ_LIMITS.maxCellChars);
    const { valid, rejected } = validateEnterpriseRows(content.rows);
    expect(valid.map((v) => v.line)).toEqual([2, 4]);
    expect(rejected).toEqual([{ line: 3, reason: '企业名称最多100个字，当前1048576个字，请精简后重新填写' }]);
  });

  it('a long cell in a column that is not imported does not refuse its row', async () => {
    const rows = [[...ENTERPRISE_HEADERS, '备注'], [...enterpriseRow(1), '备'.repeat(20_000)]];
    await writeFile(file('remark.csv'), csvText(rows));
    const { valid, rejected } = validateEnterpriseRows((await readRegistryFile(file('remark.csv'), ENTERPRISE_SPEC)).rows);
    expect(rejected).toEqual([]);
    expect(valid).toHaveLength(1);
  });

  it('all text together is bounded (a shared string repeated in every cell)', async () => {
    const big = '长'.repeat(4_000);
    await writeEnterpriseXlsx(file('shared.xlsx'), 50, () => Array.from({ length: 12 }, () => big));
    expect(await refusal(readSheet(file('shared.xlsx'), { limits: { maxTotalChars: 1_000_000 } }))).toBe(
      '文件中的文字超过1000000个字符，不像是一份名录文件；请删除多余的列和内容后重试',
    );
  });

  it('only the first 256 columns are read', async () => {
    const wide = [...ENTERPRISE_HEADERS, ...Array.from({ length: 300 }, (_, i) => `列${i}`)];
    await writeFile(file('wide.csv'), csvText([wide, [...enterpriseRow(1), ...Array.from({ length: 300 }, () => 'x')]]));
    const { rows } = await readSheet(file('wide.csv'));
    expect(rows[0]!.cells).toHaveLength(256);
  });
});

describe('character policy on import', () => {
  it('refuses U+FFFE and controls with the field named, and turns line breaks in a name into spaces', async () => {
    const rows = [
      [...ENTERPRISE_HEADERS],
      ['运城市\ufffe某某有限公司', ...enterpriseRow(1).slice(1)],
      ['"运城市\n某某有限公司"', ...enterpriseRow(2).slice(1)],
      [...enterpriseRow(3).slice(0, 8), '工业园区\u0007号', ...enterpriseRow(3).slice(9)],
    ];
    await writeFile(file('chars.csv'), csvText(rows));
    const { valid, rejected } = validateEnterpriseRows((await readRegistryFile(file('chars.csv'), ENTERPRISE_SPEC)).rows);
    expect(rejected).toEqual([
      { line: 2, reason: '企业名称第4个字符是无法保存的不可见字符（U+FFFE），请删除该字符后重新填写' },
      { line: 5, reason: '生产地址第5个字符是无法保存的不可见字符（U+0007），请删除该字符后重新填写' },
    ]);
    expect(valid.map((v) => [v.line, v.value.name])).toEqual([[3, '运城市 某某有限公司']]);
  });

  it('bounds coded columns too (a 1 MB 统一社会信用代码 is refused without being echoed)', () => {
    const rows = sheetToRows(
      [
        { line: 1, cells: [...ENTERPRISE_HEADERS] },
        { line: 2, cells: [enterpriseRow(1)[0]!, '9'.repeat(1_000_000), ...enterpriseRow(1).slice(2)] },
      ],
      ENTERPRISE_SPEC,
    );
    const { rejected } = validateEnterpriseRows(rows);
    expect(rejected).toEqual([{ line: 2, reason: '统一社会信用代码最多40个字，当前1000000个字，请精简后重新填写' }]);
  });
});

describe('formulas', () => {
  async function formulaFile(cells: ExcelJS.CellValue[], edit?: (ws: ExcelJS.Worksheet) => void): Promise<string> {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('名录');
    ws.addRow([...ENTERPRISE_HEADERS]);
    ws.addRow(cells);
    edit?.(ws);
    const name = file(`formula-${Math.random().toString(36).slice(2)}.xlsx`);
    await wb.xlsx.writeFile(name);
    return name;
  }

  it('a formula cell is read as its cached result, what Excel showed (text, a date, an empty result)', async () => {
    const row: ExcelJS.CellValue[] = enterpriseRow(1);
    row[0] = { formula: 'CONCATENATE("运城市","某某有限公司")', result: '运城市某某有限公司' };
    row[6] = { formula: 'DATE(2027,12,31)', result: 46752 };
    row[10] = { formula: 'IF(1,"","x")', result: '' };
    const name = await formulaFile(row, (ws) => (ws.getCell('G2').numFmt = 'yyyy-mm-dd'));
    const { valid, rejected } = validateEnterpriseRows((await readRegistryFile(name, ENTERPRISE_SPEC)).rows);
    expect(rejected).toEqual([]);
    expect(valid[0]!.value).toMatchObject({ name: '运城市某某有限公司', validTo: '2027-12-31' });
    expect(valid[0]!.value.contact).toBeUndefined();
  });

  it('a formula without a cached result, or with an error result, refuses its row saying what to do', async () => {
    const noResult: ExcelJS.CellValue[] = enterpriseRow(1);
    noResult[0] = { formula: 'A5&"公司"' } as ExcelJS.CellFormulaValue;
    const r1 = validateEnterpriseRows((await readRegistryFile(await formulaFile(noResult), ENTERPRISE_SPEC)).rows);
    expect(r1.rejected[0]!.reason).toMatch(/^“企业名称”是公式且文件中没有计算结果；请在 Excel 中打开并保存该文件，或将该列“粘贴为数值”后重新导入/);
    const errorResult: ExcelJS.CellValue[] = enterpriseRow(1);
    errorResult[2] = { formula: 'VLOOKUP(A2,Z:Z,2,0)', result: { error: '#N/A' } } as ExcelJS.CellFormulaValue;
    const r2 = validateEnterpriseRows((await readRegistryFile(await formulaFile(errorResult), ENTERPRISE_SPEC)).rows);
    expect(r2.rejected[0]!.reason).toMatch(/^“许可证编号”的公式结果是错误值（如 #N\/A、#REF!）；请改正后重新导入/);
  });
});

describe('zip structure is checked before parsing', () => {
  const limits = { maxEntryBytes: 200 * 1024 * 1024 };

  it('a part declaring more than the per-part limit', async () => {
    await writeZipBomb(file('bomb.xlsx'), { gigabytes: 0.25 });
    expect(await refusal(readSheet(file('bomb.xlsx'), { limits: { maxEntryBytes: 100 * 1024 * 1024 } }))).toMatch(
      /^Excel 文件的部件“xl\/worksheets\/sheet1\.xml”解压后有 256 MB，超过单个部件 100 MB 的上限/,
    );
  });

  it('an absurd compression ratio', async () => {
    await writeZipBomb(file('ratio.xlsx'), { gigabytes: 0.05 });
    expect(await refusal(readSheet(file('ratio.xlsx'), { limits }))).toMatch(/^Excel 文件的部件“xl\/worksheets\/sheet1\.xml”压缩比异常（\d+ 倍，上限 500 倍），疑似恶意构造的文件，已拒绝$/);
  });

  it('a part that inflates to more than it declares', async () => {
    await writeZipBomb(file('liar.xlsx'), { gigabytes: 0.05, lie: true });
    expect(await refusal(readSheet(file('liar.xlsx'), { limits }))).toBe(
      'Excel 文件的部件“xl/worksheets/sheet1.xml”实际内容与声明的大小不符，疑似被篡改或恶意构造，已拒绝',
    );
  });

  it('data hidden between the parts and the directory', async () => {
    await writeEnterpriseXlsx(file('ok.xlsx'), 2);
    const buf = await readFile(file('ok.xlsx'));
    const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    const cdOffset = buf.readUInt32LE(eocd + 16);
    const junk = Buffer.from('PK\u0003\u0004hidden');
    const patched = Buffer.concat([buf.subarray(0, cdOffset), junk, buf.subarray(cdOffset)]);
    patched.writeUInt32LE(cdOffset + junk.length, eocd + junk.length + 16);
    expect(await refusal(readSheetData(patched, 'xlsx'))).toBe(
      '不是有效的 Excel（.xlsx）文件：部件之后有多余的数据；请在 Excel 中打开后“另存为 → Excel 工作簿（*.xlsx）”再试',
    );
  });

  it('an encrypted part', async () => {
    const buf = await readFile(file('ok.xlsx'));
    const cd = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    const patched = Buffer.from(buf);
    patched.writeUInt16LE(patched.readUInt16LE(cd + 8) | 1, cd + 8);
    expect(await refusal(readSheetData(patched, 'xlsx'))).toBe('Excel 文件已加密；请取消密码后重新保存再导入');
  });

  it('a truncated file', async () => {
    const buf = await readFile(file('ok.xlsx'));
    expect(await refusal(readSheetData(buf.subarray(0, buf.length - 30), 'xlsx'))).toMatch(/^不是有效的 Excel（\.xlsx）文件：找不到 zip 目录（文件可能不完整）/);
  });

  it('a valid file still reads, dates and codes as text', async () => {
    const { rows } = await readSheet(file('ok.xlsx'));
    expect(rows[1]!.cells).toEqual(enterpriseRow(1));
  });

  it('Chinese text comes through whole, however the parts are chunked (exceljs alone splits 汉字 at 16 KB boundaries)', async () => {
    await writeEnterpriseXlsx(file('chinese.xlsx'), 3000);
    const { rows } = await readSheet(file('chinese.xlsx'));
    expect(rows).toHaveLength(3001);
    const wrong = rows.slice(1).filter((r, i) => JSON.stringify(r.cells) !== JSON.stringify(enterpriseRow(i + 1)));
    expect(wrong).toEqual([]);
  });
});
