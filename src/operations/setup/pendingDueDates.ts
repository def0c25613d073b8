/**
 * After a holiday calendar is imported:
 * - every publication due date stored as “待定” (`publication.dueDate` '', set when a record was completed — or a
 *   closure confirmed — while the calendar lacked a year the 20-working-day count needs) is computed again from the
 *   task's completion date (completionDateOf);
 * - every due date already computed whose count runs into the imported year, not yet published, is computed again
 *   too: an arrangement amended in mid-year (docs/domain.md §6.4) moves the 20th working day, and a stored date left
 *   as it was would be reminded, and reported overdue, on the wrong day;
 * and the people waiting on it — the county's liaison(s) and the team's 组长, who publish the result — are told the
 * new date: one card per person listing their tasks. Dates that still cannot be computed stay “待定”.
 * A due date is filled only where it is still '' (the reminders job may fill it too; whoever fills it announces it),
 * and moved only from the value read (compare-and-set).
 */
import type { CalendarYear } from '../../domain/calendar';
import { addWorkingDaysLenient, publicationDueDate, PUBLICATION_WORKING_DAYS } from '../../domain/followup';
import { completionDateOf } from '../../domain/outcome';
import { dueDatesSetCard, type DueDateSetRow } from '../../bot/setupCards';
import { taskModel, type TaskDoc, type TaskState } from '../../store/task';
import { COMPLETED_FILTER, countyLiaisons, newPublication, teamLeads, unique, type FollowUpDeps } from '../followup/common';

export interface PendingDueDatesRun {
  filled: number;
  /** due dates computed before, changed by the imported arrangement */
  moved: number;
  notified: number;
  stillPending: number;
}

const PENDING = {
  state: { $in: ['待公示', '待整改'] as TaskState[] },
  ...COMPLETED_FILTER,
  'publication.dueDate': '',
  'publication.publishedOn': { $exists: false },
};

function pendingTasks(deps: Pick<FollowUpDeps, 'conn'>) {
  return taskModel(deps.conn).find(PENDING).sort({ _id: 1 }).lean<TaskDoc[]>();
}

/** How many “待定” due dates a calendar of `year` may settle: those whose 20-working-day count runs into that year. */
export async function pendingDueDatesTouching(deps: Pick<FollowUpDeps, 'conn'>, year: number): Promise<number> {
  const tasks = await pendingTasks(deps);
  return tasks.filter((t) => {
    const done = completionDateOf(t);
    if (!done) return false;
    const end = Number(addWorkingDaysLenient(done, PUBLICATION_WORKING_DAYS).slice(0, 4));
    return Number(done.slice(0, 4)) <= year && year <= end;
  }).length;
}

/**
 * Unpublished results whose 20-working-day count may run through `year`: a stored due date in that year or later,
 * from a completion date in that year or before. With that completion date and the stored due date.
 */
async function datedTasks(deps: Pick<FollowUpDeps, 'conn'>, year: number): Promise<{ task: TaskDoc; done: string; stored: string }[]> {
  const tasks = await taskModel(deps.conn)
    .find({ ...PENDING, 'publication.dueDate': { $gte: `${year}-01-01` } })
    .sort({ _id: 1 })
    .lean<TaskDoc[]>();
  return tasks.flatMap((task) => {
    const done = completionDateOf(task);
    return done && done <= `${year}-12-31` ? [{ task, done, stored: task.publication!.dueDate }] : [];
  });
}

/** The stored due dates that `calendar` (a file not yet imported) would move, read as it would read them. */
export async function dueDatesMovedBy(deps: Pick<FollowUpDeps, 'conn'>, calendar: CalendarYear): Promise<number> {
  const dated = await datedTasks(deps, calendar.year);
  return dated.filter(({ done, stored }) => {
    const next = publicationDueDate(done, calendar);
    return next.known && next.date !== stored;
  }).length;
}

/**
 * Computes the pending due dates, and again the stored ones `year`'s arrangement may move, with the calendar as it is
 * now loaded (reload it first), and tells the people responsible. `key` makes the notices idempotent (e.g. the import
 * log entry's id).
 */
export async function fillPendingDueDates(deps: FollowUpDeps, key: string, year: number): Promise<PendingDueDatesRun> {
  const now = deps.now();
  const filled: { task: TaskDoc; dueDate: string; previous?: string }[] = [];
  let stillPending = 0;
  for (const task of await pendingTasks(deps)) {
    const done = completionDateOf(task);
    if (!done) {
      stillPending += 1; // not expected: a completed task always has its date
      continue;
    }
    const next = newPublication(done, now);
    if (!next.dueDate) {
      stillPending += 1;
      continue;
    }
    const res = await taskModel(deps.conn).updateOne(
      { _id: task._id, ...PENDING },
      { $set: { 'publication.dueDate': next.dueDate }, $unset: { 'publication.dueNote': 1 } },
    );
    if (res.modifiedCount > 0) filled.push({ task, dueDate: next.dueDate });
  }
  let moved = 0;
  for (const { task, done, stored: previous } of await datedTasks(deps, year)) {
    const next = newPublication(done, now);
    if (!next.dueDate || next.dueDate === previous) continue;
    const res = await taskModel(deps.conn).updateOne(
      { _id: task._id, ...PENDING, 'publication.dueDate': previous },
      { $set: { 'publication.dueDate': next.dueDate } },
    );
    if (res.modifiedCount === 0) continue;
    moved += 1;
    filled.push({ task, dueDate: next.dueDate, previous });
  }

  const byPerson = new Map<string, DueDateSetRow[]>();
  const liaisonsOf = new Map<string, string[]>();
  for (const { task, dueDate, previous } of filled) {
    const county = task.enterprise.county;
    if (!liaisonsOf.has(county)) liaisonsOf.set(county, await countyLiaisons(deps, county));
    const row: DueDateSetRow = {
      enterprise: task.enterprise.name,
      county,
      licenceNo: task.enterprise.licenceNo,
      completionDate: completionDateOf(task) ?? '',
      dueDate,
      ...(previous ? { previous } : {}),
    };
    for (const openId of unique([...liaisonsOf.get(county)!, ...teamLeads(task)])) {
      byPerson.set(openId, [...(byPerson.get(openId) ?? []), row]);
    }
  }
  for (const [openId, rows] of byPerson) {
    await deps.outbox.sendCard(`cal:due:${key}:${openId}`, { openId }, dueDatesSetCard(rows));
  }
  deps.log.info({ filled: filled.length - moved, moved, notified: byPerson.size, stillPending }, 'publication due dates computed');
  return { filled: filled.length - moved, moved, notified: byPerson.size, stillPending };
}
