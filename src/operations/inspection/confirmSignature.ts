/**
 * 确认签字: a team member signs the submitted record (the card carries the submission round, so a card from before
 * a reopen is void). The 组长 signing a record with findings sets the rectification period (default 15 days).
 * The last signature completes the record (followUp).
 */
import { distinctMembers, isLeader, outcomeOf, parseRectificationDays, type Signature } from '../../domain/inspection';
import { recordCard, signRequestCard } from '../../bot/inspectionCards';
import type { TaskDoc } from '../../store/task';
import { followUp } from './followUp';
import { loadForMember, refuse, tasks, type InspectionDeps, type OpResult } from './common';

export async function confirmSignature(
  deps: InspectionDeps,
  input: { taskId: string; openId: string; round: number; days?: unknown },
): Promise<OpResult> {
  const loaded = await loadForMember(deps, input.taskId, input.openId);
  if (!loaded.ok) return loaded;
  const { task, member } = loaded;
  const rec = task.inspection;
  if (task.state === '已作废') return refuse({ code: 'void' }, task);
  if (!rec || rec.round !== input.round) return refuse({ code: 'notSigning' }, task);
  if (rec.signatures.some((s) => s.openId === member.openId)) {
    return refuse({ code: 'alreadySigned' }, await followUp(deps, task));
  }
  if (task.state !== '待签字') return refuse({ code: 'notSigning' }, task);

  let days: number | undefined;
  if (outcomeOf(rec.answers, task.checklist) === '发现问题' && isLeader(task.team, member.openId)) {
    const parsed = parseRectificationDays(input.days);
    if (!parsed.ok) return refuse({ code: 'badDays' });
    days = parsed.days;
  }
  const signature: Signature = { openId: member.openId, name: member.name, role: member.role, at: deps.now() };
  const updated = await tasks(deps)
    .findOneAndUpdate(
      // still on the team when the write lands (a /换人 may have replaced the signer since the read)
      { _id: task._id, state: '待签字', 'inspection.round': input.round, 'team.openId': member.openId, 'inspection.signatures.openId': { $ne: member.openId } },
      {
        $push: { 'inspection.signatures': signature },
        ...(days !== undefined ? { $set: { 'inspection.rectificationDays': days } } : {}),
        $inc: { version: 1 },
      },
      { returnDocument: 'after' },
    )
    .lean<TaskDoc>();
  if (!updated) {
    const fresh = (await tasks(deps).findById(task._id).lean<TaskDoc>()) ?? task;
    const signed = fresh.inspection?.round === input.round && fresh.inspection.signatures.some((s) => s.openId === member.openId);
    return refuse({ code: signed ? 'alreadySigned' : 'notSigning' }, fresh);
  }
  deps.log.info({ taskId: String(task._id), openId: member.openId, round: input.round }, 'signature confirmed');
  const done = await followUp(deps, updated);
  await refreshSignCards(deps, done, member.openId);
  return { ok: true, task: done };
}

/**
 * The other members' 请核对检查记录 cards show who has signed: each is updated in place after a signature (a card is
 * per message, and theirs would still say “待签字 1/3” with the signer unchecked); once the record is complete they
 * show it complete, without the sign button.
 */
async function refreshSignCards(deps: InspectionDeps, task: TaskDoc, signer: string): Promise<void> {
  const rec = task.inspection;
  if (!rec) return;
  const id = String(task._id);
  for (const m of distinctMembers(task.team)) {
    if (m.openId === signer) continue;
    try {
      const card = task.state === '待签字' ? signRequestCard(task, m.openId) : recordCard(task, m.openId);
      await deps.outbox.patchDelivered(`insp:sign:${id}:${rec.round}:${m.openId}`, `insp:sign-seen:${id}:${rec.round}:${signer}:${m.openId}`, card);
    } catch (err) {
      // the signature stands; a card left as it was is refreshed on its next click
      deps.log.warn({ err, taskId: id, openId: m.openId }, 'sign card not refreshed');
    }
  }
}
