import { computeCounts, strataSizes } from '../../../src/domain/draw';
import { checkStaffing } from '../../../src/domain/teams';
import type { Enterprise, Staff, StaffRole } from '../../../src/domain/types';
import { makeEnterprises, prngFor } from './generate';

function person(openId: string, roles: StaffRole[], county: string, extra: Partial<Staff> = {}): Staff {
  return { openId, name: openId, roles, unit: '单位', county, avoid: [], ...extra };
}

const ents: Enterprise[] = makeEnterprises(prngFor('staffing'), 40, { counties: ['盐湖区', '永济市'] });
const yanhu = ents.find((e) => e.county === '盐湖区')!;

describe('checkStaffing', () => {
  const good = [
    person('l1', ['组长'], '市局'),
    person('l2', ['组长'], '市局'),
    person('c1', ['执法人员'], '市局'),
    person('y1', ['执法人员'], '盐湖区'),
    person('j1', ['执法人员'], '永济市'),
  ];

  it('is ok when every county can be staffed', () => {
    const r = checkStaffing(ents, good, { excludeOwnCounty: true });
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.pools).toEqual({ 组长: 2, 执法人员: 3, 专家: 0 });
  });

  it('names empty pools', () => {
    const r = checkStaffing(ents, [person('y1', ['执法人员'], '盐湖区'), person('x', ['组长'], '盐湖区')], { expertMode: 'required' });
    expect(r.ok).toBe(false);
    expect(r.problems.filter((p) => p.kind === 'pool').map((p) => p.message)).toEqual([
      '名录中没有所属县区为“市局”的组长，无法组建检查组',
      '名录中没有专家，而规则要求每组配备专家',
    ]);
  });

  it('names a county whose enterprises only have own-county officers', () => {
    const staff = [person('l1', ['组长'], '市局'), person('y1', ['执法人员'], '盐湖区'), person('y2', ['执法人员'], '盐湖区')];
    const r = checkStaffing(ents, staff, { excludeOwnCounty: true });
    expect(r.problems.map((p) => p.message)).toEqual(['盐湖区：可用执法人员0人，少于每组所需1人（已排除本县区人员）']);
    expect(r.problems[0]).toMatchObject({ kind: 'county', role: '执法人员', county: '盐湖区', needed: 1, available: 0 });
    expect(checkStaffing(ents, staff, { excludeOwnCounty: false }).ok).toBe(true);
  });

  it('names a county whose expected teams exceed what the available officers may take', () => {
    const many = makeEnterprises(prngFor('staffing-many'), 200, { counties: ['盐湖区'] });
    const staff = [
      person('l1', ['组长'], '市局'),
      person('y1', ['执法人员'], '盐湖区'), person('y2', ['执法人员'], '盐湖区'), person('y3', ['执法人员'], '盐湖区'),
      person('c1', ['执法人员'], '市局'),
    ];
    const counts = computeCounts(strataSizes(many), { riskRatios: { A: 0.2, B: 0.25, C: 0.5, D: 1 }, campaignRatio: 0.25 });
    const r = checkStaffing(many, staff, { excludeOwnCounty: true }, counts);
    expect(r.expectedTeams).toBe(counts.total);
    const cap = Math.ceil(counts.total / 4) + 1;
    expect(r.problems.map((p) => p.message)).toEqual([
      `盐湖区：预计需要执法人员${counts.total}人次，可用1人在工作量上限（每人${cap}次）内最多${cap}人次`,
    ]);
  });

  it('names single enterprises that every 组长 or officer must recuse from', () => {
    const staff = good.map((s) => (s.roles.includes('组长') ? { ...s, avoid: [yanhu.uscc] } : s));
    const r = checkStaffing(ents, staff, { excludeOwnCounty: true });
    expect(r.problems).toEqual([
      expect.objectContaining({
        kind: 'enterprise', role: '组长', uscc: yanhu.uscc, county: '盐湖区', available: 0,
        message: `${yanhu.name}（盐湖区，${yanhu.uscc}）：全部市局组长均需回避，无可用组长`,
      }),
    ]);
  });

  it('counts distinct people when the 组长 is also the only officer', () => {
    const staff = [person('x', ['组长', '执法人员'], '市局')];
    const r = checkStaffing([yanhu], staff, {});
    expect(r.problems.map((p) => p.message)).toEqual([`${yanhu.name}（盐湖区，${yanhu.uscc}）：组长和执法人员合计可用1人，不足2名不同人员`]);
  });

  it('checks matching experts when they are required', () => {
    const staff = [...good, person('e1', ['专家'], '市局', { expertise: '食品相关产品' })];
    const r = checkStaffing(ents, staff, { expertMode: 'required' });
    const industrial = ents.filter((e) => e.category === '工业产品');
    expect(r.problems.filter((p) => p.role === '专家')).toHaveLength(industrial.length);
    expect(r.problems[0]!.message).toContain('没有专业领域与“工业产品”或');
  });
});
