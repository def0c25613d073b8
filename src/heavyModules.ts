/**
 * Libraries that only some commands use, loaded on first use instead of at service start.
 *
 * exceljs (with its zip, stream and polyfill dependencies, ≈ 650 modules) is needed only to read or write an .xlsx
 * file (a registry upload, /汇总, the CLI's imports); requiring it costs about half a CPU-second, paid by every
 * process and every test that starts the service although most never touch a spreadsheet. `src/main.ts` preloads
 * it before the service listens, so in production the first upload or /汇总 does not stall the event loop while
 * the library loads.
 */
import type * as ExcelJS from 'exceljs';

let excel: typeof ExcelJS | undefined;

export function exceljs(): typeof ExcelJS {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  excel ??= require('exceljs') as typeof ExcelJS;
  return excel;
}

/** Loads now what would otherwise load on first use (the production entry calls it before listening). */
export function preloadHeavyModules(): void {
  exceljs();
}
