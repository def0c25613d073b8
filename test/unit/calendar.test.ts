import { execFileSync } from 'child_process';
import { join } from 'path';
import { compiledEntry } from '../support/compiledEntries';

import {
  addWorkingDays,
  CalendarDataMissingError,
  calendarDataInfo,
  InvalidDateError,
  isWorkingDay,
  isYearCovered,
  parseDate,
  shanghaiDate,
  workingDaysBetween,
} from '../../src/domain/calendar';

/* ---------- helpers (plain UTC arithmetic, independent of the module under test) ---------- */

function* days(from: string, to: string): Generator<string> {
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    yield new Date(t).toISOString().slice(0, 10);
  }
}

function weekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** Expands ['2024-02-10', '2024-02-17'] ranges and single dates into a set. */
function dateSet(entries: readonly (string | readonly [string, string])[]): Set<string> {
  const out = new Set<string>();
  for (const e of entries) {
    if (typeof e === 'string') out.add(e);
    else for (const d of days(e[0], e[1])) out.add(d);
  }
  return out;
}

/**
 * The State Council arrangements, typed in from the notices (not from the package):
 * 2024: 国办发明电〔2023〕7号; 2025: 国办发明电〔2024〕12号 (after the Nov 2024 revision: 除夕 and an extra
 * 劳动节 day); 2026: 国务院办公厅 notice of 2025-11-04 (as cited in docs/domain.md §6.2 and by the package).
 */
const OFFICIAL: Record<number, { holidays: Set<string>; workdays: Set<string> }> = {
  2024: {
    holidays: dateSet([
      '2024-01-01',
      ['2024-02-10', '2024-02-17'],
      ['2024-04-04', '2024-04-06'],
      ['2024-05-01', '2024-05-05'],
      '2024-06-10',
      ['2024-09-15', '2024-09-17'],
      ['2024-10-01', '2024-10-07'],
    ]),
    workdays: dateSet(['2024-02-04', '2024-02-18', '2024-04-07', '2024-04-28', '2024-05-11', '2024-09-14', '2024-09-29', '2024-10-12']),
  },
  2025: {
    holidays: dateSet([
      '2025-01-01',
      ['2025-01-28', '2025-02-04'],
      ['2025-04-04', '2025-04-06'],
      ['2025-05-01', '2025-05-05'],
      ['2025-05-31', '2025-06-02'],
      ['2025-10-01', '2025-10-08'],
    ]),
    workdays: dateSet(['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11']),
  },
  2026: {
    holidays: dateSet([
      ['2026-01-01', '2026-01-03'],
      ['2026-02-15', '2026-02-23'],
      ['2026-04-04', '2026-04-06'],
      ['2026-05-01', '2026-05-05'],
      ['2026-06-19', '2026-06-21'],
      ['2026-09-25', '2026-09-27'],
      ['2026-10-01', '2026-10-07'],
    ]),
    workdays: dateSet(['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10']),
  },
};

/**
 * Runs a snippet in a fresh Node process with the given TZ (jest's sandbox cannot change the TZ). The module is
 * src/domain/calendar.ts compiled ahead of time (test/support/compiledEntries.ts), so a process costs no tsx start-up.
 */
function runWithTz(tz: string, body: string): unknown {
  const modulePath = JSON.stringify(compiledEntry('calendar'));
  const script = `const c = require(${modulePath}); const out = (() => { ${body} })(); process.stdout.write(JSON.stringify(out));`;
  const stdout = execFileSync(process.execPath, ['-e', script], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, TZ: tz },
    encoding: 'utf8',
  });
  return JSON.parse(stdout) as unknown;
}

/* ---------- isWorkingDay ---------- */

describe('isWorkingDay', () => {
  it.each([2024, 2025, 2026])('matches the State Council notice for every day of %i', (year) => {
    const { holidays, workdays } = OFFICIAL[year];
    const wrong: string[] = [];
    for (const d of days(`${year}-01-01`, `${year}-12-31`)) {
      const wd = weekday(d);
      const expected = workdays.has(d) || (wd >= 1 && wd <= 5 && !holidays.has(d));
      if (isWorkingDay(d) !== expected) wrong.push(d);
    }
    expect(wrong).toEqual([]);
  });

  it('counts 调休 weekends as working days (国庆 2024: Sun 09-29, Sat 10-12)', () => {
    expect(weekday('2024-09-29')).toBe(0);
    expect(weekday('2024-10-12')).toBe(6);
    expect(isWorkingDay('2024-09-29')).toBe(true);
    expect(isWorkingDay('2024-10-12')).toBe(true);
    expect(isWorkingDay('2024-09-28')).toBe(false); // the Saturday before is an ordinary rest day
  });

  it('treats 国庆 2024-10-01..07 as holidays, including the weekdays moved onto it', () => {
    for (const d of days('2024-10-01', '2024-10-07')) expect([d, isWorkingDay(d)]).toEqual([d, false]);
    expect(isWorkingDay('2024-10-08')).toBe(true);
  });

  it('handles 春节: 2024 除夕 (02-09, Friday) was a working day, 2025 除夕 (01-28) a holiday', () => {
    expect(isWorkingDay('2024-02-04')).toBe(true); // Sunday, 调休
    expect(isWorkingDay('2024-02-09')).toBe(true);
    expect(isWorkingDay('2024-02-10')).toBe(false);
    expect(isWorkingDay('2024-02-18')).toBe(true); // Sunday, 调休
    expect(isWorkingDay('2025-01-26')).toBe(true); // Sunday, 调休
    expect(isWorkingDay('2025-01-28')).toBe(false);
    expect(isWorkingDay('2025-02-04')).toBe(false);
    expect(isWorkingDay('2025-02-08')).toBe(true); // Saturday, 调休
  });

  it('treats 2025 国庆+中秋 as 8 days, 10-01..10-08, with Sat 10-11 worked', () => {
    expect([...days('2025-10-01', '2025-10-08')].filter(isWorkingDay)).toEqual([]);
    expect(isWorkingDay('2025-10-09')).toBe(true);
    expect(isWorkingDay('2025-10-11')).toBe(true);
  });

  it('treats ordinary weekends as rest days and ordinary weekdays as working days', () => {
    expect(isWorkingDay('2024-03-15')).toBe(true); // Friday
    expect(isWorkingDay('2024-03-16')).toBe(false); // Saturday
    expect(isWorkingDay('2024-03-17')).toBe(false); // Sunday
    expect(isWorkingDay('2024-03-18')).toBe(true); // Monday
  });

  it('gives the known yearly totals (2024: 251, 2025: 248, 2026: 248)', () => {
    expect(workingDaysBetween('2023-12-31', '2024-12-31')).toBe(251);
    expect(workingDaysBetween('2024-12-31', '2025-12-31')).toBe(248);
    expect(workingDaysBetween('2025-12-31', '2026-12-31')).toBe(248);
  });

  it('rejects malformed dates', () => {
    expect(() => isWorkingDay('2024-02-30')).toThrow(InvalidDateError);
  });
});

/* ---------- addWorkingDays ---------- */

describe('addWorkingDays', () => {
  it.each([
    // 20-working-day publication deadlines across holidays (docs/domain.md §6.1 and hand counts)
    ['2024-09-13', '2024-10-17'], // 中秋 + 国庆 2024, with 09-14, 09-29 and 10-12 worked
    ['2024-02-02', '2024-03-06'], // 春节 2024, with 02-04 and 02-18 worked
    ['2025-01-24', '2025-02-27'], // 春节 2025, with 01-26 and 02-08 worked
    ['2025-09-26', '2025-10-30'],
    ['2026-01-30', '2026-03-05'],
    ['2026-02-13', '2026-03-19'],
    ['2026-04-30', '2026-06-01'],
    ['2026-09-18', '2026-10-22'],
  ])('20 working days after %s is %s', (from, due) => {
    expect(addWorkingDays(from, 20)).toBe(due);
    expect(workingDaysBetween(from, due)).toBe(20);
    expect(isWorkingDay(due)).toBe(true);
  });

  it('does not count the given day and skips weekends', () => {
    expect(addWorkingDays('2024-03-15', 1)).toBe('2024-03-18'); // Friday → Monday
    expect(addWorkingDays('2024-03-16', 1)).toBe('2024-03-18'); // Saturday → Monday
    expect(addWorkingDays('2024-03-15', 5)).toBe('2024-03-22');
    expect(addWorkingDays('2024-03-18', 1)).toBe('2024-03-19');
  });

  it('counts a 调休 Saturday or Sunday', () => {
    expect(addWorkingDays('2024-10-11', 1)).toBe('2024-10-12'); // Friday → 调休 Saturday
    expect(addWorkingDays('2024-09-27', 1)).toBe('2024-09-29'); // Friday → 调休 Sunday (Saturday 09-28 is rest)
    expect(addWorkingDays('2024-09-13', 1)).toBe('2024-09-14'); // Friday → 调休 Saturday before 中秋
    expect(addWorkingDays('2024-09-30', 1)).toBe('2024-10-08'); // over 国庆
  });

  it('returns the day itself for n = 0 and refuses a negative or fractional n', () => {
    expect(addWorkingDays('2024-10-01', 0)).toBe('2024-10-01');
    expect(() => addWorkingDays('2024-10-01', -1)).toThrow(RangeError);
    expect(() => addWorkingDays('2024-10-01', 1.5)).toThrow('工作日天数应为不小于 0 的整数');
    expect(() => addWorkingDays('2024-10-01', Number.NaN)).toThrow(RangeError);
  });

  it('crosses a covered year boundary', () => {
    expect(addWorkingDays('2024-12-31', 1)).toBe('2025-01-02'); // 01-01 is 元旦
  });
});

/* ---------- workingDaysBetween ---------- */

describe('workingDaysBetween', () => {
  it('counts days after `from` up to and including `to`', () => {
    expect(workingDaysBetween('2024-03-15', '2024-03-18')).toBe(1);
    expect(workingDaysBetween('2024-03-14', '2024-03-15')).toBe(1);
    expect(workingDaysBetween('2024-09-30', '2024-10-08')).toBe(1);
    expect(workingDaysBetween('2024-09-27', '2024-10-12')).toBe(7); // 09-29 (Sun), 09-30, 10-08..10-11, 10-12 (Sat)
  });

  it('is 0 when `to` is not after `from`', () => {
    expect(workingDaysBetween('2024-03-15', '2024-03-15')).toBe(0);
    expect(workingDaysBetween('2024-03-18', '2024-03-15')).toBe(0);
    expect(workingDaysBetween('2030-01-10', '2030-01-01')).toBe(0); // nothing to look up, so no data needed
  });
});

/* ---------- missing calendar data ---------- */

describe('years without holiday data', () => {
  const MESSAGE_2027 = '日历数据缺少2027年的法定节假日安排，无法计算工作日；请导入该年的节假日安排（市局联络员把“日期,类型”文件发给机器人，或运行 calendar import）';

  it('knows which years are covered, from the package data', () => {
    const { source, version, years } = calendarDataInfo();
    expect(source).toBe('chinese-days');
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    expect(years).toEqual(expect.arrayContaining([2004, 2024, 2025, 2026]));
    // contiguous: no silent gap inside the covered range
    expect(years).toEqual(Array.from({ length: years.length }, (_, i) => years[0] + i));
    expect(isYearCovered(2024)).toBe(true);
    expect(isYearCovered(years[years.length - 1] + 1)).toBe(false);
    expect(isYearCovered(years[0] - 1)).toBe(false);
  });

  // With chinese-days 1.5.7, 2027 has no data. A package upgrade that adds it makes these tests fail on
  // purpose: then move them to the next missing year and add the new notice to OFFICIAL above.
  it('refuses a day in an uncovered year with a Chinese reason', () => {
    expect(isYearCovered(2027)).toBe(false);
    expect(() => isWorkingDay('2027-10-01')).toThrow(CalendarDataMissingError);
    expect(() => isWorkingDay('2027-10-01')).toThrow(MESSAGE_2027);
    expect(() => isWorkingDay('2003-06-02')).toThrow('日历数据缺少2003年');
  });

  it('refuses a deadline that reaches into an uncovered year, but not one that stays in a covered year', () => {
    expect(addWorkingDays('2026-12-15', 12)).toBe('2026-12-31');
    let caught: unknown;
    try {
      addWorkingDays('2026-12-15', 20);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(CalendarDataMissingError);
    expect((caught as CalendarDataMissingError).year).toBe(2027);
    expect((caught as CalendarDataMissingError).message).toBe(MESSAGE_2027);
    expect(() => workingDaysBetween('2026-12-01', '2027-01-05')).toThrow(CalendarDataMissingError);
  });
});

/* ---------- shanghaiDate ---------- */

describe('shanghaiDate', () => {
  it('gives the Asia/Shanghai calendar day, not the UTC one', () => {
    expect(shanghaiDate(new Date('2024-03-14T17:30:00Z'))).toBe('2024-03-15');
    expect(shanghaiDate(new Date('2024-03-14T15:59:59Z'))).toBe('2024-03-14');
    expect(shanghaiDate(new Date('2024-03-14T16:00:00Z'))).toBe('2024-03-15');
    expect(shanghaiDate(new Date('2023-12-31T16:00:00Z'))).toBe('2024-01-01');
  });

  it('refuses an invalid Date', () => {
    expect(() => shanghaiDate(new Date('nonsense'))).toThrow(InvalidDateError);
  });

  // shanghaiDate remembers the day of the last UTC hour it computed: calls in a row, back and forth over day
  // boundaries (also in the summer-time years, +9, and before 1902, +8:05:43), agree with the time-zone data itself
  it('gives the day of the time-zone data for instants in a row, over day boundaries', () => {
    const format = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
    const starts = ['2024-12-31T14:00:00Z', '1988-06-01T13:00:00Z', '1988-09-10T13:00:00Z', '1899-06-01T14:00:00Z', '2025-05-02T15:30:00Z'];
    for (const start of starts) {
      const t0 = Date.parse(start);
      // every 7 minutes for 4 hours, then the same instants backwards
      const times = Array.from({ length: 35 }, (_, k) => t0 + k * 7 * 60_000);
      for (const t of [...times, ...times.reverse(), t0 + 2 * 3_600_000 - 1, t0 + 2 * 3_600_000, t0 + 2 * 3_600_000 + 1]) {
        expect(shanghaiDate(new Date(t))).toBe(format.format(new Date(t)));
      }
    }
  });
});

/* ---------- parseDate ---------- */

describe('parseDate', () => {
  it('accepts real YYYY-MM-DD dates', () => {
    expect(parseDate('2024-02-29')).toBe('2024-02-29');
    expect(parseDate('2000-02-29')).toBe('2000-02-29');
    expect(parseDate(' 2024-10-01 ')).toBe('2024-10-01');
  });

  it.each(['2024-02-30', '2023-02-29', '2100-02-29', '2024-04-31', '2024-13-01', '2024-00-10', '2024-01-00'])(
    'refuses the non-existent date %s',
    (s) => {
      expect(() => parseDate(s)).toThrow(InvalidDateError);
      expect(() => parseDate(s)).toThrow(`日期不存在：“${s}”`);
    },
  );

  it.each(['', '2024-2-3', '2024/02/03', '20240203', '2024-02-03T00:00', 'abc'])('refuses the malformed input "%s"', (s) => {
    expect(() => parseDate(s)).toThrow('日期格式应为 YYYY-MM-DD');
  });
});

/* ---------- independence from the process time zone, and agreement with the package ---------- */

describe('process time zone', () => {
  const PROBE = `return [
    c.isWorkingDay('2024-10-12'), c.isWorkingDay('2024-10-01'), c.isWorkingDay('2024-03-16'),
    c.addWorkingDays('2024-09-13', 20), c.workingDaysBetween('2023-12-31', '2024-12-31'),
    c.shanghaiDate(new Date('2024-03-14T17:30:00Z')), c.shanghaiDate(new Date('2024-03-14T15:59:59Z')),
  ];`;
  const EXPECTED = [true, false, false, '2024-10-17', 251, '2024-03-15', '2024-03-14'];

  it.each(['America/New_York', 'UTC', 'Asia/Shanghai', 'Pacific/Kiritimati', 'Pacific/Pago_Pago'])(
    'gives the same answers under TZ=%s',
    (tz) => {
      expect(runWithTz(tz, PROBE)).toEqual(EXPECTED);
    },
  );

  it('agrees with chinese-days isWorkday on every covered day (package loaded under TZ=Asia/Shanghai)', () => {
    const disagreements = runWithTz(
      'Asia/Shanghai',
      `const cd = require('chinese-days');
       const years = c.calendarDataInfo().years;
       const out = [];
       for (let t = Date.UTC(years[0], 0, 1); t <= Date.UTC(years[years.length - 1], 11, 31); t += 86400000) {
         const d = new Date(t).toISOString().slice(0, 10);
         if (cd.isWorkday(d) !== c.isWorkingDay(d)) out.push(d);
       }
       return out;`,
    );
    expect(disagreements).toEqual([]);
  });
});
