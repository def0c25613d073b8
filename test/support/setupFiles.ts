/** Registry and calendar files as bytes, for sending them to the bot the way a 市局联络员 would. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ENTERPRISE_HEADERS, STAFF_HEADERS } from '../../src/domain/registryRows';
import type { Enterprise, Staff } from '../../src/domain/types';
import { writeCsv, writeXlsx, type OutCell } from '../../src/operations/registryFile';
import { enterpriseCells, staffCells } from '../../src/operations/writeSampleData';

async function viaFile(write: (file: string) => Promise<void>, name: string): Promise<Buffer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'spotcheck-files-'));
  try {
    const file = path.join(dir, name);
    await write(file);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** CSV as the project writes it (UTF-8 with BOM, CRLF). */
export function csvBytes(headers: readonly string[], rows: readonly OutCell[][]): Promise<Buffer> {
  return viaFile((f) => writeCsv(f, headers, rows), 'file.csv');
}

export function xlsxBytes(sheet: string, headers: readonly string[], rows: readonly OutCell[][]): Promise<Buffer> {
  return viaFile((f) => writeXlsx(f, sheet, headers, rows), 'file.xlsx');
}

export function enterprisesCsv(enterprises: readonly Enterprise[]): Promise<Buffer> {
  return csvBytes(ENTERPRISE_HEADERS, enterprises.map(enterpriseCells));
}

export function enterprisesXlsx(enterprises: readonly Enterprise[]): Promise<Buffer> {
  return xlsxBytes('检查对象名录库', ENTERPRISE_HEADERS, enterprises.map(enterpriseCells));
}

export function staffCsv(staff: readonly Staff[]): Promise<Buffer> {
  return csvBytes(STAFF_HEADERS, staff.map(staffCells));
}

export function staffXlsx(staff: readonly Staff[]): Promise<Buffer> {
  return xlsxBytes('执法检查人员名录库', STAFF_HEADERS, staff.map(staffCells));
}

/** The illustrative (not official) 2027 arrangement in test/fixtures. */
export const HOLIDAYS_2027 = path.join(__dirname, '..', 'fixtures', 'holidays-2027.csv');

export function holidays2027(): Buffer {
  return readFileSync(HOLIDAYS_2027);
}
