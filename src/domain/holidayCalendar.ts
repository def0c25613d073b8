/**
 * The holiday calendar file (docs/interfaces.md "Set-up in chat"): the State Council's arrangement for one year as
 * a table with the header `日期,类型`, one row per day that departs from Monday–Friday work — `休` a weekday off (a
 * holiday, or a day moved onto one), `班` a weekend worked (调休上班日). Extra columns (e.g. 备注) are ignored.
 * Pure: rows in, a CalendarYear (domain/calendar.ts) or the problems out.
 *
 * A file is accepted only when it describes one whole year consistently:
 * - every row has a real date (YYYY-MM-DD, or the forms spreadsheets show, as in the registries) and a type 休 or 班;
 * - all dates are in one year (a date of another year is a problem of its row);
 * - no date twice;
 * - a 班 day is a Saturday or Sunday, a 休 day is a Monday–Friday (a weekend is off anyway: listing it as 休 means
 *   the file was made another way, e.g. every holiday day including weekends, and the rest of it cannot be trusted);
 * - the year has holidays, and the statutory holidays on fixed dates that fall on a weekday are listed as 休:
 *   元旦 1月1日, 劳动节 5月1日 (and 5月2日 from 2025), 国庆节 10月1日–3日 (全国年节及纪念日放假办法, revised 2024).
 *   The lunar holidays (春节, 清明, 端午, 中秋) cannot be checked without a lunar calendar.
 */
import { fixedHolidays, weekdayOf, type CalendarYear } from './calendar';
import { normalizeDate } from './registryRows';

export const CALENDAR_HEADERS = ['日期', '类型'] as const;
export const REST = '休';
export const WORK = '班';

export interface CalendarRow {
  line: number;
  cells: readonly string[];
}

export interface CalendarProblem {
  /** the line in the file, when the problem belongs to one row */
  line?: number;
  reason: string;
}

export type CalendarFileResult =
  | { ok: true; calendar: CalendarYear; rows: number }
  | { ok: false; problems: CalendarProblem[]; rows: number; year?: number };

const WEEKDAY_NAMES = ['周日', '周一', '周二', '周三', '周四', '周五', '周六'];

function headerKey(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/[\s\uFEFF]+/g, '');
}

/** Whether a header row is the calendar's (it has both 日期 and 类型). */
export function isCalendarHeader(cells: readonly string[]): boolean {
  const keys = cells.map(headerKey);
  return CALENDAR_HEADERS.every((h) => keys.includes(h));
}

/** The most frequent year among the dates (the earliest on a tie). */
function mainYear(dates: readonly string[]): number | undefined {
  const counts = new Map<number, number>();
  for (const d of dates) counts.set(Number(d.slice(0, 4)), (counts.get(Number(d.slice(0, 4))) ?? 0) + 1);
  let best: number | undefined;
  for (const [year, n] of [...counts].sort((a, b) => a[0] - b[0])) if (best === undefined || n > counts.get(best)!) best = year;
  return best;
}

/** Validates the rows of a calendar file (the first row is the header). */
export function readCalendarRows(sheet: readonly CalendarRow[]): CalendarFileResult {
  const [header, ...data] = sheet;
  if (header === undefined) return { ok: false, rows: 0, problems: [{ reason: `文件为空：第1行应为表头（${CALENDAR_HEADERS.join(',')}）` }] };
  const keys = header.cells.map(headerKey);
  const missing = CALENDAR_HEADERS.filter((h) => !keys.includes(h));
  if (missing.length > 0) {
    return { ok: false, rows: data.length, problems: [{ line: header.line, reason: `缺少列：${missing.join('、')}（第1行应为表头：${CALENDAR_HEADERS.join(',')}）` }] };
  }
  if (keys.filter((k) => k === '日期').length > 1 || keys.filter((k) => k === '类型').length > 1) {
    return { ok: false, rows: data.length, problems: [{ line: header.line, reason: '表头中“日期”或“类型”出现了两次' }] };
  }
  if (data.length === 0) {
    return { ok: false, rows: 0, problems: [{ reason: '只有表头，没有任何日期：请每行填写一个与平常作息不同的日期（节假日“休”、调休上班“班”）' }] };
  }
  const dateCol = keys.indexOf('日期');
  const typeCol = keys.indexOf('类型');

  const problems: CalendarProblem[] = [];
  const parsed: { line: number; date: string; type: string }[] = [];
  for (const row of data) {
    const rawDate = (row.cells[dateCol] ?? '').trim();
    const rawType = (row.cells[typeCol] ?? '').trim();
    const reasons: string[] = [];
    const date = rawDate === '' ? null : normalizeDate(rawDate);
    if (rawDate === '') reasons.push('日期为空');
    else if (date === null) reasons.push(`日期“${rawDate}”不是有效日期（应为YYYY-MM-DD）`);
    if (rawType !== REST && rawType !== WORK) {
      reasons.push(rawType === '' ? `类型为空，应为“${REST}”或“${WORK}”` : `类型“${rawType}”无效，应为“${REST}”（节假日）或“${WORK}”（调休上班）`);
    }
    if (reasons.length > 0) problems.push({ line: row.line, reason: reasons.join('；') });
    else parsed.push({ line: row.line, date: date!, type: rawType });
  }

  const year = mainYear(parsed.map((p) => p.date));
  const firstLine = new Map<string, number>();
  const rest: string[] = [];
  const work: string[] = [];
  for (const p of parsed) {
    const reasons: string[] = [];
    if (Number(p.date.slice(0, 4)) !== year) reasons.push(`日期${p.date}不在${year}年：一个文件只能是一年的安排`);
    const first = firstLine.get(p.date);
    if (first !== undefined) reasons.push(`日期${p.date}与第${first}行重复`);
    else firstLine.set(p.date, p.line);
    const weekday = weekdayOf(p.date);
    const weekend = weekday === 0 || weekday === 6;
    if (p.type === WORK && !weekend) reasons.push(`“${WORK}”（调休上班）应为周六或周日，${p.date}是${WEEKDAY_NAMES[weekday]}`);
    if (p.type === REST && weekend) reasons.push(`“${REST}”应为周一至周五（周末本来就休息，不必列出），${p.date}是${WEEKDAY_NAMES[weekday]}`);
    if (reasons.length > 0) problems.push({ line: p.line, reason: reasons.join('；') });
    else (p.type === REST ? rest : work).push(p.date);
  }

  if (year !== undefined && problems.length === 0) {
    if (rest.length === 0) problems.push({ reason: `${year}年没有任何“${REST}”（节假日）：文件应列出该年全部放假的工作日` });
    const restSet = new Set(rest);
    for (const h of fixedHolidays(year)) {
      const weekday = weekdayOf(h.date);
      if (weekday === 0 || weekday === 6 || restSet.has(h.date)) continue;
      problems.push({ reason: `缺少法定节假日：${h.date}（${h.name}，${WEEKDAY_NAMES[weekday]}）应列为“${REST}”` });
    }
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  if (problems.length > 0 || year === undefined) return { ok: false, rows: data.length, problems, year };
  return { ok: true, rows: data.length, calendar: { year, rest: rest.sort(), work: work.sort() } };
}

/** Dates where two arrangements of one year differ (for the preview: an imported year overriding the package). */
export function calendarDifferences(a: CalendarYear, b: CalendarYear): { date: string; from: string; to: string }[] {
  const kind = (c: CalendarYear, d: string): string => (c.rest.includes(d) ? REST : c.work.includes(d) ? WORK : '平常');
  const dates = [...new Set([...a.rest, ...a.work, ...b.rest, ...b.work])].sort();
  return dates.filter((d) => kind(a, d) !== kind(b, d)).map((d) => ({ date: d, from: kind(a, d), to: kind(b, d) }));
}
