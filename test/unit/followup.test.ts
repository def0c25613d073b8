/**
 * The follow-up rules (src/domain/followup.ts): the 20-working-day publication deadline on the official calendar
 * (国庆 with 调休), the reminder days (working days only), escalation, rectification reminders, result labels,
 * who may confirm or publish, and the publication date check.
 */
import { addWorkingDays } from '../../src/domain/calendar';
import { addCalendarDays } from '../../src/domain/inspection';
import {
  addWorkingDaysLenient,
  calendarCovers,
  checkDone,
  checkOpinion,
  checkPublishedOn,
  checkReference,
  dueReminders,
  dueStatus,
  isoWeek,
  isWorkingDayLenient,
  mayConfirmRectification,
  mayPublish,
  publicationDueDate,
  publishedResultLabel,
  RECTIFICATION_OPINION,
  periodEnd,
  workingDaysBetweenLenient,
  type FollowUpFacts,
} from '../../src/domain/followup';

/** Every day from `from` to `to` (inclusive) with the reminders due that day, as "date kind[+esc]" lines. */
/**
 * What reaches people day by day when the job runs on every day in [from, to] except `missed`: the D−5 and D−2
 * thresholds are sent once each (keyed by the deadline, as sendReminders does), everything else once per day.
 */
function schedule(facts: FollowUpFacts, from: string, to: string, missed: readonly string[] = []): string[] {
  const out: string[] = [];
  const sentThresholds = new Set<string>();
  for (let day = from; day <= to; day = addCalendarDays(day, 1)) {
    if (missed.includes(day)) continue;
    for (const r of dueReminders(facts, day)) {
      if (r.kind === 'pub-d5' || r.kind === 'pub-d2' || r.kind === 'rect-d2') {
        if (sentThresholds.has(r.kind)) continue;
        sentThresholds.add(r.kind);
      }
      out.push(`${day} ${r.kind}${r.remind ? '' : ' (no remind)'}${r.escalate ? ' +esc' : ''}`);
    }
  }
  return out;
}

const waiting = (dueDate: string | undefined, extra: Partial<FollowUpFacts> = {}): FollowUpFacts => ({
  state: '待公示',
  result: '未发现问题',
  dueDate,
  published: false,
  rectificationConfirmed: false,
  ...extra,
});

describe('publication due date: 20 working days after the completion date', () => {
  it.each([
    ['2024-09-13', '2024-10-17'], // 中秋 + 国庆 2024 (09-14, 09-29, 10-12 worked)
    ['2025-09-26', '2025-10-30'], // 国庆 + 中秋 2025 (09-28, 10-11 worked)
    ['2026-09-18', '2026-10-22'], // 国庆 2026 (09-20, 10-10 worked)
    ['2026-09-14', '2026-10-16'],
    ['2026-12-03', '2026-12-31'], // the last completion date whose deadline the calendar still covers
  ])('completed %s → due %s', (completion, due) => {
    expect(publicationDueDate(completion)).toEqual({ known: true, date: due });
  });

  it('is unknown, with a Chinese note and a Monday–Friday estimate, where the calendar lacks the year', () => {
    const due = publicationDueDate('2026-12-15');
    // 20 working days: 12-16…12-31 are 12, then 2027-01-04…01-13 (元旦, a Friday, rests in every arrangement)
    expect(due).toMatchObject({ known: false, year: 2027, estimate: '2027-01-13' });
    expect(due.known ? '' : due.note).toBe(
      '日历数据缺少2027年的法定节假日安排，公示截止日期暂无法确定（按周一至周五（元旦、劳动节、国庆节除外）估算约为 2027-01-13，以日历更新后的正式日期为准）。',
    );
    expect(publicationDueDate('2026-12-04').known).toBe(false);
  });

  it('lenient calendar: official where covered, Monday–Friday elsewhere but for the fixed-date statutory holidays', () => {
    expect(calendarCovers('2026-12-31')).toBe(true);
    expect(calendarCovers('2027-01-01')).toBe(false);
    expect(isWorkingDayLenient('2026-10-10')).toBe(true); // 调休 Saturday
    expect(isWorkingDayLenient('2026-10-05')).toBe(false); // 国庆
    expect(isWorkingDayLenient('2027-01-01')).toBe(false); // 元旦, a Friday: every arrangement rests on it
    expect(isWorkingDayLenient('2027-01-02')).toBe(false);
    expect(isWorkingDayLenient('2027-01-05')).toBe(true); // estimated (the 调休 of a year not published is not guessed)
    for (const d of ['2027-10-01', '2028-05-01', '2028-05-02', '2028-10-02', '2028-10-03']) expect(isWorkingDayLenient(d)).toBe(false);
    expect(isWorkingDayLenient('2028-10-04')).toBe(true); // not a fixed date: 国庆's extra days are moved each year
    expect(workingDaysBetweenLenient('2026-12-31', '2027-01-04')).toBe(1);
    expect(addWorkingDaysLenient('2024-09-13', 20)).toBe(addWorkingDays('2024-09-13', 20));
  });

  it('status on a day: working days left, due, overdue', () => {
    expect(dueStatus('2024-10-17', '2024-10-11')).toEqual({ stage: 'before', left: 5 });
    expect(dueStatus('2024-10-17', '2024-10-17')).toEqual({ stage: 'due' });
    expect(dueStatus('2024-10-17', '2024-10-21')).toEqual({ stage: 'overdue', overdue: 2 });
  });
});

describe('publication reminders: working days only', () => {
  it('D−5, D−2, D, then every working day overdue, escalated on overdue day 1, 6, 11 … (国庆 2024, 调休 10-12)', () => {
    expect(schedule(waiting('2024-10-17'), '2024-09-13', '2024-11-04')).toEqual([
      '2024-10-11 pub-d5',
      '2024-10-15 pub-d2',
      '2024-10-17 pub-due',
      '2024-10-18 pub-overdue +esc',
      '2024-10-21 pub-overdue',
      '2024-10-22 pub-overdue',
      '2024-10-23 pub-overdue',
      '2024-10-24 pub-overdue',
      '2024-10-25 pub-overdue +esc',
      '2024-10-28 pub-overdue',
      '2024-10-29 pub-overdue',
      '2024-10-30 pub-overdue',
      '2024-10-31 pub-overdue',
      '2024-11-01 pub-overdue +esc',
      '2024-11-04 pub-overdue',
    ]);
  });

  it('a run missed on the D−5 or D−2 day is made up by the next working day', () => {
    expect(schedule(waiting('2024-10-17'), '2024-09-13', '2024-10-17', ['2024-10-11', '2024-10-15'])).toEqual([
      '2024-10-12 pub-d5',
      '2024-10-16 pub-d2',
      '2024-10-17 pub-due',
    ]);
  });

  it('a 调休 Saturday counts: D−5 can fall on it (国庆 2026, due 10-16, D−5 = Saturday 10-10)', () => {
    const due = addWorkingDays('2026-09-14', 20);
    expect(due).toBe('2026-10-16');
    expect(schedule(waiting(due), '2026-09-14', '2026-10-20')).toEqual([
      '2026-10-10 pub-d5',
      '2026-10-14 pub-d2',
      '2026-10-16 pub-due',
      '2026-10-19 pub-overdue +esc',
      '2026-10-20 pub-overdue',
    ]);
  });

  it('sends nothing on rest days and holidays, once published, or while the due date is unknown', () => {
    expect(dueReminders(waiting('2024-10-08'), '2024-10-05')).toEqual([]); // 国庆
    expect(dueReminders(waiting('2024-10-08'), '2024-10-13')).toEqual([]); // Sunday
    expect(dueReminders(waiting('2024-10-08', { published: true, state: '已公示' }), '2024-10-09')).toEqual([]);
    expect(dueReminders(waiting(undefined), '2026-12-16')).toEqual([]);
    expect(dueReminders(waiting('2024-10-08', { state: '检查中' }), '2024-10-09')).toEqual([]);
  });

  it('reminds 待整改 tasks of the publication too (publication may come before the confirmation)', () => {
    const r = dueReminders(waiting('2024-10-17', { state: '待整改', result: '发现问题', rectificationDeadline: '2024-12-31' }), '2024-10-11');
    expect(r).toEqual([{ kind: 'pub-d5', subject: 'publication', deadline: '2024-10-17', left: 5, overdue: 0, remind: true, escalate: false }]);
  });
});

describe('rectification reminders: the 附件2 confirmation', () => {
  const open = (deadline: string, extra: Partial<FollowUpFacts> = {}): FollowUpFacts => ({
    state: '待整改',
    result: '发现问题',
    dueDate: '2024-12-31',
    published: false,
    rectificationDeadline: deadline,
    rectificationConfirmed: false,
    ...extra,
  });

  it('2 working days before, the deadline day, then overdue day 1, 4, 7 … to the county, escalated on 5, 10 …', () => {
    expect(schedule(open('2024-10-14'), '2024-10-01', '2024-10-29')).toEqual([
      '2024-10-11 rect-d2', // 2024-10-12 (a Saturday) is a 调休 working day
      '2024-10-14 rect-due',
      '2024-10-15 rect-overdue',
      '2024-10-18 rect-overdue',
      '2024-10-21 rect-overdue (no remind) +esc', // overdue day 5
      '2024-10-23 rect-overdue', // day 7
      '2024-10-28 rect-overdue +esc', // day 10
    ]);
  });

  it('a deadline stored on a holiday ends on the first working day after it (国庆 2024), naming both days', () => {
    expect(schedule(open('2024-10-05'), '2024-09-26', '2024-10-11')).toEqual([
      '2024-09-29 rect-d2', // a Sunday worked (调休); 09-30 and 10-08 are the two working days left
      '2024-10-08 rect-due',
      '2024-10-09 rect-overdue',
    ]);
    expect(dueReminders(open('2024-10-05'), '2024-10-08')).toEqual([
      { kind: 'rect-due', subject: 'rectification', deadline: '2024-10-08', statedDeadline: '2024-10-05', left: 0, overdue: 0, remind: true, escalate: false },
    ]);
    expect(dueReminders(open('2024-10-05'), '2024-10-09')[0]).toMatchObject({ kind: 'rect-overdue', deadline: '2024-10-08', overdue: 1 });
    expect(periodEnd('2024-10-05')).toBe('2024-10-08');
    expect(periodEnd('2024-10-12')).toBe('2024-10-12'); // a Saturday worked: the period ends that day
    expect(periodEnd('2024-10-13')).toBe('2024-10-14');
  });

  it('the D−2 reminder is a threshold: a missed run is made up by the next working day, once', () => {
    expect(schedule(open('2024-10-14'), '2024-10-01', '2024-10-14', ['2024-10-11'])).toEqual(['2024-10-12 rect-d2', '2024-10-14 rect-due']);
    expect(dueReminders(open('2024-10-14'), '2024-10-10')).toEqual([]); // 3 working days left: nothing yet
  });

  it('continues after a publication as 发现问题待后续处理, stops once confirmed or without findings', () => {
    expect(dueReminders(open('2024-10-14', { state: '已公示', published: true }), '2024-10-15').map((r) => r.kind)).toEqual(['rect-overdue']);
    expect(dueReminders(open('2024-10-14', { rectificationConfirmed: true, state: '待公示' }), '2024-10-15')).toEqual([]);
    expect(dueReminders(open('2024-10-14', { result: '未发现问题' }), '2024-10-15')).toEqual([]);
  });
});

describe('published result label (fixed dictionary)', () => {
  it.each([
    ['未发现问题', false, '未发现问题'],
    ['发现问题', true, '发现问题经责令已改正'],
    ['发现问题', false, '发现问题待后续处理'],
  ] as const)('%s, rectification confirmed %s → %s', (result, confirmed, label) => {
    expect(publishedResultLabel(result, confirmed)).toBe(label);
  });
});

describe('who may confirm and publish', () => {
  const county = '永济市';
  it('confirmation: a liaison responsible for the county (the city bureau\'s only where the county has none)', () => {
    // countyLiaisons is the county's own liaisons, or the city bureau's when it has none (countyLiaisons())
    expect(mayConfirmRectification('a', ['a'])).toBe(true);
    expect(mayConfirmRectification('b', ['a'])).toBe(false);
    expect(mayConfirmRectification('city', ['city'])).toBe(true);
  });

  it('publication: the team\'s officers or the county liaisons (谁检查、谁录入); not the team\'s expert', () => {
    const team = [{ openId: 'm1', role: '组长' }, { openId: 'm2', role: '执法人员' }, { openId: 'm3', role: '专家' }];
    expect(mayPublish('m1', team, ['l1'])).toBe(true);
    expect(mayPublish('m2', team, ['l1'])).toBe(true);
    expect(mayPublish('m3', team, ['l1'])).toBe(false);
    expect(mayPublish('l1', team, ['l1'])).toBe(true);
    expect(mayPublish('x', team, ['l1'])).toBe(false);
  });
});

describe('inputs', () => {
  it('publication date: picker value, typed forms, default today; not future, not before completion', () => {
    expect(checkPublishedOn('2024-04-01 +0800', '2024-04-10', '2024-03-20')).toEqual({ ok: true, date: '2024-04-01' });
    expect(checkPublishedOn('2024/4/1', '2024-04-10', '2024-03-20')).toEqual({ ok: true, date: '2024-04-01' });
    expect(checkPublishedOn('2024年4月1日', '2024-04-10', '2024-03-20')).toEqual({ ok: true, date: '2024-04-01' });
    expect(checkPublishedOn(undefined, '2024-04-10', '2024-03-20')).toEqual({ ok: true, date: '2024-04-10' });
    expect(checkPublishedOn('  ', '2024-04-10', '2024-03-20')).toEqual({ ok: true, date: '2024-04-10' });
    expect(checkPublishedOn('2024-04-11 +0800', '2024-04-10', '2024-03-20')).toEqual({ ok: false, error: 'future', today: '2024-04-10' });
    expect(checkPublishedOn('2024-03-19', '2024-04-10', '2024-03-20')).toEqual({ ok: false, error: 'beforeCompletion', earliest: '2024-03-20' });
    expect(checkPublishedOn('2024-03-20', '2024-04-10', '2024-03-20')).toEqual({ ok: true, date: '2024-03-20' });
    expect(checkPublishedOn('2024-02-30', '2024-04-10', '2024-01-01')).toEqual({ ok: false, error: 'badDate' });
    expect(checkPublishedOn('昨天', '2024-04-10', '2024-01-01')).toEqual({ ok: false, error: 'badDate' });
  });

  it('完成整改情况 and 确认意见 are required and bounded; the reference is optional', () => {
    expect(checkDone('  已更换天平  ')).toEqual({ ok: true, text: '已更换天平' });
    expect(checkDone(' ')).toEqual({ ok: false, error: 'required' });
    expect(checkDone('改'.repeat(501))).toEqual({ ok: false, error: 'tooLong', length: 501 });
    expect(checkOpinion(RECTIFICATION_OPINION)).toEqual({ ok: true, text: RECTIFICATION_OPINION });
    expect(checkOpinion(undefined)).toEqual({ ok: false, error: 'required' });
    expect(checkReference(undefined)).toEqual({ ok: true, text: '' });
    expect(checkReference('址'.repeat(201))).toMatchObject({ ok: false, error: 'tooLong' });
  });

  it('the prefilled 确认意见 is the notice’s sentence (附件2)', () => {
    expect(RECTIFICATION_OPINION).toBe(
      '该企业按照检查组提出的整改意见已全部完成整改，符合工业产品生产许可证实施细则通则及相关产品生产许可证实施细则等相关法律法规和相关规定的要求。',
    );
  });
});

it('ISO weeks (the calendar warning goes out once a week)', () => {
  expect(isoWeek('2026-11-25')).toBe('2026-W48');
  expect(isoWeek('2027-01-01')).toBe('2026-W53');
  expect(isoWeek('2024-12-30')).toBe('2025-W01');
  expect(isoWeek('2026-01-04')).toBe('2026-W01');
});
