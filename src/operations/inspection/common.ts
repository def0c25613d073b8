/**
 * What the inspection operations share: their dependencies, their refusals, loading a task and the
 * compare-and-set update every change goes through ({_id, version} → version + 1).
 */
import { Types, type Connection, type mongo, type UpdateQuery } from 'mongoose';
import type { Answer } from '../../domain/inspection';
import { memberOf } from '../../domain/inspection';
import type { Logger } from '../../logger';
import type { Outbox } from '../../platform/outbox';
import { taskModel, type Task, type TaskDoc, type TaskState, type TeamSlot } from '../../store/task';
import { CONNECTION_MAX_TIME_MS } from '../../store/timeouts';
import { forgetTask, rememberTask } from './taskCache';

/** BotDeps fits this shape; so do the CLI, jobs and the demo. */
export interface InspectionDeps {
  conn: Connection;
  outbox: Outbox;
  log: Logger;
  now: () => Date;
}

/** Why an operation did nothing. `task` (when given) is the stored state, to re-render the card from. */
export type Refusal =
  | { code: 'notFound' }
  | { code: 'notMember' }
  | { code: 'void' }
  | { code: 'notStarted' }
  | { code: 'submitted' }
  | { code: 'published' }
  | { code: 'stale'; item?: number; current?: Answer; draft?: string }
  | { code: 'recordRequired' }
  | { code: 'recordTooLong'; length: number }
  /** text the policy refuses (domain/textPolicy.ts); `message` says which field and what to do */
  | { code: 'badText'; message: string }
  | { code: 'representativeRequired' }
  | { code: 'representativeTooLong' }
  | { code: 'incomplete'; missing: (number | string)[] }
  | { code: 'closing' }
  | { code: 'outsideWindow'; from: string; to: string; leader: boolean }
  | { code: 'badDays' }
  | { code: 'notLeader' }
  | { code: 'noLeader' }
  | { code: 'reasonRequired' }
  | { code: 'reasonTooLong' }
  | { code: 'notSigning' }
  | { code: 'alreadySigned' }
  /**
   * a redelivery of a card callback this task already recorded (answerItem.ts, startInspection.ts): nothing to do;
   * with the task, its card is the answer (no toast)
   */
  | { code: 'duplicate' };

export type Refused = { ok: false; refusal: Refusal; task?: TaskDoc };
export type OpResult<T extends object = object> = ({ ok: true; task: TaskDoc } & T) | Refused;

export function refuse(refusal: Refusal, task?: TaskDoc): Refused {
  return { ok: false, refusal, task };
}

/** The update path recording that `openId` worked on the checklist now (open ids are `ou_` + letters/digits). */
export function activityPath(openId: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(openId)) throw new Error(`unexpected open id: ${openId}`);
  return `inspection.lastActive.${openId}`;
}

/** States after submission: the answers are frozen. */
export const SUBMITTED_STATES: readonly TaskState[] = ['待签字', '待公示', '待整改', '已公示'];
/** States a 组长 may reopen from (已公示 is public: it cannot be taken back here). */
export const REOPENABLE_STATES: readonly TaskState[] = ['待签字', '待公示', '待整改'];

export function tasks(deps: Pick<InspectionDeps, 'conn'>) {
  return taskModel(deps.conn);
}

export async function loadTask(deps: Pick<InspectionDeps, 'conn'>, id: string): Promise<TaskDoc | null> {
  if (!Types.ObjectId.isValid(id)) return null;
  return tasks(deps).findById(id).lean<TaskDoc>();
}

/** Loads the task and checks that `openId` is on its team. */
export async function loadForMember(
  deps: Pick<InspectionDeps, 'conn'>,
  id: string,
  openId: string,
): Promise<{ ok: true; task: TaskDoc; member: TeamSlot } | Refused> {
  const task = await loadTask(deps, id);
  if (!task) return refuse({ code: 'notFound' });
  const member = memberOf(task.team, openId);
  // A non-member learns nothing about the task (no card).
  if (!member) return refuse({ code: 'notMember' });
  return { ok: true, task, member };
}

/** The refusal for an operation that needs the checklist open (state 检查中), or undefined when it is. */
export function notOpen(task: TaskDoc): Refusal | undefined {
  if (task.state === '检查中' && task.inspection) return undefined;
  if (task.state === '已作废') return { code: 'void' };
  if (task.state === '待确认' || task.closure?.status === 'confirmed') return { code: 'closing' };
  if (task.state === '已公示') return { code: 'published' };
  if (SUBMITTED_STATES.includes(task.state)) return { code: 'submitted' };
  return { code: 'notStarted' };
}

/**
 * Applies `update` only if nobody changed the task since it was read (same version), and increments the version.
 * Returns the new task, or null when the version moved on (the caller re-reads and refuses as stale).
 */
export async function casUpdate(
  deps: Pick<InspectionDeps, 'conn'>,
  task: TaskDoc,
  update: UpdateQuery<Task>,
  extraFilter: Record<string, unknown> = {},
): Promise<TaskDoc | null> {
  const inc = { ...((update.$inc as Record<string, number> | undefined) ?? {}), version: 1 };
  const updated = await tasks(deps)
    .findOneAndUpdate({ _id: task._id, version: task.version, ...extraFilter }, { ...update, $inc: inc }, { returnDocument: 'after' })
    .lean<TaskDoc>();
  // the next answer to this version may start from it (taskCache.ts)
  if (updated) rememberTask(deps.conn, updated);
  else forgetTask(deps.conn, String(task._id));
  return updated;
}

/**
 * casUpdate for an update whose values are already stored as they are (plain strings, numbers, Dates, arrays of
 * plain objects in the schema's shape, e.g. answers built by domain/inspection.ts): the driver's findOneAndUpdate,
 * without mongoose casting the update against the schema on every click. It does what mongoose would add (the
 * `updatedAt` timestamp); the filter, the version increment and the cache are casUpdate's.
 */
export async function casUpdateStored(
  deps: Pick<InspectionDeps, 'conn'>,
  task: TaskDoc,
  update: StoredUpdate,
  extraFilter: Record<string, unknown> = {},
  /** fields left out of the task returned (and remembered, taskCache.ts): see ANSWER_RETURN */
  leaveOut?: Record<string, 0>,
): Promise<TaskDoc | null> {
  return updateStored(deps, task._id, { version: task.version, ...extraFilter }, update, leaveOut);
}

export type StoredUpdate = { $set: Record<string, unknown>; $push?: Record<string, unknown> };

/**
 * casUpdateStored on task `id` with a filter of the caller's instead of the version read: for a write whose filter
 * states every condition it needs on the stored task (a start from a card, startInspection.ts). Increments the
 * version and keeps the copy as casUpdateStored does.
 */
export async function updateStored(
  deps: Pick<InspectionDeps, 'conn'>,
  id: Types.ObjectId,
  filter: Record<string, unknown>,
  update: StoredUpdate,
  leaveOut?: Record<string, 0>,
): Promise<TaskDoc | null> {
  const write = { ...update, $set: { ...update.$set, updatedAt: new Date() }, $inc: { version: 1 } } as mongo.UpdateFilter<mongo.Document>;
  // the connection's read limit, which mongoose adds to its own queries and the driver does not (store/timeouts.ts);
  // the write concern comes with the client
  const updated = (await tasks(deps).collection.findOneAndUpdate({ _id: id, ...filter }, write, {
    returnDocument: 'after',
    maxTimeMS: CONNECTION_MAX_TIME_MS,
    ...(leaveOut ? { projection: leaveOut } : {}),
  })) as unknown as TaskDoc | null;
  if (updated) rememberTask(deps.conn, updated);
  else forgetTask(deps.conn, String(id));
  return updated;
}
