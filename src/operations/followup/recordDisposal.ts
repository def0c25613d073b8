/**
 * 发现问题的后续处置 other than 责令改正: the county records that it opened a case (立案: case number and date) or
 * transferred the matter (移交: to whom). 责令改正 stays the default path (附件1 → 附件2 confirmation).
 * - Who: a liaison of the enterprise's county (the city bureau's only where the county has none; policies.ts).
 * - When: a completed record with findings whose rectification has not been confirmed: 待整改 (→ 待公示: the result
 *   is then published as 发现问题待后续处理), or 已公示 as 发现问题待后续处理 (stays 已公示).
 * - Then: rectification reminders stop; the team, the county's and the city bureau's liaisons are told (notify.ts);
 *   附件5 counts 立案 and 移交 in their own columns.
 */
import { shanghaiDate } from '../../domain/calendar';
import { checkPublishedOn, type FollowUpActor } from '../../domain/followup';
import { charLength } from '../../domain/inspection';
import { withoutXmlInvalid } from '../../domain/xmlSafe';
import { mayOnTask, type Actor } from '../../policies';
import { staffModel } from '../../store/staff';
import type { Disposal, DisposalKind, TaskDoc } from '../../store/task';
import { taskContext } from '../taskContext';
import { loadTask, refuse, tasks, type FollowUpDeps, type FollowUpResult } from './common';
import { enqueueFollowUp } from './notify';

export const MAX_CASE_NO_LENGTH = 50;
export const MAX_TRANSFER_TO_LENGTH = 100;
export const MAX_DISPOSAL_NOTE_LENGTH = 500;

export interface DisposalInput {
  taskId: string;
  actor: FollowUpActor;
  round: number;
  kind: unknown;
  caseNo?: unknown;
  caseDate?: unknown;
  transferTo?: unknown;
  note?: unknown;
}

function text(raw: unknown): string {
  return typeof raw === 'string' ? withoutXmlInvalid(raw).replace(/\s+/g, ' ').trim() : '';
}

export async function recordDisposal(deps: FollowUpDeps, input: DisposalInput): Promise<FollowUpResult> {
  const task = await loadTask(deps, input.taskId);
  if (!task) return refuse({ code: 'notFound' });
  const actor = { openId: input.actor.openId, roles: input.actor.roles as Actor['roles'], county: input.actor.county };
  const ctx = await taskContext(deps.conn, task);
  if (!mayOnTask('recordDisposal', actor, ctx)) return refuse({ code: 'notDisposer', county: ctx.county, countyHasLiaison: ctx.countyHasLiaison });
  if (task.state === '已作废') return refuse({ code: 'void' }, task);
  const rec = task.inspection;
  if (task.disposal) return refuse({ code: 'alreadyDisposed', kind: task.disposal.kind }, task);
  if (!rec || rec.round !== input.round) return refuse({ code: 'stale' }, task);
  if (rec.result !== '发现问题' || !rec.completedAt) return refuse({ code: 'noFindings' }, task);
  if (task.rectificationCheck) {
    return refuse({ code: 'alreadyConfirmed', byName: task.rectificationCheck.confirmedByName, on: task.rectificationCheck.confirmedOn }, task);
  }
  const published = task.state === '已公示' && task.publication?.result === '发现问题待后续处理';
  if (task.state !== '待整改' && !published) return refuse({ code: 'stale' }, task);

  const kind = text(input.kind) as DisposalKind;
  if (kind !== '立案' && kind !== '移交') return refuse({ code: 'badDisposal', what: 'kind' });
  const now = deps.now();
  const today = shanghaiDate(now);
  const note = text(input.note);
  if (charLength(note) > MAX_DISPOSAL_NOTE_LENGTH) return refuse({ code: 'badDisposal', what: 'note' });
  const disposal: Disposal = { kind, by: actor.openId, byName: '', at: now, on: today, ...(note ? { note } : {}) };
  if (kind === '立案') {
    const caseNo = text(input.caseNo);
    if (caseNo === '' || charLength(caseNo) > MAX_CASE_NO_LENGTH) return refuse({ code: 'badDisposal', what: 'caseNo' });
    const date = checkPublishedOn(input.caseDate, today, rec.completionDate ?? today);
    if (!date.ok) return refuse({ code: 'badDisposal', what: 'caseDate' });
    disposal.caseNo = caseNo;
    disposal.caseDate = date.date;
  } else {
    const to = text(input.transferTo);
    if (to === '' || charLength(to) > MAX_TRANSFER_TO_LENGTH) return refuse({ code: 'badDisposal', what: 'transferTo' });
    disposal.transferTo = to;
  }
  const person = await staffModel(deps.conn).findOne({ openId: actor.openId }, { name: 1 }).lean();
  disposal.byName = person?.name ?? actor.openId;
  const next = task.state === '待整改' ? '待公示' : task.state;
  const updated = await tasks(deps)
    .findOneAndUpdate(
      { _id: task._id, state: task.state, 'inspection.round': input.round, disposal: { $exists: false }, rectificationCheck: { $exists: false } },
      { $set: { disposal, state: next }, $inc: { version: 1 } },
      { returnDocument: 'after' },
    )
    .lean<TaskDoc>();
  if (!updated) return refuse({ code: 'stale' }, (await loadTask(deps, input.taskId)) ?? task);
  deps.log.info({ taskId: String(task._id), openId: actor.openId, kind, from: task.state, to: next }, 'disposal recorded');
  await enqueueFollowUp(deps, updated);
  return { ok: true, task: updated };
}
