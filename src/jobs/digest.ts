/**
 * The daily progress digest: at 08:30 (Asia/Shanghai) on working days of the official calendar (调休 Saturdays
 * included, holidays left out; Monday–Friday when the calendar has no data for the year), every 领导 and every
 * 市局 联络员 gets the city-wide progress card in their 1:1 chat.
 *
 * - Idempotent: outbox key `digest:<campaign>:<YYYY-MM-DD>:<openId>`, so a second run the same day (another
 *   instance, a restart, runNow) sends nothing more.
 * - Nothing is sent before a draw is confirmed, nor once every task is published with no rectification pending.
 */
import { CalendarDataMissingError, isWorkingDay, shanghaiDate } from '../domain/calendar';
import { CITY_BUREAU } from '../domain/types';
import { compileProgress } from '../operations/progress';
import { progressCard } from '../bot/progressCards';
import { staffModel } from '../store/staff';
import type { JobDeps } from './index';
import type { JobSpec } from './scheduler';

export const DIGEST_CRON = '30 8 * * *';

export function isDigestDay(today: string): boolean {
  try {
    return isWorkingDay(today);
  } catch (err) {
    if (!(err instanceof CalendarDataMissingError)) throw err;
    const weekday = new Date(`${today}T00:00:00Z`).getUTCDay();
    return weekday >= 1 && weekday <= 5;
  }
}

export interface DigestOutcome {
  sent: number;
  skipped?: 'holiday' | 'noDraw' | 'nothingOpen';
}

export async function sendDigest(deps: JobDeps, now: Date, opts: { ignoreCalendar?: boolean } = {}): Promise<DigestOutcome> {
  const today = shanghaiDate(now);
  if (!opts.ignoreCalendar && !isDigestDay(today)) return { sent: 0, skipped: 'holiday' };
  const report = await compileProgress(deps.conn, now, { scope: { kind: 'city' } });
  if (!report.ok) return { sent: 0, skipped: 'noDraw' };
  const t = report.total;
  if (t.total === 0 || (t.published === t.total && t.rectifying === 0)) return { sent: 0, skipped: 'nothingOpen' };
  const recipients = await staffModel(deps.conn)
    .find({ $or: [{ roles: '领导' }, { roles: '联络员', county: CITY_BUREAU }] }, { openId: 1 })
    .sort({ openId: 1 })
    .lean();
  const card = progressCard(report, { digest: true, at: now });
  for (const r of recipients) {
    await deps.outbox.sendCard(`digest:${String(report.campaign._id)}:${today}:${r.openId}`, { openId: r.openId }, card);
  }
  deps.log.info({ campaign: String(report.campaign._id), today, recipients: recipients.length }, 'progress digest queued');
  return { sent: recipients.length };
}

export function digestJob(deps: JobDeps): JobSpec {
  return {
    name: 'digest',
    cron: DIGEST_CRON,
    async run(now) {
      const outcome = await sendDigest(deps, now);
      if (outcome.skipped) deps.log.info({ skipped: outcome.skipped }, 'progress digest skipped');
    },
  };
}
