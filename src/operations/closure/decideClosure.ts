/**
 * The 组长 decides on a proposed closure (待确认):
 * - 确认: the task is complete with the chosen result; the completion date (the 20-working-day publication clock) is
 *   the day of the confirmation; → 待公示, and the follow-up (publication card) is owed as for any completed record.
 *   The 市局联络员 are told (and the county's liaisons, who list a firm that cannot be reached in the 经营异常名录).
 * - 退回 (reason required): back to the state before the proposal, the draft and its evidence kept; the proposer is told,
 *   and what they send next is evidence of the draft again (the photo intent, as 无法正常检查 opened it).
 * A team without a 组长: the 市局联络员 decides (policies.ts).
 */
import { shanghaiDate } from '../../domain/calendar';
import { checkReturnReason, CLOSURE_INTENT_MS } from '../../domain/closure';
import type { Actor } from '../../policies';
import type { TaskDoc } from '../../store/task';
import { newPublication } from '../followup/common';
import { enqueueFollowUp } from '../followup/notify';
import { tasks } from '../inspection/common';
import { intentPath, loadFor, nameOf, refuse, type ClosureDeps, type ClosureResult } from './common';
import { enqueueClosure } from './notify';

export async function decideClosure(
  deps: ClosureDeps,
  input: { taskId: string; actor: Actor; decision: 'confirm' | 'return'; reason?: unknown },
): Promise<ClosureResult> {
  const loaded = await loadFor(deps, input.taskId, input.actor, 'confirmClosure');
  if (!loaded.ok) return loaded;
  const { task } = loaded;
  const c = task.closure;
  if (c?.status === 'confirmed') return refuse({ code: 'confirmed' }, task);
  if (task.state !== '待确认' || c?.status !== 'proposed') return refuse({ code: 'notProposed' }, task);
  const now = deps.now();
  const openId = input.actor.openId;
  const byName = await nameOf(deps, task, openId);
  let updated: TaskDoc | null;
  if (input.decision === 'confirm') {
    const on = shanghaiDate(now);
    updated = await tasks(deps)
      .findOneAndUpdate(
        { _id: task._id, state: '待确认', 'closure.status': 'proposed' },
        {
          $set: {
            state: '待公示',
            'closure.status': 'confirmed',
            'closure.confirmedBy': openId,
            'closure.confirmedByName': byName,
            'closure.confirmedAt': now,
            'closure.confirmedOn': on,
            publication: newPublication(on, now),
          },
          $unset: { photoIntent: 1 },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      )
      .lean<TaskDoc>();
  } else {
    const reason = checkReturnReason(input.reason);
    if (!reason.ok) return refuse({ code: reason.error === 'required' ? 'returnReasonRequired' : 'returnReasonTooLong' });
    updated = await tasks(deps)
      .findOneAndUpdate(
        { _id: task._id, state: '待确认', 'closure.status': 'proposed' },
        {
          // the proposer's pictures and documents are the draft's evidence again: the card asks them to add some
          $set: {
            state: c.fromState,
            'closure.status': 'draft',
            ...(c.proposedBy ? { [intentPath(c.proposedBy)]: { purpose: 'closure', at: now, until: new Date(now.getTime() + CLOSURE_INTENT_MS) } } : {}),
          },
          $push: { 'closure.returns': { by: openId, byName, at: now, reason: reason.reason } },
          $inc: { version: 1 },
        },
        { returnDocument: 'after' },
      )
      .lean<TaskDoc>();
  }
  if (!updated) return refuse({ code: 'stale' }, (await tasks(deps).findById(task._id).lean<TaskDoc>()) ?? task);
  deps.log.info({ taskId: String(task._id), openId, decision: input.decision, code: c.code }, 'closure decided');
  await enqueueClosure(deps, updated);
  if (input.decision === 'confirm') await enqueueFollowUp(deps, updated);
  return { ok: true, task: updated };
}
