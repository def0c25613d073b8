/**
 * After a holiday calendar is imported: every publication due date stored as “待定” (`publication.dueDate` '', set
 * when a record was completed — or a closure confirmed — while the calendar lacked a year the 20-working-day count
 * needs) is computed again from the task's completion date (completionDateOf),
 * and the people waiting on it — the county's liaison(s) and the team's 组长, who publish the result — are told the
 * new date: one card per person listing their tasks. Dates that still cannot be computed stay “待定”.
 * A due date is filled only where it is still '' (the reminders job may fill it too; whoever fills it announces it).
 */
import { addWorkingDaysLenient, PUBLICATION_WORKING_DAYS } from '../../domain/followup';
import { completionDateOf } from '../../domain/outcome';
import { dueDatesSetCard, type DueDateSetRow } from '../../bot/setupCards';
import { taskModel, type TaskDoc, type TaskState } from '../../store/task';
import { COMPLETED_FILTER, countyLiaisons, newPublication, teamLeads, unique, type FollowUpDeps } from '../followup/common';

export interface PendingDueDatesRun {
  filled: number;
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
 * Computes the pending due dates with the calendar as it is now loaded (reload it first) and tells the people
 * responsible. `key` makes the notices idempotent (e.g. the import log entry's id).
 */
export async function fillPendingDueDates(deps: FollowUpDeps, key: string): Promise<PendingDueDatesRun> {
  const now = deps.now();
  const filled: { task: TaskDoc; dueDate: string }[] = [];
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

  const byPerson = new Map<string, DueDateSetRow[]>();
  const liaisonsOf = new Map<string, string[]>();
  for (const { task, dueDate } of filled) {
    const county = task.enterprise.county;
    if (!liaisonsOf.has(county)) liaisonsOf.set(county, await countyLiaisons(deps, county));
    const row: DueDateSetRow = {
      enterprise: task.enterprise.name,
      county,
      licenceNo: task.enterprise.licenceNo,
      completionDate: completionDateOf(task) ?? '',
      dueDate,
    };
    for (const openId of unique([...liaisonsOf.get(county)!, ...teamLeads(task)])) {
      byPerson.set(openId, [...(byPerson.get(openId) ?? []), row]);
    }
  }
  for (const [openId, rows] of byPerson) {
    await deps.outbox.sendCard(`cal:due:${key}:${openId}`, { openId }, dueDatesSetCard(rows));
  }
  deps.log.info({ filled: filled.length, notified: byPerson.size, stillPending }, 'pending publication due dates computed');
  return { filled: filled.length, notified: byPerson.size, stillPending };
}
