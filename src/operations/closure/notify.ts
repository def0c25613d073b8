/**
 * The messages a closure owes, from the stored state, with idempotent keys (a rerun sends nothing twice):
 * - proposed → the confirmation card to the team's 组长 (the 市局联络员 when the team has none);
 *   key close:ask:<task>:<proposal time>:<open id>;
 * - returned → the proposer, with the reason; key close:returned:<task>:<returns>:<open id>;
 * - confirmed → the team (the result), the 市局联络员 and the liaison(s) of the firm's county (the result, and the
 *   经营异常 / 信用 follow-up it calls for); key close:done:<task>:<open id>.
 */
import { closureCard } from '../../bot/closureCards';
import type { TaskDoc } from '../../store/task';
import { cityLiaisons, countyLiaisons, teamIds, unique } from '../followup/common';
import type { ClosureDeps } from './common';

export async function enqueueClosure(deps: ClosureDeps, task: TaskDoc): Promise<void> {
  const c = task.closure;
  if (!c) return;
  const id = String(task._id);
  if (task.state === '待确认' && c.status === 'proposed') {
    const leaders = unique(task.team.filter((m) => m.role === '组长').map((m) => m.openId));
    const to = leaders.length > 0 ? leaders : await cityLiaisons(deps);
    const when = c.proposedAt ? new Date(c.proposedAt).getTime() : 0;
    for (const openId of to) await deps.outbox.sendCard(`close:ask:${id}:${when}:${openId}`, { openId }, closureCard(task, openId, 'ask'));
  } else if (c.status === 'draft' && c.returns.length > 0) {
    const last = c.returns[c.returns.length - 1]!;
    const to = c.proposedBy ?? c.openedBy;
    if (to !== last.by) await deps.outbox.sendCard(`close:returned:${id}:${c.returns.length}:${to}`, { openId: to }, closureCard(task, to, 'returned'));
  } else if (c.status === 'confirmed') {
    const city = await cityLiaisons(deps);
    const county = await countyLiaisons(deps, task.enterprise.county);
    const to = unique([...teamIds(task), ...city, ...county]).filter((o) => o !== c.confirmedBy);
    for (const openId of to) await deps.outbox.sendCard(`close:done:${id}:${openId}`, { openId }, closureCard(task, openId, 'confirmed'));
  }
}
