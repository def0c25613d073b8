/**
 * 符合 / 不符合 on a checklist item. The answer is saved (with who and when, and appended to the history) before the
 * record moves on. The card's version must be the task's: otherwise someone else answered or moved meanwhile, and
 * the answer is refused (kept in the history as 'stale') with the current state to show instead.
 */
import {
  answerFor,
  checkRecord,
  itemCount,
  nextCursor,
  withAnswer,
  type Answer,
  type AnswerEvent,
  type Verdict,
} from '../../domain/inspection';
import { extraCount } from '../../domain/visit';
import type { TaskDoc } from '../../store/task';
import { activityPath, casUpdate, loadForMember, notOpen, refuse, tasks, type InspectionDeps, type OpResult } from './common';

export interface AnswerInput {
  taskId: string;
  openId: string;
  item: number;
  verdict: Verdict;
  /** the 检查记录 as typed (form value) */
  record: unknown;
  /** the task version the card showed */
  version: number;
}

async function refuseStale(deps: InspectionDeps, task: TaskDoc, event: AnswerEvent): Promise<OpResult<{ saved: Answer }>> {
  // Keep the refused answer: nothing anyone typed is lost. The version does not move (the record did not change).
  const fresh =
    (await tasks(deps)
      .findOneAndUpdate(
        { _id: task._id },
        { $push: { 'inspection.history': { ...event, outcome: 'stale' } }, $set: { [activityPath(event.by)]: event.at } },
        { returnDocument: 'after' },
      )
      .lean<TaskDoc>()) ?? task;
  deps.log.info({ taskId: String(task._id), openId: event.by, item: event.item, baseVersion: event.baseVersion, version: fresh.version }, 'stale answer refused');
  return refuse(
    { code: 'stale', item: event.item, current: answerFor(fresh.inspection?.answers ?? [], event.item), draft: event.record },
    fresh,
  );
}

export async function answerItem(deps: InspectionDeps, input: AnswerInput): Promise<OpResult<{ saved: Answer }>> {
  const loaded = await loadForMember(deps, input.taskId, input.openId);
  if (!loaded.ok) return loaded;
  const { task, member } = loaded;
  const closed = notOpen(task);
  if (closed) return refuse(closed, task);
  const rec = task.inspection!;

  const check = checkRecord(input.verdict, input.record);
  if (!check.ok) {
    if (check.error === 'recordInvalid') return refuse({ code: 'badText', message: check.message });
    return refuse(check.error === 'recordRequired' ? { code: 'recordRequired' } : { code: 'recordTooLong', length: check.length });
  }
  const answer: Answer = {
    item: input.item,
    verdict: input.verdict,
    record: check.record,
    by: member.openId,
    byName: member.name,
    at: deps.now(),
  };
  const event: AnswerEvent = { ...answer, baseVersion: input.version, outcome: 'saved' };
  const extra = extraCount(rec.extras);
  if (input.item < 1 || input.item > itemCount(task.checklist) + extra || input.version !== task.version || rec.cursor !== input.item) {
    return refuseStale(deps, task, event);
  }
  const answers = withAnswer(rec.answers, answer);
  const updated = await casUpdate(
    deps,
    task,
    {
      $set: {
        'inspection.answers': answers,
        'inspection.cursor': nextCursor(task.checklist, answers, input.item, extra),
        [activityPath(member.openId)]: answer.at,
      },
      $push: { 'inspection.history': event },
    },
    { state: '检查中' },
  );
  if (!updated) {
    const fresh = await tasks(deps).findById(task._id).lean<TaskDoc>();
    return refuseStale(deps, fresh ?? task, event);
  }
  deps.log.info({ taskId: String(task._id), openId: member.openId, item: input.item, verdict: input.verdict, version: updated.version }, 'answer saved');
  return { ok: true, task: updated, saved: answer };
}
