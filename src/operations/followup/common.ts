/**
 * What the follow-up operations share: dependencies, refusals, the people around a task (county liaisons, city
 * liaisons, leaders) and the publication due date written when a record completes.
 */
import type { Connection } from 'mongoose';
import { shanghaiDate } from '../../domain/calendar';
import { distinctMembers } from '../../domain/inspection';
import { publicationDueDate, type FollowUpFacts } from '../../domain/followup';
import { isComplete } from '../../domain/outcome';
import { CITY_BUREAU } from '../../domain/types';
import type { Logger } from '../../logger';
import type { Outbox } from '../../platform/outbox';
import { staffModel } from '../../store/staff';
import { taskModel, type Publication, type TaskDoc } from '../../store/task';
import { Types } from 'mongoose';

/** BotDeps fits this shape; so do jobs, the CLI and the demo. */
export interface FollowUpDeps {
  conn: Connection;
  outbox: Outbox;
  log: Logger;
  now: () => Date;
}

export type FollowUpRefusal =
  | { code: 'notFound' }
  | { code: 'void' }
  /** countyHasLiaison: whether the firm's county has a 联络员 (else the 市局联络员 stands in, src/policies.ts) */
  | { code: 'notConfirmer'; county: string; countyHasLiaison: boolean }
  | { code: 'notPublisher'; county: string; countyHasLiaison: boolean }
  | { code: 'notInvolved' }
  | { code: 'notReady' }
  | { code: 'stale' }
  /** the card was shown before the county confirmed the rectification: the result to publish is now `result` */
  | { code: 'rectified'; result: string }
  | { code: 'noFindings' }
  | { code: 'disposed'; kind: string }
  | { code: 'notDisposer'; county: string; countyHasLiaison: boolean }
  | { code: 'badDisposal'; what: string }
  | { code: 'alreadyDisposed'; kind: string }
  | { code: 'alreadyConfirmed'; byName: string; on: string }
  | { code: 'alreadyPublished'; on: string; result: string }
  | { code: 'notAmendable' }
  /** the published result was updated already (by whom, when, to what) */
  | { code: 'amended'; on: string; byName: string; result: string }
  | { code: 'statusRequired'; no: number }
  /** items found not rectified on site: 附件2 is issued only when every item is */
  | { code: 'notAllRectified'; nos: number[] }
  | { code: 'doneRequired'; no: number }
  | { code: 'doneTooLong'; no: number; length: number }
  | { code: 'opinionRequired' }
  | { code: 'opinionTooLong'; length: number }
  | { code: 'referenceTooLong'; length: number }
  | { code: 'badDate' }
  | { code: 'futureDate'; today: string }
  | { code: 'beforeCompletion'; earliest: string; what: 'completion' | 'publication' };

export type FollowUpRefused = { ok: false; refusal: FollowUpRefusal; task?: TaskDoc };
export type FollowUpResult<T extends object = object> = ({ ok: true; task: TaskDoc } & T) | FollowUpRefused;

export function refuse(refusal: FollowUpRefusal, task?: TaskDoc): FollowUpRefused {
  return { ok: false, refusal, task };
}

export function tasks(deps: Pick<FollowUpDeps, 'conn'>) {
  return taskModel(deps.conn);
}

export async function loadTask(deps: Pick<FollowUpDeps, 'conn'>, id: string): Promise<TaskDoc | null> {
  if (!Types.ObjectId.isValid(id)) return null;
  return tasks(deps).findById(id).lean<TaskDoc>();
}

// ---- people ---------------------------------------------------------------------------------------------------------

/**
 * The liaison(s) responsible for a county: its own 联络员, or the city bureau's when the county has none (`own`
 * false: they stand in for the publication and 立案/移交, not for the 附件2 confirmation).
 */
export async function countyLiaisonsOf(deps: Pick<FollowUpDeps, 'conn'>, county: string): Promise<{ openIds: string[]; own: boolean }> {
  const staff = staffModel(deps.conn);
  const local = await staff.find({ roles: '联络员', county }, { openId: 1 }).sort({ openId: 1 }).lean();
  const found = local.length > 0 ? local : await staff.find({ roles: '联络员', county: CITY_BUREAU }, { openId: 1 }).sort({ openId: 1 }).lean();
  return { openIds: found.map((s) => s.openId), own: local.length > 0 };
}

/** The liaison(s) responsible for a county: its own 联络员, or the city bureau's when the county has none. */
export async function countyLiaisons(deps: Pick<FollowUpDeps, 'conn'>, county: string): Promise<string[]> {
  return (await countyLiaisonsOf(deps, county)).openIds;
}

export async function cityLiaisons(deps: Pick<FollowUpDeps, 'conn'>): Promise<string[]> {
  const found = await staffModel(deps.conn).find({ roles: '联络员', county: CITY_BUREAU }, { openId: 1 }).sort({ openId: 1 }).lean();
  return found.map((s) => s.openId);
}

/** 领导 of the city bureau and of the given counties, with the county each belongs to. */
export async function leaders(deps: Pick<FollowUpDeps, 'conn'>, counties: readonly string[]): Promise<{ openId: string; county: string }[]> {
  const found = await staffModel(deps.conn)
    .find({ roles: '领导', county: { $in: [CITY_BUREAU, ...counties] } }, { openId: 1, county: 1 })
    .sort({ openId: 1 })
    .lean();
  return found.map((s) => ({ openId: s.openId, county: s.county }));
}

/** The 组长 of the team (each once); the whole team when it has no 组长. */
export function teamLeads(task: Pick<TaskDoc, 'team'>): string[] {
  const leads = distinctMembers(task.team.filter((m) => m.role === '组长'));
  return (leads.length > 0 ? leads : distinctMembers(task.team)).map((m) => m.openId);
}

export function teamIds(task: Pick<TaskDoc, 'team'>): string[] {
  return distinctMembers(task.team).map((m) => m.openId);
}

/** Who around a task may do what; cards show each viewer only what these lists allow. */
export interface Audience {
  /** the county's liaisons (or the city bureau's when the county has none): publish, 立案/移交 */
  countyLiaisons: string[];
  /** the city bureau's liaisons: receive the 附件2 report and escalations */
  cityLiaisons: string[];
  /** whether `countyLiaisons` are the county's own: only they confirm a rectification (附件2) */
  countyHasLiaison: boolean;
}

export async function audienceOf(deps: Pick<FollowUpDeps, 'conn'>, task: Pick<TaskDoc, 'enterprise'>): Promise<Audience> {
  const [county, city] = await Promise.all([countyLiaisonsOf(deps, task.enterprise.county), cityLiaisons(deps)]);
  return { countyLiaisons: county.openIds, cityLiaisons: city, countyHasLiaison: county.own };
}

export const unique = (ids: readonly string[]): string[] => [...new Set(ids)];

// ---- facts and due date ----------------------------------------------------------------------------------------------

/** Whether the record is complete (or the closure confirmed) and the task is in a follow-up state (待公示, 待整改, 已公示). */
export function inFollowUp(task: TaskDoc): boolean {
  return isComplete(task) && ['待公示', '待整改', '已公示'].includes(task.state);
}

/**
 * The query form of isComplete's first half: a completed record or a confirmed closure (无法正常检查). Both start the
 * 20-working-day publication clock, on completionDateOf(task) (domain/outcome.ts); a closure has no inspection record.
 */
export const COMPLETED_FILTER = { $or: [{ 'inspection.completedAt': { $exists: true } }, { 'closure.status': 'confirmed' as const }] };

export function factsOf(task: TaskDoc): FollowUpFacts {
  return {
    state: task.state,
    result: task.inspection?.result,
    dueDate: task.publication?.dueDate || undefined,
    published: Boolean(task.publication?.publishedOn),
    rectificationDeadline: task.inspection?.rectification?.deadline,
    rectificationConfirmed: Boolean(task.rectificationCheck),
    disposed: Boolean(task.disposal),
  };
}

/** The `publication` to store when a record completes on `completionDate` (or `now` when it has none). */
export function newPublication(completionDate: string | undefined, now: Date): Publication {
  const due = publicationDueDate(completionDate ?? shanghaiDate(now));
  return due.known ? { dueDate: due.date } : { dueDate: '', dueNote: due.note };
}
