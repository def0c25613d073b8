import type { Connection } from 'mongoose';
import type { Logger } from '../logger';
import type { Outbox } from '../platform/outbox';
import { resumeDispatch } from '../operations/draw/confirmDraw';
import { completeSignedRecords } from '../operations/inspection/completeSigned';
import { campaignRemindersJob } from './campaignReminders';
import { digestJob } from './digest';
import { remindersJob } from './reminders';
import type { JobSpec } from './scheduler';

export interface JobDeps {
  conn: Connection;
  outbox: Outbox;
  log: Logger;
}

/** Every scheduled job of the service (digest, reminders …), declared once. */
export function allJobs(deps: JobDeps): JobSpec[] {
  return [digestJob(deps), remindersJob(deps), campaignRemindersJob(deps), dispatchJob(deps), completeSignedJob(deps)];
}

/** Finishes any confirmed draw whose dispatch stopped part-way (it runs after the confirm answer). */
function dispatchJob(deps: JobDeps): JobSpec {
  return {
    name: 'dispatch',
    cron: '* * * * *',
    leaseMs: 5 * 60_000,
    async run(now) {
      const resumed = await resumeDispatch(deps.conn, deps.outbox, now, deps.log);
      if (resumed > 0) deps.log.warn({ draws: resumed }, 'resumed draw dispatch');
    },
  };
}

/** Completes records whose last signature was saved but whose completion was cut off by a crash. */
function completeSignedJob(deps: JobDeps): JobSpec {
  return {
    name: 'complete-signed',
    cron: '*/5 * * * *',
    async run(now) {
      const completed = await completeSignedRecords({ ...deps, now: () => now });
      if (completed > 0) deps.log.warn({ tasks: completed }, 'completed records left waiting after every signature');
    },
  };
}
