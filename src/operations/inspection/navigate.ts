/** Moving the shared position without answering; the card's version must be current (else: stale, re-render). */
import { summaryStep } from '../../domain/inspection';
import { extraCount } from '../../domain/visit';
import type { TaskDoc } from '../../store/task';
import { activityPath, casUpdate, loadForMember, notOpen, refuse, tasks, type InspectionDeps, type OpResult } from './common';

export async function moveCursor(
  deps: InspectionDeps,
  input: { taskId: string; openId: string; version: number },
  target: (task: TaskDoc) => number | undefined,
): Promise<OpResult> {
  const loaded = await loadForMember(deps, input.taskId, input.openId);
  if (!loaded.ok) return loaded;
  const { task } = loaded;
  const closed = notOpen(task);
  if (closed) return refuse(closed, task);
  if (input.version !== task.version) return refuse({ code: 'stale' }, task);
  const cursor = target(task);
  if (cursor === undefined || cursor < 1 || cursor > summaryStep(task.checklist, extraCount(task.inspection!.extras))) return refuse({ code: 'stale' }, task);
  if (cursor === task.inspection!.cursor) return { ok: true, task };
  const updated = await casUpdate(deps, task, { $set: { 'inspection.cursor': cursor, [activityPath(input.openId)]: deps.now() } }, { state: '检查中' });
  if (!updated) {
    const fresh = await tasks(deps).findById(task._id).lean<TaskDoc>();
    return refuse({ code: 'stale' }, fresh ?? task);
  }
  return { ok: true, task: updated };
}

