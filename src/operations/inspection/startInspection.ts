/**
 * 开始检查 / 继续检查: opens the checklist of a task for a team member.
 * - 待检查, and also 待接收 (a team is not blocked by a county that has not pressed 接收 yet; the record notes it)
 *   → 检查中 at item 1.
 * - 检查中 → nothing changes; the caller shows the current item (or the summary).
 * - later states → nothing changes; the caller shows the submitted record. Lost follow-up messages are re-queued.
 *
 * One read (the task with its campaign's window and extra checklists, startContext.ts) and one compare-and-set
 * write through the driver (the record is built here in the schema's shape, as casUpdateStored requires).
 *
 * Redeliveries of the callback (`eventId`, with `claim` from the dispatcher, bot/router.ts ActionSpec.dedupesItself):
 * a start is a compare-and-set from 待检查/待接收, so it is applied at most once whatever is delivered again, and the
 * record it writes keeps the callback's event id (`startEventId`). A click that finds its event id there (the first
 * delivery started the record; or a copy delivered at the same moment did, and this one lost the compare-and-set) is
 * a duplicate: nothing written, answered with the card of the stored state and no toast (Feishu redelivers a click
 * when it got no answer to it, e.g. the process died after the write: the inspector still gets the checklist). Every other outcome (the open checklist's activity, the
 * follow-up re-queued, a refusal) first claims the event in processed_events, as the dispatcher claims other clicks,
 * and a redelivery of it finds that claim: one command fewer for the start itself, the same for the rest.
 */
import { memberOf, type InspectionRecord } from '../../domain/inspection';
import { followUp } from './followUp';
import { loadForStart } from './startContext';
import { checkStartWindow } from './window';
import { activityPath, casUpdateStored, loadForMember, refuse, tasks, type InspectionDeps, type OpResult, type Refusal } from './common';

export async function startInspection(
  deps: InspectionDeps,
  input: {
    taskId: string;
    openId: string;
    /** 组长's reason to start outside the inspection window */
    reason?: unknown;
    /** the card callback's event id (absent for starts from elsewhere, e.g. tests and the demo) */
    eventId?: string;
    /** claims the callback's event before an effect other than the start (platform/events.ts CardAction.claim) */
    claim?: () => Promise<boolean>;
  },
): Promise<OpResult<{ started: boolean }>> {
  const duplicate = (): OpResult<{ started: boolean }> => refuse({ code: 'duplicate' });
  // before anything but the start itself: the event claimed (true without a claim to take)
  const claimed = async (): Promise<boolean> => (input.claim ? input.claim() : true);
  const refused = async (refusal: Refusal, task?: Parameters<typeof refuse>[1]): Promise<OpResult<{ started: boolean }>> =>
    (await claimed()) ? refuse(refusal, task) : duplicate();
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const loaded = await loadForStart(deps, input.taskId);
    if (!loaded) return refused({ code: 'notFound' });
    const { task } = loaded;
    // this callback started the record (a redelivery, or a copy delivered at once whose start won): nothing written,
    // answered with the stored state's card, since Feishu redelivers a click only when it got no answer to it
    if (input.eventId !== undefined && task.inspection?.startEventId === input.eventId) {
      return memberOf(task.team, input.openId) ? refuse({ code: 'duplicate' }, task) : duplicate();
    }
    // A non-member learns nothing about the task (no card).
    if (!memberOf(task.team, input.openId)) return refused({ code: 'notMember' });
    if (task.state === '已作废') return refused({ code: 'void' }, task);
    if (task.state === '检查中') {
      if (!(await claimed())) return duplicate();
      // the driver's update (a Date at a path of the schema's map): no casting, no timestamp, as before
      await tasks(deps).collection.updateOne({ _id: task._id }, { $set: { [activityPath(input.openId)]: deps.now() } });
      return { ok: true, task, started: false };
    }
    if (task.state !== '待接收' && task.state !== '待检查') {
      if (!(await claimed())) return duplicate();
      return { ok: true, task: await followUp(deps, task), started: false };
    }
    const now = deps.now();
    const window = checkStartWindow(loaded.window, task, input, now);
    if (!window.ok) return refused(window.refusal, task);
    const { extras } = loaded;
    // every field the schema would give a new record (its defaults included), so that the driver stores what
    // mongoose would (test/integration/start-inspection.test.ts compares the two)
    const record: InspectionRecord = {
      startedAt: now,
      startedBy: input.openId,
      startedBeforeReceipt: task.state === '待接收',
      ...(input.eventId !== undefined ? { startEventId: input.eventId } : {}),
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
    // Someone else changed the task meanwhile (another member started, the county received it, a copy of this
    // callback started it): read again.
  }
  if (!(await claimed())) return duplicate();
  const last = await loadForMember(deps, input.taskId, input.openId);
  return last.ok ? { ok: true, task: last.task, started: false } : last;
}
