import { hashCanonical, sha256Hex } from '../../../src/domain/canonical';
import { BUNDLE_FORMAT, buildBundle, computeResultHash, computeResultHashReference, verifyBundle, type DrawBundle, type DrawInput } from '../../../src/domain/bundle';
import { ALGORITHM_VERSION, deriveSeed, populationHash } from '../../../src/domain/draw';
import { chainEntry, verifyChain } from '../../../src/domain/hashChain';
import { makeRegistry } from './generate';

const { enterprises, staff } = makeRegistry('bundle', { enterprises: 300, staff: 60 });
const INPUT: DrawInput = {
  enterprises,
  staff,
  parameters: { riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 }, campaignRatio: 0.25, teamRules: { excludeOwnCounty: true } },
  entropy: '中国福利彩票双色球2024030期：03 07 12 19 25 31 + 09',
  attempt: 1,
  prevLogHash: null,
};

/** What a third party does: JSON file in, JSON file out. */
function roundTrip(b: DrawBundle): DrawBundle {
  return JSON.parse(JSON.stringify(b)) as DrawBundle;
}

describe('buildBundle', () => {
  const bundle = buildBundle(INPUT);

  it('contains everything needed to recompute', () => {
    expect(bundle.format).toBe(BUNDLE_FORMAT);
    expect(bundle.algorithmVersion).toBe(ALGORITHM_VERSION);
    expect(bundle.population).toHaveLength(300);
    expect(bundle.populationHash).toBe(populationHash(bundle.population));
    expect(bundle.seed).toBe(deriveSeed(INPUT.entropy, bundle.populationHash));
    expect(bundle.staff.length).toBeGreaterThan(0);
    expect(bundle.parameters.teamRules).toMatchObject({ excludeOwnCounty: true, minEnforcement: 2, expertMode: 'whenMatching' });
    expect(bundle.counts.total).toBe(bundle.selection.length);
    expect(bundle.teams).toHaveLength(bundle.selection.length);
    expect(bundle.counts.notes.length).toBeGreaterThan(0);
    expect(bundle.complete).toBe(bundle.shortages.length === 0);
    expect(bundle.resultHash).toBe(computeResultHash(bundle));
    expect(bundle.howToVerify).toContain('draw verify');
  });

  it('computes the result hash fast and exactly like the canonical definition, also with shortages and experts', () => {
    expect(computeResultHash(bundle)).toBe(computeResultHashReference(bundle));
    const short = buildBundle({ ...INPUT, staff: staff.filter((s) => !s.roles.includes('组长')), parameters: { ...INPUT.parameters, teamRules: { expertMode: 'required' } } });
    expect(short.shortages.length).toBeGreaterThan(0);
    expect(computeResultHash(short)).toBe(computeResultHashReference(short));
    expect(bundle.teams.some((t) => t.expert !== null)).toBe(true);
  });

  it('binds the result hash to the documented fields', () => {
    const { algorithmVersion, attempt, prevLogHash, parameters, entropy, seed, staffHash, counts, selection, teams, shortages, workloadCaps } = bundle;
    expect(bundle.resultHash).toBe(
      hashCanonical({ algorithmVersion, attempt, prevLogHash, parameters, entropy, seed, populationHash: bundle.populationHash, staffHash, counts, selection, teams, shortages, workloadCaps }),
    );
  });

  it('is deterministic: same inputs, same bundle', () => {
    expect(buildBundle(INPUT)).toEqual(bundle);
    expect(buildBundle({ ...INPUT, enterprises: [...enterprises].reverse(), staff: [...staff].reverse() })).toEqual(bundle);
  });

  it('any change of input gives a different result hash', () => {
    const variants: [string, DrawInput][] = [
      ['entropy', { ...INPUT, entropy: `${INPUT.entropy} ` }],
      ['one enterprise renamed', { ...INPUT, enterprises: enterprises.map((e, i) => (i === 150 ? { ...e, name: `${e.name}（新）` } : e)) }],
      ['one enterprise removed', { ...INPUT, enterprises: enterprises.slice(1) }],
      ['one enterprise moved to another county', { ...INPUT, enterprises: enterprises.map((e, i) => (i === 9 ? { ...e, county: e.county === '夏县' ? '绛县' : '夏县' } : e)) }],
      ['campaign ratio', { ...INPUT, parameters: { ...INPUT.parameters, campaignRatio: 0.26 } }],
      ['class ratio', { ...INPUT, parameters: { ...INPUT.parameters, riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 0.9 } } }],
      ['county rule', { ...INPUT, parameters: { ...INPUT.parameters, teamRules: { excludeOwnCounty: false } } }],
      ['workload slack', { ...INPUT, parameters: { ...INPUT.parameters, teamRules: { excludeOwnCounty: true, workloadSlack: 2 } } }],
      ['expert mode', { ...INPUT, parameters: { ...INPUT.parameters, teamRules: { excludeOwnCounty: true, expertMode: 'none' } } }],
      ['one 回避 entry', { ...INPUT, staff: staff.map((s, i) => (i === 0 ? { ...s, avoid: [...s.avoid, enterprises[0]!.uscc] } : s)) }],
      ['one person removed', { ...INPUT, staff: staff.slice(1) }],
      ['attempt', { ...INPUT, attempt: 2 }],
      ['previous log hash', { ...INPUT, prevLogHash: sha256Hex('previous') }],
    ];
    const hashes = new Set([bundle.resultHash]);
    for (const [what, input] of variants) {
      const h = buildBundle(input).resultHash;
      expect([what, hashes.has(h)]).toEqual([what, false]);
      hashes.add(h);
    }
  });

  it('keeps the selection on a redraw with the same entropy (the attempt number is not in the seed)', () => {
    const again = buildBundle({ ...INPUT, attempt: 2, prevLogHash: sha256Hex('log') });
    expect(again.seed).toBe(bundle.seed);
    expect(again.selection).toEqual(bundle.selection);
    expect(again.teams).toEqual(bundle.teams);
  });

  it('refuses bad attempt numbers and log hashes', () => {
    expect(() => buildBundle({ ...INPUT, attempt: 0 })).toThrow('抽取次数应为正整数');
    expect(() => buildBundle({ ...INPUT, prevLogHash: 'abc' })).toThrow('前一条日志哈希格式错误');
  });

  it('records shortages and marks the bundle incomplete when teams cannot be formed', () => {
    const onlyCounty = staff.filter((s) => !s.roles.includes('组长'));
    const b = buildBundle({ ...INPUT, staff: onlyCounty });
    expect(b.complete).toBe(false);
    expect(b.shortages.length).toBe(b.selection.length);
    expect(b.shortages[0]!.role).toBe('组长');
    expect(verifyBundle(roundTrip(b))).toEqual({ ok: true, problems: [] });
  });
});

describe('verifyBundle', () => {
  const bundle = buildBundle(INPUT);

  it('passes on an untouched bundle, after a trip through JSON', () => {
    expect(verifyBundle(roundTrip(bundle))).toEqual({ ok: true, problems: [] });
  });

  it('fails when one selected enterprise is swapped for another, even with a recomputed result hash', () => {
    const b = roundTrip(bundle);
    const chosen = new Set(b.selection.map((e) => e.uscc));
    const outsider = b.population.find((e) => !chosen.has(e.uscc) && e.category === b.selection[2]!.category && e.riskClass === b.selection[2]!.riskClass)!;
    b.selection[2] = { ...b.selection[2]!, ...outsider };
    const r = verifyBundle(b);
    expect(r.ok).toBe(false);
    expect(r.problems).toContain('结果哈希与包内容不符（包内容在生成后被修改过）');
    expect(r.problems.some((p) => p.startsWith('第3号抽中企业不一致（公布：'))).toBe(true);
    expect(r.problems.find((p) => p.startsWith('第3号'))).toContain(outsider.name);

    b.resultHash = computeResultHash(b);
    const again = verifyBundle(b);
    expect(again.ok).toBe(false);
    expect(again.problems).not.toContain('结果哈希与包内容不符（包内容在生成后被修改过）');
    expect(again.problems.some((p) => p.startsWith('第3号抽中企业不一致'))).toBe(true);
  });

  it('fails when the population is edited without updating its hash', () => {
    const b = roundTrip(bundle);
    b.population[10] = { ...b.population[10]!, riskClass: b.population[10]!.riskClass === 'D' ? 'A' : 'D' };
    const r = verifyBundle(b);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatch(/^名录哈希不一致：包内企业名录重算的哈希为[0-9a-f]{64}，与公布的名录哈希[0-9a-f]{64}不符（名录被修改过）$/);
  });

  it('fails when the population is edited and every hash is forged consistently', () => {
    const b = roundTrip(bundle);
    b.population = b.population.filter((e) => e.uscc !== b.selection[0]!.uscc); // drop a drawn enterprise
    b.populationHash = populationHash(b.population);
    b.seed = deriveSeed(b.entropy, b.populationHash);
    b.resultHash = computeResultHash(b);
    const r = verifyBundle(b);
    expect(r.ok).toBe(false);
    expect(r.problems.some((p) => p.includes('抽中企业不一致') || p.includes('抽取数不一致'))).toBe(true);
  });

  it('fails on a changed entropy, staff list, team member or parameter', () => {
    const entropy = roundTrip(bundle);
    entropy.entropy = '另一个随机数';
    expect(verifyBundle(entropy).problems).toContain('种子不一致：由公开随机数和名录哈希计算的种子与公布的种子不符');

    const staffEdit = roundTrip(bundle);
    staffEdit.staff[0] = { ...staffEdit.staff[0]!, avoid: [] , county: '市局' };
    expect(verifyBundle(staffEdit).problems).toContain('人员名录哈希不一致：包内人员名录与公布的哈希不符（人员名录被修改过）');

    const member = roundTrip(bundle);
    const t = member.teams[4]!;
    const other = member.staff.find((s) => s.roles.includes('执法人员') && !t.officers.some((o) => o.openId === s.openId))!;
    t.officers = [{ openId: other.openId, name: other.name, unit: other.unit, county: other.county }];
    expect(verifyBundle(member).problems).toContain('第5号企业的检查组不一致（执法人员）');

    const params = roundTrip(bundle);
    params.parameters.riskRatios.A = 0.5;
    const pr = verifyBundle(params);
    expect(pr.ok).toBe(false);
    expect(pr.problems.some((p) => /^工业产品A类抽取数不一致（公布\d+家，重算\d+家）$/.test(p))).toBe(true);
  });

  it('lists at most 20 item problems and says how many more', () => {
    const b = roundTrip(bundle);
    b.entropy = 'x';
    b.seed = deriveSeed('x', b.populationHash);
    const r = verifyBundle(b);
    expect(r.ok).toBe(false);
    const items = r.problems.filter((p) => /^第\d+号/.test(p));
    expect(items.length).toBeLessThanOrEqual(20);
    expect(r.problems.some((p) => /^……另有\d+处不一致$/.test(p))).toBe(true);
  });

  it('never throws on malformed input', () => {
    expect(verifyBundle(null).problems).toEqual(['文件不是有效的抽取结果包（应为JSON对象）']);
    expect(verifyBundle([]).ok).toBe(false);
    expect(verifyBundle({ ...roundTrip(bundle), algorithmVersion: 'v0' }).problems).toContain(
      `不支持的算法版本：v0（本程序支持${ALGORITHM_VERSION}）`,
    );
    const { population: _p, ...noPopulation } = roundTrip(bundle);
    expect(verifyBundle(noPopulation).problems).toEqual(['抽取结果包缺少字段或字段格式错误：population']);
    const badRow = roundTrip(bundle) as unknown as { population: unknown[] };
    badRow.population[0] = 42;
    const r = verifyBundle(badRow);
    expect(r.ok).toBe(false);
    expect(r.problems.some((p) => p.startsWith('无法按包内输入重算：'))).toBe(true);
    const dup = roundTrip(bundle);
    dup.population.push(dup.population[0]!);
    expect(verifyBundle(dup).problems.some((p) => p.includes('统一社会信用代码重复'))).toBe(true);
  });

  it('goes into the hash-chained draw log', () => {
    const first = chainEntry(null, { kind: '抽取', attempt: 1, resultHash: bundle.resultHash, complete: bundle.complete });
    const second = buildBundle({ ...INPUT, attempt: 2, prevLogHash: first.hash });
    const entry = chainEntry(first, { kind: '抽取', attempt: 2, resultHash: second.resultHash, complete: second.complete });
    expect(verifyChain([first, entry]).ok).toBe(true);
    expect(verifyBundle(roundTrip(second)).ok).toBe(true);
  });
});
