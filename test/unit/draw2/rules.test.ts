/** The rules of docs/draw-spec.md, one by one: canonical JSON, counts, catalogue matching, teams, source and seed. */
import { catalogueIndex, resolveProducts, CATALOGUE } from '../../../src/domain/catalogue';
import { computeSteps } from '../../../src/domain/draw2/compute';
import { computeCounts } from '../../../src/domain/draw2/counts';
import { buildParameters, personRef, staffRows, toPpm, type StaffInput } from '../../../src/domain/draw2/inputs';
import { CanonicalError, jcs, jcsHash, jcsHashSteps } from '../../../src/domain/draw2/jcs';
import type { Parameters, PopulationRow } from '../../../src/domain/draw2/model';
import { announcedInstant, entropyFor } from '../../../src/domain/draw2/seed';
import { parseSourceText } from '../../../src/domain/draw2/sourceText';
import { runSync } from '../../../src/domain/draw2/steps';
import { usccCheckChar } from '../../../src/domain/uscc';

const index = catalogueIndex();

function code(n: number): string {
  const first = `91140802MA${String(n).padStart(7, '0')}`;
  return first + usccCheckChar(first);
}

function row(n: number, over: Partial<PopulationRow>): PopulationRow {
  return { uscc: code(n), name: `企业${n}`, licenceNo: `L${n}`, product: '电线电缆', category: '工业产品', riskClass: 'A', county: '盐湖区', validTo: '2026-01-01', ...over };
}

function params(over: Partial<Parameters['team']> = {}, ratio = 0.25, ppm?: Partial<Parameters['ratiosPpm']>): Parameters {
  const p = buildParameters({ from: '2024-03-15', ratio, riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 }, excludeOwnCounty: true }, over);
  return ppm ? { ...p, ratiosPpm: { ...p.ratiosPpm, ...ppm } } : p;
}

function person(id: string, roles: StaffInput['roles'], county: string, over: Partial<StaffInput> = {}): StaffInput {
  return { openId: `ou_${id}`, name: id, roles, unit: `${county}单位`, county, businessLine: '产品质量安全', expertise: null, avoid: [], ...over };
}

describe('canonical JSON (§1)', () => {
  it('sorts members by UTF-16 code units, writes integers and escapes as RFC 8785', () => {
    expect(jcs({ b: 1, a: [true, null, 'x'], A: -0 })).toBe('{"A":0,"a":[true,null,"x"],"b":1}');
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FFFF in code units (not in code points).
    expect(jcs({ '\uffff': 1, '😀': 2 })).toBe('{"😀":2,"\uffff":1}');
    expect(jcs('a"b\\c\n\u0001/中')).toBe('"a\\"b\\\\c\\n\\u0001/中"');
  });

  it('orders member names that look like array indexes by code units too ("10" < "9" < "a")', () => {
    expect(jcs({ a: 3, 9: 2, 10: 1 })).toBe('{"10":1,"9":2,"a":3}');
  });

  it('hashes large values in slices to the same hash', () => {
    const big = { z: Array.from({ length: 5000 }, (_, i) => ({ no: i, s: `x${i}` })), a: { 7: 'seven', b: [1, 2] }, m: '中' };
    expect(runSync(jcsHashSteps(big, 100))).toBe(jcsHash(big));
  });

  it('refuses fractions, unsafe integers, lone surrogates and non-plain objects', () => {
    expect(() => jcs(0.5)).toThrow(CanonicalError);
    expect(() => jcs(2 ** 53)).toThrow(CanonicalError);
    expect(() => jcs('\ud800')).toThrow(CanonicalError);
    expect(() => jcs(new Date())).toThrow(CanonicalError);
  });
});

describe('counts (§4)', () => {
  it('uses exact integer arithmetic: 28% of 25 is 7', () => {
    const p = params({}, 0.01, { A: toPpm(0.28, 'A') });
    const c = computeCounts([25, 0, 0, 0, 0, 0, 0, 0], p);
    expect(c.strata[0]!.base).toBe(7);
  });

  it('tops up to the campaign ratio, equal shortfalls to D before C … and 工业产品 before 食品相关产品', () => {
    // Every class at 1 ppm gives a base of 1 per non-empty stratum; the campaign asks for more.
    const p = params({}, 0.5, { A: 1, B: 1, C: 1, D: 1 });
    const c = computeCounts([4, 4, 4, 4, 4, 4, 4, 4], p);
    expect(c.target).toBe(16);
    // 8 bases, 8 top-ups: the shortfalls are all equal at every step, so the order decides: D工, D食, C工, C食, B工, B食, A工, A食
    // (and with a lower target, only the first of that order get one).
    expect(c.strata.map((s) => s.topUp)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    const c2 = computeCounts([4, 4, 4, 4, 4, 4, 4, 4], params({}, 0.4, { A: 1, B: 1, C: 1, D: 1 }));
    expect(c2.target).toBe(13);
    expect(c2.strata.map((s) => s.topUp)).toEqual([0, 1, 1, 1, 0, 0, 1, 1]);
  });

  it('never draws more than a stratum holds', () => {
    const c = computeCounts([1, 0, 0, 0, 0, 0, 0, 0], params({}, 1));
    expect(c.strata[0]!.count).toBe(1);
    expect(c.target).toBe(1);
  });
});

describe('catalogue (§5.1)', () => {
  it('matches exact names and aliases, never substrings', () => {
    expect(resolveProducts('危险化学品').tokens).toEqual(['C07']);
    expect(resolveProducts('危险化学品包装物及容器').tokens).toEqual(['C08-01']);
    expect(resolveProducts('危险化学品包装物及容器').classes).toEqual(['C08']);
    // Official names hold 、 (also a list separator): they are read whole before the text is split.
    expect(resolveProducts('食品用塑料包装、容器、工具等制品').tokens).toEqual(['C10-01']);
    expect(resolveProducts('食品用塑料包装、容器、工具等制品、餐具洗涤剂').tokens).toEqual(['C10-01', 'C10-03']);
    expect(resolveProducts('非食品用塑料包装、容器、工具等制品').unknown).toEqual(['非食品用塑料包装容器工具等制品']);
    expect(resolveProducts('食品相关产品').tokens).toEqual(['C10']);
    expect(resolveProducts('塑料').unknown).toEqual(['塑料']);
    expect(resolveProducts('水泥，电线电缆／复肥').tokens).toEqual(['C02-01', 'C06-01', 'C09-01']);
  });

  it('holds the current catalogue: 14 classes, the units named in the brief', () => {
    expect(CATALOGUE.classes).toHaveLength(14);
    for (const unit of ['建筑用钢筋', '水泥', '危险化学品', '危险化学品包装物及容器', '化肥', '电线电缆', '人民币鉴别仪', '广播电视传输设备',
      '预应力混凝土铁路桥简支梁', '食品用塑料包装容器工具等制品', '食品用纸包装容器等制品', '餐具洗涤剂', '压力锅', '工业和商用电热食品加工设备']) {
      expect(resolveProducts(unit).unknown).toEqual([]);
    }
  });
});

describe('teams (§6)', () => {
  const seed = 'ab'.repeat(32);
  const blind = 'ef'.repeat(32);
  const run = (population: PopulationRow[], staff: StaffInput[], p: Parameters) => runSync(computeSteps(population, staffRows(staff), p, seed, index, blind));

  it('a 危险化学品 firm gets the 危险化学品 expert, not the 包装物及容器 one (who matches nothing there)', () => {
    const population = [1, 2, 3].map((n) => row(n, { product: '危险化学品', riskClass: 'D' }));
    const staff = [
      person('leader', ['组长'], '市局'),
      person('o1', ['执法人员'], '永济市'),
      person('o2', ['执法人员'], '河津市'),
      person('pack', ['专家'], '市局', { expertise: '危险化学品包装物及容器' }),
      person('chem', ['专家'], '市局', { expertise: '危险化学品' }),
    ];
    const d = run(population, staff, params());
    expect(d.result.teams.map((t) => t.expert)).toEqual([personRef('ou_chem'), personRef('ou_chem'), personRef('ou_chem')]);
    expect(d.result.teams.every((t) => t.expertLevel === 'unit')).toBe(true);
  });

  it('unit first, then class, else none with a shortage line (not blocking with whenMatching)', () => {
    const population = [row(1, { product: '危险化学品无机产品', riskClass: 'D' }), row(2, { product: '特种劳动防护用品', riskClass: 'D' })];
    const staff = [person('leader', ['组长'], '市局'), person('o1', ['执法人员'], '永济市'), person('chem', ['专家'], '市局', { expertise: '危险化学品有机产品' })];
    const d = run(population, staff, params());
    const byUscc = new Map(d.result.selection.map((s) => [s.uscc, s.no]));
    expect(d.result.teams[byUscc.get(code(1))! - 1]!.expertLevel).toBe('class');
    expect(d.result.shortages).toEqual([{ no: byUscc.get(code(2)), role: 'expert', needed: 1, assigned: 0, blocking: false }]);
    expect(d.details.shortages[0]!.reason).toContain('不在产品目录中');
  });

  it('caps are per expert: a food expert is held to the food demand, not to an average over all experts', () => {
    // 6 food firms, 1 food expert, 5 industrial experts with nothing to do: one global cap ⌈6/6⌉+1 = 2 would leave 4
    // food firms without an expert; the per-expert cap is ⌈6/1⌉+1.
    const population = [1, 2, 3, 4, 5, 6].map((n) => row(n, { product: '压力锅', category: '食品相关产品', riskClass: 'D' }));
    const staff = [
      person('leader', ['组长'], '市局'),
      person('o1', ['执法人员'], '永济市'),
      person('food', ['专家'], '市局', { expertise: '压力锅' }),
      ...[1, 2, 3, 4, 5].map((i) => person(`ind${i}`, ['专家'], '市局', { expertise: '水泥' })),
    ];
    const d = run(population, staff, params());
    expect(d.result.caps.expert[personRef('ou_food')]).toBe(7);
    expect(d.result.teams.every((t) => t.expert === personRef('ou_food'))).toBe(true);
  });

  it('every team: a city 组长 and a county officer from another county (own-county rule); none of 回避', () => {
    const population = [1, 2, 3, 4].map((n) => row(n, { riskClass: 'D', county: n % 2 ? '盐湖区' : '永济市' }));
    const staff = [
      person('l1', ['组长', '执法人员'], '市局', { avoid: [code(1)] }),
      person('l2', ['组长'], '市局'),
      person('cityofficer', ['执法人员'], '市局'),
      person('yh', ['执法人员'], '盐湖区'),
      person('yj', ['执法人员'], '永济市', { avoid: [code(2)] }),
      person('hj', ['执法人员'], '河津市'),
    ];
    const d = run(population, staff, params({ expertMode: 'none' }));
    expect(d.result.shortages).toEqual([]);
    for (const t of d.details.teams) {
      const leader = t.members.find((m) => m.role === '组长')!;
      expect(leader.county).toBe('市局');
      const officers = t.members.filter((m) => m.role === '执法人员');
      expect(officers).toHaveLength(1);
      expect(officers[0]!.county).not.toBe('市局');
      expect(officers[0]!.county).not.toBe(t.county);
      const avoiding = staff.filter((s) => s.avoid.includes(t.uscc)).map((s) => s.openId);
      for (const m of t.members) expect(avoiding).not.toContain(m.openId);
    }
  });

  it('with only own-county staff left, the county slot is a blocking shortage, not a city officer', () => {
    const population = [row(1, { riskClass: 'D', county: '盐湖区' })];
    const staff = [person('l', ['组长'], '市局'), person('city', ['执法人员'], '市局'), person('yh', ['执法人员'], '盐湖区')];
    const d = run(population, staff, params({ expertMode: 'none' }));
    expect(d.result.shortages).toEqual([{ no: 1, role: 'countyOfficer', needed: 1, assigned: 0, blocking: true }]);
    expect(d.result.teams[0]!.officers).toEqual([]);
  });

  it('spreads the work: nobody serves more than the cap, round by round', () => {
    const population = Array.from({ length: 30 }, (_, i) => row(i + 1, { riskClass: 'D', county: '盐湖区' }));
    const staff = [
      ...['a', 'b', 'c'].map((x) => person(`l${x}`, ['组长'], '市局')),
      ...['a', 'b', 'c', 'd', 'e'].map((x) => person(`o${x}`, ['执法人员'], '永济市')),
    ];
    const d = run(population, staff, params({ workloadSlack: 0 }));
    expect(d.result.caps).toEqual({ leader: 10, officer: 6, expert: {} });
    const loads = new Map<string, number>();
    for (const t of d.result.teams) for (const r of [t.leader!, ...t.officers]) loads.set(r, (loads.get(r) ?? 0) + 1);
    expect([...loads.values()].sort()).toEqual([10, 10, 10, 6, 6, 6, 6, 6].sort());
  });

  it('dual-role people count per role: a 组长 who is also 执法人员 has a leader cap and an officer cap', () => {
    const population = Array.from({ length: 4 }, (_, i) => row(i + 1, { riskClass: 'D' }));
    const staff = [person('both', ['组长', '执法人员'], '市局'), person('o', ['执法人员'], '永济市')];
    const d = run(population, staff, params({ officers: 2, countyOfficers: 1 }));
    // 2 officers per team: the county slot is 'o', the other slot can only be 'both' — who also leads: in one team twice? never.
    expect(d.result.teams.every((t) => !t.officers.includes(t.leader!))).toBe(true);
    expect(d.result.shortages.filter((s) => s.role === 'officer')).toHaveLength(4);
  });

  it('is deterministic and depends on the seed', () => {
    const population = Array.from({ length: 40 }, (_, i) => row(i + 1, { riskClass: i % 4 === 0 ? 'D' : 'A', county: i % 2 ? '盐湖区' : '永济市' }));
    const staff = [person('l1', ['组长'], '市局'), person('l2', ['组长'], '市局'), person('o1', ['执法人员'], '河津市'), person('o2', ['执法人员'], '夏县')];
    const p = params();
    const a = runSync(computeSteps(population, staffRows(staff), p, seed, index, blind));
    const b = runSync(computeSteps(population, staffRows(staff), p, seed, index, blind));
    const c = runSync(computeSteps(population, staffRows(staff), p, 'cd'.repeat(32), index, blind));
    expect(jcs(a.result)).toBe(jcs(b.result));
    expect(jcs(a.result.selection)).not.toBe(jcs(c.result.selection));
  });
});

describe('public source and entropy (§3.2–3.3)', () => {
  const parsed = parseSourceText('中国福利彩票3D第2024065期开奖号码(3位数字)+中国体育彩票排列5第24065期开奖号码（5位数字）', '2024-03-15T21:30');
  it('reads the written form of a combined source', () => {
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.source.parts.map((p) => p.pattern)).toEqual(['^[0-9]{3}$', '^[0-9]{5}$']);
    expect(parsed.source.announcedAt).toBe('2024-03-15T21:30+08:00');
    expect(announcedInstant(parsed.source.announcedAt)!.toISOString()).toBe('2024-03-15T13:30:00.000Z');
  });

  it('takes the values in order, trimmed, each in its format', () => {
    if (!parsed.ok) throw new Error('parse');
    expect(entropyFor(parsed.source, ' 065 / 24065 ')).toEqual({ ok: true, entropy: '065/24065' });
    expect(entropyFor(parsed.source, '65/24065').ok).toBe(false);
    expect(entropyFor(parsed.source, '065').ok).toBe(false);
    expect(entropyFor(null, '  ')).toEqual({ ok: true, entropy: '' });
    // typed in full-width mode (a Chinese input method): the digits and the separator are the ASCII ones
    expect(entropyFor(parsed.source, '０６５／２４０６５')).toEqual({ ok: true, entropy: '065/24065' });
    expect(entropyFor(null, '　２０２４０３１５０３　')).toEqual({ ok: true, entropy: '2024031503' });
  });

  it('refuses malformed sources', () => {
    expect(parseSourceText('福彩3D', '2024-03-15').ok).toBe(false);
    expect(parseSourceText('+', '2024-03-15T21:30').ok).toBe(false);
    expect(parseSourceText('福彩3D', '2024-02-30T21:30').ok).toBe(false);
  });
});
