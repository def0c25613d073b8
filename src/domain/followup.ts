/**
 * What follows an inspection, as pure rules: the publication deadline (一公开, 20 working days), the result label
 * that is published, who may confirm a rectification (附件2) or record the publication, and which reminders are due
 * on a given day. No I/O and no clock: callers pass `today` (YYYY-MM-DD, Asia/Shanghai).
 *
 * Rules (see also src/operations/followup/README.md):
 * - Publication due date = addWorkingDays(completionDate, 20): the notice's 三(三) “在监督检查任务完成之日起 20 个
 *   工作日内”, on the official calendar (调休 counted), the completion day itself not counted. Where the calendar has
 *   no data for a year it needs, the due date is unknown: `publicationDueDate` says why in Chinese and gives a
 *   Monday–Friday estimate to show (never used as the deadline).
 * - Reminders run on working days only. Before the due date: D−5 and D−2 (working days left). On the due date.
 *   Overdue: every working day to those responsible (county liaison(s) and the 组长), and escalated to the city
 *   bureau (市局 联络员 and 领导) on overdue working day 1 and then every 5th working day (1, 6, 11 …: about once a
 *   week), so the section head hears of it at once and weekly, not daily.
 * - Rectification (附件1 deadline, calendar days): on the deadline day itself (when it is a working day) and then,
 *   while not confirmed on site, on overdue working day 1 and every 3rd (1, 4, 7 …) to the county liaison(s);
 *   escalated to the city bureau from overdue working day 5, every 5th (5, 10, 15 …).
 * - Published result (dictionary, docs/domain.md §2.6 and domain/results.ts; never free text): 未发现问题; 发现问题经责令已改正 once the county
 *   confirmed the rectification; 发现问题待后续处理 when published before that (allowed: the 20-working-day clock can
 *   run out before a 15-day rectification and its on-site confirmation). Such a publication can later be updated to
 *   发现问题经责令已改正 once the rectification is confirmed.
 */
import {
  CalendarDataMissingError,
  addWorkingDays,
  fixedHolidays,
  isWorkingDay,
  isYearCovered,
  parseDate,
  type CalendarYear,
} from './calendar';
import { addCalendarDays, charLength } from './inspection';

export const PUBLICATION_WORKING_DAYS = 20;
/** working days before the publication due date on which the responsible people are reminded */
export const PUBLICATION_REMINDER_DAYS: readonly number[] = [5, 2];
/** overdue publication: escalate on overdue working day 1, then every this many working days */
export const PUBLICATION_ESCALATE_EVERY = 5;
/** working days before the rectification deadline on which the county is reminded to plan the on-site visit */
export const RECTIFICATION_REMINDER_DAYS = 2;
/** overdue rectification confirmation: remind the county on overdue working day 1, then every this many */
export const RECTIFICATION_REMIND_EVERY = 3;
/** overdue rectification confirmation: escalate from this overdue working day on … */
export const RECTIFICATION_ESCALATE_AFTER = 5;
/** … and then every this many working days */
export const RECTIFICATION_ESCALATE_EVERY = 5;

export const MAX_DONE_LENGTH = 500;
export const MAX_OPINION_LENGTH = 500;
export const MAX_REFERENCE_LENGTH = 200;

/** 附件2 整改结果确认单: the 确认意见 sentence of the notice (prefilled; the county may edit it). */
export const RECTIFICATION_OPINION =
  '该企业按照检查组提出的整改意见已全部完成整改，符合工业产品生产许可证实施细则通则及相关产品生产许可证实施细则等相关法律法规和相关规定的要求。';
export const CONFIRMATION_SHEET_TITLE = '市级“双随机、一公开”监督检查整改结果确认单';

// ---- published result -------------------------------------------------------------------------------------------

export const PUBLISHED_RESULTS = ['未发现问题', '发现问题经责令已改正', '发现问题待后续处理'] as const;
export type PublishedResult = (typeof PUBLISHED_RESULTS)[number];

/** The label published for an inspection outcome ('未发现问题' | '发现问题'). */
export function publishedResultLabel(result: string | undefined, rectificationConfirmed: boolean): PublishedResult {
  if (result !== '发现问题') return '未发现问题';
  return rectificationConfirmed ? '发现问题经责令已改正' : '发现问题待后续处理';
}

// ---- calendar: official where covered, Monday–Friday estimate elsewhere ------------------------------------------

function yearOf(date: string): number {
  return Number(parseDate(date).slice(0, 4));
}

function weekday(date: string): number {
  const [y, m, d] = parseDate(date).split('-').map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  return t.getUTCDay();
}

/** Whether the official calendar covers the year of `date`. */
export function calendarCovers(date: string): boolean {
  return isYearCovered(yearOf(date));
}

/**
 * A working day on the official calendar; in a year it has no data for, an estimate: Monday–Friday, except the
 * statutory holidays on fixed dates (元旦, 劳动节, 国庆节), which every arrangement rests on.
 */
export function isWorkingDayLenient(date: string): boolean {
  if (calendarCovers(date)) return isWorkingDay(date);
  const w = weekday(date);
  const day = parseDate(date);
  return w >= 1 && w <= 5 && !fixedHolidays(yearOf(day)).some((h) => h.date === day);
}

/** Working days after `from` up to and including `to` (0 when `to` is not after `from`), lenient as above. */
export function workingDaysBetweenLenient(from: string, to: string): number {
  let count = 0;
  for (let day = addCalendarDays(from, 1); day <= parseDate(to); day = addCalendarDays(day, 1)) {
    if (isWorkingDayLenient(day)) count += 1;
  }
  return count;
}

/**
 * The day a period ends on: `date` itself when it is a working day, else the next working day (lenient as above) —
 * a period whose last day is a rest day ends on the first working day after it (docs/domain.md §2.7). Deadlines are
 * stored that way already (inspection.ts rectificationDeadline); this covers one stored while the calendar lacked
 * its year, or a day an imported calendar later made a holiday.
 */
export function periodEnd(date: string): string {
  let day = parseDate(date);
  while (!isWorkingDayLenient(day)) day = addCalendarDays(day, 1);
  return day;
}

/**
 * The latest stored rectification deadline that is overdue on `today`: a deadline is overdue when the working day
 * its period ends on (periodEnd) is before today, which holds exactly when the deadline is on or before the last
 * working day before today (lenient as above). For counting in a query (progress.ts) without calling periodEnd per task.
 */
export function rectificationOverdueCutoff(today: string): string {
  return workingDayOnOrBefore(dayBefore(today));
}

/** `date` when it is a working day, else the last working day before it (lenient as above). */
export function workingDayOnOrBefore(date: string): string {
  let day = parseDate(date);
  // a rest period is at most a few weeks long (the longest holiday is 8 days); the bound only guards the loop
  for (let i = 0; i < 31 && !isWorkingDayLenient(day); i += 1) day = dayBefore(day);
  return day;
}

/** The calendar day before `date` (YYYY-MM-DD). */
export function dayBefore(date: string): string {
  const [y, m, d] = parseDate(date).split('-').map(Number) as [number, number, number];
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d - 1);
  return `${String(t.getUTCFullYear()).padStart(4, '0')}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`;
}

/** The n-th working day after `date`, lenient as above. */
export function addWorkingDaysLenient(date: string, n: number): string {
  let day = parseDate(date);
  for (let left = n; left > 0; ) {
    day = addCalendarDays(day, 1);
    if (isWorkingDayLenient(day)) left -= 1;
  }
  return day;
}

// ---- publication due date ---------------------------------------------------------------------------------------

export type DueDate =
  | { known: true; date: string }
  | { known: false; year: number; estimate: string; note: string };

export function dueDateNote(year: number, estimate: string): string {
  return `日历数据缺少${year}年的法定节假日安排，公示截止日期暂无法确定（按周一至周五（元旦、劳动节、国庆节除外）估算约为 ${estimate}，以日历更新后的正式日期为准）。`;
}

/** The publication due date: 20 working days after the completion date, or why it cannot be computed yet. */
export function publicationDueDate(completionDate: string, under?: CalendarYear): DueDate {
  try {
    return { known: true, date: addWorkingDays(completionDate, PUBLICATION_WORKING_DAYS, under) };
  } catch (err) {
    if (!(err instanceof CalendarDataMissingError)) throw err;
    const estimate = addWorkingDaysLenient(completionDate, PUBLICATION_WORKING_DAYS);
    return { known: false, year: err.year, estimate, note: dueDateNote(err.year, estimate) };
  }
}

/** Where the publication deadline stands on `today` (for cards): days left, due today, or days overdue. */
export type DueStatus =
  | { stage: 'before'; left: number }
  | { stage: 'due' }
  | { stage: 'overdue'; overdue: number };

export function dueStatus(dueDate: string, today: string): DueStatus {
  if (today < dueDate) return { stage: 'before', left: workingDaysBetweenLenient(today, dueDate) };
  if (today === dueDate) return { stage: 'due' };
  return { stage: 'overdue', overdue: workingDaysBetweenLenient(dueDate, today) };
}

// ---- who may do what ---------------------------------------------------------------------------------------------

export interface FollowUpActor {
  openId: string;
  roles: readonly string[];
  county?: string;
}

/*
 * Who may confirm a rectification (附件2), record a 立案/移交 or the publication is decided by the policy table
 * (src/policies.ts); the cards use the list-based forms below, which give the same answers (policies.test.ts).
 */

/**
 * 附件2 on-site confirmation: a liaison of the enterprise's own county (`ownCountyLiaisons`: empty when the county
 * has none — the city bureau does not stand in; notice 二(二)). 立案 / 移交 and the publication: see mayDispose.
 */
export function mayConfirmRectification(openId: string, ownCountyLiaisons: readonly string[]): boolean {
  return ownCountyLiaisons.includes(openId);
}

/** 立案 / 移交: a liaison responsible for the enterprise's county (`countyLiaisons`: its own, or the city bureau's when it has none). */
export function mayDispose(openId: string, countyLiaisons: readonly string[]): boolean {
  return countyLiaisons.includes(openId);
}

/**
 * Recording the publication (谁检查、谁录入): an officer of the team (组长, 执法人员; not an expert), or a liaison
 * responsible for the enterprise's county (`countyLiaisons` as above).
 */
export function mayPublish(openId: string, team: readonly { openId: string; role?: string }[], countyLiaisons: readonly string[]): boolean {
  return team.some((m) => m.openId === openId && m.role !== '专家') || countyLiaisons.includes(openId);
}

// ---- input checks ------------------------------------------------------------------------------------------------

export type TextCheck = { ok: true; text: string } | { ok: false; error: 'required' | 'tooLong'; length?: number };

function checkText(raw: unknown, max: number, required: boolean): TextCheck {
  const text = typeof raw === 'string' ? raw.replace(/\r\n?/g, '\n').trim() : '';
  if (required && text === '') return { ok: false, error: 'required' };
  const length = charLength(text);
  if (length > max) return { ok: false, error: 'tooLong', length };
  return { ok: true, text };
}

export const checkDone = (raw: unknown): TextCheck => checkText(raw, MAX_DONE_LENGTH, true);
export const checkOpinion = (raw: unknown): TextCheck => checkText(raw, MAX_OPINION_LENGTH, true);
export const checkReference = (raw: unknown): TextCheck => checkText(raw, MAX_REFERENCE_LENGTH, false);

export type PublishedOnCheck =
  | { ok: true; date: string }
  | { ok: false; error: 'badDate' }
  | { ok: false; error: 'future'; today: string }
  | { ok: false; error: 'beforeCompletion'; earliest: string };

/**
 * The publication date as the date picker sends it ('2024-04-01 +0800'), or typed ('2024-04-01', '2024/4/1');
 * empty means today. It must not be in the future, nor before `earliest` (the completion date; for an update of
 * the published result, the first publication date).
 */
export function checkPublishedOn(raw: unknown, today: string, earliest: string): PublishedOnCheck {
  const text = typeof raw === 'string' ? raw.trim() : '';
  let date = today;
  if (text !== '') {
    const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:\s+[+-]\d{4})?$/.exec(text);
    if (!m) return { ok: false, error: 'badDate' };
    date = `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}`;
    try {
      parseDate(date);
    } catch {
      return { ok: false, error: 'badDate' };
    }
  }
  if (date > today) return { ok: false, error: 'future', today };
  if (date < earliest) return { ok: false, error: 'beforeCompletion', earliest };
  return { ok: true, date };
}

// ---- reminders ----------------------------------------------------------------------------------------------------

/** What the reminder rules need to know about a task. */
export interface FollowUpFacts {
  state: string;
  /** inspection.result: '未发现问题' | '发现问题' */
  result?: string;
  /** publication.dueDate; '' or absent when unknown */
  dueDate?: string;
  published: boolean;
  /** inspection.rectification.deadline (calendar days, 附件1) */
  rectificationDeadline?: string;
  rectificationConfirmed: boolean;
  /** the county opened a case (立案) or transferred it (移交): no rectification to confirm */
  disposed?: boolean;
}

export type ReminderKind = 'pub-d5' | 'pub-d2' | 'pub-due' | 'pub-overdue' | 'rect-d2' | 'rect-due' | 'rect-overdue';

export interface Reminder {
  kind: ReminderKind;
  subject: 'publication' | 'rectification';
  /** the deadline concerned (publication due date or rectification deadline; for the latter the working day it ends on) */
  deadline: string;
  /** a rectification deadline stored on a rest day (set while the calendar lacked its year): the day on 附件1 */
  statedDeadline?: string;
  /** working days left (before the deadline) */
  left: number;
  /** working days overdue (after the deadline) */
  overdue: number;
  /** send the responsible people a reminder card */
  remind: boolean;
  /** report to the city bureau (市局 联络员 and 领导) */
  escalate: boolean;
}

export function publicationPending(f: FollowUpFacts): boolean {
  return (f.state === '待公示' || f.state === '待整改') && !f.published;
}

export function rectificationPending(f: FollowUpFacts): boolean {
  return (
    f.result === '发现问题' &&
    !f.disposed &&
    f.rectificationDeadline !== undefined &&
    !f.rectificationConfirmed &&
    (f.state === '待整改' || f.state === '已公示')
  );
}

/**
 * The reminders due on `today` for one task. The caller runs this on working days only (isWorkingDayLenient);
 * on another day it returns nothing. A task whose due date is unknown gets no publication reminder (the city
 * liaison is told the calendar needs updating instead).
 */
export function dueReminders(f: FollowUpFacts, today: string): Reminder[] {
  if (!isWorkingDayLenient(today)) return [];
  const out: Reminder[] = [];
  if (publicationPending(f) && f.dueDate) {
    const due = f.dueDate;
    const s = dueStatus(due, today);
    const base = { subject: 'publication' as const, deadline: due, left: 0, overdue: 0 };
    // Thresholds, not exact days: a run missed (a restart at 09:00) is made up by the next one; the caller's
    // keys (per kind and due date for these) keep each reminder to once.
    const [far, near] = [Math.max(...PUBLICATION_REMINDER_DAYS), Math.min(...PUBLICATION_REMINDER_DAYS)];
    if (s.stage === 'before' && s.left <= far) {
      out.push({ ...base, kind: s.left > near ? 'pub-d5' : 'pub-d2', left: s.left, remind: true, escalate: false });
    } else if (s.stage === 'due') {
      out.push({ ...base, kind: 'pub-due', remind: true, escalate: false });
    } else if (s.stage === 'overdue' && s.overdue >= 1) {
      out.push({ ...base, kind: 'pub-overdue', overdue: s.overdue, remind: true, escalate: (s.overdue - 1) % PUBLICATION_ESCALATE_EVERY === 0 });
    }
  }
  if (rectificationPending(f)) {
    const stated = f.rectificationDeadline!;
    const deadline = periodEnd(stated);
    const base = { subject: 'rectification' as const, deadline, ...(deadline !== stated ? { statedDeadline: stated } : {}), left: 0, overdue: 0 };
    if (today < deadline) {
      const left = workingDaysBetweenLenient(today, deadline);
      // a threshold, as for the publication: the caller keys it by the deadline, so it goes once
      if (left <= RECTIFICATION_REMINDER_DAYS) out.push({ ...base, kind: 'rect-d2', left, remind: true, escalate: false });
    } else if (today === deadline) {
      out.push({ ...base, kind: 'rect-due', remind: true, escalate: false });
    } else {
      const o = workingDaysBetweenLenient(deadline, today);
      const remind = o >= 1 && (o - 1) % RECTIFICATION_REMIND_EVERY === 0;
      const escalate = o >= RECTIFICATION_ESCALATE_AFTER && (o - RECTIFICATION_ESCALATE_AFTER) % RECTIFICATION_ESCALATE_EVERY === 0;
      if (remind || escalate) out.push({ ...base, kind: 'rect-overdue', overdue: o, remind, escalate });
    }
  }
  return out;
}

/** ISO week of a date, e.g. '2026-W48' (the calendar-data warning goes out once a week). */
export function isoWeek(date: string): string {
  const [y, m, d] = parseDate(date).split('-').map(Number);
  const t = new Date(0);
  t.setUTCFullYear(y, m - 1, d);
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day); // Thursday of this week decides the year
  const yearStart = new Date(0);
  yearStart.setUTCFullYear(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart.getTime()) / 86_400_000 + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
