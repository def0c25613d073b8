/**
 * 提交组长确认 on the closure form: the reason (a closure entry of the result dictionary), the 情况说明 (required) and at
 * least one piece of evidence already sent (a picture or a document). The task waits for the 组长 (待确认); the 组长
 * gets the confirmation card. A 组长 proposing confirms at once (one step, the same record).
 */
import { checkClosureInput, CLOSABLE_STATES } from '../../domain/closure';
import { mayOnTask, type Actor } from '../../policies';
import type { TaskDoc } from '../../store/task';
import { tasks } from '../inspection/common';
import { intentPath, loadFor, nameOf, refuse, type ClosureDeps, type ClosureResult } from './common';
import { decideClosure } from './decideClosure';
import { enqueueClosure } from './notify';

export async function proposeClosure(
  deps: ClosureDeps,
  input: { taskId: string; actor: Actor; code: unknown; note: unknown },
): Promise<ClosureResult<{ confirmed: boolean }>> {
  const loaded = await loadFor(deps, input.taskId, input.actor, 'proposeClosure');
  if (!loaded.ok) return loaded;
  const { task, ctx } = loaded;
  const draft = task.closure;
  if (task.state === '待确认' && draft?.status === 'proposed') return refuse({ code: 'proposed', byName: draft.proposedByName ?? '' }, task);
  if (!draft || draft.status !== 'draft' || !CLOSABLE_STATES.includes(task.state)) {
    return refuse(draft?.status === 'confirmed' ? { code: 'confirmed' } : { code: 'noDraft' }, task);
  }
  const lastReturn = draft.returns.at(-1);
  if (lastReturn && lastReturn.by === input.actor.openId && draft.proposedBy && draft.proposedBy !== input.actor.openId) {
    // a 组长 who returned a member's registration does not confirm it by submitting it in their place
    return refuse({ code: 'awaitingResubmit', byName: draft.proposedByName ?? '' }, task);
  }
  const check = checkClosureInput(input.code, input.note);
  if (!check.ok) return refuse(check.error === 'noteTooLong' ? { code: 'noteTooLong', length: check.length } : { code: check.error });
  if (draft.evidence.length === 0) return refuse({ code: 'noEvidence' });

  const now = deps.now();
  const openId = input.actor.openId;
  const updated = await tasks(deps)
    .findOneAndUpdate(
      { _id: task._id, state: task.state, 'closure.status': 'draft' },
      {
        $set: {
          state: '待确认',
          'closure.status': 'proposed',
          'closure.code': check.entry.code,
          'closure.result': check.entry.label,
          'closure.note': check.note,
          'closure.fromState': task.state,
          'closure.proposedBy': openId,
          'closure.proposedByName': await nameOf(deps, task, openId),
          'closure.proposedAt': now,
        },
        $unset: { [intentPath(openId)]: 1 },
        $inc: { version: 1 },
      },
      { returnDocument: 'after' },
    )
    .lean<TaskDoc>();
  if (!updated) return refuse({ code: 'stale' }, (await tasks(deps).findById(task._id).lean<TaskDoc>()) ?? task);
  deps.log.info({ taskId: String(task._id), openId, code: check.entry.code }, 'closure proposed');
  if (mayOnTask('confirmClosure', input.actor, ctx)) {
    const decided = await decideClosure(deps, { taskId: input.taskId, actor: input.actor, decision: 'confirm' });
    if (decided.ok) return { ok: true, task: decided.task, confirmed: true };
  }
  await enqueueClosure(deps, updated);
  return { ok: true, task: updated, confirmed: false };
}
