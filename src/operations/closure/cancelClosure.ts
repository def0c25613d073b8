/** 取消 on the closure form: the draft (and its evidence) is dropped; the task is as it was. */
import type { Actor } from '../../policies';
import type { TaskDoc } from '../../store/task';
import { tasks } from '../inspection/common';
import { loadFor, refuse, type ClosureDeps, type ClosureResult } from './common';

export async function cancelClosure(deps: ClosureDeps, input: { taskId: string; actor: Actor }): Promise<ClosureResult> {
  const loaded = await loadFor(deps, input.taskId, input.actor, 'proposeClosure');
  if (!loaded.ok) return loaded;
  const { task } = loaded;
  if (task.closure?.status !== 'draft') return refuse(task.closure ? { code: 'proposed', byName: task.closure.proposedByName ?? '' } : { code: 'noDraft' }, task);
  const updated = await tasks(deps)
    .findOneAndUpdate(
      { _id: task._id, 'closure.status': 'draft' },
      { $unset: { closure: 1, photoIntent: 1 } },
      { returnDocument: 'after', timestamps: false },
    )
    .lean<TaskDoc>();
  if (!updated) return refuse({ code: 'stale' }, (await tasks(deps).findById(task._id).lean<TaskDoc>()) ?? task);
  deps.log.info({ taskId: String(task._id), openId: input.actor.openId }, 'closure draft cancelled');
  return { ok: true, task: updated };
}
