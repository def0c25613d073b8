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
 * A card made for a task not started yet names the task's campaign (`campaign`). When this process keeps a copy of
 * what a start last read of that campaign (startCache.ts) and today is inside its window, the start is one write
 * whose filter states what the read would have checked: the task still 待检查, the clicker on its team, of that
 * campaign, at the revision of the lists copied (checklists/extrasRevision.ts). If the write matches nothing (started
 * meanwhile, not received yet, a redelivery, another revision of the lists), the usual read follows and decides.
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
import { Types } from 'mongoose';
import { memberOf, type ExtraChecklistSnapshot, type InspectionRecord, type OutsideWindow } from '../../domain/inspection';
import type { TaskDoc, TaskState } from '../../store/task';
import { followUp } from './followUp';
import { rememberCampaign, recallCampaign } from './startCache';
import { loadForStart } from './startContext';
import { checkStartWindow, insideWindow } from './window';
import {
  activityPath,
  casUpdateStored,
  loadForMember,
  refuse,
  tasks,
  updateStored,
  type InspectionDeps,
  type OpResult,
  type Refusal,
} from './common';

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
    /** the task's campaign as the card names it (a card made before the task was started) */
    campaign?: string;
  },
): Promise<OpResult<{ started: boolean }>> {
  const fast = await startFromCopy(deps, input);
  if (fast) return started(deps, fast, '待检查');
  const duplicate = (): OpResult<{ started: boolean }> => refuse({ code: 'duplicate' });
  // before anything but the start itself: the event claimed (true without a claim to take)
  const claimed = async (): Promise<boolean> => (input.claim ? input.claim() : true);
  const refused = async (refusal: Refusal, task?: Parameters<typeof refuse>[1]): Promise<OpResult<{ started: boolean }>> =>
    (await claimed()) ? refuse(refusal, task) : duplicate();
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const loaded = await loadForStart(deps, input.taskId);
    if (!loaded) return refused({ code: 'notFound' });
    const { task } = loaded;
    if (loaded.window) rememberCampaign(deps.conn, String(task.campaignId), { window: loaded.window, extrasRev: loaded.extrasRev, extras: loaded.extras });
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
    const record = newRecord(input, now, task.state === '待接收', loaded.extras, window.outsideWindow);
    const updated = await casUpdateStored(deps, task, { $set: { state: '检查中', inspection: record } }, { state: task.state });
    if (updated) return started(deps, updated, task.state);
    // Someone else changed the task meanwhile (another member started, the county received it, a copy of this
    // callback started it): read again.
  }
  if (!(await claimed())) return duplicate();
  const last = await loadForMember(deps, input.taskId, input.openId);
  return last.ok ? { ok: true, task: last.task, started: false } : last;
}

function started(deps: InspectionDeps, task: TaskDoc, from: TaskState): OpResult<{ started: boolean }> {
  deps.log.info({ taskId: String(task._id), openId: task.inspection?.startedBy, from }, 'inspection started');
  return { ok: true, task, started: true };
}

/**
 * The new record: every field the schema would give it (its defaults included), so that the driver stores what
 * mongoose would (test/integration/start-inspection.test.ts compares the two).
 */
function newRecord(
  input: { openId: string; eventId?: string },
  now: Date,
  beforeReceipt: boolean,
  extras: ExtraChecklistSnapshot[],
  outsideWindow?: OutsideWindow,
): InspectionRecord {
  return {
    startedAt: now,
    startedBy: input.openId,
    startedBeforeReceipt: beforeReceipt,
    ...(input.eventId !== undefined ? { startEventId: input.eventId } : {}),
    cursor: 1,
    answers: [],
    history: [],
    photos: [],
    round: 0,
    signatures: [],
    reopens: [],
    lastActive: { [input.openId]: now },
    ...(outsideWindow ? { outsideWindow } : {}),
    ...(extras.length > 0 ? { extras } : {}),
  };
}

/**
 * The start in one write, from the copy of the card's campaign (see above); null when it does not apply or matched
 * nothing. Only inside the window: outside it, who may start and with what reason needs the task's team.
 */
async function startFromCopy(
  deps: InspectionDeps,
  input: { taskId: string; openId: string; reason?: unknown; eventId?: string; campaign?: string },
): Promise<TaskDoc | null> {
  if (input.campaign === undefined || input.reason !== undefined) return null;
  if (!Types.ObjectId.isValid(input.taskId) || !Types.ObjectId.isValid(input.campaign)) return null;
  const copy = recallCampaign(deps.conn, input.campaign);
  const now = deps.now();
  if (!copy || !insideWindow(copy.window, now)) return null;
  const filter = {
    campaignId: new Types.ObjectId(input.campaign),
    state: '待检查',
    'team.openId': input.openId,
    // a task written before revisions were kept has none: revision 0
    extrasRev: copy.extrasRev === 0 ? { $in: [0, null] } : copy.extrasRev,
  };
  const record = newRecord(input, now, false, copy.extras);
  return updateStored(deps, new Types.ObjectId(input.taskId), filter, { $set: { state: '检查中', inspection: record } });
}
