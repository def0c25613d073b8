/**
 * 无法正常检查 (from the task card, the checklist or the summary): opens the closure form for a team member. A task
 * not yet submitted (待接收, 待检查, 检查中) gets a draft (`closure.status = 'draft'`, kept when there is one), and the
 * member's pictures and documents from now on are its evidence (photo intent, 24 hours). Nothing else changes: the
 * checklist stays where it was until the closure is confirmed.
 */
import { CLOSABLE_STATES, CLOSURE_INTENT_MS } from '../../domain/closure';
import type { Actor } from '../../policies';
import type { TaskDoc } from '../../store/task';
import { tasks } from '../inspection/common';
import { intentPath, loadFor, newDraft, refuse, type ClosureDeps, type ClosureResult } from './common';

export async function openClosure(deps: ClosureDeps, input: { taskId: string; actor: Actor }): Promise<ClosureResult> {
  const loaded = await loadFor(deps, input.taskId, input.actor, 'proposeClosure');
  if (!loaded.ok) return loaded;
  const { task } = loaded;
  if (task.state === '待确认') return { ok: true, task };
  if (task.closure?.status === 'confirmed') return refuse({ code: 'confirmed' }, task);
  if (!CLOSABLE_STATES.includes(task.state)) return refuse({ code: 'notClosable', state: task.state }, task);
  const openId = input.actor.openId;
  const now = deps.now();
  const intent = { purpose: 'closure', at: now, until: new Date(now.getTime() + CLOSURE_INTENT_MS) };
  const set: Record<string, unknown> = { [intentPath(openId)]: intent };
  if (!task.closure) set.closure = newDraft(task, openId, now);
  const updated = await tasks(deps)
    .findOneAndUpdate({ _id: task._id, state: task.state }, { $set: set }, { returnDocument: 'after', timestamps: false })
    .lean<TaskDoc>();
  if (!updated) return refuse({ code: 'stale' }, (await tasks(deps).findById(task._id).lean<TaskDoc>()) ?? task);
  deps.log.info({ taskId: String(task._id), openId }, 'closure form opened');
  return { ok: true, task: updated };
}
