import { sha256Hex } from '../../../src/domain/canonical';
import { DrawInputError } from '../../../src/domain/draw';
import {
  DEFAULT_TEAM_RULES,
  canonicalStaffList,
  expertiseMatch,
  formTeams,
  normalizeTeamRules,
  officersPerTeam,
  staffHash,
  type ExpertMode,
  type TeamRole,
  type TeamRules,
  type TeamTarget,
  type TeamsResult,
} from '../../../src/domain/teams';
import type { Staff, StaffRole } from '../../../src/domain/types';
import { COUNTIES, makeEnterprises, makeStaff, prngFor, randomUscc } from './generate';

const SEED = sha256Hex('teams-seed');

function person(openId: string, roles: StaffRole[], county: string, extra: Partial<Staff> = {}): Staff {
  return { openId, name: `姓名${openId}`, roles, unit: `${county}单位`, county, avoid: [], ...extra };
}

function target(uscc: string, over: Partial<TeamTarget> = {}): TeamTarget {
  return { uscc, name: `企业${uscc.slice(-4)}`, county: '盐湖区', category: '工业产品', product: '电线电缆', ...over };
}

const prng = prngFor('team-targets');
const CODES = Array.from({ length: 40 }, () => randomUscc(prng));

describe('team rules', () => {
  it('defaults: 组长 + 1 执法人员 = 2 enforcement officers, experts when matching, no county exclusion', () => {
    expect(normalizeTeamRules()).toEqual(DEFAULT_TEAM_RULES);
    expect(officersPerTeam(normalizeTeamRules())).toBe(1);
    expect(officersPerTeam(normalizeTeamRules({ minEnforcement: 3 }))).toBe(2);
    expect(officersPerTeam(normalizeTeamRules({ leaderCountsAsEnforcement: false }))).toBe(2);
  });

  it('refuses fewer than two enforcement officers and other bad rules', () => {
    expect(() => normalizeTeamRules({ minEnforcement: 1 })).toThrow('每组执法人员最少人数应为2到10之间的整数');
    expect(() => normalizeTeamRules({ expertMode: 'sometimes' as ExpertMode })).toThrow(DrawInputError);
    expect(() => normalizeTeamRules({ workloadSlack: -1 })).toThrow(DrawInputError);
    expect(() => normalizeTeamRules({ preferredBusinessLine: '' })).toThrow(DrawInputError);
  });
});

describe('canonical staff', () => {
  it('keeps drawing roles only, normalises fields, sorts by openId and hashes', () => {
    const list = canonicalStaffList([
      person('b', ['执法人员', '组长', '执法人员'], '市局', { avoid: ['Z', 'A', 'Z'], businessLine: ' ' }),
      person('a', ['专家'], '市局', { expertise: '电线电缆' }),
      person('c', ['联络员'], '盐湖区'),
    ]);
    expect(list.map((s) => s.openId)).toEqual(['a', 'b']);
    expect(list[1]).toEqual({
      openId: 'b', name: '姓名b', roles: ['组长', '执法人员'], unit: '市局单位', county: '市局', businessLine: null, expertise: null, avoid: ['A', 'Z'],
    });
    expect(staffHash(list)).toBe(staffHash(canonicalStaffList([...list].reverse())));
  });

  it('refuses duplicate openIds and unknown roles', () => {
    expect(() => canonicalStaffList([person('a', ['执法人员'], '市局'), person('a', ['专家'], '市局')])).toThrow('人员名录中飞书OpenID重复：a');
    expect(() => canonicalStaffList([person('a', ['局长' as StaffRole], '市局')])).toThrow(/角色“局长”无效/);
  });
});

describe('expertise matching', () => {
  it('product beats category; entries are split on 、 and ,', () => {
    expect(expertiseMatch('电线电缆', '工业产品', '电线电缆')).toBe(2);
    expect(expertiseMatch('塑料、纸包装', '食品相关产品', '食品用塑料包装容器工具等制品')).toBe(2);
    expect(expertiseMatch('食品相关产品', '食品相关产品', '复合膜袋')).toBe(1);
    expect(expertiseMatch('工业产品,化肥', '工业产品', '电线电缆')).toBe(1);
    expect(expertiseMatch('工业产品', '食品相关产品', '复合膜袋')).toBe(0);
    expect(expertiseMatch(null, '工业产品', '电线电缆')).toBe(0);
  });
});

describe('formTeams: hand-made cases', () => {
  it('takes the 组长 from 市局 staff with role 组长 only', () => {
    const staff = [person('lc', ['组长'], '盐湖区'), person('l1', ['组长'], '市局'), person('o1', ['执法人员'], '永济市')];
    const r = formTeams([target(CODES[0]!), target(CODES[1]!)], staff, {}, SEED);
    expect(r.teams.map((t) => t.leader?.openId)).toEqual(['l1', 'l1']);
    expect(r.pools.组长).toBe(1);
  });

  it('reports which enterprise and role is short when every 组长 must recuse', () => {
    const staff = [person('l1', ['组长'], '市局', { avoid: [CODES[1]!] }), person('o1', ['执法人员'], '永济市'), person('o2', ['执法人员'], '永济市')];
    const r = formTeams([target(CODES[0]!, { no: 1 }), target(CODES[1]!, { no: 2, name: '乙公司' })], staff, {}, SEED);
    expect(r.teams[0]!.complete).toBe(true);
    expect(r.teams[1]!.complete).toBe(false);
    expect(r.teams[1]!.leader).toBeNull();
    expect(r.shortages).toEqual([
      {
        no: 2, uscc: CODES[1], name: '乙公司', county: '盐湖区', role: '组长', needed: 1, assigned: 0,
        reason: '组长不足：需要1人，已安排0人；候选1人中，回避本企业1人',
      },
    ]);
  });

  it('never puts anybody twice in one team', () => {
    const staff = [person('x', ['组长', '执法人员'], '市局')];
    const r = formTeams([target(CODES[0]!)], staff, {}, SEED);
    expect(r.teams[0]!.leader?.openId).toBe('x');
    expect(r.teams[0]!.officers).toEqual([]);
    expect(r.shortages[0]!.role).toBe('执法人员');
    expect(r.shortages[0]!.reason).toBe('执法人员不足：需要1人，已安排0人；候选1人中，已在本组1人');
  });

  it('names an empty pool', () => {
    const r = formTeams([target(CODES[0]!)], [person('o', ['执法人员'], '市局')], {}, SEED);
    expect(r.shortages[0]!.reason).toBe('组长不足：需要1人，已安排0人；名录中没有所属县区为“市局”的组长');
  });

  it('excludes county staff from their own county only when the rule is on; city staff are never excluded', () => {
    const staff = [person('l', ['组长'], '市局'), person('y1', ['执法人员'], '盐湖区'), person('y2', ['执法人员'], '盐湖区')];
    const t = [target(CODES[0]!, { county: '盐湖区' })];
    expect(formTeams(t, staff, { excludeOwnCounty: false }, SEED).shortages).toEqual([]);
    const on = formTeams(t, staff, { excludeOwnCounty: true }, SEED);
    expect(on.shortages[0]!.reason).toBe('执法人员不足：需要1人，已安排0人；候选2人中，本县区人员2人');
    const withCity = formTeams(t, [...staff, person('c1', ['执法人员'], '市局')], { excludeOwnCounty: true }, SEED);
    expect(withCity.teams[0]!.officers.map((o) => o.openId)).toEqual(['c1']);
  });

  it('prefers staff of the 产品质量安全 business line, within the workload bound', () => {
    const staff = [
      person('l', ['组长'], '市局', { businessLine: '产品质量安全' }),
      person('p1', ['执法人员'], '永济市', { businessLine: '产品质量安全监管' }),
      person('p2', ['执法人员'], '河津市', { businessLine: '产品质量安全' }),
      ...Array.from({ length: 10 }, (_, i) => person(`n${i}`, ['执法人员'], '夏县', { businessLine: '食品安全' })),
    ];
    // 4 teams, 12 officers: cap = ceil(4/12) + 1 = 2, so p1 and p2 can take all four
    const r = formTeams(CODES.slice(0, 4).map((c) => target(c)), staff, {}, SEED);
    expect(r.caps.执法人员).toBe(2);
    expect(r.teams.map((t) => t.officers[0]!.openId).sort()).toEqual(['p1', 'p1', 'p2', 'p2']);
    // 6 teams: the preferred two serve twice each, then others
    const r6 = formTeams(CODES.slice(0, 6).map((c) => target(c)), staff, {}, SEED);
    const used = r6.teams.map((t) => t.officers[0]!.openId);
    expect(used.filter((x) => x.startsWith('p'))).toHaveLength(4);
    // without preference, everyone is equal
    const none = formTeams(CODES.slice(0, 6).map((c) => target(c)), staff, { preferredBusinessLine: null }, SEED);
    expect(Math.max(...Object.values(none.workload).map((w) => w.执法人员 ?? 0))).toBe(1);
  });

  it('assigns a matching expert: product match first, then category; none or a shortage without a match', () => {
    const staff = [
      person('l', ['组长'], '市局'),
      person('o', ['执法人员'], '市局'),
      person('e-cat', ['专家'], '市局', { expertise: '工业产品' }),
      person('e-cable', ['专家'], '市局', { expertise: '电线电缆' }),
      person('e-food', ['专家'], '市局', { expertise: '食品相关产品' }),
    ];
    const targets = [
      target(CODES[0]!, { product: '电线电缆' }),
      target(CODES[1]!, { product: '化肥' }),
      target(CODES[2]!, { category: '食品相关产品', product: '复合膜袋' }),
    ];
    const r = formTeams(targets, staff, { expertMode: 'whenMatching' }, SEED);
    expect(r.teams.map((t) => [t.expert?.openId, t.expertMatch])).toEqual([
      ['e-cable', 'product'],
      ['e-cat', 'category'],
      ['e-food', 'category'],
    ]);
    const noFood = staff.filter((s) => s.openId !== 'e-food');
    const when = formTeams(targets, noFood, { expertMode: 'whenMatching' }, SEED);
    expect(when.teams[2]!.expert).toBeNull();
    expect(when.teams[2]!.complete).toBe(true);
    expect(when.shortages).toEqual([]);
    const required = formTeams(targets, noFood, { expertMode: 'required' }, SEED);
    expect(required.shortages.map((s) => [s.uscc, s.role, s.reason])).toEqual([
      [CODES[2], '专家', '专家不足：需要1人，已安排0人；没有专业领域与“食品相关产品”或“复合膜袋”匹配的专家'],
    ]);
    const none = formTeams(targets, staff, { expertMode: 'none' }, SEED);
    expect(none.teams.every((t) => t.expert === null)).toBe(true);
    expect(none.pools.专家).toBe(0);
  });

  it('forms bigger teams under minEnforcement 3, or when the 组长 does not count', () => {
    const staff = [person('l', ['组长'], '市局'), ...Array.from({ length: 6 }, (_, i) => person(`o${i}`, ['执法人员'], '夏县'))];
    for (const rules of [{ minEnforcement: 3 }, { leaderCountsAsEnforcement: false }] as Partial<TeamRules>[]) {
      const r = formTeams(CODES.slice(0, 3).map((c) => target(c)), staff, rules, SEED);
      expect(r.officersPerTeam).toBe(2);
      for (const t of r.teams) expect(new Set(t.officers.map((o) => o.openId)).size).toBe(2);
    }
  });

  it('balances the workload: a randomised round robin (loads differ by at most one)', () => {
    const staff = [person('l1', ['组长'], '市局'), person('l2', ['组长'], '市局'), ...Array.from({ length: 7 }, (_, i) => person(`o${i}`, ['执法人员'], '夏县'))];
    const r = formTeams(CODES.slice(0, 23).map((c) => target(c)), staff, {}, SEED);
    expect(r.caps).toEqual({ 组长: 13, 执法人员: 5, 专家: 0 });
    const officerLoads = Object.values(r.workload).map((w) => w.执法人员 ?? 0).filter((n) => n > 0);
    expect(officerLoads).toHaveLength(7);
    expect(Math.max(...officerLoads) - Math.min(...officerLoads)).toBeLessThanOrEqual(1);
    expect(r.workload.l1!.组长! + r.workload.l2!.组长!).toBe(23);
    expect(Math.abs(r.workload.l1!.组长! - r.workload.l2!.组长!)).toBeLessThanOrEqual(1);
  });

  it('stops at the workload bound and says so', () => {
    const staff = [person('l', ['组长'], '市局'), person('a', ['执法人员'], '盐湖区'), person('b', ['执法人员'], '永济市')];
    const targets = CODES.slice(0, 4).map((c, i) => target(c, { no: i + 1 }));
    // 4 teams, 2 officers: cap = ceil(4/2) + 1 = 3. a may not serve 盐湖区, so b takes three and the fourth is short.
    const r = formTeams(targets, staff, { excludeOwnCounty: true }, SEED);
    expect(r.caps.执法人员).toBe(3);
    expect(r.workload.b).toEqual({ 执法人员: 3 });
    expect(r.shortages).toHaveLength(1);
    expect(r.shortages[0]!.reason).toBe('执法人员不足：需要1人，已安排0人；候选2人中，本县区人员1人，已达工作量上限（3次）1人');
    const slack2 = formTeams(targets, staff, { excludeOwnCounty: true, workloadSlack: 2 }, SEED);
    expect(slack2.shortages).toEqual([]);
  });

  it('is deterministic, independent of the staff order, and depends on the seed', () => {
    const p = prngFor('det');
    const ents = makeEnterprises(p, 60);
    const staff = makeStaff(p, 30, ents);
    const a = formTeams(ents, staff, {}, SEED);
    expect(formTeams(ents, [...staff].reverse(), {}, SEED)).toEqual(a);
    const b = formTeams(ents, staff, {}, sha256Hex('other'));
    expect(b.teams.map((t) => t.officers.map((o) => o.openId))).not.toEqual(a.teams.map((t) => t.officers.map((o) => o.openId)));
  });
});

// ---------------------------------------------------------------------------------------------
// Property-style: a few hundred random registries, every rule checked on every team.

interface Checked {
  teams: number;
  shortages: number;
  experts: number;
  violations: string[];
}

/** Checks every rule with plain comparisons (thousands of teams) and returns the violations found. */
function checkInvariants(targets: readonly TeamTarget[], staff: readonly Staff[], rulesIn: Partial<TeamRules>, r: TeamsResult): Checked {
  const violations: string[] = [];
  const fail = (what: string) => violations.push(what);
  const rules = normalizeTeamRules(rulesIn);
  const k = officersPerTeam(rules);
  const byId = new Map(staff.map((s) => [s.openId, s]));
  const pools: Record<TeamRole, Staff[]> = {
    组长: staff.filter((s) => s.roles.includes('组长') && s.county === '市局'),
    执法人员: staff.filter((s) => s.roles.includes('执法人员')),
    专家: rules.expertMode === 'none' ? [] : staff.filter((s) => s.roles.includes('专家')),
  };
  const T = targets.length;
  const cap = (slots: number, n: number) => (n === 0 ? 0 : Math.ceil(slots / n) + rules.workloadSlack);
  const caps = { 组长: cap(T, pools.组长.length), 执法人员: cap(T * k, pools.执法人员.length), 专家: cap(T, pools.专家.length) };
  if (JSON.stringify(r.caps) !== JSON.stringify(caps)) fail(`caps ${JSON.stringify(r.caps)} ≠ ${JSON.stringify(caps)}`);

  const countyExcluded = (s: Staff, county: string) => rules.excludeOwnCounty && s.county !== '市局' && s.county === county;
  const finalLoad = (s: Staff, role: TeamRole) => r.workload[s.openId]?.[role] ?? 0;
  const shortBy = new Map<string, TeamRole[]>();
  for (const s of r.shortages) shortBy.set(s.uscc, [...(shortBy.get(s.uscc) ?? []), s.role]);
  const loads = new Map<string, number>();
  let experts = 0;
  if (r.teams.length !== T) fail('team count');

  r.teams.forEach((team, i) => {
    const t = targets[i]!;
    const at = `team ${i} (${t.uscc})`;
    if (team.uscc !== t.uscc) fail(`${at}: order`);
    const ids = [team.leader, ...team.officers, team.expert].filter((m) => m !== null).map((m) => m!.openId);
    if (new Set(ids).size !== ids.length) fail(`${at}: somebody twice`);
    for (const id of ids) {
      const s = byId.get(id)!;
      if (s.avoid.includes(t.uscc)) fail(`${at}: ${id} should recuse`);
      if (countyExcluded(s, t.county)) fail(`${at}: ${id} from the same county`);
    }
    if (team.leader) {
      const l = byId.get(team.leader.openId)!;
      if (!l.roles.includes('组长') || l.county !== '市局') fail(`${at}: leader ${l.openId} not a 市局 组长`);
      loads.set(`组长|${l.openId}`, (loads.get(`组长|${l.openId}`) ?? 0) + 1);
    }
    for (const o of team.officers) {
      if (!byId.get(o.openId)!.roles.includes('执法人员')) fail(`${at}: officer ${o.openId} not 执法人员`);
      loads.set(`执法人员|${o.openId}`, (loads.get(`执法人员|${o.openId}`) ?? 0) + 1);
    }
    if (team.expert) {
      experts++;
      const e = byId.get(team.expert.openId)!;
      if (!e.roles.includes('专家')) fail(`${at}: expert ${e.openId} not 专家`);
      if (expertiseMatch(e.expertise, t.category, t.product) === 0) fail(`${at}: expert ${e.openId} does not match`);
      if (rules.expertMode === 'none') fail(`${at}: expert although none wanted`);
      loads.set(`专家|${e.openId}`, (loads.get(`专家|${e.openId}`) ?? 0) + 1);
    }
    const short = shortBy.get(t.uscc) ?? [];
    if (team.complete !== (short.length === 0)) fail(`${at}: complete flag`);
    if (team.complete) {
      if (team.leader === null) fail(`${at}: complete without leader`);
      if (team.officers.length !== k) fail(`${at}: ${team.officers.length} officers instead of ${k}`);
      const enforcement = team.officers.length + (rules.leaderCountsAsEnforcement ? 1 : 0);
      if (enforcement < rules.minEnforcement || enforcement < 2) fail(`${at}: only ${enforcement} enforcement officers`);
      if (rules.expertMode === 'required' && team.expert === null) fail(`${at}: expert required`);
    }
    // A missing member is justified: everyone in the pool was avoided, excluded, already in the team or at the cap.
    const justified = (role: TeamRole, before: readonly string[], why: string, filter: (s: Staff) => boolean = () => true) => {
      for (const s of pools[role]) {
        if (!filter(s)) continue;
        const excuse =
          before.includes(s.openId) || s.avoid.includes(t.uscc) || countyExcluded(s, t.county) || finalLoad(s, role) >= r.caps[role];
        if (!excuse) fail(`${at}: ${why}, but ${s.openId} could have served as ${role}`);
      }
    };
    const leaderAndOfficers = [team.leader?.openId, ...team.officers.map((o) => o.openId)].filter((x): x is string => x !== undefined);
    if (short.includes('组长')) justified('组长', [], 'no 组长');
    if (short.includes('执法人员')) justified('执法人员', leaderAndOfficers, 'officers short');
    if (rules.expertMode !== 'none' && team.expert === null) {
      justified('专家', leaderAndOfficers, 'no expert', (s) => expertiseMatch(s.expertise, t.category, t.product) > 0);
    }
    // Preference: a non-preferred officer only when no preferred one could serve.
    if (rules.preferredBusinessLine !== null) {
      const preferred = (s: Staff) => (s.businessLine ?? '').includes(rules.preferredBusinessLine!);
      if (team.officers.some((o) => !preferred(byId.get(o.openId)!))) justified('执法人员', leaderAndOfficers, 'non-preferred officer', preferred);
      if (team.leader && !preferred(byId.get(team.leader.openId)!)) justified('组长', [], 'non-preferred leader', preferred);
    }
  });

  // Workload bound per role pool, and the reported workload matches the teams.
  for (const [key, n] of loads) {
    const [role, id] = key.split('|') as [TeamRole, string];
    if (n > r.caps[role]) fail(`${id} serves ${n} times as ${role}, bound ${r.caps[role]}`);
    if (r.workload[id]?.[role] !== n) fail(`workload of ${id} as ${role} misreported`);
  }
  return { teams: T, shortages: r.shortages.length, experts, violations };
}

describe('formTeams: rules never broken on random registries', () => {
  it('holds every invariant on 300 random registries and rule sets', () => {
    const totals = { teams: 0, shortages: 0, experts: 0, excl: 0 };
    const violations: string[] = [];
    for (let run = 0; run < 300; run++) {
      const p = prngFor(`property-${run}`);
      const counties = COUNTIES.slice(0, 2 + p.int(COUNTIES.length - 1));
      const ents = makeEnterprises(p, 1 + p.int(60), { counties });
      const staff = makeStaff(p, 2 + p.int(40), ents, { counties, avoidPerPerson: p.int(6) });
      const rules: Partial<TeamRules> = {
        minEnforcement: p.chance(0.7) ? 2 : 3,
        leaderCountsAsEnforcement: p.chance(0.8),
        expertMode: p.pick(['none', 'whenMatching', 'required'] as const),
        excludeOwnCounty: p.chance(0.5),
        preferredBusinessLine: p.chance(0.8) ? '产品质量安全' : null,
        workloadSlack: p.int(3),
      };
      const seed = sha256Hex(`seed-${run}`);
      const r = formTeams(ents, staff, rules, seed);
      const c = checkInvariants(ents, staff, rules, r);
      violations.push(...c.violations.map((v) => `run ${run}: ${v}`));
      totals.teams += c.teams;
      totals.shortages += c.shortages;
      totals.experts += c.experts;
      if (rules.excludeOwnCounty) totals.excl++;
    }
    expect(violations.slice(0, 10)).toEqual([]);
    // the generator exercises both outcomes
    expect(totals.teams).toBeGreaterThan(5000);
    expect(totals.shortages).toBeGreaterThan(0);
    expect(totals.experts).toBeGreaterThan(500);
    expect(totals.excl).toBeGreaterThan(100);
  });

  it('forms every team on well-staffed registries, balancing loads within one when nothing else constrains', () => {
    for (let run = 0; run < 40; run++) {
      const p = prngFor(`balanced-${run}`);
      const ents = makeEnterprises(p, 20 + p.int(100));
      const staff = makeStaff(p, 30 + p.int(40), ents, { avoidPerPerson: 0 });
      const rules: Partial<TeamRules> = { preferredBusinessLine: null, expertMode: 'none', excludeOwnCounty: false };
      const r = formTeams(ents, staff, rules, sha256Hex(`b-${run}`));
      if (r.pools.组长 === 0) continue;
      expect(r.shortages).toEqual([]);
      expect(checkInvariants(ents, staff, rules, r).violations).toEqual([]);
      for (const role of ['组长', '执法人员'] as const) {
        const ids = staff.filter((s) => (role === '组长' ? s.roles.includes('组长') && s.county === '市局' : s.roles.includes(role))).map((s) => s.openId);
        const loads = ids.map((id) => r.workload[id]?.[role] ?? 0);
        expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
      }
    }
  });
});
