/**
 * The yearly set-up from files sent in chat (docs/interfaces.md "Set-up in chat"): read a file, recognise its kind by
 * the header row, preview it (a dry run: nothing changes), and on `确认导入` import exactly the file previewed.
 * The registries are read and validated by the same code as the CLI (operations/registryFile.ts,
 * domain/registryRows.ts, operations/importEnterprises.ts and importStaff.ts); the holiday calendar by
 * domain/holidayCalendar.ts. Every import is written to the import log.
 */
import type { Connection } from 'mongoose';
import { builtInYear, type CalendarYear } from '../../domain/calendar';
import { calendarDifferences, readCalendarRows, type CalendarFileResult } from '../../domain/holidayCalendar';
import {
  ENTERPRISE_SPEC,
  STAFF_SPEC,
  validateEnterpriseRows,
  validateStaffRows,
  type RowRejection,
} from '../../domain/registryRows';
import { recogniseHeader, type SetupFileKind } from '../../domain/setupFiles';
import type { Enterprise, Staff } from '../../domain/types';
import { calendarYearModel } from '../../store/calendarYear';
import { enterpriseModel } from '../../store/enterprise';
import { importLogModel, type ImportLogDoc } from '../../store/importLog';
import { staffModel } from '../../store/staff';
import type { FollowUpDeps } from '../followup/common';
import { importEnterpriseRows, type ExpiredLicence, type SharedLicence } from '../importEnterprises';
import { importStaffRows, type AvoidConflict } from '../importStaff';
import { formatOf, readSheetData, RegistryFileError, sheetToRows, type SheetRow } from '../registryFile';
import { reloadCalendars } from './calendarSync';
import { dueDatesMovedBy, fillPendingDueDates, pendingDueDatesTouching, type PendingDueDatesRun } from './pendingDueDates';
import { diffRows, type RowDiff } from './registryDiff';
import { sha256Hex } from './uploads';

/** Files larger than this are refused before anything reads them. */
export const MAX_SETUP_FILE_BYTES = 20 * 1024 * 1024;

export type SetupDeps = FollowUpDeps;

// ---- reading and recognising ---------------------------------------------------------------------------------------

export type ReadRefusal =
  | { code: 'format'; message: string }
  | { code: 'unreadable'; message: string }
  | { code: 'empty' }
  | { code: 'incomplete'; title: string; message: string }
  | { code: 'unknown'; header: string[] };

/**
 * What to tell the sender when reading or validating a file failed: the reader's and validators' own one-line
 * Chinese reason (RegistryFileError, or any error whose message is Chinese, e.g. a size or row limit), else a
 * general line. Undefined for errors that are not about the file (e.g. the database went away): those propagate.
 */
export function fileFailure(err: unknown): string | undefined {
  if (err instanceof RegistryFileError) return err.message;
  if (!(err instanceof Error)) return undefined;
  if (/[\u4e00-\u9fff]/.test(err.message)) return err.message.split('\n')[0];
  // Not about the file: the database or a fault of ours (these propagate, are logged, and the event is retried).
  if (err instanceof TypeError || err instanceof ReferenceError) return undefined;
  if (/Mongo|ECONN|ETIMEDOUT|buffering timed out/i.test(`${err.name} ${err.message}`)) return undefined;
  return '无法读取这个文件：请确认它是 .xlsx 文件或 UTF-8 编码的 .csv 文件';
}

export type ReadSetupFile = { ok: true; kind: SetupFileKind; sheet: SheetRow[] } | { ok: false; refusal: ReadRefusal };

/**
 * Reads a file (CSV or XLSX, by its name) and recognises its kind by the header row. Errors of the reader come back
 * as the one Chinese line it gives.
 */
export async function readSetupFile(fileName: string, data: Buffer): Promise<ReadSetupFile> {
  let format: 'csv' | 'xlsx';
  try {
    format = formatOf(fileName);
  } catch (err) {
    if (err instanceof RegistryFileError) return { ok: false, refusal: { code: 'format', message: err.message } };
    throw err;
  }
  let sheet: SheetRow[];
  try {
    sheet = await readSheetData(data, format);
  } catch (err) {
    const message = fileFailure(err);
    if (message !== undefined) return { ok: false, refusal: { code: 'unreadable', message } };
    throw err;
  }
  const header = sheet[0];
  if (header === undefined) return { ok: false, refusal: { code: 'empty' } };
  const recognised = recogniseHeader(header.cells);
  if (recognised.kind === 'incomplete') return { ok: false, refusal: { code: 'incomplete', title: recognised.title, message: recognised.error } };
  if (recognised.kind === 'unknown') return { ok: false, refusal: { code: 'unknown', header: header.cells.slice(0, 12) } };
  return { ok: true, kind: recognised.kind, sheet };
}

/**
 * Whether a file is meant for the set-up: a spreadsheet whose header row is a set-up kind, complete or with columns
 * missing (a registry that lacks a column is still a registry). Used to keep such a file from being taken as a
 * closure's evidence or a 签字页 (bot/fileIntake.ts).
 */
export async function isSetupFile(fileName: string, data: Buffer): Promise<boolean> {
  const read = await readSetupFile(fileName, data);
  return read.ok || read.refusal.code === 'incomplete';
}

// ---- registries --------------------------------------------------------------------------------------------------

const ENTERPRISE_FIELDS: readonly (keyof Enterprise & string)[] = [
  'uscc', 'name', 'licenceNo', 'product', 'category', 'validFrom', 'validTo', 'county', 'address', 'riskClass', 'contact', 'phone',
];
const STAFF_FIELDS: readonly (keyof Staff & string)[] = ['openId', 'name', 'roles', 'unit', 'county', 'businessLine', 'expertise', 'avoid'];

export interface RegistryOutcome {
  kind: 'enterprises' | 'staff';
  dryRun: boolean;
  /** data rows read */
  total: number;
  diff: RowDiff;
  rejected: RowRejection[];
  /** enterprises: licences that end before the active campaign starts (imported, but out of its draw) */
  expired?: { campaign: { name: string; year: number; from: string }; enterprises: ExpiredLicence[] };
  /** enterprises: 获证产品 the licence catalogue does not know (no expert can be matched by product) */
  unknownProducts?: { line: number; value: string }[];
  /** enterprises: licence numbers a stored enterprise of another 统一社会信用代码 holds */
  sharedLicences?: SharedLicence[];
  /** staff: people by role */
  roles?: Record<string, number>;
  /** staff: 回避企业 codes not in 检查对象名录库 */
  unknownAvoid?: { line: number; uscc: string }[];
  /** staff: 回避 declared for an enterprise whose task (not yet inspected) has that person on its team */
  avoidConflicts?: AvoidConflict[];
}

/** The registry's counts for the import log and the result card. */
export function registryCounts(o: RegistryOutcome): Record<string, number> {
  return { rows: o.total, inserted: o.diff.inserted, updated: o.diff.updated, unchanged: o.diff.unchanged, rejected: o.rejected.length };
}

/** A dry run (nothing written) or the import of a registry sheet. */
export async function runRegistry(
  deps: SetupDeps,
  kind: 'enterprises' | 'staff',
  sheet: readonly SheetRow[],
  dryRun: boolean,
): Promise<RegistryOutcome> {
  const now = deps.now();
  if (kind === 'enterprises') {
    const rows = sheetToRows(sheet, ENTERPRISE_SPEC);
    const valid = validateEnterpriseRows(rows).valid.map((v) => v.value);
    const diff = await diffRows(enterpriseModel(deps.conn), 'uscc', ENTERPRISE_FIELDS, valid);
    const report = await importEnterpriseRows(deps.conn, rows, { dryRun, now });
    const outcome: RegistryOutcome = { kind, dryRun, total: report.total, diff, rejected: report.rejected };
    if (report.expiredBefore && report.expiredBefore.enterprises.length > 0) outcome.expired = report.expiredBefore;
    if (report.unknownProducts) outcome.unknownProducts = report.unknownProducts;
    if (report.sharedLicences) outcome.sharedLicences = report.sharedLicences;
    return outcome;
  }
  const rows = sheetToRows(sheet, STAFF_SPEC);
  const valid = validateStaffRows(rows).valid.map((v) => v.value);
  const diff = await diffRows(staffModel(deps.conn), 'openId', STAFF_FIELDS, valid);
  const report = await importStaffRows(deps.conn, rows, { dryRun, now });
  return {
    kind,
    dryRun,
    total: report.total,
    diff,
    rejected: report.rejected,
    roles: report.roles,
    unknownAvoid: report.unknownAvoid,
    avoidConflicts: report.avoidConflicts,
  };
}

/** Whether a preview has anything to import. */
export function registryImportable(o: RegistryOutcome): boolean {
  return o.diff.inserted + o.diff.updated + o.diff.unchanged > 0;
}

// ---- holiday calendar ----------------------------------------------------------------------------------------------

export interface CalendarPreview {
  result: CalendarFileResult;
  /** the package's own arrangement of that year differs on these dates (the imported file will win) */
  builtInDifferences?: { date: string; from: string; to: string }[];
  /** the year was imported before: by whom, when, and how this file differs */
  previous?: { byName: string; at: Date; differences: { date: string; from: string; to: string }[] };
  /** “待定” publication due dates this year's arrangement may settle */
  pendingDueDates: number;
  /** due dates already computed, not yet published, that this arrangement moves */
  movedDueDates: number;
}

export async function previewCalendar(deps: SetupDeps, sheet: readonly SheetRow[]): Promise<CalendarPreview> {
  const result = readCalendarRows(sheet);
  if (!result.ok) return { result, pendingDueDates: 0, movedDueDates: 0 };
  const { calendar } = result;
  const preview: CalendarPreview = {
    result,
    pendingDueDates: await pendingDueDatesTouching(deps, calendar.year),
    movedDueDates: await dueDatesMovedBy(deps, calendar),
  };
  const builtIn = builtInYear(calendar.year);
  if (builtIn) preview.builtInDifferences = calendarDifferences(builtIn, calendar);
  const stored = await calendarYearModel(deps.conn).findOne({ year: calendar.year }).lean();
  if (stored) {
    preview.previous = {
      byName: stored.byName,
      at: stored.updatedAt,
      differences: calendarDifferences({ year: stored.year, rest: stored.rest, work: stored.work ?? [] }, calendar),
    };
  }
  return preview;
}

export interface CalendarImport {
  calendar: CalendarYear;
  log: ImportLogDoc;
  dueDates: PendingDueDatesRun;
}

/**
 * Stores a validated year (replacing an earlier import of it), logs the import, loads it into this process's
 * calendar (the other instances follow within a minute: operations/setup/calendarSync.ts), then computes the “待定”
 * due dates and tells the people waiting on them. Shared by chat and the CLI.
 */
export async function importCalendarYear(
  deps: SetupDeps,
  input: { calendar: CalendarYear; fileName: string; size: number; sha256: string; source: 'chat' | 'cli'; by: string; byName: string },
): Promise<CalendarImport> {
  const { calendar } = input;
  const now = deps.now();
  const model = calendarYearModel(deps.conn);
  await model.init();
  await model.updateOne(
    { year: calendar.year },
    {
      $set: {
        rest: [...calendar.rest],
        work: [...calendar.work],
        fileName: input.fileName,
        sha256: input.sha256,
        source: input.source,
        by: input.by,
        byName: input.byName,
      },
    },
    { upsert: true },
  );
  await reloadCalendars(deps.conn);
  const log = await importLogModel(deps.conn).create({
    kind: 'calendar',
    fileName: input.fileName,
    size: input.size,
    sha256: input.sha256,
    source: input.source,
    by: input.by,
    byName: input.byName,
    at: now,
    year: calendar.year,
    counts: { rest: calendar.rest.length, work: calendar.work.length },
  });
  const dueDates = await fillPendingDueDates(deps, String(log._id), calendar.year);
  const counts = { ...log.counts, dueDatesFilled: dueDates.filled, dueDatesMoved: dueDates.moved, notified: dueDates.notified };
  await importLogModel(deps.conn).updateOne({ _id: log._id }, { $set: { counts } });
  return { calendar, log: { ...log.toObject(), counts }, dueDates };
}

// ---- the import log --------------------------------------------------------------------------------------------

/** A registry or a file of extra checklists imported from chat, in the import log. */
export async function logRegistryImport(
  conn: Connection,
  input: { kind: 'enterprises' | 'staff' | 'checklists'; fileName: string; data: Buffer; by: string; byName: string; counts: Record<string, number> },
  now: Date,
): Promise<ImportLogDoc> {
  const doc = await importLogModel(conn).create({
    kind: input.kind,
    fileName: input.fileName,
    size: input.data.length,
    sha256: sha256Hex(input.data),
    source: 'chat',
    by: input.by,
    byName: input.byName,
    at: now,
    counts: input.counts,
  });
  return doc.toObject();
}
