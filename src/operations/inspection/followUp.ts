/**
 * What follows from the stored state, done idempotently so it can run again after a crash or a redelivery:
 * - 待签字 with every member signed → the record is complete: 待公示 (未发现问题) or 待整改 (发现问题, with the
 *   意见汇总表 built from the 不符合 records);
 * - the messages each state owes, enqueued with keys per task, submission round and recipient (a repeat is a no-op):
 *   待签字 → a 确认签字 card to each member who has not signed; 待公示 (no findings) → the completed record to the team;
 *   待整改 → the 意见汇总表 (附件1) to the county liaison(s) and the team;
 * - completing the record also sets the publication due date (`publication.dueDate`, 20 working days after the
 *   completion date; unknown with a note when the calendar lacks the year), and from 待公示 / 待整改 / 已公示 on the
 *   follow-up cards (rectification confirmation 附件2, publication) are owed too: operations/followup/notify.ts.
 */
import { shanghaiDate } from '../../domain/calendar';
import {
  buildRectification,
  DEFAULT_RECTIFICATION_DAYS,
  distinctMembers,
  outcomeOf,
  unsignedMembers,
} from '../../domain/inspection';
import { completedCard, opinionNoticeCard, signRequestCard } from '../../bot/inspectionCards';
import { countyLiaisons, newPublication } from '../followup/common';
import { enqueueFollowUp } from '../followup/notify';
import type { TaskDoc } from '../../store/task';
import { casUpdate, tasks, type InspectionDeps } from './common';

/** The county liaison(s) of the enterprise's county; the city bureau's liaisons when the county has none. */
export async function liaisonsFor(deps: Pick<InspectionDeps, 'conn'>, county: string): Promise<string[]> {
  return countyLiaisons(deps, county);
}

async function complete(deps: InspectionDeps, task: TaskDoc): Promise<TaskDoc> {
  const rec = task.inspection!;
  const now = deps.now();
  const result = outcomeOf(rec.answers, task.checklist);
  const filter = { state: '待签字', 'inspection.round': rec.round };
  // The 一公开 clock: 20 working days from the completion date (a new record replaces any earlier publication
  // data and 附件2 confirmation, e.g. after a reopen).
  const publication = newPublication(rec.completionDate, now);
  let updated: TaskDoc | null;
  if (result === '未发现问题') {
    updated = await casUpdate(
      deps,
      task,
      { $set: { state: '待公示', 'inspection.completedAt': now, 'inspection.result': result, publication }, $unset: { rectificationCheck: 1 } },
      filter,
    );
  } else {
    const liaisons = await liaisonsFor(deps, task.enterprise.county);
    const leader = task.team.find((m) => m.role === '组长');
    const rectification = buildRectification({
      kind: task.checklist,
      answers: rec.answers,
      days: rec.rectificationDays ?? DEFAULT_RECTIFICATION_DAYS,
      issuedDate: shanghaiDate(now),
      setBy: rec.rectificationDays != null && leader ? leader.openId : '',
      recipients: [...liaisons, ...distinctMembers(task.team).map((m) => m.openId)],
    });
    if (liaisons.length === 0) deps.log.warn({ taskId: String(task._id), county: task.enterprise.county }, 'no liaison found for the 意见汇总表');
    updated = await casUpdate(
      deps,
      task,
      {
        $set: { state: '待整改', 'inspection.completedAt': now, 'inspection.result': result, 'inspection.rectification': rectification, publication },
        $unset: { rectificationCheck: 1 },
      },
      filter,
    );
  }
  if (updated) {
    if (publication.dueNote) deps.log.warn({ taskId: String(task._id), completionDate: rec.completionDate }, 'publication due date unknown: calendar data missing');
    deps.log.info({ taskId: String(task._id), result, state: updated.state, due: publication.dueDate }, 'inspection record complete');
    return updated;
  }
  // Someone else completed it (or reopened it) meanwhile: go on from what is stored.
  return (await tasks(deps).findById(task._id).lean<TaskDoc>()) ?? task;
}

async function enqueueOwed(deps: InspectionDeps, task: TaskDoc): Promise<void> {
  const rec = task.inspection;
  if (!rec) return;
  await enqueueInspection(deps, task, rec);
  await enqueueFollowUp(deps, task);
}

async function enqueueInspection(deps: InspectionDeps, task: TaskDoc, rec: NonNullable<TaskDoc['inspection']>): Promise<void> {
  const id = String(task._id);
  const round = rec.round;
  if (task.state === '待签字') {
    for (const m of unsignedMembers(task.team, rec.signatures)) {
      await deps.outbox.sendCard(`insp:sign:${id}:${round}:${m.openId}`, { openId: m.openId }, signRequestCard(task, m.openId));
    }
  } else if (task.state === '待公示' && rec.completedAt && rec.result === '未发现问题') {
    for (const m of distinctMembers(task.team)) {
      await deps.outbox.sendCard(`insp:done:${id}:${round}:${m.openId}`, { openId: m.openId }, completedCard(task, m.openId));
    }
  } else if (task.state === '待整改' && rec.rectification) {
    for (const openId of rec.rectification.recipients) {
      await deps.outbox.sendCard(`insp:notice:${id}:${round}:${openId}`, { openId }, opinionNoticeCard(task, openId));
    }
  }
}

export async function followUp(deps: InspectionDeps, task: TaskDoc): Promise<TaskDoc> {
  let current = task;
  if (current.state === '待签字' && current.inspection && !current.inspection.completedAt) {
    if (unsignedMembers(current.team, current.inspection.signatures).length === 0) current = await complete(deps, current);
  }
  await enqueueOwed(deps, current);
  return current;
}
