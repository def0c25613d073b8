import { computeCounts, ppmToPercentText, ratioToPpm, strataSizes, TOP_UP_ORDER, STRATA, stratumLabel, type DrawCounts, type StrataSizes } from '../../../src/domain/draw';
import { prngFor } from './generate';

const POLICY = { riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 }, campaignRatio: 0.25 };

function byLabel(c: DrawCounts): Record<string, [number, number, number]> {
  return Object.fromEntries(c.strata.map((s) => [s.label, [s.base, s.topUp, s.count]]));
}

describe('computeCounts', () => {
  it('rounds every stratum up and needs no top-up when the class ratios already reach 25%', () => {
    const sizes: StrataSizes = { 工业产品A: 37, 工业产品B: 20, 工业产品C: 10, 工业产品D: 3, 食品相关产品A: 10, 食品相关产品C: 5, 食品相关产品D: 1 };
    const c = computeCounts(sizes, POLICY);
    // by hand: ceil(7.4)=8, 5, 5, 3 | ceil(2)=2, 0, ceil(2.5)=3, 1 → 27; N = 86, target ceil(21.5) = 22
    expect(byLabel(c)).toEqual({
      工业产品A类: [8, 0, 8],
      工业产品B类: [5, 0, 5],
      工业产品C类: [5, 0, 5],
      工业产品D类: [3, 0, 3],
      食品相关产品A类: [2, 0, 2],
      食品相关产品B类: [0, 0, 0],
      食品相关产品C类: [3, 0, 3],
      食品相关产品D类: [1, 0, 1],
    });
    expect(c).toMatchObject({ population: 86, target: 22, baseTotal: 27, topUpTotal: 0, total: 27 });
    const notes = Object.fromEntries(c.strata.map((s) => [s.label, s.note]));
    expect(notes['工业产品A类']).toBe('20%×37=7.4，向上取整为8家');
    expect(notes['工业产品B类']).toBe('25%×20=5家');
    expect(notes['食品相关产品C类']).toBe('50%×5=2.5，向上取整为3家');
    expect(notes['食品相关产品B类']).toBe('本层无企业');
    expect(c.notes[0]).toBe('全市抽查比例25%：25%×86=21.5，向上取整，应抽不少于22家。');
    expect(c.notes[2]).toBe('分层抽取合计27家，已达到全市比例要求，无需补充。');
  });

  it('tops up to the campaign ratio, largest shortfall first (worked by hand)', () => {
    const sizes: StrataSizes = { 工业产品A: 40, 工业产品B: 30, 工业产品C: 20, 工业产品D: 10, 食品相关产品A: 20, 食品相关产品B: 10 };
    const c = computeCounts(sizes, { riskRatios: { A: 0.05, B: 0.1, C: 0.2, D: 0.5 }, campaignRatio: 0.25 });
    // base 2, 3, 4, 5 | 1, 1 = 16; N = 130, target ceil(32.5) = 33, 17 extra.
    // Shortfalls 0.25·N − count: 工A 8, 工B 4.5, 工C 1, 工D −2.5, 食A 4, 食B 1.5. Giving one at a time to the largest
    // (ties: class D..A, then 工业产品 first): 工A×4 → 4 | 工B → 3.5 | 工A (tie with 食A at 4) | 食A | 工B | 工A | 食A
    // | 工B | 工A | 食A | 工B (tie with 食B at 1.5) | 食B | 工C (tie of C, A, A at 1 → C first) | 工A.
    expect(byLabel(c)).toEqual({
      工业产品A类: [2, 8, 10],
      工业产品B类: [3, 4, 7],
      工业产品C类: [4, 1, 5],
      工业产品D类: [5, 0, 5],
      食品相关产品A类: [1, 3, 4],
      食品相关产品B类: [1, 1, 2],
      食品相关产品C类: [0, 0, 0],
      食品相关产品D类: [0, 0, 0],
    });
    expect(c).toMatchObject({ population: 130, target: 33, baseTotal: 16, topUpTotal: 17, total: 33 });
    expect(c.strata[0]?.note).toBe('5%×40=2家；为达到全市抽查比例补充8家，共10家');
    expect(c.notes[2]).toContain('分层抽取合计16家，比全市比例要求少17家');
    expect(c.notes[2]).toContain('补充结果：工业产品A类8家、工业产品B类4家、工业产品C类1家、食品相关产品A类3家、食品相关产品B类1家。');
  });

  it('computes ceil exactly, without floating-point surprises', () => {
    // 0.07 × 100 = 7.000000000000001 and 0.1 × 30 = 3.0000000000000004 in floating point
    const c = computeCounts({ 工业产品A: 100, 工业产品B: 30 }, { riskRatios: { A: 0.07, B: 0.1, C: 0, D: 0 }, campaignRatio: 0.07 });
    expect(c.strata[0]?.base).toBe(7);
    expect(c.strata[1]?.base).toBe(3);
    expect(c.target).toBe(10); // 0.07 × 130 = 9.1 → 10
    expect(c.total).toBe(10);
  });

  it('breaks equal shortfalls by risk class (D first), then 工业产品 before 食品相关产品', () => {
    const zero = { A: 0, B: 0, C: 0, D: 0 };
    let c = computeCounts({ 工业产品A: 4, 工业产品D: 4 }, { riskRatios: zero, campaignRatio: 0.125 });
    expect(byLabel(c)['工业产品D类']).toEqual([0, 1, 1]);
    expect(byLabel(c)['工业产品A类']).toEqual([0, 0, 0]);
    c = computeCounts({ 工业产品A: 4, 食品相关产品A: 4 }, { riskRatios: zero, campaignRatio: 0.125 });
    expect(byLabel(c)['工业产品A类']).toEqual([0, 1, 1]);
    c = computeCounts({ 工业产品A: 4, 食品相关产品A: 4 }, { riskRatios: zero, campaignRatio: 0.25 });
    expect(byLabel(c)['工业产品A类']).toEqual([0, 1, 1]);
    expect(byLabel(c)['食品相关产品A类']).toEqual([0, 1, 1]);
    expect(TOP_UP_ORDER.map(stratumLabel)).toEqual([
      '工业产品D类', '食品相关产品D类', '工业产品C类', '食品相关产品C类',
      '工业产品B类', '食品相关产品B类', '工业产品A类', '食品相关产品A类',
    ]);
  });

  it('never gives a stratum more than it has', () => {
    const zero = { A: 0, B: 0, C: 0, D: 0 };
    const c = computeCounts({ 工业产品A: 1, 工业产品B: 100 }, { riskRatios: zero, campaignRatio: 0.5 });
    expect(byLabel(c)['工业产品A类']).toEqual([0, 1, 1]);
    expect(byLabel(c)['工业产品B类']).toEqual([0, 50, 50]);
    const all = computeCounts({ 工业产品A: 2, 食品相关产品C: 3 }, { riskRatios: zero, campaignRatio: 1 });
    expect(all.strata.map((s) => s.count)).toEqual([2, 0, 0, 0, 0, 0, 3, 0]);
    const full = computeCounts({ 工业产品D: 3 }, POLICY);
    expect(full.strata[3]?.count).toBe(3);
  });

  it('handles an empty population', () => {
    const c = computeCounts({}, POLICY);
    expect(c).toMatchObject({ population: 0, target: 0, total: 0 });
    expect(c.strata).toHaveLength(8);
  });

  it('refuses bad ratios with a Chinese reason', () => {
    expect(() => computeCounts({}, { riskRatios: { A: 1.5, B: 0, C: 0, D: 0 }, campaignRatio: 0.25 })).toThrow('A类抽查比例应为0到1之间的数，实际为1.5');
    expect(() => computeCounts({}, { riskRatios: { A: 0.1, B: 0, C: 0, D: 0 }, campaignRatio: -0.1 })).toThrow('全市抽查比例应为0到1之间的数');
    expect(() => computeCounts({}, { riskRatios: { A: 0.1234567, B: 0, C: 0, D: 0 }, campaignRatio: 0.25 })).toThrow('最多保留6位小数');
    expect(() => computeCounts({}, { riskRatios: { A: NaN, B: 0, C: 0, D: 0 }, campaignRatio: 0.25 })).toThrow(/A类/);
    const missing = { A: 0.1, B: 0.1, C: 0.1 } as unknown as Record<'A' | 'B' | 'C' | 'D', number>;
    expect(() => computeCounts({}, { riskRatios: missing, campaignRatio: 0.25 })).toThrow('缺少D类风险等级的抽查比例');
  });

  it('formats ratios exactly', () => {
    expect(ratioToPpm(0.25, 'x')).toBe(250000);
    expect(ratioToPpm(0.000001, 'x')).toBe(1);
    expect(ppmToPercentText(250000)).toBe('25%');
    expect(ppmToPercentText(12345)).toBe('1.2345%');
    expect(ppmToPercentText(1000000)).toBe('100%');
  });

  it('holds its invariants on random sizes and ratios (exact arithmetic checked with BigInt)', () => {
    const prng = prngFor('counts-property');
    for (let run = 0; run < 300; run++) {
      const sizes: Record<string, number> = {};
      for (const s of STRATA) sizes[`${s.category}${s.riskClass}`] = prng.chance(0.2) ? 0 : prng.int(prng.chance(0.5) ? 15 : 3000);
      const ppm = () => prng.int(1_000_001);
      const rr = { A: ppm() / 1e6, B: ppm() / 1e6, C: ppm() / 1e6, D: ppm() / 1e6 };
      const campaignRatio = ppm() / 1e6;
      const c = computeCounts(sizes as StrataSizes, { riskRatios: rr, campaignRatio });
      const N = Object.values(sizes).reduce((a, b) => a + b, 0);
      const exactCeil = (r: number, n: number) => {
        const num = BigInt(Math.round(r * 1e6)) * BigInt(n);
        return Number((num + 999_999n) / 1_000_000n);
      };
      expect(c.population).toBe(N);
      expect(c.target).toBe(exactCeil(campaignRatio, N));
      for (const s of c.strata) {
        expect(s.base).toBe(Math.min(s.size, exactCeil(rr[s.riskClass], s.size)));
        expect(s.count).toBeLessThanOrEqual(s.size);
        expect(s.count).toBe(s.base + s.topUp);
      }
      expect(c.total).toBe(Math.max(c.baseTotal, c.target));
      expect(c.strata.reduce((a, s) => a + s.count, 0)).toBe(c.total);
    }
  });

  it('strataSizes counts the population per stratum', () => {
    const sizes = strataSizes([
      { category: '工业产品', riskClass: 'A' },
      { category: '工业产品', riskClass: 'A' },
      { category: '食品相关产品', riskClass: 'D' },
    ] as never);
    expect(sizes['工业产品A']).toBe(2);
    expect(sizes['食品相关产品D']).toBe(1);
    expect(sizes['工业产品B']).toBe(0);
  });
});
