/**
 * 开始检查 / 继续检查: opens the checklist of a task for a team member.
 * - 待检查, and also 待接收 (a team is not blocked by a county that has not pressed 接收 yet; the record notes it)
 *   → 检查中 at item 1.
 * - 检查中 → nothing changes; the caller shows the current item (or the summary).
 * - later states → nothing changes; the caller shows the submitted record. Lost follow-up messages are re-queued.
 *
 * One read (the task with its campaign's window and extra checklists, startContext.ts) and one compare-and-set
 * write through the driver (the record is built here in the schema's shape, as casUpdateStored requires).
 */
import { memberOf, type InspectionRecord } from '../../domain/inspection';
import { followUp } from './followUp';
import { loadForStart } from './startContext';
import { checkStartWindow } from './window';
import { activityPath, casUpdateStored, loadForMember, refuse, tasks, type InspectionDeps, type OpResult } from './common';

export async function startInspection(
  deps: InspectionDeps,
  input: { taskId: string; openId: string; /** 组长's reason to start outside the inspection window */ reason?: unknown },
): Promise<OpResult<{ started: boolean }>> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const loaded = await loadForStart(deps, input.taskId);
    if (!loaded) return refuse({ code: 'notFound' });
    const { task } = loaded;
    // A non-member learns nothing about the task (no card).
    if (!memberOf(task.team, input.openId)) return refuse({ code: 'notMember' });
    if (task.state === '已作废') return refuse({ code: 'void' }, task);
    if (task.state === '检查中') {
      // the driver's update (a Date at a path of the schema's map): no casting, no timestamp, as before
      await tasks(deps).collection.updateOne({ _id: task._id }, { $set: { [activityPath(input.openId)]: deps.now() } });
      return { ok: true, task, started: false };
    }
    if (task.state !== '待接收' && task.state !== '待检查') return { ok: true, task: await followUp(deps, task), started: false };
    const now = deps.now();
    const window = checkStartWindow(loaded.window, task, input, now);
    if (!window.ok) return refuse(window.refusal, task);
    const { extras } = loaded;
    // every field the schema would give a new record (its defaults included), so that the driver stores what
    // mongoose would (test/integration/start-inspection.test.ts compares the two)
    const record: InspectionRecord = {
      startedAt: now,
      startedBy: input.openId,
      startedBeforeReceipt: task.state === '待接收',
      cursor: 1,
      answers: [],
      history: [],
      photos: [],
      round: 0,
      signatures: [],
      reopens: [],
      lastActive: { [input.openId]: now },
      ...(window.outsideWindow ? { outsideWindow: window.outsideWindow } : {}),
      ...(extras.length > 0 ? { extras } : {}),
    };
    const updated = await casUpdateStored(deps, task, { $set: { state: '检查中', inspection: record } }, { state: task.state });
    if (updated) {
      deps.log.info({ taskId: String(task._id), openId: input.openId, from: task.state }, 'inspection started');
      return { ok: true, task: updated, started: true };
    }
    // Someone else changed the task meanwhile (another member started, the county received it): read again.
  }
  const last = await loadForMember(deps, input.taskId, input.openId);
  return last.ok ? { ok: true, task: last.task, started: false } : last;
}
