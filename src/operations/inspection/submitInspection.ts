/**
 * 提交检查结果 (from the summary, all items answered): records the 企业代表, the completion date (检查完成之日,
 * Asia/Shanghai) and the submitter's signature, freezes the answers (待签字) and asks every other member to sign.
 * A 组长 submitting a record with findings sets the rectification period here (default 15 days).
 */
import { shanghaiDate } from '../../domain/calendar';
import {
  allAnswered,
  answerFor,
  checkRepresentative,
  isLeader,
  outcomeOf,
  parseRectificationDays,
  type Signature,
} from '../../domain/inspection';
import { extraCount, visitSteps } from '../../domain/visit';
import { followUp } from './followUp';
import { casUpdate, loadForMember, notOpen, refuse, type InspectionDeps, type OpResult } from './common';

export interface SubmitInput {
  taskId: string;
  openId: string;
  version: number;
  representative: unknown;
  /** 整改期限（天）: read only from a 组长 when there are findings */
  days?: unknown;
}

export async function submitInspection(deps: InspectionDeps, input: SubmitInput): Promise<OpResult> {
  const loaded = await loadForMember(deps, input.taskId, input.openId);
  if (!loaded.ok) return loaded;
  const { task, member } = loaded;
  const closed = notOpen(task);
  if (closed) return refuse(closed, task);
  const rec = task.inspection!;
  const rep = checkRepresentative(input.representative);
  if (!rep.ok) return refuse({ code: rep.error === 'required' ? 'representativeRequired' : 'representativeTooLong' });
  if (input.version !== task.version) return refuse({ code: 'stale' }, task);
  const extra = extraCount(rec.extras);
  if (!allAnswered(task.checklist, rec.answers, extra)) {
    const missing = visitSteps(task.checklist, rec.extras)
      .filter((s) => !answerFor(rec.answers, s.step))
      .map((s) => (s.part === 'form' ? s.no : `${s.source}#${s.no}`));
    return refuse({ code: 'incomplete', missing }, task);
  }
  const findings = outcomeOf(rec.answers, task.checklist) === '发现问题';
  let days: number | undefined;
  if (findings && isLeader(task.team, member.openId)) {
    const parsed = parseRectificationDays(input.days);
    if (!parsed.ok) return refuse({ code: 'badDays' });
    days = parsed.days;
  }
  const now = deps.now();
  const signature: Signature = { openId: member.openId, name: member.name, role: member.role, at: now };
  const set: Record<string, unknown> = {
    state: '待签字',
    'inspection.representative': rep.name,
    'inspection.submittedAt': now,
    'inspection.submittedBy': member.openId,
    'inspection.completionDate': shanghaiDate(now),
    'inspection.signatures': [signature],
    'inspection.result': outcomeOf(rec.answers, task.checklist),
  };
  const unset: Record<string, 1> = { 'inspection.completedAt': 1, 'inspection.rectification': 1 };
  if (days !== undefined) set['inspection.rectificationDays'] = days;
  else unset['inspection.rectificationDays'] = 1;
  const updated = await casUpdate(deps, task, { $set: set, $unset: unset, $inc: { 'inspection.round': 1 } }, { state: '检查中' });
  if (!updated) {
    const fresh = await loadForMember(deps, input.taskId, input.openId);
    return refuse({ code: 'stale' }, fresh.ok ? fresh.task : task);
  }
  deps.log.info({ taskId: String(task._id), openId: member.openId, round: updated.inspection?.round }, 'inspection submitted');
  return { ok: true, task: await followUp(deps, updated) };
}
