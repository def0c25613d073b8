/**
 * Keeps domain/calendar.ts in step with the imported holiday calendars in the database, in every instance:
 * loaded at start-up, after an import in this process, and whenever the change marker (the number of imported years
 * and the latest change) moves, checked every CHECK_MS. The CLI loads them once before computing anything.
 */
import type { Connection } from 'mongoose';
import { useImportedYears, type CalendarYear } from '../../domain/calendar';
import type { Logger } from '../../logger';
import { calendarYearModel } from '../../store/calendarYear';

export const CHECK_MS = 30_000;

async function marker(conn: Connection): Promise<string> {
  const model = calendarYearModel(conn);
  const [count, latest] = await Promise.all([
    model.countDocuments(),
    model.findOne({}, { updatedAt: 1 }).sort({ updatedAt: -1 }).lean(),
  ]);
  return `${count}:${latest?.updatedAt ? new Date(latest.updatedAt).getTime() : 0}`;
}

/** Loads every imported year into the calendar module; returns the years. */
export async function reloadCalendars(conn: Connection): Promise<number[]> {
  const docs = await calendarYearModel(conn).find({}, { year: 1, rest: 1, work: 1 }).sort({ year: 1 }).lean();
  const years: CalendarYear[] = docs.map((d) => ({ year: d.year, rest: d.rest, work: d.work ?? [] }));
  useImportedYears(years);
  return years.map((y) => y.year);
}

export interface CalendarSync {
  /** checks the marker now and reloads when it moved */
  check(): Promise<boolean>;
  stop(): void;
}

export async function startCalendarSync(conn: Connection, log: Logger, checkMs = CHECK_MS): Promise<CalendarSync> {
  let seen = await marker(conn);
  const years = await reloadCalendars(conn);
  if (years.length > 0) log.info({ years }, 'imported holiday calendars loaded');
  let busy = false;
  const check = async (): Promise<boolean> => {
    const now = await marker(conn);
    if (now === seen) return false;
    seen = now;
    const loaded = await reloadCalendars(conn);
    log.info({ years: loaded }, 'imported holiday calendars reloaded');
    return true;
  };
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    check()
      .catch((err: unknown) => log.warn({ err }, 'holiday calendar check failed; the next one retries'))
      .finally(() => {
        busy = false;
      });
  }, checkMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
