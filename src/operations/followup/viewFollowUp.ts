/**
 * 整改与公示 (read): the follow-up of a task as one person sees it (policies.ts viewFollowUp: the team, the liaisons of
 * the enterprise's county, the city bureau's staff and leaders, the 领导 of that county); others learn nothing. A record not (or no longer, after a reopen) complete has no follow-up to show.
 */
import type { FollowUpActor } from '../../domain/followup';
import { mayOnTask, type Actor } from '../../policies';
import { taskContext } from '../taskContext';
import { audienceOf, inFollowUp, loadTask, refuse, type Audience, type FollowUpDeps, type FollowUpResult } from './common';

export async function viewFollowUp(
  deps: FollowUpDeps,
  input: { taskId: string; actor: FollowUpActor },
): Promise<FollowUpResult<{ audience: Audience }>> {
  const task = await loadTask(deps, input.taskId);
  if (!task) return refuse({ code: 'notFound' });
  const audience = await audienceOf(deps, task);
  const actor = { openId: input.actor.openId, roles: input.actor.roles as Actor['roles'], county: input.actor.county };
  if (!mayOnTask('viewFollowUp', actor, await taskContext(deps.conn, task))) return refuse({ code: 'notInvolved' });
  if (task.state === '已作废') return refuse({ code: 'void' });
  if (!inFollowUp(task)) return refuse({ code: 'notReady' });
  return { ok: true, task, audience };
}
