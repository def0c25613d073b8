/**
 * 确认整改 (附件2 整改结果确认单): the county confirms on site that the enterprise rectified every 需整改问题 of the
 * 意见汇总表 (附件1) and reports to the city bureau (notice 二(二)).
 * - Who: a 联络员 of the enterprise's county, never the city bureau's (policies.ts). A county without one: the cards
 *   say so (bot/followupCards.ts noCountyLiaison) and the liaison registered later gets them (handOver.ts).
 * - When: 待整改 (→ 待公示), or 已公示 with the result published as 发现问题待后续处理 (stays 已公示; the published result
 *   can then be updated, see markPublished.amendPublication). The card carries the submission round: a card from
 *   before a reopen is void.
 * - What: per item the result found on site (已整改 / 未整改, required) and the 完成整改情况 (required, ≤ 500
 *   characters), and the 确认意见 (prefilled with the notice's sentence). An item found 未整改 refuses the whole form:
 *   附件2 confirms that every item was rectified (its 确认意见 says so), so nothing is recorded, and the task stays
 *   待整改 (with its reminders) until it is, or the county records a 后续处置 (立案 / 移交).
 * - Then: the team, the city bureau's liaisons and the county liaison(s) get the confirmation (notify.ts).
 */
import { shanghaiDate } from '../../domain/calendar';
import { checkDone, checkOpinion, type FollowUpActor } from '../../domain/followup';
import { mayOnTask, type Actor } from '../../policies';
import { taskContext } from '../taskContext';
import { staffModel } from '../../store/staff';
import type { RectificationCheck, TaskDoc } from '../../store/task';
import { audienceOf, loadTask, refuse, tasks, type FollowUpDeps, type FollowUpResult } from './common';
import { enqueueFollowUp } from './notify';

export async function confirmRectification(
  deps: FollowUpDeps,
  input: { taskId: string; actor: FollowUpActor; round: number; status: readonly unknown[]; done: readonly unknown[]; opinion: unknown },
): Promise<FollowUpResult> {
  const task = await loadTask(deps, input.taskId);
  if (!task) return refuse({ code: 'notFound' });
  const actor = { openId: input.actor.openId, roles: input.actor.roles as Actor['roles'], county: input.actor.county };
  const ctx = await taskContext(deps.conn, task);
  if (!mayOnTask('confirmRectification', actor, ctx)) return refuse({ code: 'notConfirmer', county: ctx.county, countyHasLiaison: ctx.countyHasLiaison });
  const refused = checkState(task, input.round);
  if (refused) return refused;
  const rect = task.inspection!.rectification!;

  const open: number[] = [];
  for (let i = 0; i < rect.items.length; i++) {
    const status = input.status[i];
    if (status !== 'done' && status !== 'open') return refuse({ code: 'statusRequired', no: i + 1 });
    if (status === 'open') open.push(i + 1);
  }
  if (open.length > 0) return refuse({ code: 'notAllRectified', nos: open });

  const items: RectificationCheck['items'] = [];
  for (const [i, item] of rect.items.entries()) {
    const done = checkDone(input.done[i]);
    if (!done.ok) {
      return refuse(done.error === 'required' ? { code: 'doneRequired', no: i + 1 } : { code: 'doneTooLong', no: i + 1, length: done.length ?? 0 });
    }
    items.push({ no: i + 1, issue: item.record || item.content, done: done.text });
  }
  const opinion = checkOpinion(input.opinion);
  if (!opinion.ok) return refuse(opinion.error === 'required' ? { code: 'opinionRequired' } : { code: 'opinionTooLong', length: opinion.length ?? 0 });

  const person = await staffModel(deps.conn).findOne({ openId: input.actor.openId }, { name: 1, unit: 1 }).lean();
  const now = deps.now();
  const check: RectificationCheck = {
    items,
    opinion: opinion.text,
    confirmedBy: input.actor.openId,
    confirmedByName: person?.name ?? input.actor.openId,
    confirmedByUnit: person?.unit,
    confirmedAt: now,
    confirmedOn: shanghaiDate(now),
  };
  const next = task.state === '待整改' ? '待公示' : task.state;
  const updated = await tasks(deps)
    .findOneAndUpdate(
      { _id: task._id, state: task.state, 'inspection.round': input.round, rectificationCheck: { $exists: false } },
      { $set: { rectificationCheck: check, state: next }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    )
    .lean<TaskDoc>();
  if (!updated) {
    const fresh = (await loadTask(deps, input.taskId)) ?? task;
    return checkState(fresh, input.round) ?? refuse({ code: 'stale' }, fresh);
  }
  deps.log.info({ taskId: String(task._id), openId: input.actor.openId, from: task.state, to: next }, 'rectification confirmed');
  await enqueueFollowUp(deps, updated, await audienceOf(deps, updated));
  return { ok: true, task: updated };
}

/** Why the task cannot take a confirmation now, or undefined when it can. */
function checkState(task: TaskDoc, round: number): ReturnType<typeof refuse> | undefined {
  if (task.state === '已作废') return refuse({ code: 'void' }, task);
  const rec = task.inspection;
  if (task.rectificationCheck && rec?.round === round) {
    return refuse({ code: 'alreadyConfirmed', byName: task.rectificationCheck.confirmedByName, on: task.rectificationCheck.confirmedOn }, task);
  }
  if (!rec || rec.round !== round || !['待公示', '待整改', '已公示'].includes(task.state)) return refuse({ code: 'stale' }, task);
  if (rec.result !== '发现问题' || !rec.rectification) return refuse({ code: 'noFindings' }, task);
  if (task.disposal) return refuse({ code: 'disposed', kind: task.disposal.kind }, task);
  if (task.state === '待公示') return refuse({ code: 'stale' }, task);
  return undefined;
}
