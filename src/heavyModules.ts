/**
 * Libraries that only some commands use, loaded on first use instead of at service start.
 *
 * exceljs (with its zip, stream and polyfill dependencies, ≈ 650 modules) is needed only to read or write an .xlsx
 * file (a registry upload, /汇总, the CLI's imports); requiring it costs about half a CPU-second, paid by every
 * process and every test that starts the service although most never touch a spreadsheet. The Word forms
 * (exports/docx with the `docx` library, a 1 MB module) are needed only by /导出 and the CLI's export. `src/main.ts`
 * preloads both before the service listens, so in production the first upload, /汇总 or /导出 does not stall the
 * event loop while a library loads.
 */
import type * as ExcelJS from 'exceljs';
import type * as DocxForms from './exports/docx';

let excel: typeof ExcelJS | undefined;
let docx: typeof DocxForms | undefined;

export function exceljs(): typeof ExcelJS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  excel ??= require('exceljs') as typeof ExcelJS;
  return excel;
}

/** The builders of the Word forms 附件1–4 and the 无法正常检查情况记录 (exports/docx). */
export function docxForms(): typeof DocxForms {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  docx ??= require('./exports/docx') as typeof DocxForms;
  return docx;
}

/** Loads now what would otherwise load on first use (the production entry calls it before listening). */
export function preloadHeavyModules(): void {
  exceljs();
  docxForms();
}
