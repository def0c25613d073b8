/**
 * 重新打开检查: only the team's 组长, with a reason; from 待签字, 待公示 or 待整改 (not once published).
 * The answers become editable again (检查中, at the summary); signatures, result and 意见汇总表 are cleared, and so are
 * the follow-up data of the completed record (publication due date, 附件2 confirmation: the resubmitted record
 * starts its own 20-working-day clock);
 * the reopen is logged in the record (who, when, why, from which state and round). The team is told, and so are
 * the liaisons who had received an 意见汇总表 that is now withdrawn, and — when the county had confirmed the
 * rectification — the one who confirmed it and the 市局联络员 it was reported to: that 附件2 is void too.
 */
import { checkReopenReason, distinctMembers, hasLeader, isLeader, summaryStep, type ReopenEntry } from '../../domain/inspection';
import { reopenNoticeCard } from '../../bot/inspectionCards';
import { extraCount } from '../../domain/visit';
import type { TaskDoc } from '../../store/task';
import { cityLiaisons } from '../followup/common';
import { casUpdate, loadForMember, REOPENABLE_STATES, refuse, tasks, type InspectionDeps, type OpResult } from './common';

export async function reopenInspection(
  deps: InspectionDeps,
  input: { taskId: string; openId: string; round: number; reason: unknown },
): Promise<OpResult<{ entry: ReopenEntry }>> {
  const loaded = await loadForMember(deps, input.taskId, input.openId);
  if (!loaded.ok) return loaded;
  const { task, member } = loaded;
  if (!isLeader(task.team, member.openId)) return refuse({ code: hasLeader(task.team) ? 'notLeader' : 'noLeader' });
  const rec = task.inspection;
  if (task.state === '已公示') return refuse({ code: 'published' }, task);
  // a firm recorded as not inspectable has no checklist to reopen
  if (task.closure && task.closure.status !== 'draft') return refuse({ code: 'closing' }, task);
  if (!rec || !REOPENABLE_STATES.includes(task.state) || rec.round !== input.round) return refuse({ code: 'stale' }, task);
  const reason = checkReopenReason(input.reason);
  if (!reason.ok) return refuse({ code: reason.error === 'required' ? 'reasonRequired' : 'reasonTooLong' });

  const entry: ReopenEntry = {
    by: member.openId,
    byName: member.name,
    at: deps.now(),
    reason: reason.reason,
    fromState: task.state,
    round: rec.round,
  };
  const updated = await casUpdate(
    deps,
    task,
    {
      $set: { state: '检查中', 'inspection.cursor': summaryStep(task.checklist, extraCount(rec.extras)), 'inspection.signatures': [] },
      $unset: {
        'inspection.completedAt': 1,
        'inspection.result': 1,
        'inspection.rectification': 1,
        'inspection.rectificationDays': 1,
        rectificationCheck: 1,
        publication: 1,
      },
      $push: { 'inspection.reopens': entry },
    },
    { state: task.state, 'inspection.round': rec.round },
  );
  if (!updated) {
    const fresh = (await tasks(deps).findById(task._id).lean<TaskDoc>()) ?? task;
    return refuse({ code: 'stale' }, fresh);
  }
  deps.log.info({ taskId: String(task._id), openId: member.openId, from: task.state, round: rec.round }, 'inspection reopened');

  const id = String(task._id);
  const team = distinctMembers(task.team).map((m) => m.openId);
  const withdrawn = rec.rectification?.recipients ?? [];
  // a 附件2 the county had confirmed goes too: the one who confirmed it and the 市局联络员 it was reported to are told
  const check = task.rectificationCheck;
  const confirmation = check ? { on: check.confirmedOn, byName: check.confirmedByName } : undefined;
  const reportedTo = check ? [check.confirmedBy, ...(await cityLiaisons(deps))] : [];
  const notify = [...new Set([...team, ...withdrawn, ...reportedTo])].filter((o) => o !== member.openId);
  for (const openId of notify) {
    await deps.outbox.sendCard(
      `insp:reopen:${id}:${rec.round}:${openId}`,
      { openId },
      reopenNoticeCard(task, entry, { withdrawn: withdrawn.includes(openId), member: team.includes(openId), confirmation }),
    );
  }
  // the cards to sign the reopened round: shown void in place (their 确认签字 would only be refused)
  const voidCard = reopenNoticeCard(task, entry, { withdrawn: false, member: false });
  for (const openId of team) await deps.outbox.patchDelivered(`insp:sign:${id}:${rec.round}:${openId}`, `insp:sign-void:${id}:${rec.round}:${openId}`, voidCard);
  return { ok: true, task: updated, entry };
}
