/** /我的任务: the caller's tasks (as a team member), the ones needing them first. Voided tasks are left out. */
import { unsignedMembers } from '../../domain/inspection';
import type { TaskDoc } from '../../store/task';
import { tasks, type InspectionDeps } from './common';

const ORDER: Record<string, number> = { 检查中: 0, 待签字: 1, 待确认: 2, 待检查: 3, 待接收: 4, 待整改: 5, 待公示: 6, 已公示: 7 };

export const MY_TASKS_LIMIT = 20;

export async function listMyTasks(deps: Pick<InspectionDeps, 'conn'>, openId: string): Promise<{ tasks: TaskDoc[]; total: number }> {
  const all = await tasks(deps)
    .find({ 'team.openId': openId, state: { $ne: '已作废' } })
    .lean<TaskDoc[]>();
  const needsMe = (t: TaskDoc): number =>
    t.state === '待签字' && t.inspection && unsignedMembers(t.team, t.inspection.signatures).some((m) => m.openId === openId) ? 0 : 1;
  all.sort((a, b) => (ORDER[a.state] ?? 9) - (ORDER[b.state] ?? 9) || needsMe(a) - needsMe(b) || a.no - b.no);
  return { tasks: all.slice(0, MY_TASKS_LIMIT), total: all.length };
}
