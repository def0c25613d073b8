/**
 * The county's report to the city bureau (notice 四(四)): each county bureau sends its 监督检查情况汇报 and its 附件5
 * 《情况汇总表》 by 11月15日 of the campaign year (for a window ending after 10-31: 15 days after its end, see
 * countyReportDue). Pure rules: the due date and the reminder days.
 *
 * Reminders (working days only; to the liaison(s) of each county that has not sent its 情况汇报):
 * - 5 working days before the due date, and 1 working day before it (each once: thresholds, so a run missed on the
 *   exact day is made up the next working day);
 * - on the due date; when it is not a working day (2025-11-15 is a Saturday, 2026-11-15 a Sunday), on the last
 *   working day before it instead, saying so: that is the last day a county bureau can still send it, and the D−5 and
 *   D−1 reminders count back from that day. Nobody is reminded on the rest day itself (the job runs on working days);
 *   a 调休 Saturday is a working day and gets the reminder as a weekday does;
 * - after it, every working day until sent; the 市局联络员 get the list of counties still missing on overdue working
 *   day 1 and then every 5th (1, 6, 11 …).
 * For 2024 (11-15 a Friday): Fri 11-08, Thu 11-14, Fri 11-15, then from Mon 11-18 daily.
 * For 2025 (11-15 a Saturday): Fri 11-07, Thu 11-13, Fri 11-14 (the last working day), then from Mon 11-17 daily.
 * For 2026 (11-15 a Sunday): Fri 11-06, Thu 11-12, Fri 11-13 (the last working day), then from Mon 11-16 daily.
 */
import { weekdayOf } from './calendar';
import { isWorkingDayLenient, workingDayOnOrBefore, workingDaysBetweenLenient } from './followup';
import { addCalendarDays, charLength } from './inspection';

export const COUNTY_REPORT_DUE_MONTH_DAY = '11-15';
export const COUNTY_REPORT_REMINDER_DAYS: readonly number[] = [5, 1];
export const COUNTY_REPORT_ESCALATE_EVERY = 5;
export const MAX_REPORT_FILE_NAME = 100;
/** bytes stored in the database (larger files are kept by their Feishu file key only) */
export const MAX_REPORT_BYTES = 10 * 1024 * 1024;

/** The notice's 11-15 comes 15 days after its inspection period (to 10-31): the same distance after a later end. */
export const COUNTY_REPORT_DAYS_AFTER_END = 15;

/**
 * The 情况汇报's due date for a campaign: 11-15 of its year, as the notice sets it; for a campaign whose inspection
 * window ends after 10-31, 15 days after its end instead, since no county can report on inspections still under way
 * (e.g. a window to 12-31 reports by 01-15 of the next year).
 */
export function countyReportDue(campaign: { year: number; to: string }): string {
  const notice = `${campaign.year}-${COUNTY_REPORT_DUE_MONTH_DAY}`;
  const afterEnd = addCalendarDays(campaign.to, COUNTY_REPORT_DAYS_AFTER_END);
  return afterEnd > notice ? afterEnd : notice;
}

export type CountyReportReminderKind = 'rep-d5' | 'rep-d1' | 'rep-due' | 'rep-overdue';

export interface CountyReportReminder {
  kind: CountyReportReminderKind;
  /** working days left (before) or overdue (after) */
  days: number;
  /** also report the missing counties to the city bureau today */
  escalate: boolean;
  /** rep-due on the last working day before a due date that is a rest day: the due date's weekday, 0 = Sunday … 6 */
  dueOnRestDay?: number;
}

/** The last working day on or before the due date: the due date itself, or the working day before a weekend or holiday. */
export function countyReportLastWorkingDay(due: string): string {
  return workingDayOnOrBefore(due);
}

/** The reminder due on `today` for a county that has not sent its report (the caller runs on working days only). */
export function countyReportReminder(today: string, due: string): CountyReportReminder | undefined {
  if (!isWorkingDayLenient(today)) return undefined;
  const last = countyReportLastWorkingDay(due);
  if (today === last) return last === due ? { kind: 'rep-due', days: 0, escalate: false } : { kind: 'rep-due', days: 0, escalate: false, dueOnRestDay: weekdayOf(due) };
  if (today < last) {
    const left = workingDaysBetweenLenient(today, last);
    const [near, far] = [Math.min(...COUNTY_REPORT_REMINDER_DAYS), Math.max(...COUNTY_REPORT_REMINDER_DAYS)];
    if (left <= near) return { kind: 'rep-d1', days: left, escalate: false };
    if (left <= far) return { kind: 'rep-d5', days: left, escalate: false };
    return undefined;
  }
  // today is a working day after `last`, so after the due date too (the days between are rest days)
  const overdue = workingDaysBetweenLenient(due, today);
  if (overdue < 1) return undefined;
  return { kind: 'rep-overdue', days: overdue, escalate: (overdue - 1) % COUNTY_REPORT_ESCALATE_EVERY === 0 };
}

export function checkReportFileName(raw: unknown): { ok: true; name: string } | { ok: false; error: string } {
  const name = typeof raw === 'string' ? raw.replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_').trim() : '';
  if (name === '') return { ok: false, error: '缺少文件名' };
  if (charLength(name) > MAX_REPORT_FILE_NAME) return { ok: false, error: `文件名最多 ${MAX_REPORT_FILE_NAME} 字` };
  return { ok: true, name };
}

/**
 * The documents a county liaison may send as its 情况汇报 in chat (the report itself, its 附件5, a scan, or both in an
 * archive), at most 20 MB like every file the bot reads. By extension, lower case, without the dot.
 */
export const REPORT_FILE_TYPES: readonly { ext: string; what: string }[] = [
  { ext: 'doc', what: 'Word' },
  { ext: 'docx', what: 'Word' },
  { ext: 'wps', what: 'WPS 文字' },
  { ext: 'rtf', what: 'RTF' },
  { ext: 'odt', what: 'OpenDocument 文本' },
  { ext: 'pdf', what: 'PDF' },
  { ext: 'ofd', what: 'OFD 版式文件' },
  { ext: 'xls', what: 'Excel' },
  { ext: 'xlsx', what: 'Excel' },
  { ext: 'et', what: 'WPS 表格' },
  { ext: 'ods', what: 'OpenDocument 表格' },
  { ext: 'csv', what: 'CSV' },
  { ext: 'zip', what: '压缩包' },
  { ext: 'rar', what: '压缩包' },
  { ext: '7z', what: '压缩包' },
];

/** The accepted types as one line, for the answer to a file of another type. */
export const REPORT_FILE_TYPES_TEXT = REPORT_FILE_TYPES.map((t) => `.${t.ext}`).join(' ');

/** The extension of a file name (lower case, without the dot), or '' when it has none. */
export function fileExtension(name: string): string {
  const m = /\.([A-Za-z0-9]{1,8})$/.exec(name.trim());
  return m ? m[1]!.toLowerCase() : '';
}

/** Whether a file of this name may be sent as a 情况汇报. */
export function isReportFileType(name: string): boolean {
  const ext = fileExtension(name);
  return REPORT_FILE_TYPES.some((t) => t.ext === ext);
}
