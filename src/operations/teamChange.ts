/**
 * /换人: the 市局联络员 replaces one member of one task's team after the draw — someone transferred, ill, or who has
 * declared a conflict of interest (回避) since (the staff import names those: operations/importStaff.ts). A redraw is
 * refused once any inspection has started, and a record waits for every member's signature, so without this a team
 * with such a member could not finish.
 *
 * - Who: the 市局联络员 (the city bureau draws and forms the teams).
 * - Which tasks: not yet complete — 待接收, 待检查, 检查中, 待签字, 待确认 (a closure waiting for a 组长 who is gone). A
 *   completed record is signed by those who inspected.
 * - The replacement must fit the slot as the draw would have filled it (docs/draw-spec.md §6): a 组长 of the 市局 for
 *   the 组长; an 执法人员 of the same level (a county's for a county's, the 市局's for the 市局's) for an 执法人员; a 专家
 *   for the 专家; in every slot not of the firm's own county when the campaign excludes it; not on the team already;
 *   not avoiding the firm (回避企业).
 * - What changes: the slot; the replaced person's signature (if any) and pending file intent; a `teamChanges` entry
 *   (who for whom, why, by whom, when). Answers the replaced person gave stay in the record under their name.
 * - Who is told: the replaced person, the new member (the task to inspect, or the record to sign), the rest of the team
 *   and the county's liaison(s).
 * The draw's bundles keep the team as drawn; the change is the task's own record (and the log line below).
 */
import type { Connection } from 'mongoose';
import { assignmentCard } from '../bot/drawViews';
import { closureCard } from '../bot/closureCards';
import { signRequestCard } from '../bot/inspectionCards';
import { joinedTeamCard, leftTeamCard, teamChangedCard } from '../bot/teamChangeCards';
import { charCount } from '../domain/textPolicy';
import { CITY_BUREAU } from '../domain/types';
import type { Logger } from '../logger';
import type { Outbox } from '../platform/outbox';
import type { Actor } from '../policies';
import { campaignModel, type CampaignDoc } from '../store/campaign';
import { staffModel, type StaffMember } from '../store/staff';
import { taskModel, type TaskDoc, type TaskState, type TeamChange, type TeamSlot } from '../store/task';
import { findTask, type Candidate } from './exportRecords';
import { countyLiaisons } from './followup/common';
import { forgetTask } from './inspection/taskCache';

export interface TeamChangeDeps {
  conn: Connection;
  outbox: Outbox;
  log: Logger;
  now: () => Date;
}

export interface TeamChangeInput {
  actor: Actor;
  actorName: string;
  /** the task: its licence number or (part of) its firm's name, as /导出 takes it */
  task: string;
  /** the member to replace: name or OpenID */
  from: string;
  /** the replacement: name or OpenID in the staff registry */
  to: string;
  /** needed when `from` holds two slots of the team */
  role?: string;
  reason?: string;
}

export type TeamChangeOutcome =
  | { ok: true; task: TaskDoc; change: TeamChange }
  | { ok: false; reason: string; candidates?: Candidate[] };

/** Tasks whose team may still change: nothing is complete yet (待确认: a closure waits for the 组长's decision). */
export const CHANGEABLE_STATES: readonly TaskState[] = ['待接收', '待检查', '检查中', '待签字', '待确认'];

const REASON_MIN = 2;
const REASON_MAX = 200;

const refuse = (reason: string, candidates?: Candidate[]): TeamChangeOutcome => ({ ok: false, reason, ...(candidates ? { candidates } : {}) });

/** Why `person` cannot take `slot` of `task`'s team, or null. */
export function slotProblem(person: Pick<StaffMember, 'name' | 'roles' | 'county' | 'avoid' | 'openId'>, slot: TeamSlot, task: TaskDoc, campaign: CampaignDoc | null): string | null {
  if (task.team.some((m) => m.openId === person.openId)) return `${person.name} 已在该检查组中`;
  if ((person.avoid ?? []).includes(task.enterprise.uscc)) return `${person.name} 登记了对该企业回避，不能参加它的检查`;
  if (slot.role === '组长' && !(person.roles.includes('组长') && person.county === CITY_BUREAU)) {
    return `组长须由市局的组长担任，${person.name}（${person.county}）不是`;
  }
  if (slot.role === '执法人员') {
    if (!person.roles.includes('执法人员')) return `${person.name} 不是执法人员`;
    // 由市、县两级执法监管人员组成: a county's officer is replaced by a county's officer, the 市局's by the 市局's
    if ((slot.county === CITY_BUREAU) !== (person.county === CITY_BUREAU)) {
      return slot.county === CITY_BUREAU ? `${slot.name} 是市局的执法人员，须由市局的执法人员接替` : `${slot.name} 是县区的执法人员，须由县区的执法人员接替（检查组由市、县两级人员组成）`;
    }
  }
  if (slot.role === '专家' && !person.roles.includes('专家')) return `${person.name} 不是专家库的专家`;
  // the own-county rule holds for every slot, experts included (docs/draw-spec.md §6.2)
  if ((campaign?.excludeOwnCounty ?? true) && person.county === task.enterprise.county) {
    return `本专项县区人员不检查本县区企业，${person.name} 属于${person.county}`;
  }
  return null;
}

export async function replaceMember(deps: TeamChangeDeps, input: TeamChangeInput): Promise<TeamChangeOutcome> {
  if (!input.actor.roles.includes('联络员') || input.actor.county !== CITY_BUREAU) return refuse('检查组由市局联络员调整。');
  const reason = (input.reason ?? '').trim();
  if (charCount(reason) < REASON_MIN || charCount(reason) > REASON_MAX) {
    return refuse(`请写明调整的原因（${REASON_MIN}–${REASON_MAX} 字），例如：理由=原执法人员调离`);
  }
  const found = await findTask(deps.conn, input.task);
  if (found.kind === 'none') return refuse(`没有找到“${input.task}”的检查任务：请用许可证编号或企业名称。`);
  if (found.kind === 'ambiguous') return refuse(`“${input.task}”对应 ${found.total} 家企业，请指明是哪一家：`, found.candidates);
  const task = found.task;
  if (!CHANGEABLE_STATES.includes(task.state)) {
    return refuse(`${task.enterprise.name} 的任务当前为“${task.state}”：检查记录已完成或任务已作废，不能再调整检查组。`);
  }

  const fromKey = input.from.trim();
  const slots = task.team.map((m, i) => ({ m, i })).filter(({ m }) => m.name === fromKey || m.openId === fromKey);
  const members = task.team.map((m) => `${m.name}（${m.role}）`).join('、');
  if (slots.length === 0) return refuse(`该检查组中没有“${fromKey}”。现有成员：${members}`);
  if (new Set(slots.map(({ m }) => m.openId)).size > 1) return refuse(`该检查组中有两位“${fromKey}”：请用飞书OpenID指明（原=ou_…）。`);
  const role = input.role?.trim();
  const slotsOfRole = role ? slots.filter(({ m }) => m.role === role) : slots;
  if (slotsOfRole.length !== 1) {
    return refuse(
      role ? `${fromKey} 在该检查组中不是“${role}”。现有成员：${members}` : `${fromKey} 在该检查组中担任 ${slots.length} 个角色：请加 角色=组长/执法人员/专家 指明替换哪一个。`,
    );
  }
  const { m: old, i: index } = slotsOfRole[0]!;

  const toKey = input.to.trim();
  const people = await staffModel(deps.conn)
    .find({ $or: [{ name: toKey }, { openId: toKey }] })
    .lean<StaffMember[]>();
  if (people.length === 0) return refuse(`人员名录中没有“${toKey}”。`);
  if (people.length > 1) {
    return refuse(`人员名录中有 ${people.length} 位“${toKey}”：${people.map((p) => `${p.name}（${p.unit}，${p.openId}）`).join('；')}。请用飞书OpenID指明（新=ou_…）。`);
  }
  const person = people[0]!;
  const campaign = await campaignModel(deps.conn).findById(task.campaignId).lean<CampaignDoc>();
  const problem = slotProblem(person, old, task, campaign);
  if (problem) return refuse(`${problem}。`);

  const now = deps.now();
  const change: TeamChange = {
    role: old.role,
    from: { openId: old.openId, name: old.name },
    to: { openId: person.openId, name: person.name },
    reason,
    by: input.actor.openId,
    byName: input.actorName,
    at: now,
  };
  const slot: TeamSlot = { openId: person.openId, name: person.name, role: old.role, unit: person.unit, county: person.county };
  const team = task.team.map((m, i) => (i === index ? slot : m));
  // the replaced person's other slots (none, or one the command did not name) stay theirs
  const stillOnTeam = team.some((m) => m.openId === old.openId);
  const set: Record<string, unknown> = { team };
  if (task.inspection && !stillOnTeam) set['inspection.signatures'] = (task.inspection.signatures ?? []).filter((s) => s.openId !== old.openId);
  const updated = await taskModel(deps.conn)
    .findOneAndUpdate(
      { _id: task._id, version: task.version, state: task.state },
      {
        $set: set,
        $push: { teamChanges: change },
        ...(stillOnTeam ? {} : { $unset: { [`photoIntent.${old.openId}`]: 1 } }),
        $inc: { version: 1 },
      },
      { returnDocument: 'after' },
    )
    .lean<TaskDoc>();
  if (!updated) return refuse('该任务刚刚有了变化（有人在检查或签字）：请稍后重新发送。');
  forgetTask(deps.conn, String(task._id)); // the answer path's copy of the old team (inspection/taskCache.ts)
  deps.log.info({ taskId: String(task._id), by: input.actor.openId, role: old.role, from: old.openId, to: person.openId }, 'team member replaced');
  await tellTeamChange(deps, updated, change, campaign);
  return { ok: true, task: updated, change };
}

/** The notices of a change: the replaced person, the new member, the others of the team, the county's liaisons. */
async function tellTeamChange(deps: TeamChangeDeps, task: TaskDoc, change: TeamChange, campaign: CampaignDoc | null): Promise<void> {
  const id = String(task._id);
  const n = task.teamChanges?.length ?? 1;
  const key = (who: string, what: string) => `team:${id}:${n}:${what}:${who}`;
  const firm = task.enterprise.name;
  // someone who held two slots keeps the other: told the change like the rest of the team, not that they left
  const left = !task.team.some((m) => m.openId === change.from.openId);
  if (left) {
    await deps.outbox.sendCard(key(change.from.openId, 'out'), { openId: change.from.openId }, leftTeamCard(firm, change));
  }
  await deps.outbox.sendCard(key(change.to.openId, 'in'), { openId: change.to.openId }, joinedTeamCard(firm, change));
  // what the new member does next: decide the closure waiting for the 组长, sign the record, or inspect
  if (task.state === '待确认' && change.role === '组长') {
    await deps.outbox.sendCard(key(change.to.openId, 'closure'), { openId: change.to.openId }, closureCard(task, change.to.openId, 'ask'));
  } else if (task.state === '待签字') {
    await deps.outbox.sendCard(key(change.to.openId, 'sign'), { openId: change.to.openId }, signRequestCard(task, change.to.openId));
  } else if (campaign && task.state !== '待确认') {
    await deps.outbox.sendCard(key(change.to.openId, 'task'), { openId: change.to.openId }, assignmentCard(task, campaign));
  }
  const others = new Set([...task.team.map((m) => m.openId), ...(await countyLiaisons(deps, task.enterprise.county))]);
  others.delete(change.to.openId);
  if (left) others.delete(change.from.openId);
  const changed = teamChangedCard(firm, change);
  for (const openId of others) await deps.outbox.sendCard(key(openId, 'note'), { openId }, changed);
}
