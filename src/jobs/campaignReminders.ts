/**
 * Job `campaign-reminders`: every day at 09:00 Asia/Shanghai, acting on working days only: the inspection window
 * closing (30 and 10 working days ahead) and the county reports due 11-15. See operations/campaignReminders.ts.
 */
import { sendCampaignReminders } from '../operations/campaignReminders';
import type { JobDeps } from './index';
import type { JobSpec } from './scheduler';

export function campaignRemindersJob(deps: JobDeps): JobSpec {
  return {
    name: 'campaign-reminders',
    cron: '0 9 * * *',
    async run(now) {
      await sendCampaignReminders(deps, now);
    },
  };
}
