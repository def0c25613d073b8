/**
 * The policy table (src/policies.ts), cell by cell: for every action and every subject, a person who is exactly that
 * subject asks, and the answer must be the one written out below by hand (a change to the table fails here).
 * Then the stand-in cells in both cases, the list-based forms the cards use, and the /导出 search scope.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { mayConfirmRectification, mayDispose, mayPublish } from '../../src/domain/followup';
import {
  exportScopeFilter,
  mayImportChecklists,
  mayOnTask,
  mayRecordCountyReport,
  policyRows,
  POLICY,
  SUBJECTS,
  subjectsOf,
  TASK_ACTIONS,
  type Actor,
  type Subject,
  type TaskAction,
  type TaskContext,
} from '../../src/policies';

const team = [
  { openId: 'ou_lead', role: '组长' },
  { openId: 'ou_off', role: '执法人员' },
  { openId: 'ou_exp', role: '专家' },
];
const ctx: TaskContext = { team, county: '永济市', countyHasLiaison: true };

/** A person who is exactly this subject with respect to a 永济市 task. */
const PERSON: Record<Subject, Actor> = {
  teamLeader: { openId: 'ou_lead', roles: ['组长'], county: '盐湖区' },
  teamOfficer: { openId: 'ou_off', roles: ['执法人员'], county: '盐湖区' },
  teamExpert: { openId: 'ou_exp', roles: ['专家'], county: '市局' },
  countyLiaison: { openId: 'ou_yl', roles: ['联络员'], county: '永济市' },
  otherCountyLiaison: { openId: 'ou_hl', roles: ['联络员'], county: '盐湖区' },
  cityLiaison: { openId: 'ou_cl', roles: ['联络员'], county: '市局' },
  cityLeader: { openId: 'ou_cb', roles: ['领导'], county: '市局' },
  countyLeader: { openId: 'ou_yb', roles: ['领导'], county: '永济市' },
  otherCountyLeader: { openId: 'ou_xb', roles: ['领导'], county: '夏县' },
  cityStaff: { openId: 'ou_cs', roles: ['执法人员'], county: '市局' },
  otherStaff: { openId: 'ou_os', roles: ['执法人员'], county: '永济市' },
  unregistered: { openId: 'ou_nobody', roles: [] },
};

const Y = true;
const N = false;
/** The expected answers, by hand: columns in SUBJECTS order (组长 执法 专家 本县联 他县联 市局联 市领 本县领 他县领 市局他 其他 未登记). */
const EXPECTED: Record<TaskAction, boolean[]> = {
  answerItem: /*           */ [Y, Y, Y, N, N, N, N, N, N, N, N, N],
  submitRecord: /*         */ [Y, Y, Y, N, N, N, N, N, N, N, N, N],
  signRecord: /*           */ [Y, Y, Y, N, N, N, N, N, N, N, N, N],
  proposeClosure: /*       */ [Y, Y, Y, N, N, N, N, N, N, N, N, N],
  confirmClosure: /*       */ [Y, N, N, N, N, N, N, N, N, N, N, N],
  uploadSignaturePage: /*  */ [Y, Y, Y, N, N, N, N, N, N, N, N, N],
  confirmRectification: /* */ [N, N, N, Y, N, N, N, N, N, N, N, N],
  recordDisposal: /*       */ [N, N, N, Y, N, N, N, N, N, N, N, N],
  recordPublication: /*    */ [Y, Y, N, Y, N, N, N, N, N, N, N, N],
  viewFollowUp: /*         */ [Y, Y, Y, Y, N, Y, Y, Y, N, Y, N, N],
  exportRecords: /*        */ [Y, Y, Y, Y, N, Y, Y, Y, N, Y, N, N],
};

describe('every person is the subject the table thinks', () => {
  it.each(SUBJECTS.map((s) => [s]))('%s', (s) => {
    expect(subjectsOf(PERSON[s], ctx)).toEqual([s]);
  });
});

describe.each(TASK_ACTIONS.map((a) => [a]))('%s', (action) => {
  it.each(SUBJECTS.map((s, i) => [s, EXPECTED[action][i]!] as const))('%s → %s', (subject, allowed) => {
    expect(mayOnTask(action, PERSON[subject], ctx)).toBe(allowed);
  });
});

it('a 市局 组长 on the team is also 市局 staff (who may see every task)', () => {
  expect(subjectsOf({ openId: 'ou_lead', roles: ['组长'], county: '市局' }, ctx)).toEqual(['teamLeader', 'cityStaff']);
});

describe('stand-in cells', () => {
  it('the 市局联络员 records a 立案/移交 or the publication only where the county has no liaison', () => {
    const none = { ...ctx, countyHasLiaison: false };
    for (const action of ['recordDisposal', 'recordPublication'] as const) {
      expect(POLICY[action].cityLiaison).toBe('ifCountyHasNoLiaison');
      expect(mayOnTask(action, PERSON.cityLiaison, ctx)).toBe(false);
      expect(mayOnTask(action, PERSON.cityLiaison, none)).toBe(true);
    }
  });

  it('a rectification (附件2) is confirmed by a liaison of the firm’s county only: the 市局联络员 never stands in', () => {
    const none = { ...ctx, countyHasLiaison: false };
    expect(POLICY.confirmRectification.cityLiaison).toBe(false);
    for (const s of SUBJECTS) expect([s, mayOnTask('confirmRectification', PERSON[s], none)]).toEqual([s, s === 'countyLiaison']);
  });

  it('the 市局联络员 confirms a closure only for a team without a 组长', () => {
    const leaderless = { ...ctx, team: team.filter((m) => m.role !== '组长') };
    expect(mayOnTask('confirmClosure', PERSON.cityLiaison, ctx)).toBe(false);
    expect(mayOnTask('confirmClosure', PERSON.cityLiaison, leaderless)).toBe(true);
  });

  it('a person who is several subjects may do what any of them may', () => {
    const expertAndLiaison: Actor = { openId: 'ou_exp', roles: ['专家', '联络员'], county: '永济市' };
    expect(subjectsOf(expertAndLiaison, ctx)).toEqual(['teamExpert', 'countyLiaison']);
    expect(mayOnTask('recordPublication', expertAndLiaison, ctx)).toBe(true);
  });
});

describe('the list-based forms the cards use agree with the table', () => {
  it('publication: the team\'s officers and the county liaisons', () => {
    const full = team.map((m) => ({ ...m }));
    for (const s of SUBJECTS) {
      expect([s, mayPublish(PERSON[s].openId, full, [PERSON.countyLiaison.openId])]).toEqual([s, mayOnTask('recordPublication', PERSON[s], ctx)]);
    }
  });

  it('confirmation: the county\'s own liaisons (none where the county has none)', () => {
    for (const s of SUBJECTS) {
      expect([s, mayConfirmRectification(PERSON[s].openId, [PERSON.countyLiaison.openId])]).toEqual([s, mayOnTask('confirmRectification', PERSON[s], ctx)]);
    }
    const none = { ...ctx, countyHasLiaison: false };
    expect(mayConfirmRectification(PERSON.cityLiaison.openId, [])).toBe(mayOnTask('confirmRectification', PERSON.cityLiaison, none));
  });

  it('立案/移交: the county liaisons (the city bureau\'s where the county has none)', () => {
    for (const s of SUBJECTS) {
      expect([s, mayDispose(PERSON[s].openId, [PERSON.countyLiaison.openId])]).toEqual([s, mayOnTask('recordDisposal', PERSON[s], ctx)]);
    }
    const none = { ...ctx, countyHasLiaison: false };
    expect(mayDispose(PERSON.cityLiaison.openId, [PERSON.cityLiaison.openId])).toBe(mayOnTask('recordDisposal', PERSON.cityLiaison, none));
  });
});

describe('actions not about one task', () => {
  it('extra checklists: a 市局联络员 only, and an administrator of ADMIN_OPEN_IDS (as the rest of the set-up)', () => {
    expect(SUBJECTS.filter((s) => mayImportChecklists(PERSON[s]))).toEqual(['cityLiaison']);
    expect(mayImportChecklists({ openId: 'ou_admin', roles: [], admin: true })).toBe(true);
    expect(mayImportChecklists({ ...PERSON.countyLiaison, admin: false })).toBe(false);
  });

  it('the 情况汇报: a liaison of that county only', () => {
    expect(SUBJECTS.filter((s) => mayRecordCountyReport(PERSON[s], '永济市'))).toEqual(['countyLiaison']);
  });
});

describe('/导出 searches only the exportable tasks', () => {
  it('city staff and leaders: all; county liaison and 领导: their county and their own teams; anyone else: their teams', () => {
    expect(exportScopeFilter(PERSON.cityLiaison)).toBe('all');
    expect(exportScopeFilter(PERSON.cityLeader)).toBe('all');
    expect(exportScopeFilter(PERSON.cityStaff)).toBe('all');
    expect(exportScopeFilter(PERSON.countyLiaison)).toEqual({ $or: [{ 'team.openId': 'ou_yl' }, { 'enterprise.county': '永济市' }] });
    expect(exportScopeFilter(PERSON.otherCountyLeader)).toEqual({ $or: [{ 'team.openId': 'ou_xb' }, { 'enterprise.county': '夏县' }] });
    expect(exportScopeFilter(PERSON.teamExpert)).toEqual({ $or: [{ 'team.openId': 'ou_exp' }] });
    expect(exportScopeFilter(PERSON.unregistered)).toEqual({ $or: [{ 'team.openId': 'ou_nobody' }] });
  });
});

it('the README table is printed from the same policy', () => {
  const rows = policyRows();
  expect(rows).toHaveLength(TASK_ACTIONS.length);
  expect(rows.find((r) => r.action === '登记已录入并公示')!.allowed).toBe('本组组长、本组执法人员、企业所在县区联络员、市局联络员（该县区无联络员时）');
});

it('the README prints the same table', () => {
  const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
  for (const r of policyRows()) expect(readme).toContain(`| ${r.action} | ${r.allowed} |`);
});
