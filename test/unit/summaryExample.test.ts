/**
 * The example 附件5 (src/exports/summaryExample.ts) that the service builds once before it listens (src/main.ts): the
 * warm-up must go through the whole workbook, detail rows included, without failing (main.ts only logs a failure).
 */
import ExcelJS from 'exceljs';
import { buildSummaryXlsx, DETAIL_SHEET, SUMMARY_SHEET } from '../../src/exports/summaryXlsx';
import { exampleSummary, warmUpSummaryXlsx } from '../../src/exports/summaryExample';

it('the warm-up builds the example workbook without failing', async () => {
  await expect(warmUpSummaryXlsx()).resolves.toBeUndefined();
});

it('the example is a readable 附件5 with its three counties', async () => {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await buildSummaryXlsx(exampleSummary())) as never);
  const sheet = wb.getWorksheet(SUMMARY_SHEET)!;
  const text: string[] = [];
  sheet.eachRow((row) => row.eachCell((cell) => text.push(String(cell.value))));
  for (const county of ['盐湖区', '永济市', '夏县']) expect(text).toContain(county);
  expect(wb.getWorksheet(DETAIL_SHEET)).toBeDefined();
});
