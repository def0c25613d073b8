import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { Connection } from 'mongoose';
import { shanghaiDate } from '../domain/calendar';
import type { Logger } from '../logger';
import { claimSlot, finishSlot } from '../store/jobRun';
import { acquireLease, releaseLease } from '../store/lease';

/**
 * A scheduled job: node-cron in Asia/Shanghai. With several service instances on one database, each scheduled
 * slot runs once (the first instance to claim the slot runs it), and never two runs of one job at a time (a lease).
 */
export interface JobSpec {
  name: string;
  /** cron expression, Asia/Shanghai */
  cron: string;
  /** how long a run may hold the lease */
  leaseMs?: number;
  run(now: Date): Promise<void>;
}

export interface Scheduler {
  /** runs a job now (under its lease), as the schedule would; returns false when another instance held the lease */
  runNow(name: string): Promise<boolean>;
  stop(): Promise<void>;
}

export interface SchedulerOptions {
  /** other cron expressions by job name (tests run jobs every second: `* * * * * *`) */
  cron?: Record<string, string>;
  /**
   * On start, run a daily job (cron `M H * * *`) whose time today has passed and that no instance ran today
   * (default true): a restart or a deploy at 09:05 must not lose the day's reminders. The slot is the one the tick
   * would have claimed, so an instance that did run it wins, and the run is made up once.
   */
  catchUp?: boolean;
}

/** Today's slot of a daily cron (`M H * * *`, Asia/Shanghai) when it is already past at `at`; else undefined. */
export function passedDailySlot(expression: string, at: Date): Date | undefined {
  const m = /^(\d{1,2}) (\d{1,2}) \* \* \*$/.exec(expression.trim());
  if (!m) return undefined;
  const [minute, hour] = [Number(m[1]), Number(m[2])];
  if (minute > 59 || hour > 23) return undefined;
  const slot = new Date(`${shanghaiDate(at)}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00+08:00`);
  return at.getTime() > slot.getTime() ? slot : undefined;
}

export function startScheduler(
  conn: Connection,
  jobs: readonly JobSpec[],
  log: Logger,
  now: () => Date,
  opts: SchedulerOptions = {},
): Scheduler {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  // node-cron's own messages (e.g. a missed tick under load) go to our JSON log, not to the console.
  cron.setLogger({
    info: (message) => log.debug({ cron: true }, message),
    warn: (message) => log.warn({ cron: true }, message),
    error: (message, err) => log.error({ cron: true, err }, String(message)),
    debug: (message) => log.debug({ cron: true }, String(message)),
  });
  const running = new Set<Promise<unknown>>();

  /** `slot`: the scheduled time of a cron tick (undefined for runNow). */
  const runJob = async (job: JobSpec, slot?: Date): Promise<boolean> => {
    const at = now();
    // A holder per run: a second run (here or elsewhere) while one is going never proceeds.
    const holder = randomUUID();
    const slotText = slot?.toISOString();
    try {
      if (slot && !(await claimSlot(conn, job.name, slot, holder, at))) {
        log.info({ job: job.name, slot: slotText }, 'job skipped: another instance runs this slot');
        return false;
      }
      if (!(await acquireLease(conn, `job:${job.name}`, holder, at, job.leaseMs ?? 10 * 60_000))) {
        log.info({ job: job.name, slot: slotText }, 'job skipped: a run holds the lease');
        if (slot) await finishSlot(conn, job.name, slot, 'skipped', now()).catch(() => undefined);
        return false;
      }
    } catch (err) {
      log.error({ err, job: job.name, slot: slotText }, 'job not run: the slot or lease could not be taken');
      return false;
    }
    let outcome: 'done' | 'failed' = 'done';
    try {
      await job.run(at);
      log.info({ job: job.name, slot: slotText }, 'job done');
    } catch (err) {
      outcome = 'failed';
      log.error({ err, job: job.name, slot: slotText }, 'job failed');
    } finally {
      await releaseLease(conn, `job:${job.name}`, holder).catch(() => undefined);
      if (slot) await finishSlot(conn, job.name, slot, outcome, now()).catch(() => undefined);
    }
    return true;
  };

  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    p.finally(() => running.delete(p)).catch(() => undefined);
    return p;
  };

  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(opts.cron?.[job.name] ?? job.cron, (ctx) => track(runJob(job, slotOf(ctx.date))), {
      timezone: 'Asia/Shanghai',
      name: job.name,
      noOverlap: true,
    }),
  );

  if (opts.catchUp !== false) {
    const at = now();
    for (const job of jobs) {
      const slot = passedDailySlot(opts.cron?.[job.name] ?? job.cron, at);
      if (!slot) continue;
      log.info({ job: job.name, slot: slot.toISOString() }, 'job started late: making up today’s run if no instance did it');
      void track(runJob(job, slot));
    }
  }

  return {
    runNow(name) {
      const job = byName.get(name);
      if (!job) throw new Error(`no job “${name}”`);
      return track(runJob(job));
    },
    async stop() {
      for (const t of tasks) await t.destroy();
      await Promise.allSettled([...running]);
    },
  };
}

/** The scheduled instant of a tick, to the second: the same on every instance that fires it. */
function slotOf(date: Date | undefined): Date {
  const t = (date ?? new Date()).getTime();
  return new Date(t - (t % 1000));
}
