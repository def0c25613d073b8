import { eligiblePopulation, isIsoDate } from '../../../src/domain/population';
import type { Enterprise } from '../../../src/domain/types';

function ent(uscc: string, over: Partial<Enterprise> = {}): Enterprise {
  return {
    uscc,
    name: `企业${uscc.slice(-4)}`,
    licenceNo: `晋XK-${uscc.slice(-4)}`,
    product: '电线电缆',
    category: '工业产品',
    validFrom: '2021-01-01',
    validTo: '2026-12-31',
    county: '盐湖区',
    address: '运城市',
    riskClass: 'B',
    ...over,
  };
}

describe('eligiblePopulation', () => {
  const start = '2024-03-15';

  it('excludes a licence that expired before the campaign starts, with the date in the reason', () => {
    const r = eligiblePopulation(
      [ent('914403001922038216', { validTo: '2024-01-31' }), ent('91440300708461136T')],
      start,
    );
    expect(r.eligible.map((e) => e.uscc)).toEqual(['91440300708461136T']);
    expect(r.excluded).toEqual([{ uscc: '914403001922038216', name: '企业8216', reason: '许可证已于2024-01-31到期' }]);
  });

  it('keeps a licence that ends on the start day or later', () => {
    const r = eligiblePopulation(
      [ent('914403001922038216', { validTo: '2024-03-15' }), ent('91440300708461136T', { validTo: '2024-03-14' })],
      start,
    );
    expect(r.eligible.map((e) => e.uscc)).toEqual(['914403001922038216']);
    expect(r.excluded[0]?.reason).toBe('许可证已于2024-03-14到期');
  });

  it('excludes invalid codes, categories, classes and dates with a reason', () => {
    const bad = [
      ent('91440300708461136X'),
      ent('91330100716105852F', { category: '食品' as Enterprise['category'] }),
      ent('91110000802100433B', { riskClass: 'E' as Enterprise['riskClass'] }),
      ent('91110108551385082Q', { validTo: '2024-02-30' }),
    ];
    const r = eligiblePopulation(bad, start);
    expect(r.eligible).toEqual([]);
    expect(r.excluded.map((x) => x.reason)).toEqual([
      '统一社会信用代码校验位错误（应为T）',
      '产品类别“食品”无效',
      '信用风险等级“E”无效',
      '有效期止“2024-02-30”格式错误',
    ]);
  });

  it('keeps one row per code: the longest valid, then the smallest licence number', () => {
    const rows = [
      ent('914403001922038216', { licenceNo: 'B', validTo: '2025-01-01' }),
      ent('914403001922038216', { licenceNo: 'C', validTo: '2026-01-01' }),
      ent('914403001922038216', { licenceNo: 'A', validTo: '2026-01-01' }),
      ent('91440300708461136T'),
    ];
    const r = eligiblePopulation(rows, start);
    expect(r.eligible.map((e) => `${e.uscc}/${e.licenceNo}`)).toEqual(['914403001922038216/A', '91440300708461136T/晋XK-136T']);
    expect(r.excluded).toHaveLength(2);
    expect(r.excluded[0]?.reason).toBe('统一社会信用代码重复，同一企业只参加一次抽取（保留许可证A）');
  });

  it('prefers a still-valid duplicate over an expired one', () => {
    const rows = [
      ent('914403001922038216', { licenceNo: 'OLD', validTo: '2023-12-31' }),
      ent('914403001922038216', { licenceNo: 'NEW', validTo: '2028-12-31' }),
    ];
    const r = eligiblePopulation(rows, start);
    expect(r.eligible.map((e) => e.licenceNo)).toEqual(['NEW']);
    expect(r.excluded.map((e) => e.reason)).toEqual(['许可证已于2023-12-31到期']);
  });

  it('refuses a malformed campaign start', () => {
    expect(() => eligiblePopulation([], '2024-3-15')).toThrow(/专项开始日期格式错误/);
  });

  it('isIsoDate checks real calendar dates', () => {
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2023-02-29')).toBe(false);
    expect(isIsoDate('2024-13-01')).toBe(false);
    expect(isIsoDate('2024-00-10')).toBe(false);
    expect(isIsoDate('20240101')).toBe(false);
  });
});
