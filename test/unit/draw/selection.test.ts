import { createHash, createHmac } from 'node:crypto';
import { canonicalJson } from '../../../src/domain/canonical';
import {
  ALGORITHM_VERSION,
  DrawInputError,
  canonicalPopulation,
  computeCounts,
  deriveSeed,
  deriveSubSeed,
  drawSelection,
  populationHash,
  selectEnterprises,
  selectionScore,
  strataSizes,
  summarizePopulation,
} from '../../../src/domain/draw';
import type { Enterprise } from '../../../src/domain/types';
import { makeEnterprises, prngFor } from './generate';

const POLICY = { riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 }, campaignRatio: 0.25 };
const sha = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

describe('canonical population and its hash', () => {
  const rows = makeEnterprises(prngFor('canon'), 30);

  it('keeps only the fields that matter, sorted by code', () => {
    const pop = canonicalPopulation(rows);
    expect(pop.map((e) => e.uscc)).toEqual(rows.map((e) => e.uscc).sort());
    expect(Object.keys(pop[0]!).sort()).toEqual(['category', 'county', 'licenceNo', 'name', 'product', 'riskClass', 'uscc']);
  });

  it('hash = SHA-256 of the canonical JSON array, independent of input order and of other fields', () => {
    const pop = canonicalPopulation(rows);
    const h = populationHash(pop);
    expect(h).toBe(sha(canonicalJson(pop)));
    // written out literally for the first row, as a third party would
    const first = pop[0]!;
    expect(canonicalJson([first])).toBe(
      `[{"category":"${first.category}","county":"${first.county}","licenceNo":"${first.licenceNo}","name":"${first.name}",` +
        `"product":"${first.product}","riskClass":"${first.riskClass}","uscc":"${first.uscc}"}]`,
    );
    const shuffled = [...rows].reverse().map((e) => ({ ...e, address: '别处', phone: '123' }));
    expect(populationHash(canonicalPopulation(shuffled))).toBe(h);
  });

  it('changes with any field that matters', () => {
    const h = populationHash(canonicalPopulation(rows));
    for (const field of ['name', 'licenceNo', 'product', 'county'] as const) {
      const edited = rows.map((e, i) => (i === 7 ? { ...e, [field]: `${e[field]}x` } : e));
      expect(populationHash(canonicalPopulation(edited))).not.toBe(h);
    }
    const reclass = rows.map((e, i) => (i === 7 ? { ...e, riskClass: e.riskClass === 'A' ? ('B' as const) : ('A' as const) } : e));
    expect(populationHash(canonicalPopulation(reclass))).not.toBe(h);
    expect(populationHash(canonicalPopulation(rows.slice(1)))).not.toBe(h);
  });

  it('refuses duplicate or invalid codes and unknown classes', () => {
    expect(() => canonicalPopulation([rows[0]!, rows[0]!])).toThrow(DrawInputError);
    expect(() => canonicalPopulation([rows[0]!, rows[0]!])).toThrow(/统一社会信用代码重复/);
    expect(() => canonicalPopulation([{ ...rows[0]!, uscc: '91440300708461136X' }])).toThrow(/统一社会信用代码无效/);
    expect(() => canonicalPopulation([{ ...rows[0]!, riskClass: 'E' as Enterprise['riskClass'] }])).toThrow(/信用风险等级/);
    expect(() => canonicalPopulation([{ ...rows[0]!, county: '' }])).toThrow(/所属县区/);
  });
});

describe('seed', () => {
  it('is SHA-256 of the documented canonical JSON text', () => {
    const ph = sha('population');
    expect(deriveSeed('2024051 03 12 18', ph)).toBe(
      sha(`{"algorithm":"${ALGORITHM_VERSION}","entropy":"2024051 03 12 18","populationHash":"${ph}"}`),
    );
  });

  it('changes with the entropy and with the population hash, and refuses empty entropy', () => {
    const ph = sha('p');
    expect(deriveSeed('1', ph)).not.toBe(deriveSeed('2', ph));
    expect(deriveSeed('1', ph)).not.toBe(deriveSeed('1', sha('q')));
    expect(() => deriveSeed('  ', ph)).toThrow('公开随机数（种子）不能为空');
    expect(() => deriveSeed('1', 'abc')).toThrow(DrawInputError);
  });

  it('sub-seeds are HMAC(seed, version|label)', () => {
    const seed = sha('s');
    expect(deriveSubSeed(seed, 'team-order')).toBe(
      createHmac('sha256', Buffer.from(seed, 'hex')).update(`${ALGORITHM_VERSION}|team-order`).digest('hex'),
    );
    expect(deriveSubSeed(seed, 'a')).not.toBe(deriveSubSeed(seed, 'b'));
  });
});

describe('selection', () => {
  const rows = makeEnterprises(prngFor('selection'), 400);

  it('takes, per stratum, the enterprises with the smallest HMAC(seed, uscc) (independent recomputation)', () => {
    const r = drawSelection(rows, POLICY, '福彩3D 2024068期 5 1 9');
    const expected: string[] = [];
    for (const s of r.counts.strata) {
      const members = rows
        .filter((e) => e.category === s.category && e.riskClass === s.riskClass)
        .map((e) => ({ uscc: e.uscc, mac: createHmac('sha256', Buffer.from(r.seed, 'hex')).update(e.uscc).digest('hex') }))
        .sort((a, b) => (a.mac < b.mac ? -1 : 1));
      expected.push(...members.slice(0, s.count).map((m) => m.uscc));
    }
    expect(r.selection.map((e) => e.uscc)).toEqual(expected);
    expect(r.selection.map((e) => e.no)).toEqual(expected.map((_, i) => i + 1));
    for (const e of r.selection) expect(e.score).toBe(selectionScore(r.seed, e.uscc));
    expect(r.selection.length).toBe(r.counts.total);
  });

  it('lists strata in the fixed order with ranks from 1', () => {
    const r = drawSelection(rows, POLICY, 'x');
    const labels = [...new Set(r.selection.map((e) => e.stratum))];
    expect(labels).toEqual(r.counts.strata.filter((s) => s.count > 0).map((s) => s.label));
    const firstOfEach = r.selection.filter((e, i) => i === 0 || r.selection[i - 1]!.stratum !== e.stratum);
    expect(firstOfEach.every((e) => e.rank === 1)).toBe(true);
  });

  it('is deterministic and independent of input order', () => {
    const a = drawSelection(rows, POLICY, 'same');
    const b = drawSelection([...rows].reverse(), POLICY, 'same');
    expect(b).toEqual(a);
  });

  it('a larger count keeps the smaller selection as its prefix (monotone in the ratio)', () => {
    const pop = canonicalPopulation(rows);
    const seed = deriveSeed('m', populationHash(pop));
    const small = selectEnterprises(pop, computeCounts(strataSizes(pop), POLICY), seed);
    const large = selectEnterprises(pop, computeCounts(strataSizes(pop), { ...POLICY, riskRatios: { A: 0.5, B: 0.5, C: 0.5, D: 1 } }), seed);
    const largeSet = new Set(large.map((e) => e.uscc));
    expect(small.every((e) => largeSet.has(e.uscc))).toBe(true);
  });

  it('changes when the entropy changes, or when one enterprise changes (through the population hash)', () => {
    const base = drawSelection(rows, POLICY, 'e1');
    expect(drawSelection(rows, POLICY, 'e2').selection.map((e) => e.uscc)).not.toEqual(base.selection.map((e) => e.uscc));
    const renamed = rows.map((e, i) => (i === 3 ? { ...e, name: `${e.name}（已更名）` } : e));
    const other = drawSelection(renamed, POLICY, 'e1');
    expect(other.populationHash).not.toBe(base.populationHash);
    expect(other.seed).not.toBe(base.seed);
    expect(other.selection.map((e) => e.uscc)).not.toEqual(base.selection.map((e) => e.uscc));
  });

  it('is uniform: each of 20 enterprises is drawn 5 times in 20 about equally often over 2,000 seeds (chi-square)', () => {
    const stratum = makeEnterprises(prngFor('uniform'), 20).map((e) => ({ ...e, category: '工业产品' as const, riskClass: 'B' as const }));
    const freq = new Map(stratum.map((e) => [e.uscc, 0]));
    const draws = 2000;
    const pop = canonicalPopulation(stratum);
    const ph = populationHash(pop);
    const counts = computeCounts(strataSizes(pop), POLICY);
    expect(counts.total).toBe(5);
    for (let i = 0; i < draws; i++) {
      const selection = selectEnterprises(pop, counts, deriveSeed(`uniformity-${i}`, ph));
      for (const e of selection) freq.set(e.uscc, (freq.get(e.uscc) ?? 0) + 1);
    }
    const expected = (draws * 5) / 20; // 500
    const chi2 = [...freq.values()].reduce((a, o) => a + (o - expected) ** 2 / expected, 0);
    // 19 degrees of freedom; the 0.1% critical value is 43.82. (Drawing without replacement makes the statistic
    // even smaller on average, ≈ 0.75 × 19.) Fixed seeds: the value is the same on every run.
    expect(chi2).toBeLessThan(43.82);
    for (const o of freq.values()) {
      expect(o).toBeGreaterThan(400);
      expect(o).toBeLessThan(600);
    }
  });
});

describe('summarizePopulation', () => {
  it('gives per-stratum and per-county numbers with expected draws', () => {
    const rows = makeEnterprises(prngFor('summary'), 200);
    const pop = canonicalPopulation(rows);
    const counts = computeCounts(strataSizes(pop), POLICY);
    const s = summarizePopulation(rows, counts);
    expect(s.total).toBe(200);
    expect(s.populationHash).toBe(populationHash(pop));
    expect(s.strata.reduce((a, x) => a + x.size, 0)).toBe(200);
    expect(s.strata.reduce((a, x) => a + (x.count ?? 0), 0)).toBe(counts.total);
    expect(s.counties.reduce((a, c) => a + c.total, 0)).toBe(200);
    const expectedSum = s.counties.reduce((a, c) => a + (c.expectedDrawn ?? 0), 0);
    expect(Math.abs(expectedSum - counts.total)).toBeLessThan(1);
    for (const c of s.counties) {
      expect(Object.values(c.byClass).reduce((a, b) => a + b, 0)).toBe(c.total);
      expect(Object.values(c.byCategory).reduce((a, b) => a + b, 0)).toBe(c.total);
    }
    expect(summarizePopulation(rows).counties[0]?.expectedDrawn).toBeNull();
  });
});
