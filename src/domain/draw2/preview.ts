/**
 * What the preview shows before anything is drawn: the population by stratum and county, and whether the staff can
 * form every team the counts ask for (docs/draw-spec.md §6.5). Nothing here depends on the seed.
 */
import { STRATA, stratumIndex, stratumName } from './counts';
import { cmpText } from './jcs';
import { CITY, type Counts, type Parameters, type PopulationRow, type StaffRow } from './model';
import { SLICE, type Steps } from './steps';

export interface PopulationSummary {
  total: number;
  strata: { label: string; size: number; count: number }[];
  counties: { county: string; total: number; byClass: Record<'A' | 'B' | 'C' | 'D', number>; expected: number }[];
}

/** Per stratum and per county; `expected` = Σ_s count_s × N_{s,county} / N_s, one decimal. */
export function* summarizeSteps(population: readonly PopulationRow[], counts: Counts): Steps<PopulationSummary> {
  const byCounty = new Map<string, number[]>();
  for (let i = 0; i < population.length; i++) {
    if (i % SLICE === 0) yield;
    const e = population[i] as PopulationRow;
    let row = byCounty.get(e.county);
    if (row === undefined) {
      row = new Array<number>(8).fill(0);
      byCounty.set(e.county, row);
    }
    row[stratumIndex(e)]! += 1;
  }
  const counties = [...byCounty.entries()]
    .sort(([a], [b]) => cmpText(a, b))
    .map(([county, row]) => {
      let expected = 0;
      const byClass = { A: 0, B: 0, C: 0, D: 0 };
      row.forEach((n, s) => {
        const st = counts.strata[s]!;
        byClass[STRATA[s]!.riskClass] += n;
        if (n > 0 && st.size > 0) expected += (st.count * n) / st.size;
      });
      return { county, total: row.reduce((a, b) => a + b, 0), byClass, expected: Math.round(expected * 10) / 10 };
    });
  return {
    total: population.length,
    strata: counts.strata.map((s) => ({ label: `${stratumName(s)}类`, size: s.size, count: s.count })),
    counties,
  };
}

export interface StaffingProblem {
  county: string | null;
  uscc: string | null;
  message: string;
}

/**
 * Whether teams can be formed (§6.5): the pools are not empty; in every county, enough county officers of other
 * counties (when the own-county rule is on) for the expected teams within the workload cap; for every enterprise, a
 * 组长, c county officers and k officers in all that are not excluded by 回避 or the own-county rule.
 */
export function* staffingSteps(population: readonly PopulationRow[], staff: readonly StaffRow[], p: Parameters, counts: Counts): Steps<StaffingProblem[]> {
  const problems: StaffingProblem[] = [];
  const k = p.team.officers;
  const c = p.team.countyOfficers;
  const T = counts.strata.reduce((a, s) => a + s.count, 0);
  const leaders = staff.filter((s) => s.roles.includes('组长') && s.county === CITY);
  const officers = staff.filter((s) => s.roles.includes('执法人员'));
  const county = officers.filter((s) => s.county !== CITY);
  const experts = staff.filter((s) => s.roles.includes('专家'));
  const pool = (message: string): void => {
    problems.push({ county: null, uscc: null, message });
  };
  if (T === 0) return problems;
  if (leaders.length === 0) pool('名录中没有所属县区为“市局”的组长，无法组建检查组');
  if (officers.length < k) pool(`名录中执法人员只有${officers.length}人，每组需要${k}人`);
  if (county.length === 0) pool('名录中没有县区执法人员；检查组应由市、县两级执法监管人员组成，每组至少1名县区执法人员');
  if (p.team.expertMode === 'required' && experts.length === 0) pool('名录中没有专家，而规则要求每组配备专家');
  if (problems.length > 0) return problems;

  const slack = p.team.workloadSlack;
  const cap = Math.max(Math.ceil((T * k) / officers.length), Math.ceil((T * c) / county.length)) + slack;
  const expected = new Map<string, number>();
  for (let i = 0; i < population.length; i++) {
    if (i % SLICE === 0) yield;
    const e = population[i] as PopulationRow;
    const s = counts.strata[stratumIndex(e)]!;
    expected.set(e.county, (expected.get(e.county) ?? 0) + s.count / s.size);
  }
  const own = (s: StaffRow, c2: string): boolean => p.team.excludeOwnCounty && s.county !== CITY && s.county === c2;
  for (const [name, teams] of [...expected.entries()].sort(([a], [b]) => cmpText(a, b))) {
    const available = county.filter((s) => !own(s, name)).length;
    const demand = Math.ceil(teams * c - 1e-9);
    if (available < c) {
      problems.push({ county: name, uscc: null, message: `${name}：可用县区执法人员${available}人${p.team.excludeOwnCounty ? '（已排除本县区人员）' : ''}，每组至少需要${c}人` });
    } else if (demand > available * cap) {
      problems.push({ county: name, uscc: null, message: `${name}：预计需要县区执法人员${demand}人次，其他县区可用${available}人在工作量上限（每人${cap}次）内最多${available * cap}人次` });
    }
  }
  const avoiders = new Map<string, StaffRow[]>();
  for (const s of staff) for (const code of s.avoid) avoiders.set(code, [...(avoiders.get(code) ?? []), s]);
  for (let i = 0; i < population.length; i++) {
    if (i % SLICE === 0) yield;
    const e = population[i] as PopulationRow;
    const av = avoiders.get(e.uscc);
    if (av === undefined) continue;
    const ok = (s: StaffRow): boolean => !av.includes(s) && !own(s, e.county);
    const l = leaders.filter(ok).length;
    const co = county.filter(ok).length;
    const all = officers.filter(ok).length;
    const why: string[] = [];
    if (l < 1) why.push('全部市局组长均需回避');
    if (co < c) why.push(`可用县区执法人员${co}人，少于每组所需${c}人`);
    else if (all < k) why.push(`可用执法人员${all}人，少于每组所需${k}人`);
    if (why.length > 0) problems.push({ county: e.county, uscc: e.uscc, message: `${e.name}（${e.county}，${e.uscc}）：${why.join('；')}` });
  }
  return problems;
}
