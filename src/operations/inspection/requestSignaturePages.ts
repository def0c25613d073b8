/**
 * 上传签字页: the next pictures (30 minutes) the member sends are the signed, sealed paper of the record (签字页),
 * attached by attachMedia. Open from the summary (检查中) until the result is published.
 */
import { SIGNATURE_INTENT_MS } from '../../domain/closure';
import { mayOnTask, type Actor } from '../../policies';
import type { TaskDoc } from '../../store/task';
import { taskContext } from '../taskContext';
import { SIGNATURE_PAGE_STATES } from './attachMedia';
import { loadTask, refuse, tasks, type InspectionDeps, type OpResult } from './common';

export async function requestSignaturePages(deps: InspectionDeps, input: { taskId: string; actor: Actor }): Promise<OpResult<{ until: Date }>> {
  const task = await loadTask(deps, input.taskId);
  if (!task) return refuse({ code: 'notFound' });
  if (!mayOnTask('uploadSignaturePage', input.actor, await taskContext(deps.conn, task))) return refuse({ code: 'notMember' });
  if (task.state === '已作废') return refuse({ code: 'void' }, task);
  if (task.state === '已公示') return refuse({ code: 'published' }, task);
  if (!task.inspection || !SIGNATURE_PAGE_STATES.includes(task.state)) return refuse({ code: 'notStarted' }, task);
  const now = deps.now();
  const until = new Date(now.getTime() + SIGNATURE_INTENT_MS);
  const updated = await tasks(deps)
    .findOneAndUpdate(
      { _id: task._id },
      { $set: { [`photoIntent.${input.actor.openId.replace(/[^A-Za-z0-9_-]/g, '')}`]: { purpose: 'signature', at: now, until } } },
      { returnDocument: 'after', timestamps: false },
    )
    .lean<TaskDoc>();
  deps.log.info({ taskId: String(task._id), openId: input.actor.openId }, '签字页 upload requested');
  return { ok: true, task: updated ?? task, until };
}
