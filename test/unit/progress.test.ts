/**
 * Progress: scope rules, the county order and totals, the publication cutoff, and the counting pipeline itself
 * (run in-process on mingo, the engine of the test wire server; integration tests run it through MongoDB's wire).
 */
import { Aggregator } from 'mingo';
import { Types } from 'mongoose';
import { progressCard } from '../../src/bot/progressCards';
import { addWorkingDays } from '../../src/domain/calendar';
import { periodEnd, rectificationOverdueCutoff } from '../../src/domain/followup';
import { addCalendarDays } from '../../src/domain/inspection';
import { YUNCHENG_COUNTIES } from '../../src/domain/registryRows';
import { isDigestDay } from '../../src/jobs/digest';
import {
  countsFromGroup,
  countyGroupStage,
  dueDateOf,
  emptyCounts,
  flagStages,
  lateness,
  narrowScope,
  orderCounties,
  publicationCutoff,
  reportScope,
  sumCounts,
  type CountyCounts,
  type ProgressReport,
} from '../../src/operations/progress';
import type { Actor } from '../../src/policies';
import type { CampaignDoc } from '../../src/store/campaign';
import type { DrawDoc } from '../../src/store/draw';
import { cardText } from '../../src/sandbox/client';
import { validateCard } from '../../src/sandbox/emulator/card-validator';

const actor = (roles: Actor['roles'], county?: string): Actor => ({ openId: 'ou_x', roles, county });

describe('reportScope', () => {
  it('gives leaders and every 市局 person the whole city', () => {
    expect(reportScope(actor(['领导'], '市局'))).toEqual({ kind: 'city' });
    expect(reportScope(actor(['领导'], '永济市'))).toEqual({ kind: 'city' });
    expect(reportScope(actor(['联络员'], '市局'))).toEqual({ kind: 'city' });
    expect(reportScope(actor(['组长', '执法人员'], '市局'))).toEqual({ kind: 'city' });
    // experts of the 专家库 registered at 市局 see only their own tasks
    expect(reportScope(actor(['专家'], '市局'))).toBeNull();
  });

  it('gives a county liaison their county, and nobody else in a county anything', () => {
    expect(reportScope(actor(['联络员'], '永济市'))).toEqual({ kind: 'county', county: '永济市' });
    expect(reportScope(actor(['联络员', '执法人员'], '夏县'))).toEqual({ kind: 'county', county: '夏县' });
    expect(reportScope(actor(['执法人员'], '夏县'))).toBeNull();
    expect(reportScope(actor(['专家'], '盐湖区'))).toBeNull();
    expect(reportScope(actor([], undefined))).toBeNull();
  });

  it('lets the city narrow to a known county, and a county only to itself', () => {
    expect(narrowScope({ kind: 'city' }, '永济市')).toEqual({ kind: 'county', county: '永济市' });
    expect(narrowScope({ kind: 'city' }, '全市')).toEqual({ kind: 'city' });
    expect(narrowScope({ kind: 'city' }, undefined)).toEqual({ kind: 'city' });
    expect(narrowScope({ kind: 'city' }, '太原市')).toEqual({ refused: expect.stringContaining('县区') });
    expect(narrowScope({ kind: 'county', county: '夏县' }, '夏县')).toEqual({ kind: 'county', county: '夏县' });
    expect(narrowScope({ kind: 'county', county: '夏县' }, '永济市')).toEqual({ refused: expect.stringContaining('夏县') });
  });
});

describe('county rows', () => {
  it('lists the 13 county-level units and 运城开发区 in the official order, zeros included, then unknown ones', () => {
    const a = { ...emptyCounts('夏县'), total: 3 };
    const b = { ...emptyCounts('某新区'), total: 1 };
    const rows = orderCounties([b, a]);
    expect(rows.map((r) => r.county)).toEqual([...YUNCHENG_COUNTIES, '某新区']);
    expect(rows.find((r) => r.county === '夏县')!.total).toBe(3);
    expect(rows.find((r) => r.county === '盐湖区')!.total).toBe(0);
    expect(orderCounties([a, b], '永济市').map((r) => [r.county, r.total])).toEqual([['永济市', 0]]);
  });

  it('adds up every count in 合计', () => {
    const a: CountyCounts = { ...emptyCounts('夏县'), total: 3, checked: 2, pubOverdue: 1 };
    a.byState['待接收'] = 1;
    const b: CountyCounts = { ...emptyCounts('绛县'), total: 4, checked: 1, rectOverdue: 2 };
    b.byState = { ...b.byState, 待接收: 2, 已公示: 1 };
    const t = sumCounts([a, b]);
    expect(t).toMatchObject({ county: '合计', total: 7, checked: 3, pubOverdue: 1, rectOverdue: 2 });
    expect(t.byState['待接收']).toBe(3);
    expect(t.byState['已公示']).toBe(1);
  });
});

describe('publication deadline', () => {
  it('cutoff: the latest completion date already past its 20-working-day due date', () => {
    for (const today of ['2024-09-10', '2024-10-08', '2024-10-12', '2025-02-05']) {
      const cutoff = publicationCutoff(today)!;
      expect(addWorkingDays(cutoff, 20) < today).toBe(true);
      const next = new Date(Date.parse(`${cutoff}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
      expect(addWorkingDays(next, 20) >= today).toBe(true);
    }
  });

  it('never crashes on a year the calendar does not cover', () => {
    expect(publicationCutoff('2099-06-01')).toBeNull();
    expect(dueDateOf({ completionDate: '2099-06-01' })).toBeUndefined();
    expect(dueDateOf({ dueDate: '2099-07-01', completionDate: '2099-06-01' })).toBe('2099-07-01');
    // 2099-06-01 is a Monday: the 10 days after it hold 8 of Monday to Friday
    expect(lateness('2099-06-01', '2099-06-11')).toBe('8个工作日');
    expect(lateness('2024-09-02', '2024-09-09')).toBe('5个工作日');
  });

  it('the digest runs on working days of the official calendar, Monday–Friday where it has no data', () => {
    expect(isDigestDay('2024-09-10')).toBe(true); // Tuesday
    expect(isDigestDay('2024-10-01')).toBe(false); // 国庆
    expect(isDigestDay('2024-10-12')).toBe(true); // 调休 Saturday
    expect(isDigestDay('2024-09-08')).toBe(false); // Sunday
    expect(isDigestDay('2099-06-01')).toBe(true); // Monday, no data
    expect(isDigestDay('2099-06-06')).toBe(false); // Saturday, no data
  });
});

// ---- the pipeline, on mingo -------------------------------------------------------------------------------------

const TODAY = '2024-09-10';

function task(county: string, state: string, extra: Record<string, unknown> = {}) {
  return { _id: new Types.ObjectId(), county, state, enterprise: { county, name: `${county}企业`, licenceNo: 'XK' }, no: 1, ...extra };
}

function run(docs: Record<string, unknown>[]): CountyCounts[] {
  const out = new Aggregator([...flagStages(TODAY, publicationCutoff(TODAY)), countyGroupStage()] as never).run(docs) as never[];
  return orderCounties(out.map(countsFromGroup));
}

describe('the counting pipeline', () => {
  const done = (completionDate: string, result: string, more: Record<string, unknown> = {}) => ({
    inspection: { completionDate, result, ...more },
  });
  const rows = run([
    task('夏县', '待接收'),
    task('夏县', '待检查'),
    task('夏县', '检查中'),
    task('夏县', '待签字'),
    // completed long ago, no publication due date stored → 20 working days after completion → overdue
    task('夏县', '待公示', done('2024-08-01', '未发现问题')),
    // completed recently → not yet due
    task('夏县', '待公示', done('2024-09-05', '未发现问题')),
    // a stored due date wins over the completion date
    task('夏县', '待公示', { ...done('2024-09-05', '未发现问题'), publication: { dueDate: '2024-09-09' } }),
    // findings, deadline passed, not confirmed
    task('绛县', '待整改', done('2024-08-05', '发现问题', { rectification: { deadline: '2024-08-20' } })),
    // findings, deadline ahead
    task('绛县', '待整改', done('2024-09-06', '发现问题', { rectification: { deadline: '2024-09-21' } })),
    // findings confirmed, waiting for publication
    task('绛县', '待公示', {
      ...done('2024-08-20', '发现问题', { rectification: { deadline: '2024-09-04' } }),
      rectificationCheck: { confirmedOn: '2024-09-03' },
      publication: { dueDate: '2024-09-18' },
    }),
    // published
    task('绛县', '已公示', { ...done('2024-07-01', '未发现问题'), publication: { dueDate: '2024-07-29', publishedOn: '2024-07-20' } }),
  ]);
  const xia = rows.find((r) => r.county === '夏县')!;
  const jiang = rows.find((r) => r.county === '绛县')!;

  it('counts states and flags per county', () => {
    expect(xia).toMatchObject({ total: 7, checked: 3, noProblem: 3, problem: 0, notStarted: 2, published: 0, unpublished: 3, pubOverdue: 2 });
    expect(xia.byState).toEqual({ 待接收: 1, 待检查: 1, 检查中: 1, 待签字: 1, 待确认: 0, 待整改: 0, 待公示: 3, 已公示: 0 });
    expect(jiang).toMatchObject({
      total: 4,
      checked: 4,
      noProblem: 1,
      problem: 3,
      rectified: 1,
      rectifying: 2,
      rectOverdue: 1,
      published: 1,
      unpublished: 3,
      pubOverdue: 1, // the 2024-08-05 completion, unpublished while rectifying
    });
    expect(rows.find((r) => r.county === '盐湖区')!.total).toBe(0);
  });

  it('only explicit due dates count when the calendar lacks the year', () => {
    const out = new Aggregator([...flagStages('2099-06-01', null), countyGroupStage()] as never).run([
      task('夏县', '待公示', done('2099-01-05', '未发现问题')),
      task('夏县', '待公示', { ...done('2099-01-05', '未发现问题'), publication: { dueDate: '2099-02-01' } }),
    ]) as never[];
    expect(countsFromGroup(out[0]!)).toMatchObject({ checked: 2, pubOverdue: 1 });
  });

  it('整改逾期 agrees with the reminders: a deadline on a rest day is overdue only after the working day it ends on', () => {
    // 国庆 2024: 10-01…10-07 rest, 10-08 the first working day after; a deadline stored on 10-05 ends on 10-08
    // (followup.ts periodEnd). Counted for every day around the holiday, against the reminders' own rule.
    const open = task('绛县', '待整改', done('2024-09-20', '发现问题', { rectification: { deadline: '2024-10-05' } }));
    const onTime = task('绛县', '待整改', done('2024-09-20', '发现问题', { rectification: { deadline: '2024-09-30' } }));
    const counted: Record<string, number> = {};
    for (let day = '2024-09-29'; day <= '2024-10-10'; day = addCalendarDays(day, 1)) {
      const out = new Aggregator([...flagStages(day, publicationCutoff(day)), countyGroupStage()] as never).run([open, onTime]) as never[];
      counted[day] = countsFromGroup(out[0]!).rectOverdue;
      const expected = [periodEnd('2024-10-05'), periodEnd('2024-09-30')].filter((end) => end < day).length;
      expect(counted[day]).toBe(expected);
    }
    expect(counted['2024-10-01']).toBe(1); // 09-30's period has ended
    expect(counted['2024-10-08']).toBe(1); // the rest-day deadline runs to the end of 10-08
    expect(counted['2024-10-09']).toBe(2);
    expect(rectificationOverdueCutoff('2024-10-09')).toBe('2024-10-08');
    expect(rectificationOverdueCutoff('2024-10-08')).toBe('2024-09-30');
    expect(rectificationOverdueCutoff('2024-10-14')).toBe('2024-10-12'); // a 调休 Saturday is a working day
  });

  it('renders a city card with every county and 合计, and a county card without the table', () => {
    const total = sumCounts(rows);
    const base: Omit<ProgressReport, 'scope' | 'counties' | 'total'> = {
      campaign: { name: '2024年专项', year: 2024 } as CampaignDoc,
      draw: { attempt: 1 } as DrawDoc,
      today: TODAY,
      overduePublications: [{ no: 3, name: '夏县*星号*企业', county: '夏县', licenceNo: 'XK', date: '2024-08-29', completionDate: '2024-08-01' }],
      overdueRectifications: [{ no: 4, name: '绛县企业', county: '绛县', licenceNo: 'XK', date: '2024-08-20' }],
    };
    const cityCard = progressCard({ ...base, scope: { kind: 'city' }, counties: rows, total }, { at: new Date('2024-09-10T01:00:00Z') });
    expect(validateCard(cityCard)).toMatchObject({ ok: true });
    const city = cardText(cityCard);
    for (const c of YUNCHENG_COUNTIES) expect(city).toContain(c);
    expect(city).toContain('合计');
    expect(city).toContain('逾期未公示');
    // A name is shown as typed (its markdown escaped: bot/cards.ts md).
    expect(city).toContain('夏县*星号*企业');
    expect(JSON.stringify(cityCard)).toContain('夏县&#42;星号&#42;企业');
    expect(city).toContain('整改期限 2024-08-20，已逾期 15个工作日'); // working days, as the reminders count them
    expect(city).toContain('2024-09-10 09:00');
    const countyCard = progressCard({ ...base, scope: { kind: 'county', county: '夏县' }, counties: [xia], total: sumCounts([xia]) }, { digest: true, at: new Date() });
    expect(validateCard(countyCard)).toMatchObject({ ok: true });
    const county = cardText(countyCard);
    expect(county).toContain('检查进度日报 · 2024-09-10 · 夏县');
    expect(county).not.toContain('盐湖区');
    expect(county).toContain('待接收 1 · 待检查 1 · 检查中 1 · 待签字 1 · 待确认 0 · 待整改 0 · 待公示 3 · 已公示 0');
  });
});
