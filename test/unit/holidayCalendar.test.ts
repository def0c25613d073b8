import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  addWorkingDays,
  builtInYear,
  calendarDataInfo,
  CalendarDataMissingError,
  importedYears,
  isWorkingDay,
  isYearCovered,
  useImportedYears,
  type CalendarYear,
} from '../../src/domain/calendar';
import { calendarDifferences, isCalendarHeader, readCalendarRows, type CalendarRow } from '../../src/domain/holidayCalendar';
import { readCsv } from '../../src/operations/registryFile';

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'holidays-2027.csv');

function sheet(lines: string[][], header: string[] = ['日期', '类型']): CalendarRow[] {
  return [header, ...lines].map((cells, i) => ({ line: i + 1, cells }));
}

function asRows(c: CalendarYear): string[][] {
  return [...c.rest.map((d) => [d, '休']), ...c.work.map((d) => [d, '班'])];
}

afterEach(() => useImportedYears([]));

describe('the calendar file', () => {
  it('accepts every year of the built-in data written as a file (2004–2026)', () => {
    for (const year of calendarDataInfo().years) {
      const c = builtInYear(year)!;
      const r = readCalendarRows(sheet(asRows(c)));
      expect({ year, ok: r.ok }).toEqual({ year, ok: true });
      if (r.ok) expect(r.calendar).toEqual(c);
    }
  });

  it('reads the illustrative 2027 file (extra columns ignored)', () => {
    const r = readCalendarRows(readCsv(readFileSync(FIXTURE)));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.rows).toBe(23);
    expect(r.calendar.year).toBe(2027);
    expect(r.calendar.rest).toHaveLength(18);
    expect(r.calendar.work).toEqual(['2027-01-31', '2027-02-20', '2027-05-08', '2027-09-26', '2027-10-09']);
  });

  it('accepts the date forms spreadsheets show, and reports every bad row by line', () => {
    const ok = readCalendarRows(sheet([['2027/1/1', '休'], ['2027年10月1日', '休'], ['2027-01-31 00:00:00', '班']]));
    expect(ok.ok && ok.calendar).toEqual({ year: 2027, rest: ['2027-01-01', '2027-10-01'], work: ['2027-01-31'] });
    const bad = readCalendarRows(
      sheet([['2027-01-01', '休'], ['', '休'], ['2027-10-01', ''], ['2027-02-30', '休'], ['2027-10-01', '假'], ['2028-01-03', '休'], ['2027-01-01', '休']]),
    );
    expect(bad).toEqual({
      ok: false,
      rows: 7,
      year: 2027,
      problems: [
        { line: 3, reason: '日期为空' },
        { line: 4, reason: '类型为空，应为“休”或“班”' },
        { line: 5, reason: '日期“2027-02-30”不是有效日期（应为YYYY-MM-DD）' },
        { line: 6, reason: '类型“假”无效，应为“休”（节假日）或“班”（调休上班）' },
        { line: 7, reason: '日期2028-01-03不在2027年：一个文件只能是一年的安排' },
        { line: 8, reason: '日期2027-01-01与第2行重复' },
      ],
    });
  });

  it('refuses 班 on a weekday and 休 on a weekend', () => {
    const r = readCalendarRows(sheet([['2027-01-01', '休'], ['2027-10-01', '休'], ['2027-01-04', '班'], ['2027-01-02', '休']]));
    expect(!r.ok && r.problems).toEqual([
      { line: 4, reason: '“班”（调休上班）应为周六或周日，2027-01-04是周一' },
      { line: 5, reason: '“休”应为周一至周五（周末本来就休息，不必列出），2027-01-02是周六' },
    ]);
  });

  it('refuses a year without holidays, or without its fixed statutory holidays on weekdays', () => {
    const none = readCalendarRows(sheet([['2027-01-31', '班']]));
    expect(!none.ok && none.problems.map((p) => p.reason)).toContain('2027年没有任何“休”（节假日）：文件应列出该年全部放假的工作日');
    // 2027-01-01 and 2027-10-01 are Fridays; 2028-05-01/02 a Monday and Tuesday (5月2日 is statutory from 2025)
    const partial = readCalendarRows(sheet([['2027-02-08', '休']]));
    expect(!partial.ok && partial.problems.map((p) => p.reason)).toEqual([
      '缺少法定节假日：2027-01-01（元旦，周五）应列为“休”',
      '缺少法定节假日：2027-10-01（国庆节，周五）应列为“休”',
    ]);
    const may = readCalendarRows(sheet([['2028-05-01', '休'], ['2028-10-02', '休'], ['2028-10-03', '休']]));
    expect(!may.ok && may.problems.map((p) => p.reason)).toEqual(['缺少法定节假日：2028-05-02（劳动节，周二）应列为“休”']);
  });

  it('needs the header 日期,类型 and at least one date', () => {
    expect(readCalendarRows([])).toMatchObject({ ok: false, problems: [{ reason: expect.stringContaining('文件为空') }] });
    expect(readCalendarRows(sheet([], ['日期', '类型']))).toMatchObject({ ok: false, problems: [{ reason: expect.stringContaining('只有表头') }] });
    expect(readCalendarRows(sheet([['2027-01-01', '休']], ['日期', '说明']))).toMatchObject({
      ok: false,
      problems: [{ line: 1, reason: '缺少列：类型（第1行应为表头：日期,类型）' }],
    });
    expect(isCalendarHeader([' 日期 ', '\uFEFF类型', '备注'])).toBe(true);
    expect(isCalendarHeader(['日期', '备注'])).toBe(false);
  });

  it('lists where two arrangements of a year differ', () => {
    const a: CalendarYear = { year: 2027, rest: ['2027-01-01', '2027-10-01'], work: ['2027-01-31'] };
    const b: CalendarYear = { year: 2027, rest: ['2027-01-01', '2027-10-01', '2027-10-04'], work: [] };
    expect(calendarDifferences(a, b)).toEqual([
      { date: '2027-01-31', from: '班', to: '平常' },
      { date: '2027-10-04', from: '平常', to: '休' },
    ]);
  });
});

describe('imported years in the calendar module', () => {
  const y2027 = (): CalendarYear => {
    const r = readCalendarRows(readCsv(readFileSync(FIXTURE)));
    if (!r.ok) throw new Error('fixture invalid');
    return r.calendar;
  };

  it('cover a year the package lacks', () => {
    expect(isYearCovered(2027)).toBe(false);
    expect(() => addWorkingDays('2026-12-15', 20)).toThrow(CalendarDataMissingError);
    useImportedYears([y2027()]);
    expect(isYearCovered(2027)).toBe(true);
    expect(importedYears()).toEqual([2027]);
    expect(calendarDataInfo().imported).toEqual([2027]);
    expect(calendarDataInfo().years).toContain(2027);
    expect(isWorkingDay('2027-01-01')).toBe(false); // 休 on a Friday
    expect(isWorkingDay('2027-01-31')).toBe(true); // 班 on a Sunday
    expect(isWorkingDay('2027-01-30')).toBe(false); // an ordinary Saturday
    expect(isWorkingDay('2027-01-29')).toBe(true); // an ordinary Friday
    expect(addWorkingDays('2026-12-15', 20)).toBe('2027-01-13');
    useImportedYears([]);
    expect(isYearCovered(2027)).toBe(false);
  });

  it('override the package for a year present in both', () => {
    expect(isWorkingDay('2026-10-07')).toBe(false); // the package: 国庆 2026 runs to 10-07 (a Wednesday)
    expect(isWorkingDay('2026-10-10')).toBe(true); // … with 调休 on Saturday 10-10
    const amended = { ...builtInYear(2026)!, rest: builtInYear(2026)!.rest.filter((d) => d !== '2026-10-07'), work: [] };
    useImportedYears([amended]);
    expect(isWorkingDay('2026-10-07')).toBe(true);
    expect(isWorkingDay('2026-10-10')).toBe(false); // the whole year follows the imported file
  });

  it('refuse a date outside its year', () => {
    expect(() => useImportedYears([{ year: 2027, rest: ['2026-12-31'], work: [] }])).toThrow('日期2026-12-31不在2027年');
    expect(importedYears()).toEqual([]);
  });
});
