/**
 * Who may do what, in one place: a table of subjects (a person's role and scope relative to a task) × actions.
 * Operations ask `mayOnTask(action, actor, context)`; the README (权限表) prints the same table, and
 * test/unit/policies.test.ts checks every cell against a matrix written out by hand.
 *
 * Decisions (issue 13 item 10):
 * - 专家 on the team may answer items, submit, sign and record a closure: the record is the team's and every member
 *   signs it, so an expert's answer stands under the officers' signatures. They may not record the publication
 *   (已录入并公示): entering the result on the supervision platform is an enforcement officer's act
 *   (谁检查、谁录入: the team's officers, or the bureau of the firm's county).
 * - Records of a task (/导出, 整改与公示) are open to the team, the liaison(s) of the firm's county, the city bureau's
 *   staff (not its experts) and leaders, and the 领导 of the firm's county; a county 领导 sees no other county's
 *   records (the same rule for /导出 and the follow-up view).
 * - /导出 searches only the tasks the asker may export: before the inspections the drawn list is not disclosed to
 *   anyone outside (a county liaison's “/导出 有限公司” lists their own county's firms only).
 * - The 附件2 confirmation and the 立案 / 移交 follow-up belong to the firm's county (notice 二(二)); the city bureau's
 *   liaison stands in only where the county has no liaison.
 */
import { CITY_BUREAU, STAFF_ROLES, type StaffRole } from './domain/types';

export const ROLES = STAFF_ROLES;
export type Role = StaffRole;

export interface Actor {
  openId: string;
  /** empty when the person is not in the staff registry */
  roles: readonly Role[];
  county?: string;
  /** listed in ADMIN_OPEN_IDS: may do the yearly set-up in chat, whatever the staff registry says */
  admin?: boolean;
}

/**
 * Chat commands and the roles that may use them ('all' = anyone, registered or not; 'setup' = whoever may do the
 * yearly set-up in chat, see maySetUp).
 */
export type CommandAudience = readonly Role[] | 'all' | 'setup';

export function mayUse(actor: Actor, audience: CommandAudience): boolean {
  if (audience === 'setup') return maySetUp(actor);
  return audience === 'all' || actor.roles.some((r) => audience.includes(r));
}

/**
 * The yearly set-up in chat (registry files, the holiday calendar, /专项): a 市局联络员 (role 联络员, 所属县区 市局),
 * or anyone listed in ADMIN_OPEN_IDS (so that the first staff file can be sent before the registry names anyone).
 */
export function maySetUp(actor: Actor): boolean {
  return actor.admin === true || (actor.roles.includes('联络员') && actor.county === CITY_BUREAU);
}

/**
 * City-bureau staff who see and export everything: 领导 (of the city bureau, and for the aggregate /进度 also of a
 * county), or anyone of 市局 holding a role other than 专家 (experts from the 专家库 see only their own teams' tasks).
 */
export function isCityWide(actor: Actor): boolean {
  return actor.roles.includes('领导') || isCityStaff(actor);
}

/** 市局 staff with a role other than 专家 (liaisons, 组长, officers, leaders of the city bureau). */
export function isCityStaff(actor: Actor): boolean {
  return actor.county === CITY_BUREAU && actor.roles.some((r) => r !== '专家');
}

// ---- the table ------------------------------------------------------------------------------------------------------

/** Who someone is with respect to one task (a person may be several at once: any allowed one suffices). */
export const SUBJECTS = [
  'teamLeader',
  'teamOfficer',
  'teamExpert',
  'countyLiaison',
  'otherCountyLiaison',
  'cityLiaison',
  'cityLeader',
  'countyLeader',
  'otherCountyLeader',
  'cityStaff',
  'otherStaff',
  'unregistered',
] as const;
export type Subject = (typeof SUBJECTS)[number];

export const SUBJECT_NAMES: Record<Subject, string> = {
  teamLeader: '本组组长',
  teamOfficer: '本组执法人员',
  teamExpert: '本组专家',
  countyLiaison: '企业所在县区联络员',
  otherCountyLiaison: '其他县区联络员',
  cityLiaison: '市局联络员',
  cityLeader: '市局领导',
  countyLeader: '企业所在县区领导',
  otherCountyLeader: '其他县区领导',
  cityStaff: '市局其他人员（非专家）',
  otherStaff: '其他人员（他组成员、县区执法人员、专家）',
  unregistered: '未登记人员',
};

export const TASK_ACTIONS = [
  'answerItem',
  'submitRecord',
  'signRecord',
  'proposeClosure',
  'confirmClosure',
  'uploadSignaturePage',
  'confirmRectification',
  'recordDisposal',
  'recordPublication',
  'viewFollowUp',
  'exportRecords',
] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

export const ACTION_NAMES: Record<TaskAction, string> = {
  answerItem: '逐项填写检查记录',
  submitRecord: '提交检查结果',
  signRecord: '确认签字',
  proposeClosure: '登记无法正常检查',
  confirmClosure: '确认无法检查（结案）',
  uploadSignaturePage: '上传签字页',
  confirmRectification: '确认整改（附件2）',
  recordDisposal: '登记立案 / 移交',
  recordPublication: '登记已录入并公示',
  viewFollowUp: '查看整改与公示',
  exportRecords: '导出文书（/导出）',
};

/**
 * A cell: allowed, refused, or allowed only in a stand-in case:
 * - 'ifCountyHasNoLiaison': the firm's county has no 联络员 (the city bureau's liaison stands in);
 * - 'ifTeamHasNoLeader': the team has no 组长 (the city bureau's liaison confirms instead).
 */
export type Rule = boolean | 'ifCountyHasNoLiaison' | 'ifTeamHasNoLeader';

const T = true;
const F = false;

/** The table (columns in SUBJECTS order). */
export const POLICY: Readonly<Record<TaskAction, Readonly<Record<Subject, Rule>>>> = table({
  //                     组长 执法 专家 本县联 他县联 市局联                      市领 本县领 他县领 市局他 其他 未登记
  answerItem: /*       */ [T, T, T, F, F, F, F, F, F, F, F, F],
  submitRecord: /*     */ [T, T, T, F, F, F, F, F, F, F, F, F],
  signRecord: /*       */ [T, T, T, F, F, F, F, F, F, F, F, F],
  proposeClosure: /*   */ [T, T, T, F, F, F, F, F, F, F, F, F],
  confirmClosure: /*   */ [T, F, F, F, F, 'ifTeamHasNoLeader', F, F, F, F, F, F],
  uploadSignaturePage: [T, T, T, F, F, F, F, F, F, F, F, F],
  // 附件2 is the county's on-site confirmation: no stand-in (a county without a 联络员 is told to register one).
  confirmRectification: [F, F, F, T, F, F, F, F, F, F, F, F],
  recordDisposal: /*   */ [F, F, F, T, F, 'ifCountyHasNoLiaison', F, F, F, F, F, F],
  recordPublication: /**/ [T, T, F, T, F, 'ifCountyHasNoLiaison', F, F, F, F, F, F],
  viewFollowUp: /*     */ [T, T, T, T, F, T, T, T, F, T, F, F],
  exportRecords: /*    */ [T, T, T, T, F, T, T, T, F, T, F, F],
});

function table(rows: Record<TaskAction, Rule[]>): Record<TaskAction, Record<Subject, Rule>> {
  const out = {} as Record<TaskAction, Record<Subject, Rule>>;
  for (const action of TASK_ACTIONS) {
    const row = rows[action];
    if (row.length !== SUBJECTS.length) throw new Error(`policy row ${action} has ${row.length} cells`);
    out[action] = Object.fromEntries(SUBJECTS.map((s, i) => [s, row[i]!])) as Record<Subject, Rule>;
  }
  return out;
}

/** What the rules need to know about a task. */
export interface TaskContext {
  team: readonly { openId: string; role: string }[];
  /** 所属县区 of the enterprise */
  county: string;
  /** whether the firm's county has a 联络员 of its own */
  countyHasLiaison: boolean;
}

/** The subjects `actor` is with respect to the task. */
export function subjectsOf(actor: Actor, ctx: TaskContext): Subject[] {
  if (actor.roles.length === 0 && !ctx.team.some((m) => m.openId === actor.openId)) return ['unregistered'];
  const out: Subject[] = [];
  for (const m of ctx.team) {
    if (m.openId !== actor.openId) continue;
    if (m.role === '组长') out.push('teamLeader');
    else if (m.role === '专家') out.push('teamExpert');
    else out.push('teamOfficer');
  }
  const city = actor.county === CITY_BUREAU;
  if (actor.roles.includes('联络员')) out.push(city ? 'cityLiaison' : actor.county === ctx.county ? 'countyLiaison' : 'otherCountyLiaison');
  if (actor.roles.includes('领导')) out.push(city ? 'cityLeader' : actor.county === ctx.county ? 'countyLeader' : 'otherCountyLeader');
  if (city && actor.roles.some((r) => r === '组长' || r === '执法人员')) out.push('cityStaff');
  if (out.length === 0) out.push(actor.roles.length > 0 ? 'otherStaff' : 'unregistered');
  return out;
}

export function ruleAllows(rule: Rule, ctx: TaskContext): boolean {
  if (rule === 'ifCountyHasNoLiaison') return !ctx.countyHasLiaison;
  if (rule === 'ifTeamHasNoLeader') return !ctx.team.some((m) => m.role === '组长');
  return rule;
}

/** Whether `actor` may do `action` on the task. */
export function mayOnTask(action: TaskAction, actor: Actor, ctx: TaskContext): boolean {
  return subjectsOf(actor, ctx).some((s) => ruleAllows(POLICY[action][s], ctx));
}

// ---- actions not about one task ------------------------------------------------------------------------------------

/** 进一次门，查多项事: loading extra checklists into a campaign (chat, as the rest of the set-up; the CLI is the operator's). */
export function mayImportChecklists(actor: Actor): boolean {
  return maySetUp(actor);
}

/** The county's 情况汇报 (due 11-15): a liaison of that county. */
export function mayRecordCountyReport(actor: Actor, county: string): boolean {
  return actor.roles.includes('联络员') && actor.county === county && county !== CITY_BUREAU;
}

/**
 * The tasks someone may look up with /导出 (and so see in a candidate list): a MongoDB filter, or 'all'.
 * The same rule as exportRecords in the table, as a query.
 */
export function exportScopeFilter(actor: Actor): 'all' | Record<string, unknown> {
  if (actor.roles.length > 0 && (isCityStaff(actor) || (actor.roles.includes('领导') && actor.county === CITY_BUREAU))) return 'all';
  const or: Record<string, unknown>[] = [{ 'team.openId': actor.openId }];
  if (actor.county && actor.county !== CITY_BUREAU && actor.roles.some((r) => r === '联络员' || r === '领导')) {
    or.push({ 'enterprise.county': actor.county });
  }
  return { $or: or };
}

/** The policy table as rows of text (for the README and /帮助). */
export function policyRows(): { action: string; allowed: string }[] {
  return TASK_ACTIONS.map((action) => ({
    action: ACTION_NAMES[action],
    allowed: SUBJECTS.flatMap((s) => {
      const rule = POLICY[action][s];
      if (rule === true) return [SUBJECT_NAMES[s]];
      if (rule === 'ifCountyHasNoLiaison') return [`${SUBJECT_NAMES[s]}（该县区无联络员时）`];
      if (rule === 'ifTeamHasNoLeader') return [`${SUBJECT_NAMES[s]}（本组无组长时）`];
      return [];
    }).join('、'),
  }));
}
