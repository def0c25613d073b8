/**
 * sample-data <dir>: writes the synthetic registries of domain/sampleData.ts in both formats:
 * enterprises.xlsx, enterprises.csv, staff.xlsx, staff.csv (headers exactly as docs/interfaces.md; XLSX dates are real
 * date cells and codes are text cells).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ENTERPRISE_HEADERS, STAFF_HEADERS } from '../domain/registryRows';
import { generateSampleData, type SampleData, type SampleDataOptions } from '../domain/sampleData';
import type { Enterprise, Staff } from '../domain/types';
import { writeCsv, writeXlsx, type OutCell } from './registryFile';

export const SAMPLE_FILES = ['enterprises.xlsx', 'enterprises.csv', 'staff.xlsx', 'staff.csv'] as const;

export function enterpriseCells(e: Enterprise): OutCell[] {
  return [
    e.name,
    e.uscc,
    e.licenceNo,
    e.product,
    e.category,
    { date: e.validFrom },
    { date: e.validTo },
    e.county,
    e.address,
    e.riskClass,
    e.contact ?? '',
    e.phone ?? '',
  ];
}

export function staffCells(s: Staff): OutCell[] {
  return [s.name, s.openId, s.roles.join('、'), s.unit, s.county, s.businessLine ?? '', s.expertise ?? '', s.avoid.join('、')];
}

export interface SampleFilesResult {
  dir: string;
  files: string[];
  data: SampleData;
}

export async function writeSampleData(dir: string, opts: SampleDataOptions): Promise<SampleFilesResult> {
  const data = generateSampleData(opts);
  await mkdir(dir, { recursive: true });
  const e = data.enterprises.map(enterpriseCells);
  const s = data.staff.map(staffCells);
  const files = SAMPLE_FILES.map((f) => path.join(dir, f));
  await writeXlsx(files[0]!, '检查对象名录库', ENTERPRISE_HEADERS, e);
  await writeCsv(files[1]!, ENTERPRISE_HEADERS, e);
  await writeXlsx(files[2]!, '执法检查人员名录库', STAFF_HEADERS, s);
  await writeCsv(files[3]!, STAFF_HEADERS, s);
  return { dir, files, data };
}
