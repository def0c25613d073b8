/**
 * The second random of 双随机: an inspection team for every drawn enterprise.
 *
 * Team = 1 组长 (role 组长 and 所属县区 = 市局) + k 执法人员 + at most 1 专家, where
 *   k = max(1, minEnforcement − (leaderCountsAsEnforcement ? 1 : 0)).
 * With the defaults (minEnforcement 2, the 组长 counts as an enforcement officer) a team is 组长 + 1 执法人员,
 * i.e. two law-enforcement officers, as the ≥2 rule requires.
 *
 * Hard rules for every slot:
 * - nobody whose 回避企业 list contains the enterprise's code;
 * - nobody twice in one team;
 * - excludeOwnCounty (configurable): county staff (所属县区 ≠ 市局) never serve an enterprise of their own county;
 * - workload bound per role pool r: cap_r = ⌈D_r / |P_r|⌉ + workloadSlack, where D_r is the number of slots of
 *   role r in this draw (T teams × 1 组长, T × k 执法人员, T × 1 专家) and |P_r| the size of the pool.
 *   Nobody serves more than cap_r times in role r. Loads are counted per role: someone who is both 组长 and
 *   执法人员 may serve up to cap_组长 times as 组长 and up to cap_执法人员 times as 执法人员 (counting all roles
 *   together would let the few 组长, who carry far more teams each, starve the 执法人员 pool).
 *
 * Choice (documented for verification): teams are formed one after another in the order of
 * HMAC(orderSeed, uscc) ascending, where orderSeed = subSeed(seed, "team-order"). For each slot, among the
 * eligible people of the pool, the one with the smallest key is taken:
 * - 组长, 执法人员: (tier, load, HMAC(roleSeed_r, load + "|" + openId), openId), where tier = 0 for staff whose
 *   业务口 contains the preferred business line (default 产品质量安全) and 1 otherwise, load = the person's
 *   assignments in role r so far, and roleSeed_r = subSeed(seed, "team-role:" + r). Within a tier this is a randomised
 *   round robin: everybody serves once before anybody serves twice (unless rules exclude them), and each round is
 *   ordered afresh by the HMAC.
 * - 专家: only experts whose 专业领域 matches (see expertiseMatch); key (−match level, load, HMAC(roleSeed_专家,
 *   load + "|" + openId), openId). With expertMode 'whenMatching' a team without a matching available expert goes
 *   without one; with 'required' that is a shortage; with 'none' no experts are drawn.
 * The 组长 slot is filled first, then the 执法人员 slots, then the 专家.
 */
import { hashCanonical, hmacWithHexKey } from './canonical';
import { DrawInputError, deriveSubSeed, stratumKey, type CanonicalEnterprise, type DrawCounts } from './draw';
import { CITY_BUREAU, STAFF_ROLES, PRODUCT_CATEGORIES, type ProductCategory, type StaffRole } from './types';

export type ExpertMode = 'none' | 'whenMatching' | 'required';
export type TeamRole = '组长' | '执法人员' | '专家';

export interface TeamRules {
  /** Minimum number of law-enforcement officers in a team (≥ 2). */
  minEnforcement: number;
  /** Whether the 组长 counts towards minEnforcement (the 组长 is a city-bureau enforcement officer). */
  leaderCountsAsEnforcement: boolean;
  expertMode: ExpertMode;
  /** County staff never inspect an enterprise of their own county. */
  excludeOwnCounty: boolean;
  /** Staff whose 业务口 contains this text are preferred for 组长 and 执法人员; null = no preference. */
  preferredBusinessLine: string | null;
  /** The "+1" of the workload bound ⌈D/|P|⌉ + slack. */
  workloadSlack: number;
}

export const DEFAULT_TEAM_RULES: Readonly<TeamRules> = Object.freeze({
  minEnforcement: 2,
  leaderCountsAsEnforcement: true,
  expertMode: 'whenMatching',
  excludeOwnCounty: false,
  preferredBusinessLine: '产品质量安全',
  workloadSlack: 1,
});

/** Fills defaults and validates; throws DrawInputError with a Chinese message. */
export function normalizeTeamRules(rules?: Partial<TeamRules>): TeamRules {
  const r: TeamRules = { ...DEFAULT_TEAM_RULES, ...(rules ?? {}) };
  if (!Number.isSafeInteger(r.minEnforcement) || r.minEnforcement < 2 || r.minEnforcement > 10) {
    throw new DrawInputError('每组执法人员最少人数应为2到10之间的整数');
  }
  if (typeof r.leaderCountsAsEnforcement !== 'boolean') throw new DrawInputError('组长是否计入执法人员应为是或否');
  if (!['none', 'whenMatching', 'required'].includes(r.expertMode)) throw new DrawInputError('专家规则无效');
  if (typeof r.excludeOwnCounty !== 'boolean') throw new DrawInputError('本县区回避规则应为是或否');
  if (r.preferredBusinessLine !== null && (typeof r.preferredBusinessLine !== 'string' || r.preferredBusinessLine === '')) {
    throw new DrawInputError('优先业务口应为非空文本或不设');
  }
  if (!Number.isSafeInteger(r.workloadSlack) || r.workloadSlack < 0 || r.workloadSlack > 100) {
    throw new DrawInputError('工作量上限余量应为0到100之间的整数');
  }
  return {
    minEnforcement: r.minEnforcement,
    leaderCountsAsEnforcement: r.leaderCountsAsEnforcement,
    expertMode: r.expertMode,
    excludeOwnCounty: r.excludeOwnCounty,
    preferredBusinessLine: r.preferredBusinessLine,
    workloadSlack: r.workloadSlack,
  };
}

/** Number of 执法人员 slots per team under the rules. */
export function officersPerTeam(rules: TeamRules): number {
  return Math.max(1, rules.minEnforcement - (rules.leaderCountsAsEnforcement ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Canonical staff

/** The fields of a person that matter to the draw. */
export interface CanonicalStaff {
  openId: string;
  name: string;
  /** Unique, in the fixed order 组长, 执法人员, 专家, 联络员, 领导. */
  roles: StaffRole[];
  unit: string;
  county: string;
  businessLine: string | null;
  expertise: string | null;
  /** Unique codes, sorted. */
  avoid: string[];
}

/** A Staff row or a canonical row read back from a bundle. */
export interface StaffLike {
  openId: string;
  name: string;
  roles: readonly StaffRole[];
  unit: string;
  county: string;
  businessLine?: string | null;
  expertise?: string | null;
  avoid: readonly string[];
}

const DRAW_ROLES: readonly StaffRole[] = ['组长', '执法人员', '专家'];

function optionalText(v: string | null | undefined): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

/**
 * Canonical staff list: only people holding at least one of 组长, 执法人员, 专家; fields as in CanonicalStaff
 * (empty 业务口/专业领域 → null; roles de-duplicated in fixed order; 回避 codes de-duplicated and sorted);
 * sorted by openId. Refuses duplicate openIds and unknown roles.
 */
export function canonicalStaffList(staff: readonly StaffLike[]): CanonicalStaff[] {
  const out: CanonicalStaff[] = [];
  for (const s of staff) {
    if (typeof s.openId !== 'string' || s.openId === '') throw new DrawInputError(`人员“${s.name}”缺少飞书OpenID`);
    for (const role of s.roles) {
      if (!STAFF_ROLES.includes(role)) throw new DrawInputError(`人员“${s.name}”的角色“${String(role)}”无效`);
    }
    if (!s.roles.some((r) => DRAW_ROLES.includes(r))) continue;
    if (typeof s.county !== 'string' || s.county === '') throw new DrawInputError(`人员“${s.name}”缺少所属县区`);
    out.push({
      openId: s.openId,
      name: s.name,
      roles: STAFF_ROLES.filter((r) => s.roles.includes(r)),
      unit: s.unit,
      county: s.county,
      businessLine: optionalText(s.businessLine),
      expertise: optionalText(s.expertise),
      avoid: [...new Set(s.avoid)].sort(),
    });
  }
  out.sort((a, b) => (a.openId < b.openId ? -1 : a.openId > b.openId ? 1 : 0));
  for (let i = 1; i < out.length; i++) {
    if ((out[i] as CanonicalStaff).openId === (out[i - 1] as CanonicalStaff).openId) {
      throw new DrawInputError(`人员名录中飞书OpenID重复：${(out[i] as CanonicalStaff).openId}`);
    }
  }
  return out;
}

/** Staff hash = SHA-256 (hex) of canonicalJson(canonical staff list). */
export function staffHash(list: readonly CanonicalStaff[]): string {
  return hashCanonical(
    list.map((s) => ({
      openId: s.openId,
      name: s.name,
      roles: s.roles,
      unit: s.unit,
      county: s.county,
      businessLine: s.businessLine,
      expertise: s.expertise,
      avoid: s.avoid,
    })),
  );
}

// ---------------------------------------------------------------------------------------------
// Expertise matching

/** Splits 专业领域 into entries on 、 , ， ; ； / and whitespace. */
export function expertiseEntries(expertise: string | null | undefined): string[] {
  if (expertise === null || expertise === undefined) return [];
  return expertise
    .split(/[、,，;；/\s]+/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/**
 * Match level of an expert for an enterprise:
 * 2 = an entry names the product: entry equals the 获证产品, or one contains the other (entries of ≥ 2 characters
 *     that are not a category name);
 * 1 = an entry equals the enterprise's 产品类别 (工业产品 / 食品相关产品);
 * 0 = no match.
 */
export function expertiseMatch(expertise: string | null | undefined, category: ProductCategory, product: string): 0 | 1 | 2 {
  let level: 0 | 1 | 2 = 0;
  for (const entry of expertiseEntries(expertise)) {
    if (entry === product) return 2;
    const isCategoryName = (PRODUCT_CATEGORIES as readonly string[]).includes(entry);
    if (!isCategoryName && entry.length >= 2 && product.length >= 2 && (product.includes(entry) || entry.includes(product))) {
      return 2;
    }
    if (entry === category) level = 1;
  }
  return level;
}

// ---------------------------------------------------------------------------------------------
// Teams

export interface TeamMember {
  openId: string;
  name: string;
  unit: string;
  county: string;
}

export interface Team {
  /** The selection number of the enterprise (第n号). */
  no: number;
  uscc: string;
  name: string;
  county: string;
  category: ProductCategory;
  leader: TeamMember | null;
  officers: TeamMember[];
  expert: TeamMember | null;
  /** How the expert matched: 'product' (获证产品), 'category' (产品类别), or null without expert. */
  expertMatch: 'product' | 'category' | null;
  /** All required slots filled. */
  complete: boolean;
}

export interface TeamShortage {
  no: number;
  uscc: string;
  name: string;
  county: string;
  role: TeamRole;
  needed: number;
  assigned: number;
  /** Chinese, e.g. '执法人员不足：需要1人，已安排0人；候选3人中，回避本企业1人，本县区人员2人'. */
  reason: string;
}

export interface TeamsResult {
  teams: Team[];
  shortages: TeamShortage[];
  /** Workload bound per role pool. */
  caps: Record<TeamRole, number>;
  /** Pool sizes. */
  pools: Record<TeamRole, number>;
  officersPerTeam: number;
  /** Assignments per person and role (openId → role → count), only people with at least one assignment. */
  workload: Record<string, Partial<Record<TeamRole, number>>>;
}

/** What a team is formed for: the canonical fields of a drawn enterprise (and its number). */
export interface TeamTarget {
  uscc: string;
  name: string;
  county: string;
  category: ProductCategory;
  product: string;
  no?: number;
}

interface HeapEntry {
  idx: number;
  tier: number;
  load: number;
  /** HMAC hex. */
  prio: string;
}

/** Binary min-heap with a comparator. */
class MinHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i] as T, a[p] as T)) break;
      [a[i], a[p]] = [a[p] as T, a[i] as T];
      i = p;
    }
  }

  pop(): T | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0] as T;
    const last = a.pop() as T;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && this.less(a[l] as T, a[m] as T)) m = l;
        if (r < a.length && this.less(a[r] as T, a[m] as T)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as T, a[i] as T];
        i = m;
      }
    }
    return top;
  }
}

function cmpText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function member(s: CanonicalStaff): TeamMember {
  return { openId: s.openId, name: s.name, unit: s.unit, county: s.county };
}

function isLeaderCandidate(s: CanonicalStaff): boolean {
  return s.roles.includes('组长') && s.county === CITY_BUREAU;
}

function tierOf(s: CanonicalStaff, rules: TeamRules): number {
  return rules.preferredBusinessLine !== null && s.businessLine !== null && s.businessLine.includes(rules.preferredBusinessLine)
    ? 0
    : 1;
}

function sameCountyExcluded(s: CanonicalStaff, county: string, rules: TeamRules): boolean {
  return rules.excludeOwnCounty && s.county !== CITY_BUREAU && s.county === county;
}

function workloadCap(slots: number, poolSize: number, slack: number): number {
  return poolSize === 0 ? 0 : Math.ceil(slots / poolSize) + slack;
}

/**
 * Forms a team for every target. Teams come back in the order of `targets`; shortages name the enterprise and the
 * role that could not be filled (the draw must then be refused with that reason).
 */
export function formTeams(
  targets: readonly TeamTarget[],
  staff: readonly StaffLike[],
  rulesIn: Partial<TeamRules> | undefined,
  seed: string,
): TeamsResult {
  const rules = normalizeTeamRules(rulesIn);
  const people = canonicalStaffList(staff);
  const k = officersPerTeam(rules);
  const T = targets.length;
  const avoidSets = people.map((s) => new Set(s.avoid));
  // Assignments per role and person (index into people).
  const loads: Record<TeamRole, number[]> = {
    组长: new Array<number>(people.length).fill(0),
    执法人员: new Array<number>(people.length).fill(0),
    专家: new Array<number>(people.length).fill(0),
  };

  const leaderPool = people.flatMap((s, i) => (isLeaderCandidate(s) ? [i] : []));
  const officerPool = people.flatMap((s, i) => (s.roles.includes('执法人员') ? [i] : []));
  const expertPool = rules.expertMode === 'none' ? [] : people.flatMap((s, i) => (s.roles.includes('专家') ? [i] : []));
  const caps: Record<TeamRole, number> = {
    组长: workloadCap(T, leaderPool.length, rules.workloadSlack),
    执法人员: workloadCap(T * k, officerPool.length, rules.workloadSlack),
    专家: workloadCap(T, expertPool.length, rules.workloadSlack),
  };

  const orderMac = hmacWithHexKey(deriveSubSeed(seed, 'team-order'));
  const roleMac: Record<TeamRole, (m: string) => string> = {
    组长: hmacWithHexKey(deriveSubSeed(seed, 'team-role:组长')),
    执法人员: hmacWithHexKey(deriveSubSeed(seed, 'team-role:执法人员')),
    专家: hmacWithHexKey(deriveSubSeed(seed, 'team-role:专家')),
  };
  const prioFor = (role: TeamRole, idx: number, atLoad: number): string =>
    roleMac[role](`${atLoad}|${(people[idx] as CanonicalStaff).openId}`);

  const less = (a: HeapEntry, b: HeapEntry): boolean => {
    if (a.tier !== b.tier) return a.tier < b.tier;
    if (a.load !== b.load) return a.load < b.load;
    if (a.prio !== b.prio) return a.prio < b.prio;
    return (people[a.idx] as CanonicalStaff).openId < (people[b.idx] as CanonicalStaff).openId;
  };
  const makeHeap = (role: TeamRole, pool: readonly number[]): MinHeap<HeapEntry> => {
    const heap = new MinHeap<HeapEntry>(less);
    for (const idx of pool) {
      heap.push({ idx, tier: tierOf(people[idx] as CanonicalStaff, rules), load: 0, prio: prioFor(role, idx, 0) });
    }
    return heap;
  };
  const heaps = { 组长: makeHeap('组长', leaderPool), 执法人员: makeHeap('执法人员', officerPool) };

  // Processing order.
  const order = targets
    .map((t, i) => ({ i, key: orderMac(t.uscc), uscc: t.uscc }))
    .sort((a, b) => cmpText(a.key, b.key) || cmpText(a.uscc, b.uscc))
    .map((x) => x.i);

  const teams = new Array<Team>(T);
  const shortages: { at: number; s: TeamShortage }[] = [];
  const expertCandidates = new Map<string, { idx: number; level: 1 | 2 }[]>();
  const expertPrio = new Map<number, { load: number; prio: string }>();

  const eligible = (idx: number, t: TeamTarget, inTeam: readonly number[]): boolean =>
    !inTeam.includes(idx) && !(avoidSets[idx] as Set<string>).has(t.uscc) && !sameCountyExcluded(people[idx] as CanonicalStaff, t.county, rules);

  const pickFromHeap = (role: '组长' | '执法人员', t: TeamTarget, inTeam: readonly number[]): number | null => {
    const heap = heaps[role];
    const cap = caps[role];
    const load = loads[role];
    const aside: HeapEntry[] = [];
    let chosen: number | null = null;
    for (let e = heap.pop(); e !== undefined; e = heap.pop()) {
      if (e.load >= cap) continue; // only when cap is 0 (no teams); entries reaching the cap are not pushed back
      if (!eligible(e.idx, t, inTeam)) {
        aside.push(e);
        continue;
      }
      chosen = e.idx;
      break;
    }
    for (const e of aside) heap.push(e);
    if (chosen !== null) {
      const now = (load[chosen] as number) + 1;
      load[chosen] = now;
      if (now < cap) {
        heap.push({ idx: chosen, tier: tierOf(people[chosen] as CanonicalStaff, rules), load: now, prio: prioFor(role, chosen, now) });
      }
    }
    return chosen;
  };

  const pickExpert = (t: TeamTarget, inTeam: readonly number[]): { idx: number; level: 1 | 2 } | null => {
    const key = `${t.category}\u0000${t.product}`;
    let candidates = expertCandidates.get(key);
    if (candidates === undefined) {
      candidates = [];
      for (const idx of expertPool) {
        const level = expertiseMatch((people[idx] as CanonicalStaff).expertise, t.category, t.product);
        if (level > 0) candidates.push({ idx, level: level as 1 | 2 });
      }
      expertCandidates.set(key, candidates);
    }
    const load = loads.专家;
    const prioOf = (idx: number): string => {
      const current = load[idx] as number;
      const cached = expertPrio.get(idx);
      if (cached !== undefined && cached.load === current) return cached.prio;
      const prio = prioFor('专家', idx, current);
      expertPrio.set(idx, { load: current, prio });
      return prio;
    };
    // Smallest key (−level, load, prio, openId) among eligible candidates. The cheap comparisons come first; the
    // eligibility test only runs for a candidate that would beat the best so far.
    let best: { idx: number; level: 1 | 2 } | null = null;
    for (const c of candidates) {
      const lc = load[c.idx] as number;
      if (lc >= caps.专家) continue;
      if (best !== null) {
        if (c.level !== best.level) {
          if (c.level < best.level) continue;
        } else {
          const lb = load[best.idx] as number;
          if (lc > lb) continue;
          if (lc === lb) {
            const order2 =
              cmpText(prioOf(c.idx), prioOf(best.idx)) ||
              cmpText((people[c.idx] as CanonicalStaff).openId, (people[best.idx] as CanonicalStaff).openId);
            if (order2 > 0) continue;
          }
        }
      }
      if (eligible(c.idx, t, inTeam)) best = c;
    }
    if (best !== null) load[best.idx] = (load[best.idx] as number) + 1;
    return best;
  };

  const explain = (role: TeamRole, pool: readonly number[], t: TeamTarget, inTeam: readonly number[], needed: number, assigned: number): string => {
    const head = `${role}不足：需要${needed}人，已安排${assigned}人`;
    let candidates = pool;
    if (role === '专家') candidates = pool.filter((i) => expertiseMatch((people[i] as CanonicalStaff).expertise, t.category, t.product) > 0);
    if (pool.length === 0) return `${head}；名录中没有${role === '组长' ? '所属县区为“市局”的组长' : role}`;
    if (candidates.length === 0) return `${head}；没有专业领域与“${t.category}”或“${t.product}”匹配的专家`;
    let avoided = 0;
    let county = 0;
    let twice = 0;
    let busy = 0;
    for (const i of candidates) {
      if (inTeam.includes(i)) twice++;
      else if ((avoidSets[i] as Set<string>).has(t.uscc)) avoided++;
      else if (sameCountyExcluded(people[i] as CanonicalStaff, t.county, rules)) county++;
      else if ((loads[role][i] as number) >= caps[role]) busy++;
    }
    const parts = [
      avoided > 0 ? `回避本企业${avoided}人` : '',
      county > 0 ? `本县区人员${county}人` : '',
      twice > 0 ? `已在本组${twice}人` : '',
      busy > 0 ? `已达工作量上限（${caps[role]}次）${busy}人` : '',
    ].filter((x) => x !== '');
    return `${head}；候选${candidates.length}人中，${parts.join('，')}`;
  };

  for (const at of order) {
    const t = targets[at] as TeamTarget;
    const no = t.no ?? at + 1;
    const inTeam: number[] = []; // at most 1 + k + 1 people
    let complete = true;
    const short = (role: TeamRole, pool: readonly number[], needed: number, assigned: number): void => {
      complete = false;
      shortages.push({
        at,
        s: { no, uscc: t.uscc, name: t.name, county: t.county, role, needed, assigned, reason: explain(role, pool, t, inTeam, needed, assigned) },
      });
    };

    const leaderIdx = pickFromHeap('组长', t, inTeam);
    if (leaderIdx !== null) inTeam.push(leaderIdx);
    else short('组长', leaderPool, 1, 0);

    const officers: number[] = [];
    for (let j = 0; j < k; j++) {
      const idx = pickFromHeap('执法人员', t, inTeam);
      if (idx === null) break;
      officers.push(idx);
      inTeam.push(idx);
    }
    if (officers.length < k) short('执法人员', officerPool, k, officers.length);

    let expert: { idx: number; level: 1 | 2 } | null = null;
    if (rules.expertMode !== 'none') {
      expert = pickExpert(t, inTeam);
      if (expert !== null) inTeam.push(expert.idx);
      else if (rules.expertMode === 'required') short('专家', expertPool, 1, 0);
    }

    teams[at] = {
      no,
      uscc: t.uscc,
      name: t.name,
      county: t.county,
      category: t.category,
      leader: leaderIdx === null ? null : member(people[leaderIdx] as CanonicalStaff),
      officers: officers.map((i) => member(people[i] as CanonicalStaff)),
      expert: expert === null ? null : member(people[expert.idx] as CanonicalStaff),
      expertMatch: expert === null ? null : expert.level === 2 ? 'product' : 'category',
      complete,
    };
  }

  const workload: Record<string, Partial<Record<TeamRole, number>>> = {};
  people.forEach((s, i) => {
    for (const role of ['组长', '执法人员', '专家'] as const) {
      const n = loads[role][i] as number;
      if (n > 0) (workload[s.openId] ??= {})[role] = n;
    }
  });
  return {
    teams,
    // shortages in the order of the targets (then slot order)
    shortages: shortages.sort((a, b) => a.at - b.at).map((x) => x.s),
    caps,
    pools: { 组长: leaderPool.length, 执法人员: officerPool.length, 专家: expertPool.length },
    officersPerTeam: k,
    workload,
  };
}

// ---------------------------------------------------------------------------------------------
// Staffing pre-check

export interface StaffingProblem {
  /** pool: a role has nobody at all; county: a county as a whole is short; enterprise: one enterprise is. */
  kind: 'pool' | 'county' | 'enterprise';
  role: TeamRole;
  county: string | null;
  uscc: string | null;
  name: string | null;
  needed: number;
  available: number;
  message: string;
}

export interface StaffingReport {
  ok: boolean;
  problems: StaffingProblem[];
  pools: Record<TeamRole, number>;
  officersPerTeam: number;
  /** Expected teams (from counts, or the number of enterprises given). */
  expectedTeams: number;
}

/**
 * Pre-check before a draw (or on an actual selection). Names the roles, counties and enterprises for which a team
 * could not be formed:
 * - pool: no 市局 组长 / no 执法人员 / (expertMode 'required') no 专家;
 * - county: fewer available 执法人员 than a team needs once own-county staff are excluded (when the rule is on), or
 *   the expected number of teams in the county × k exceeds what the available officers may take under the
 *   workload bound;
 * - enterprise: for that enterprise (回避 lists taken into account) fewer than 1 组长, k 执法人员, k + 1 distinct
 *   enforcement people, or (expertMode 'required') no matching expert.
 * With `counts`, `enterprises` is the population and the expected teams of a county are
 * Σ_s count_s × N_{s,county} / N_s; without, every enterprise given is one team (an actual selection).
 */
export function checkStaffing(
  enterprises: readonly (TeamTarget & Pick<CanonicalEnterprise, 'riskClass'>)[],
  staff: readonly StaffLike[],
  rulesIn?: Partial<TeamRules>,
  counts?: DrawCounts,
): StaffingReport {
  const rules = normalizeTeamRules(rulesIn);
  const people = canonicalStaffList(staff);
  const k = officersPerTeam(rules);
  const leaders = people.flatMap((s, i) => (isLeaderCandidate(s) ? [i] : []));
  const officers = people.flatMap((s, i) => (s.roles.includes('执法人员') ? [i] : []));
  const experts = rules.expertMode === 'none' ? [] : people.flatMap((s, i) => (s.roles.includes('专家') ? [i] : []));
  const problems: StaffingProblem[] = [];
  const pools = { 组长: leaders.length, 执法人员: officers.length, 专家: experts.length };

  // Expected teams per county.
  const expected = new Map<string, number>();
  if (counts !== undefined) {
    const sizes = new Map<string, number>();
    for (const e of enterprises) sizes.set(stratumKey(e), (sizes.get(stratumKey(e)) ?? 0) + 1);
    const countOf = new Map(counts.strata.map((s) => [stratumKey(s), s.count]));
    for (const e of enterprises) {
      const n = sizes.get(stratumKey(e)) ?? 1;
      expected.set(e.county, (expected.get(e.county) ?? 0) + (countOf.get(stratumKey(e)) ?? 0) / n);
    }
  } else {
    for (const e of enterprises) expected.set(e.county, (expected.get(e.county) ?? 0) + 1);
  }
  const T = counts !== undefined ? counts.total : enterprises.length;

  const pool = (role: TeamRole, needed: number, message: string): void => {
    problems.push({ kind: 'pool', role, county: null, uscc: null, name: null, needed, available: 0, message });
  };
  if (leaders.length === 0) pool('组长', 1, '名录中没有所属县区为“市局”的组长，无法组建检查组');
  if (officers.length === 0) pool('执法人员', k, '名录中没有执法人员，无法组建检查组');
  if (rules.expertMode === 'required' && experts.length === 0) pool('专家', 1, '名录中没有专家，而规则要求每组配备专家');

  const officerCap = workloadCap(T * k, officers.length, rules.workloadSlack);
  const counties = [...expected.keys()].sort(cmpText);
  const shortCounties = new Set<string>();
  for (const county of counties) {
    const available = officers.filter((i) => !sameCountyExcluded(people[i] as CanonicalStaff, county, rules)).length;
    if (officers.length > 0 && available < k) {
      shortCounties.add(county);
      problems.push({
        kind: 'county', role: '执法人员', county, uscc: null, name: null, needed: k, available,
        message: `${county}：可用执法人员${available}人，少于每组所需${k}人${rules.excludeOwnCounty ? '（已排除本县区人员）' : ''}`,
      });
      continue;
    }
    const demand = Math.ceil((expected.get(county) ?? 0) * k - 1e-9);
    if (officers.length > 0 && demand > available * officerCap) {
      shortCounties.add(county);
      problems.push({
        kind: 'county', role: '执法人员', county, uscc: null, name: null, needed: demand, available: available * officerCap,
        message: `${county}：预计需要执法人员${demand}人次，可用${available}人在工作量上限（每人${officerCap}次）内最多${available * officerCap}人次`,
      });
    }
  }

  // Per enterprise, with 回避 lists.
  const avoiders = new Map<string, number[]>();
  people.forEach((s, i) => {
    for (const code of s.avoid) {
      const list = avoiders.get(code);
      if (list === undefined) avoiders.set(code, [i]);
      else list.push(i);
    }
  });
  const officerSet = new Set(officers);
  const leaderSet = new Set(leaders);
  const countyAvail = new Map<string, { officers: number; union: number }>();
  const unionPool = [...new Set([...leaders, ...officers])];
  const matchCache = new Map<string, number[]>();
  for (const e of enterprises) {
    if (shortCounties.has(e.county)) continue;
    let ca = countyAvail.get(e.county);
    if (ca === undefined) {
      ca = {
        officers: officers.filter((i) => !sameCountyExcluded(people[i] as CanonicalStaff, e.county, rules)).length,
        union: unionPool.filter((i) => !sameCountyExcluded(people[i] as CanonicalStaff, e.county, rules)).length,
      };
      countyAvail.set(e.county, ca);
    }
    let leaderAvail = leaders.length;
    let officerAvail = ca.officers;
    let unionAvail = ca.union;
    for (const i of avoiders.get(e.uscc) ?? []) {
      if (sameCountyExcluded(people[i] as CanonicalStaff, e.county, rules)) continue;
      if (leaderSet.has(i)) leaderAvail--;
      if (officerSet.has(i)) officerAvail--;
      if (leaderSet.has(i) || officerSet.has(i)) unionAvail--;
    }
    const ent = (role: TeamRole, needed: number, available: number, what: string): void => {
      problems.push({
        kind: 'enterprise', role, county: e.county, uscc: e.uscc, name: e.name, needed, available,
        message: `${e.name}（${e.county}，${e.uscc}）：${what}`,
      });
    };
    if (leaders.length > 0 && leaderAvail < 1) ent('组长', 1, leaderAvail, '全部市局组长均需回避，无可用组长');
    if (officers.length > 0 && officerAvail < k) {
      ent('执法人员', k, officerAvail, `可用执法人员${officerAvail}人，少于每组所需${k}人`);
    } else if (leaders.length > 0 && leaderAvail >= 1 && unionAvail < k + 1) {
      ent('执法人员', k + 1, unionAvail, `组长和执法人员合计可用${unionAvail}人，不足${k + 1}名不同人员`);
    }
    if (rules.expertMode === 'required' && experts.length > 0) {
      const key = `${e.category}\u0000${e.product}`;
      let matching = matchCache.get(key);
      if (matching === undefined) {
        matching = experts.filter((i) => expertiseMatch((people[i] as CanonicalStaff).expertise, e.category, e.product) > 0);
        matchCache.set(key, matching);
      }
      const avail = matching.filter(
        (i) => !(people[i] as CanonicalStaff).avoid.includes(e.uscc) && !sameCountyExcluded(people[i] as CanonicalStaff, e.county, rules),
      ).length;
      if (avail < 1) ent('专家', 1, avail, matching.length === 0 ? `没有专业领域与“${e.category}”或“${e.product}”匹配的专家` : '匹配的专家均需回避');
    }
  }

  return { ok: problems.length === 0, problems, pools, officersPerTeam: k, expectedTeams: T };
}

