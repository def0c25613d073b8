/** What the closure operations share: refusals and the intent bookkeeping. */
import { mayOnTask, type Actor, type TaskAction, type TaskContext } from '../../policies';
import { staffModel } from '../../store/staff';
import type { Closure, TaskDoc } from '../../store/task';
import { loadTask, type InspectionDeps } from '../inspection/common';
import { taskContext } from '../taskContext';

export type ClosureDeps = InspectionDeps;

export type ClosureRefusal =
  | { code: 'notFound' }
  | { code: 'notMember' }
  | { code: 'notAllowed' }
  | { code: 'void' }
  | { code: 'notClosable'; state: string }
  | { code: 'noDraft' }
  | { code: 'proposed'; byName: string }
  /** the one who returned it submitting someone else's returned draft: it waits for its registrant */
  | { code: 'awaitingResubmit'; byName: string }
  | { code: 'notProposed' }
  | { code: 'confirmed' }
  | { code: 'reasonRequired' }
  | { code: 'badReason' }
  | { code: 'noteRequired' }
  | { code: 'noteTooLong'; length: number }
  | { code: 'noEvidence' }
  | { code: 'returnReasonRequired' }
  | { code: 'returnReasonTooLong' }
  | { code: 'stale' };

export type ClosureRefused = { ok: false; refusal: ClosureRefusal; task?: TaskDoc };
export type ClosureResult<T extends object = object> = ({ ok: true; task: TaskDoc } & T) | ClosureRefused;

export function refuse(refusal: ClosureRefusal, task?: TaskDoc): ClosureRefused {
  return { ok: false, refusal, task };
}

/** The update path of a member's photo intent (open ids are `ou_` + letters/digits). */
export function intentPath(openId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(openId)) throw new Error(`unexpected open id: ${openId}`);
  return `photoIntent.${openId}`;
}

/** A fresh draft. */
export function newDraft(task: TaskDoc, openId: string, now: Date): Closure {
  return { status: 'draft', evidence: [], fromState: task.state, openedBy: openId, openedAt: now, returns: [] };
}

/** Loads the task and checks the policy table for `action`; a voided task is refused. */
export async function loadFor(
  deps: ClosureDeps,
  taskId: string,
  actor: Actor,
  action: TaskAction,
): Promise<{ ok: true; task: TaskDoc; ctx: TaskContext } | ClosureRefused> {
  const task = await loadTask(deps, taskId);
  if (!task) return refuse({ code: 'notFound' });
  const ctx = await taskContext(deps.conn, task);
  if (!mayOnTask(action, actor, ctx)) {
    // Someone outside the team learns nothing about the task.
    return refuse(task.team.some((m) => m.openId === actor.openId) ? { code: 'notAllowed' } : { code: 'notMember' });
  }
  if (task.state === '已作废') return refuse({ code: 'void' }, task);
  return { ok: true, task, ctx };
}

/** The name of a team member, or of the staff member. */
export async function nameOf(deps: ClosureDeps, task: TaskDoc, openId: string): Promise<string> {
  const member = task.team.find((m) => m.openId === openId);
  if (member) return member.name;
  const person = await staffModel(deps.conn).findOne({ openId }, { name: 1 }).lean();
  return person?.name ?? openId;
}
