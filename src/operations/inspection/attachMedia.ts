/**
 * A picture or a document a member sends to the bot: what it is for.
 * - The member pressed 无法正常检查 (closure draft) or 上传签字页 on a task, and has not worked on a checklist since:
 *   the closure's evidence, or a 签字页 (the signed, sealed paper) of the record.
 * - Otherwise a picture is evidence of the current checklist item (attachPhoto); a document has no place and is
 *   not kept (the caller says so).
 * The same message twice is kept once. The task version does not move (nobody's card goes stale).
 */
import { CLOSABLE_STATES, MAX_EVIDENCE } from '../../domain/closure';
import { memberOf } from '../../domain/inspection';
import type { Evidence, TaskDoc, TaskState } from '../../store/task';
import { attachPhoto, type AttachResult } from './attachPhoto';
import { tasks, type InspectionDeps } from './common';

/** States in which the paper of a record can still be attached (not once published). */
export const SIGNATURE_PAGE_STATES: readonly TaskState[] = ['检查中', '待签字', '待公示', '待整改'];

export type MediaResult =
  | { ok: true; purpose: 'closure'; task: TaskDoc; count: number }
  | { ok: true; purpose: 'signature'; task: TaskDoc; count: number }
  | ({ purpose: 'item' } & AttachResult)
  | { ok: false; purpose: 'none'; reason: 'fileNotKept' | 'closureFull' };

export interface MediaInput {
  openId: string;
  kind: 'image' | 'file';
  /** image_key or file_key */
  key: string;
  /** file name (documents) */
  name?: string;
  messageId: string;
}

const time = (d: Date | string | undefined): number => (d ? new Date(d).getTime() : 0);

export async function attachMedia(deps: InspectionDeps, input: MediaInput): Promise<MediaResult> {
  const now = deps.now();
  const model = tasks(deps);
  const path = `photoIntent.${input.openId}`;
  if (!/^[A-Za-z0-9_-]+$/.test(input.openId)) throw new Error(`unexpected open id: ${input.openId}`);
  const withIntent = await model
    .find({ 'team.openId': input.openId, [`${path}.until`]: { $gt: now } })
    .limit(50)
    .lean<TaskDoc[]>();
  const intentAt = (t: TaskDoc) => time(t.photoIntent?.[input.openId]?.at);
  const target = withIntent.reduce<TaskDoc | undefined>((best, t) => (!best || intentAt(t) > intentAt(best) ? t : best), undefined);
  if (target) {
    // Worked on a checklist since? Then the picture belongs there.
    const open = await model.find({ 'team.openId': input.openId, state: '检查中' }, { 'inspection.lastActive': 1 }).limit(50).lean<TaskDoc[]>();
    const lastWork = Math.max(0, ...open.map((t) => time(t.inspection?.lastActive?.[input.openId])));
    if (intentAt(target) >= lastWork) {
      const kept = await keepForIntent(deps, target, input, now);
      if (kept) return kept;
    }
  }
  if (input.kind === 'file') return { ok: false, purpose: 'none', reason: 'fileNotKept' };
  return { purpose: 'item', ...(await attachPhoto(deps, { openId: input.openId, imageKey: input.key, messageId: input.messageId })) };
}

async function keepForIntent(deps: InspectionDeps, task: TaskDoc, input: MediaInput, now: Date): Promise<MediaResult | undefined> {
  const intent = task.photoIntent?.[input.openId];
  const member = memberOf(task.team, input.openId);
  if (!intent || !member) return undefined;
  const item: Evidence = {
    kind: input.kind,
    key: input.key,
    ...(input.name ? { name: input.name } : {}),
    messageId: input.messageId,
    by: member.openId,
    byName: member.name,
    at: now,
  };
  const model = tasks(deps);
  if (intent.purpose === 'closure') {
    if (task.closure?.status !== 'draft' || !CLOSABLE_STATES.includes(task.state)) return undefined;
    if (task.closure.evidence.length >= MAX_EVIDENCE) return { ok: false, purpose: 'none', reason: 'closureFull' };
    const updated = await model
      .findOneAndUpdate(
        { _id: task._id, 'closure.status': 'draft', 'closure.evidence.messageId': { $ne: input.messageId } },
        { $push: { 'closure.evidence': item } },
        { returnDocument: 'after', timestamps: false },
      )
      .lean<TaskDoc>();
    const current = updated ?? (await model.findById(task._id).lean<TaskDoc>()) ?? task;
    deps.log.info({ taskId: String(task._id), openId: input.openId, messageId: input.messageId }, 'closure evidence attached');
    return { ok: true, purpose: 'closure', task: current, count: current.closure?.evidence.length ?? 0 };
  }
  if (!task.inspection || !SIGNATURE_PAGE_STATES.includes(task.state)) return undefined;
  const updated = await model
    .findOneAndUpdate(
      { _id: task._id, state: { $in: [...SIGNATURE_PAGE_STATES] }, 'inspection.signaturePages.messageId': { $ne: input.messageId } },
      { $push: { 'inspection.signaturePages': item } },
      { returnDocument: 'after', timestamps: false },
    )
    .lean<TaskDoc>();
  const current = updated ?? (await model.findById(task._id).lean<TaskDoc>()) ?? task;
  deps.log.info({ taskId: String(task._id), openId: input.openId, messageId: input.messageId }, '签字页 attached');
  return { ok: true, purpose: 'signature', task: current, count: current.inspection?.signaturePages?.length ?? 0 };
}

/** Whether someone is on the team of a task still in progress (not published, not void): a file they send gets told what files are for. */
export async function hasOpenTask(deps: Pick<InspectionDeps, 'conn'>, openId: string): Promise<boolean> {
  return (await tasks(deps).exists({ 'team.openId': openId, state: { $nin: ['已公示', '已作废'] } })) !== null;
}

/**
 * Whether someone has pressed 无法正常检查 or 上传签字页 and the intent has not run out: the next file may be meant for
 * it. A gate only (attachMedia decides, also weighing later checklist work).
 */
export async function hasMediaIntent(deps: Pick<InspectionDeps, 'conn' | 'now'>, openId: string): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]+$/.test(openId)) return false;
  return (await tasks(deps).exists({ 'team.openId': openId, [`photoIntent.${openId}.until`]: { $gt: deps.now() } })) !== null;
}
