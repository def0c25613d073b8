/**
 * Starting a visit against the campaign's inspection window (domain/window.ts): inside → nothing to record; outside →
 * refused unless the 组长 of the team gives a reason, which is recorded (`inspection.outsideWindow`). A task whose
 * campaign cannot be found (fixtures) has no window. The window is read with the task (startContext.ts).
 */
import { shanghaiDate } from '../../domain/calendar';
import { isLeader, memberOf, type OutsideWindow } from '../../domain/inspection';
import { checkWindowReason, windowPosition } from '../../domain/window';
import type { TaskDoc } from '../../store/task';
import type { Refusal } from './common';
import type { CampaignWindow } from './startContext';

export type WindowCheck = { ok: true; outsideWindow?: OutsideWindow } | { ok: false; refusal: Refusal };

/** Whether `now` (its Shanghai date) is inside the campaign's window. */
export function insideWindow(campaign: CampaignWindow, now: Date): boolean {
  return windowPosition(shanghaiDate(now), campaign.from, campaign.to) === 'inside';
}

export function checkStartWindow(
  campaign: CampaignWindow | undefined,
  task: Pick<TaskDoc, 'team'>,
  input: { openId: string; reason?: unknown },
  now: Date,
): WindowCheck {
  if (!campaign) return { ok: true };
  if (insideWindow(campaign, now)) return { ok: true };
  const leader = isLeader(task.team, input.openId);
  const outside: Refusal = { code: 'outsideWindow', from: campaign.from, to: campaign.to, leader };
  if (!leader || input.reason === undefined) return { ok: false, refusal: outside };
  const reason = checkWindowReason(input.reason);
  if (!reason.ok) return { ok: false, refusal: reason.error === 'required' ? outside : { code: 'reasonTooLong' } };
  const member = memberOf(task.team, input.openId)!;
  return { ok: true, outsideWindow: { reason: reason.reason, by: member.openId, byName: member.name, at: now, from: campaign.from, to: campaign.to } };
}
