/**
 * 整改与公示 (read): the follow-up of a task as one person sees it. Open to the team, the liaisons responsible for the
 * enterprise's county, the city bureau's liaisons and the 领导 of the city bureau and of that county; others learn
 * nothing about the task. A record not (or no longer, after a reopen) complete has no follow-up to show.
 */
import { CITY_BUREAU } from '../../domain/types';
import type { FollowUpActor } from '../../domain/followup';
import { audienceOf, inFollowUp, loadTask, refuse, type Audience, type FollowUpDeps, type FollowUpResult } from './common';

export async function viewFollowUp(
  deps: FollowUpDeps,
  input: { taskId: string; actor: FollowUpActor },
): Promise<FollowUpResult<{ audience: Audience }>> {
  const task = await loadTask(deps, input.taskId);
  if (!task) return refuse({ code: 'notFound' });
  const audience = await audienceOf(deps, task);
  const { openId, roles, county } = input.actor;
  const involved =
    task.team.some((m) => m.openId === openId) ||
    audience.countyLiaisons.includes(openId) ||
    audience.cityLiaisons.includes(openId) ||
    (roles.includes('领导') && (county === CITY_BUREAU || county === task.enterprise.county));
  if (!involved) return refuse({ code: 'notInvolved' });
  if (task.state === '已作废') return refuse({ code: 'void' });
  if (!inFollowUp(task)) return refuse({ code: 'notReady' });
  return { ok: true, task, audience };
}
