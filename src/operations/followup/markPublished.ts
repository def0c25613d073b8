/**
 * 已录入并公示 (一公开, 谁检查、谁录入): a member of the team or a liaison responsible for the enterprise's county
 * records that the result was entered in the supervision platform and published.
 * - From 待公示 or 待整改 (→ 已公示). From 待整改 the result is published as 发现问题待后续处理 (the card warns first);
 *   the rectification can still be confirmed afterwards, and the published result then updated (amendPublication).
 * - publishedOn: default today; not in the future, not before the completion date. reference: optional, ≤ 200.
 * - The result label comes from the record (publishedResultLabel), never typed.
 * - Then: the team and the county liaison(s) are told (notify.ts).
 */
import { shanghaiDate } from '../../domain/calendar';
import { completionDateOf, isComplete, resultToPublish } from '../../domain/outcome';
import { mayOnTask, type Actor } from '../../policies';
import { taskContext } from '../taskContext';
import {
  checkPublishedOn,
  checkReference,
  publishedResultLabel,
  workingDaysBetweenLenient,
  type FollowUpActor,
} from '../../domain/followup';
import { staffModel } from '../../store/staff';
import type { Publication, PublicationAmendment, TaskDoc } from '../../store/task';
import {
  loadTask,
  newPublication,
  refuse,
  tasks,
  type FollowUpDeps,
  type FollowUpRefused,
  type FollowUpResult,
} from './common';
import { enqueueFollowUp } from './notify';

interface PublishInput {
  taskId: string;
  actor: FollowUpActor;
  round: number;
  /** the state the clicked card showed (its result label depends on it); a different state now → stale */
  shownState?: '待公示' | '待整改';
  publishedOn: unknown;
  reference: unknown;
}

async function nameOf(deps: FollowUpDeps, task: TaskDoc, openId: string): Promise<string> {
  const member = task.team.find((m) => m.openId === openId);
  if (member) return member.name;
  const person = await staffModel(deps.conn).findOne({ openId }, { name: 1 }).lean();
  return person?.name ?? openId;
}

/** Loads the task and checks that the actor may record its publication. */
async function loadForPublisher(deps: FollowUpDeps, input: PublishInput): Promise<{ ok: true; task: TaskDoc } | FollowUpRefused> {
  const task = await loadTask(deps, input.taskId);
  if (!task) return refuse({ code: 'notFound' });
  const actor = { openId: input.actor.openId, roles: input.actor.roles as Actor['roles'], county: input.actor.county };
  const ctx = await taskContext(deps.conn, task);
  if (!mayOnTask('recordPublication', actor, ctx)) return refuse({ code: 'notPublisher', county: ctx.county, countyHasLiaison: ctx.countyHasLiaison });
  return { ok: true, task };
}

/** Records the publication; `late` is how many working days after the due date it was published (0 when in time). */
export async function markPublished(deps: FollowUpDeps, input: PublishInput): Promise<FollowUpResult<{ late: number }>> {
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const loaded = await loadForPublisher(deps, input);
    if (!loaded.ok) return loaded;
    const { task } = loaded;
    const rec = task.inspection;
    if (task.state === '已作废') return refuse({ code: 'void' }, task);
    if (task.state === '已公示' && task.publication?.publishedOn) {
      return refuse({ code: 'alreadyPublished', on: task.publication.publishedOn, result: task.publication.result ?? '' }, task);
    }
    if (!isComplete(task) || !['待公示', '待整改'].includes(task.state)) return refuse({ code: 'notReady' }, task);
    if ((rec?.round ?? 0) !== input.round) return refuse({ code: 'stale' }, task);
    // The rectification was confirmed (待整改 → 待公示) while the card still said “发现问题待后续处理”: show the new
    // label first, and say why.
    if (input.shownState && input.shownState !== task.state) {
      const result = resultToPublish(task)?.label;
      return refuse(input.shownState === '待整改' && task.state === '待公示' && result ? { code: 'rectified', result } : { code: 'stale' }, task);
    }

    const now = deps.now();
    const today = shanghaiDate(now);
    const completion = completionDateOf(task) ?? shanghaiDate(rec?.completedAt ?? now);
    const date = checkPublishedOn(input.publishedOn, today, completion);
    if (!date.ok) {
      if (date.error === 'badDate') return refuse({ code: 'badDate' });
      if (date.error === 'future') return refuse({ code: 'futureDate', today: date.today });
      return refuse({ code: 'beforeCompletion', earliest: date.earliest, what: 'completion' });
    }
    const reference = checkReference(input.reference);
    if (!reference.ok) return refuse({ code: 'referenceTooLong', length: reference.length ?? 0 });

    const base = task.publication ?? newPublication(completion, now);
    const publication: Publication = {
      dueDate: base.dueDate,
      ...(base.dueNote ? { dueNote: base.dueNote } : {}),
      publishedOn: date.date,
      publishedAt: now,
      publishedBy: input.actor.openId,
      publishedByName: await nameOf(deps, task, input.actor.openId),
      ...(reference.text ? { reference: reference.text } : {}),
      result: resultToPublish(task)!.label,
    };
    const updated = await tasks(deps)
      .findOneAndUpdate(
        { _id: task._id, state: task.state, ...(rec ? { 'inspection.round': input.round } : {}), 'publication.publishedOn': { $exists: false } },
        { $set: { state: '已公示', publication }, $inc: { version: 1 } },
        { returnDocument: 'after' },
      )
      .lean<TaskDoc>();
    if (!updated) continue; // confirmed, published or reopened meanwhile: look again
    const late = publication.dueDate && date.date > publication.dueDate ? workingDaysBetweenLenient(publication.dueDate, date.date) : 0;
    deps.log.info({ taskId: String(task._id), openId: input.actor.openId, on: date.date, result: publication.result, from: task.state }, 'result published');
    await enqueueFollowUp(deps, updated);
    return { ok: true, task: updated, late };
  }
  const fresh = await loadTask(deps, input.taskId);
  return refuse({ code: 'stale' }, fresh ?? undefined);
}

/**
 * 已更新公示结果: a result published as 发现问题待后续处理 whose rectification has since been confirmed is updated to
 * 发现问题经责令已改正 (same people as markPublished; date not before the first publication).
 */
export async function amendPublication(deps: FollowUpDeps, input: PublishInput): Promise<FollowUpResult> {
  const loaded = await loadForPublisher(deps, input);
  if (!loaded.ok) return loaded;
  const { task } = loaded;
  const pub = task.publication;
  if (task.state === '已作废') return refuse({ code: 'void' }, task);
  if (task.inspection?.round !== input.round) return refuse({ code: 'stale' }, task);
  if (pub?.amended) return refuse({ code: 'amended', on: pub.amended.on, byName: pub.amended.byName, result: pub.result ?? '' }, task);
  if (task.state !== '已公示' || !pub?.publishedOn || pub.result !== '发现问题待后续处理' || !task.rectificationCheck) {
    return refuse({ code: 'notAmendable' }, task);
  }
  const now = deps.now();
  const date = checkPublishedOn(input.publishedOn, shanghaiDate(now), pub.publishedOn);
  if (!date.ok) {
    if (date.error === 'badDate') return refuse({ code: 'badDate' });
    if (date.error === 'future') return refuse({ code: 'futureDate', today: date.today });
    return refuse({ code: 'beforeCompletion', earliest: date.earliest, what: 'publication' });
  }
  const reference = checkReference(input.reference);
  if (!reference.ok) return refuse({ code: 'referenceTooLong', length: reference.length ?? 0 });
  const amended: PublicationAmendment = {
    from: pub.result,
    on: date.date,
    at: now,
    by: input.actor.openId,
    byName: await nameOf(deps, task, input.actor.openId),
    ...(reference.text ? { reference: reference.text } : {}),
  };
  const updated = await tasks(deps)
    .findOneAndUpdate(
      { _id: task._id, state: '已公示', 'publication.result': '发现问题待后续处理', 'publication.amended': { $exists: false } },
      { $set: { 'publication.result': publishedResultLabel('发现问题', true), 'publication.amended': amended }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    )
    .lean<TaskDoc>();
  if (!updated) {
    const fresh = (await loadTask(deps, input.taskId)) ?? task;
    const done = fresh.publication?.amended;
    // a double click, or someone else first: say who updated it, as for a first publication
    return refuse(done ? { code: 'amended', on: done.on, byName: done.byName, result: fresh.publication?.result ?? '' } : { code: 'notAmendable' }, fresh);
  }
  deps.log.info({ taskId: String(task._id), openId: input.actor.openId, on: date.date }, 'published result updated');
  await enqueueFollowUp(deps, updated);
  return { ok: true, task: updated };
}
