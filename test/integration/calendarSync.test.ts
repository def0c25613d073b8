/** Every instance follows the imported holiday calendars in the database (operations/setup/calendarSync.ts). */
import { isWorkingDay, isYearCovered, useImportedYears } from '../../src/domain/calendar';
import { createLogger } from '../../src/logger';
import { startCalendarSync } from '../../src/operations/setup/calendarSync';
import { calendarYearModel } from '../../src/store/calendarYear';
import { openTestDb, type TestDb } from '../support/db';

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb('calendar_sync');
});
afterAll(async () => {
  useImportedYears([]);
  await db.close();
});

const stored = { fileName: 'x.csv', sha256: 'a'.repeat(64), source: 'chat' as const, by: 'ou_x', byName: '许小颖' };

test('loads the years at start-up and reloads when the marker moves (another instance imported)', async () => {
  const model = calendarYearModel(db.conn);
  await model.init();
  await model.create({ year: 2027, rest: ['2027-01-01', '2027-10-01'], work: [], ...stored });
  useImportedYears([]);
  const sync = await startCalendarSync(db.conn, createLogger('silent'), 3_600_000);
  try {
    expect(isYearCovered(2027)).toBe(true);
    expect(isWorkingDay('2027-10-04')).toBe(true);
    expect(await sync.check()).toBe(false); // nothing changed

    // another instance imports an amended 2027 and a 2028
    await model.updateOne({ year: 2027 }, { $set: { rest: ['2027-01-01', '2027-10-01', '2027-10-04'] } });
    await model.create({ year: 2028, rest: ['2028-05-01', '2028-05-02', '2028-10-02', '2028-10-03'], work: [], ...stored });
    expect(await sync.check()).toBe(true);
    expect(isWorkingDay('2027-10-04')).toBe(false);
    expect(isYearCovered(2028)).toBe(true);
    expect(await sync.check()).toBe(false);
  } finally {
    sync.stop();
  }
});
