/**
 * The draw records of the 一公开 page (src/web/drawRecords.ts): a commitment is listed as 待确认 from its commit entry,
 * then confirmed (with its result hash) or voided (with the void's note); a platform import is listed as confirmed; no
 * person and no secret appears; every value is escaped.
 */
import { Types } from 'mongoose';
import { nextEntry } from '../../src/domain/draw2/chain';
import { beijingMinute, recordsOf, renderDrawRecords } from '../../src/web/drawRecords';

const C = new Types.ObjectId();
const campaigns = new Map([[String(C), { name: '2024年<专项>', year: 2024 }]]);

function chain() {
  const at = (m: number) => new Date(Date.UTC(2024, 2, 14, 1, m));
  const source = { parts: [{ name: '福彩3D第2024065期', format: '3位数字', pattern: '^[0-9]{3}$' }], announcedAt: '2024-03-15T21:15+08:00' };
  const e1 = nextEntry(null, String(C), at(0), 'commit', { drawId: 'a', attempt: 1, by: 'f'.repeat(16), commitmentHash: '1'.repeat(64), commitment: { populationSize: 90, source } });
  const e2 = nextEntry(e1, String(C), at(1), 'void', { drawId: 'a', attempt: 1, reason: 'cancelled', note: '联络员取消' });
  const e3 = nextEntry(e2, String(C), at(2), 'commit', { drawId: 'b', attempt: 1, by: 'f'.repeat(16), commitmentHash: '2'.repeat(64), commitment: { populationSize: 90, source: null } });
  const e4 = nextEntry(e3, String(C), at(3), 'reveal', { drawId: 'b', attempt: 1, resultHash: '3'.repeat(64), botValue: '9'.repeat(64), by: 'f'.repeat(16) });
  const e5 = nextEntry(e4, String(C), at(4), 'platform', { drawId: 'c', attempt: 2, resultHash: '4'.repeat(64), by: 'f'.repeat(16) });
  const e6 = nextEntry(e5, String(C), at(5), 'commit', { drawId: 'd', attempt: 3, by: 'f'.repeat(16), commitmentHash: '5'.repeat(64), commitment: { source: null } });
  return [e1, e2, e3, e4, e5, e6].map((e) => ({ campaignId: C, entry: e }));
}

describe('draw records on the public page', () => {
  it('follow each draw from its commitment to its confirmation or void', () => {
    const r = recordsOf(chain(), campaigns);
    expect(r.map((x) => [x.attempt, x.kind, x.status, x.commitmentHash?.[0] ?? null, x.resultHash?.[0] ?? null])).toEqual([
      [1, 'draw', '已作废', '1', null],
      [1, 'draw', '已确认', '2', '3'],
      [2, 'platform', '已确认', null, '4'],
      [3, 'draw', '待确认', '5', null],
    ]);
    expect(r[0]!.note).toBe('联络员取消');
    expect(r[0]!.source).toContain('福彩3D第2024065期');
    expect(r[0]!.source).toContain('2024-03-15 21:15');
    expect(r[1]!.committedAt).toBe('2024-03-14 09:02');
    expect(r[1]!.settledAt).toBe('2024-03-14 09:03');
  });

  it('show a confirmed draw a later one replaced as replaced, with when, by which, and the redraw’s reason', () => {
    const at = (m: number) => new Date(Date.UTC(2024, 2, 14, 1, m));
    const ref = 'f'.repeat(16);
    const e1 = nextEntry(null, String(C), at(0), 'commit', { drawId: 'a', attempt: 1, by: ref, commitmentHash: '1'.repeat(64), commitment: { source: null }, reason: null });
    const e2 = nextEntry(e1, String(C), at(1), 'reveal', { drawId: 'a', attempt: 1, resultHash: '2'.repeat(64), by: ref, supersedes: [] });
    const e3 = nextEntry(e2, String(C), at(30), 'commit', { drawId: 'b', attempt: 2, by: ref, commitmentHash: '3'.repeat(64), commitment: { source: null }, reason: '组长调离' });
    const e4 = nextEntry(e3, String(C), at(31), 'reveal', { drawId: 'b', attempt: 2, resultHash: '4'.repeat(64), by: ref, supersedes: [1] });
    // another campaign's first draw is not touched by this campaign's list
    const D = new Types.ObjectId();
    const other = nextEntry(null, String(D), at(2), 'commit', { drawId: 'x', attempt: 1, by: ref, commitmentHash: '5'.repeat(64), commitment: { source: null } });
    const otherReveal = nextEntry(other, String(D), at(3), 'reveal', { drawId: 'x', attempt: 1, resultHash: '6'.repeat(64), by: ref, supersedes: [] });
    const names = new Map([...campaigns, [String(D), { name: '另一专项', year: 2024 }]]);
    const r = recordsOf([
      ...[e1, e2, e3, e4].map((e) => ({ campaignId: C, entry: e })),
      ...[other, otherReveal].map((e) => ({ campaignId: D, entry: e })),
    ], names);
    expect(r.map((x) => [x.campaign, x.attempt, x.status])).toEqual([
      ['2024年<专项>', 1, '已被取代'],
      ['2024年<专项>', 2, '已确认'],
      ['另一专项', 1, '已确认'],
    ]);
    expect(r[0]!.supersededBy).toEqual({ attempt: 2, at: '2024-03-14 09:31', reason: '组长调离' });
    const html = renderDrawRecords(r);
    expect(html).toContain('已确认 2024-03-14 09:01；2024-03-14 09:31 被第2次抽取取代（重新抽取理由：组长调离），结果不再有效');
  });

  it('render escaped, without refs or the revealed values', () => {
    const html = renderDrawRecords(recordsOf(chain(), campaigns));
    expect(html).toContain('2024年&lt;专项&gt;');
    expect(html).not.toContain('<专项>');
    expect(html).toContain('5'.repeat(64));
    expect(html).toContain('待确认（结果尚未产生）');
    expect(html).not.toContain('f'.repeat(16));
    expect(html).not.toContain('9'.repeat(64));
    expect(renderDrawRecords([])).toBe('');
  });

  it('writes Beijing time whatever the machine’s zone', () => {
    expect(beijingMinute('2024-03-15T13:15:00.000Z')).toBe('2024-03-15 21:15');
    expect(beijingMinute('2024-12-31T16:00:00.000Z')).toBe('2025-01-01 00:00');
    expect(beijingMinute('nonsense')).toBe('');
  });
});
