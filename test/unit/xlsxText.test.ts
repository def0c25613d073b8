/**
 * `_xHHHH_` in a cell's text (exports/xlsxText.ts): written escaped, so that a reader shows the text as typed —
 * whether it decodes hex digits of either case (decodeXlsxText) or only uppercase ones (exceljs's reader).
 */
import ExcelJS from 'exceljs';
import { escapeXlsxText, XLSX_ESCAPE_LIKE } from '../../src/exports/xlsxText';
import { decodeXlsxText } from '../support/xlsxRead';
import { writeXlsx } from '../../src/operations/registryFile';
import { mulberry32 } from '../../src/domain/prng';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** exceljs's reader's decoding of a shared string's text (lib/xlsx/xform/strings/text-xform.js; inline strings it leaves as they are). */
const exceljsDecode = (text: string) => text.replace(/_x([0-9A-F]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

test('examples: escaped where a reader would decode, untouched elsewhere', () => {
  expect(escapeXlsxText('_x0041_')).toBe('_x005F_x0041_');
  expect(escapeXlsxText('a_x0041_x0042_b')).toBe('a_x005F_x0041_x005F_x0042_b');
  expect(escapeXlsxText('_x00e9_')).toBe('_x005F_x00e9_');
  for (const plain of ['企业名称', '_x004_', '_x00G1_', '_x0041', 'x0041_', '_X0041_', '']) expect(escapeXlsxText(plain)).toBe(plain);
  expect(decodeXlsxText('_x005F_x0041_')).toBe('_x0041_');
  expect(decodeXlsxText('_x0041__x00e9_')).toBe('Aé');
});

test('any text reads back as written, by either reader (random texts over _ x X and hex digits, seeded)', () => {
  const rnd = mulberry32(20261205);
  const hexish = ['0', '5', 'F', 'f', 'a', 'G', '_'];
  const pick = (xs: readonly string[]) => xs[Math.floor(rnd() * xs.length)]!;
  let escaped = 0;
  const wrong: string[] = [];
  for (let n = 0; n < 100_000; n++) {
    // pieces: `_x` and four hex-like characters and `_` (sometimes not quite), or single characters
    let text = '';
    const pieces = 1 + Math.floor(rnd() * 4);
    for (let k = 0; k < pieces; k++) {
      if (rnd() < 0.5) text += `_${pick(['x', 'x', 'x', 'X'])}${pick(hexish)}${pick(hexish)}${pick(hexish)}${pick(hexish)}${pick(['_', '_', '_', 'x', ''])}`;
      else text += pick(['_', 'x', '0', '中', 'a']);
    }
    const written = escapeXlsxText(text);
    if (written !== text) escaped++;
    if (decodeXlsxText(written) !== text || exceljsDecode(written) !== text) wrong.push(text);
    // a text is changed exactly when it holds a look-alike
    if (XLSX_ESCAPE_LIKE.test(text) === (written === text)) wrong.push(text);
  }
  expect(wrong).toEqual([]);
  expect(escaped).toBeGreaterThan(10_000);
});

test('the registries written as XLSX (writeXlsx) read back as typed', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'xlsxtext-'));
  try {
    const file = path.join(dir, 'r.xlsx');
    const texts = ['_x0041_', '运城_x000D_公司', '_x005F_'];
    await writeXlsx(file, '名录', ['名称'], texts.map((t) => [t]));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect([2, 3, 4].map((r) => wb.getWorksheet('名录')!.getRow(r).getCell(1).value)).toEqual(texts);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
