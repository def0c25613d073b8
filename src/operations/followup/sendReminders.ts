/**
 * The daily reminders (job `reminders`, 09:00 Asia/Shanghai every day), acting on working days only:
 * 1. fills in publication due dates still missing or unknown (a record completed while the calendar lacked a year,
 *    or before this code existed) — once the calendar data is updated, the reminders resume by themselves;
 * 2. for each open task, the reminders of domain/followup.ts dueReminders (D−5, D−2, due day, overdue daily for the
 *    publication; D−2, the rectification deadline day and overdue every 3rd working day for the 附件2 confirmation), each
 *    a card with the same forms as the original, to the county liaison(s) (and the 组长 for the publication);
 *    key fu:rem:<task>:<kind>:<day>:<recipient> (for the D−5 and D−2 thresholds <deadline> instead of <day>, so a
 *    run missed at 09:00 is made up the next working day and each threshold still reminds once);
 * 3. one report per city-bureau recipient per day listing the escalated tasks (市局 联络员 and 领导 see all; a county's
 *    领导 sees that county's); key fu:esc:<day>:<recipient>;
 * 4. when a due date is unknown because the calendar lacks a year (or today itself is in such a year), a warning to
 *    the city bureau's liaisons, once per ISO week; key fu:cal:<week>:<recipient>;
 * 5. a record waiting for signatures (待签字) since an earlier working day: each member who has not signed gets the
 *    record to sign again, every working day (the record completes, and its 20-working-day clock starts, only when
 *    all have signed); key fu:sign:<task>:<round>:<day>:<recipient>.
 * A rerun on the same day sends nothing new. One failing task is logged and does not stop the others.
 */
import { shanghaiDate } from '../../domain/calendar';
import { completionDateOf, isComplete } from '../../domain/outcome';
import {
  calendarCovers,
  dueReminders,
  isoWeek,
  isWorkingDayLenient,
  publicationPending,
  workingDaysBetweenLenient,
  type Reminder,
  type ReminderKind,
} from '../../domain/followup';
import { calendarWarningCard, escalationCard, followUpCard, type EscalationRow } from '../../bot/followupCards';
import { signReminderCard } from '../../bot/inspectionCards';
import { unsignedMembers } from '../../domain/inspection';
import { CITY_BUREAU } from '../../domain/types';
import { staffModel } from '../../store/staff';
import type { TaskDoc } from '../../store/task';
import {
  cityLiaisons,
  COMPLETED_FILTER,
  countyLiaisonsOf,
  factsOf,
  leaders,
  newPublication,
  tasks,
  teamLeads,
  unique,
  type Audience,
  type FollowUpDeps,
} from './common';

/** reminders before a deadline: keyed by the deadline, so each threshold reminds once whichever day it goes */
const BEFORE_DEADLINE: ReadonlySet<ReminderKind> = new Set<ReminderKind>(['pub-d5', 'pub-d2', 'rect-d2']);

export interface ReminderRun {
  today: string;
  working: boolean;
  /** today is in a year without calendar data: working days estimated as Monday–Friday */
  estimated: boolean;
  dueDatesFilled: number;
  /** reminder cards enqueued (a rerun enqueues the same keys again: the outbox sends each once) */
  reminders: number;
  /** escalation reports enqueued (same) */
  escalations: number;
  unknownDueDates: number;
  /** signature reminders enqueued (same) */
  signatures: number;
}

async function fillDueDates(deps: FollowUpDeps, now: Date): Promise<number> {
  const open = await tasks(deps)
    .find({
      state: { $in: ['待公示', '待整改'] },
      $and: [COMPLETED_FILTER, { $or: [{ publication: { $exists: false } }, { 'publication.dueDate': '' }] }],
    })
    .sort({ _id: 1 })
    .lean<TaskDoc[]>();
  let filled = 0;
  for (const task of open) {
    // a record's completion date, or the day the 组长 confirmed a closure (无法正常检查)
    const next = newPublication(completionDateOf(task), now);
    if (task.publication && !next.dueDate) continue; // still unknown
    const res = await tasks(deps).updateOne(
      { _id: task._id, 'publication.publishedOn': { $exists: false } },
      next.dueDate ? { $set: { 'publication.dueDate': next.dueDate }, $unset: { 'publication.dueNote': 1 } } : { $set: { publication: next } },
    );
    if (res.modifiedCount > 0 && next.dueDate) filled += 1;
  }
  return filled;
}

export async function sendReminders(deps: FollowUpDeps, now: Date): Promise<ReminderRun> {
  const today = shanghaiDate(now);
  const run: ReminderRun = {
    today,
    working: isWorkingDayLenient(today),
    estimated: !calendarCovers(today),
    dueDatesFilled: 0,
    reminders: 0,
    escalations: 0,
    unknownDueDates: 0,
    signatures: 0,
  };
  if (!run.working) return run;
  run.dueDatesFilled = await fillDueDates(deps, now);
  run.signatures = await signatureReminders(deps, today);

  const open = await tasks(deps)
    .find({
      $or: [
        { state: { $in: ['待公示', '待整改'] } },
        { state: '已公示', 'inspection.result': '发现问题', rectificationCheck: { $exists: false } },
      ],
    })
    .sort({ _id: 1 })
    .lean<TaskDoc[]>();

  const city = await cityLiaisons(deps);
  const byCounty = new Map<string, { openIds: string[]; own: boolean }>();
  const escalated: { task: TaskDoc; reminder: Reminder; responsible: string[] }[] = [];
  const unknown: TaskDoc[] = [];

  for (const task of open) {
    try {
      if (!isComplete(task)) continue;
      const facts = factsOf(task);
      if (publicationPending(facts) && !facts.dueDate) unknown.push(task);
      const reminders = dueReminders(facts, today);
      if (reminders.length === 0) continue;
      const county = task.enterprise.county;
      if (!byCounty.has(county)) byCounty.set(county, await countyLiaisonsOf(deps, county));
      const liaisons = byCounty.get(county)!;
      const audience: Audience = { countyLiaisons: liaisons.openIds, cityLiaisons: city, countyHasLiaison: liaisons.own };
      for (const r of reminders) {
        const responsible = unique(r.subject === 'publication' ? [...audience.countyLiaisons, ...teamLeads(task)] : audience.countyLiaisons);
        if (r.escalate) escalated.push({ task, reminder: r, responsible });
        if (!r.remind) continue;
        for (const openId of responsible) {
          await deps.outbox.sendCard(
            // Before the deadline, one reminder per threshold (D−5, D−2) whichever day it goes; after, one a day.
            `fu:rem:${String(task._id)}:${r.kind}:${BEFORE_DEADLINE.has(r.kind) ? r.deadline : today}:${openId}`,
            { openId },
            followUpCard(task, { openId, audience, today, banner: { kind: 'reminder', reminder: r } }),
          );
          run.reminders += 1;
        }
      }
    } catch (err) {
      deps.log.error({ err, taskId: String(task._id) }, 'reminder failed for a task');
    }
  }

  if (escalated.length > 0) {
    const heads = await leaders(deps, unique(escalated.map((e) => e.task.enterprise.county)));
    const recipients = new Map<string, string | undefined>(); // open id → county it is limited to (undefined: all)
    for (const openId of city) recipients.set(openId, undefined);
    for (const l of heads) if (!recipients.has(l.openId) || l.county === CITY_BUREAU) recipients.set(l.openId, l.county === CITY_BUREAU ? undefined : l.county);
    const names = await namesOf(deps, unique(escalated.flatMap((e) => e.responsible)));
    for (const [openId, county] of recipients) {
      const rows: EscalationRow[] = escalated
        .filter((e) => county === undefined || e.task.enterprise.county === county)
        .map((e) => ({ task: e.task, reminder: e.reminder, responsible: e.responsible.map((o) => names.get(o) ?? o) }));
      if (rows.length === 0) continue;
      await deps.outbox.sendCard(`fu:esc:${today}:${openId}`, { openId }, escalationCard(rows, today));
      run.escalations += 1;
    }
    if (recipients.size === 0) deps.log.warn({ tasks: escalated.length }, 'overdue follow-up but no 市局 联络员 or 领导 to escalate to');
  }

  run.unknownDueDates = unknown.length;
  if (unknown.length > 0 || run.estimated) {
    for (const openId of city) {
      await deps.outbox.sendCard(`fu:cal:${isoWeek(today)}:${openId}`, { openId }, calendarWarningCard(unknown, today, run.estimated));
    }
    if (city.length === 0) deps.log.warn({ tasks: unknown.length }, 'calendar data missing but no 市局 联络员 to tell');
  }
  deps.log.info({ ...run }, 'reminders done');
  return run;
}

/** 5. above: the members who have not signed a record submitted before today. */
async function signatureReminders(deps: FollowUpDeps, today: string): Promise<number> {
  const waiting = await tasks(deps).find({ state: '待签字' }).sort({ _id: 1 }).lean<TaskDoc[]>();
  let sent = 0;
  for (const task of waiting) {
    try {
      const rec = task.inspection;
      if (!rec?.submittedAt) continue;
      const submitted = shanghaiDate(rec.submittedAt);
      const days = workingDaysBetweenLenient(submitted, today);
      if (days < 1) continue;
      for (const m of unsignedMembers(task.team, rec.signatures)) {
        await deps.outbox.sendCard(`fu:sign:${String(task._id)}:${rec.round}:${today}:${m.openId}`, { openId: m.openId }, signReminderCard(task, m.openId, submitted, days));
        sent += 1;
      }
    } catch (err) {
      deps.log.error({ err, taskId: String(task._id) }, 'signature reminder failed for a task');
    }
  }
  return sent;
}

async function namesOf(deps: FollowUpDeps, openIds: readonly string[]): Promise<Map<string, string>> {
  const found = await staffModel(deps.conn).find({ openId: { $in: [...openIds] } }, { openId: 1, name: 1 }).lean();
  return new Map(found.map((s) => [s.openId, s.name]));
}
