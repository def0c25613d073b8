/**
 * A picture sent to the bot by an inspector with a checklist open (检查中) becomes evidence of the current item
 * (item 0 when the summary is showing). The open checklist is the member's 检查中 task they worked on last.
 * Image key and message id are kept; the same message twice is attached once. The version does not move
 * (a photo does not make anyone's card stale).
 */
import { isSummary, memberOf, type Photo } from '../../domain/inspection';
import { extraCount } from '../../domain/visit';
import type { TaskDoc } from '../../store/task';
import { tasks, type InspectionDeps } from './common';

export type AttachResult =
  | { ok: true; task: TaskDoc; photo: Photo; countForItem: number }
  | { ok: false; reason: 'noOpenChecklist'; hasTasks: boolean };

export async function attachPhoto(
  deps: InspectionDeps,
  input: { openId: string; imageKey: string; messageId: string },
): Promise<AttachResult> {
  const model = tasks(deps);
  const open = await model
    .find({ 'team.openId': input.openId, state: '检查中' })
    .sort({ updatedAt: -1 })
    .limit(50)
    .lean<TaskDoc[]>();
  // The checklist this member worked on last (opened, answered, moved); ties: the one changed last.
  const lastActive = (t: TaskDoc): number => {
    const at = t.inspection?.lastActive?.[input.openId];
    return at ? new Date(at).getTime() : 0;
  };
  const task = open.reduce<TaskDoc | undefined>((best, t) => (!best || lastActive(t) > lastActive(best) ? t : best), undefined);
  if (!task?.inspection) {
    const any = await model.exists({ 'team.openId': input.openId, state: { $ne: '已作废' } });
    return { ok: false, reason: 'noOpenChecklist', hasTasks: any !== null };
  }
  const member = memberOf(task.team, input.openId)!;
  const rec = task.inspection;
  const photo: Photo = {
    item: isSummary(task.checklist, rec.cursor, extraCount(rec.extras)) ? 0 : rec.cursor,
    imageKey: input.imageKey,
    messageId: input.messageId,
    by: member.openId,
    byName: member.name,
    at: deps.now(),
  };
  const updated = await model
    .findOneAndUpdate(
      { _id: task._id, 'inspection.photos.messageId': { $ne: input.messageId } },
      { $push: { 'inspection.photos': photo } },
      { returnDocument: 'after' },
    )
    .lean<TaskDoc>();
  const current = updated ?? (await model.findById(task._id).lean<TaskDoc>()) ?? task;
  const kept = current.inspection?.photos.find((p) => p.messageId === input.messageId) ?? photo;
  const countForItem = current.inspection?.photos.filter((p) => p.item === kept.item).length ?? 1;
  deps.log.info({ taskId: String(task._id), openId: input.openId, item: kept.item, messageId: input.messageId }, 'photo attached');
  return { ok: true, task: current, photo: kept, countForItem };
}
