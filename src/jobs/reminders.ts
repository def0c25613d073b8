/**
 * Job `reminders`: every day at 09:00 Asia/Shanghai; acts on working days only (official calendar, 调休 counted;
 * Monday–Friday where the calendar has no data for the year). See operations/followup/sendReminders.ts.
 */
import { sendReminders } from '../operations/followup/sendReminders';
import type { JobDeps } from './index';
import type { JobSpec } from './scheduler';

export function remindersJob(deps: JobDeps): JobSpec {
  return {
    name: 'reminders',
    cron: '0 9 * * *',
    async run(now) {
      await sendReminders({ ...deps, now: () => now }, now);
    },
  };
}
