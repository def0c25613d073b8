import { randomUUID } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import type { Connection } from 'mongoose';
import type { Logger } from '../logger';
import { acquireLease, releaseLease } from '../store/lease';

/** A scheduled job: node-cron in Asia/Shanghai, each run under a lease lock in MongoDB. */
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

export function startScheduler(conn: Connection, jobs: readonly JobSpec[], log: Logger, now: () => Date): Scheduler {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  // node-cron's own messages (e.g. a missed tick under load) go to our JSON log, not to the console.
  cron.setLogger({
    info: (message) => log.debug({ cron: true }, message),
    warn: (message) => log.warn({ cron: true }, message),
    error: (message, err) => log.error({ cron: true, err }, String(message)),
    debug: (message) => log.debug({ cron: true }, String(message)),
  });
  const running = new Set<Promise<unknown>>();

  const runJob = async (job: JobSpec): Promise<boolean> => {
    const at = now();
    // A holder per run: a second run (here or elsewhere) while one is going never proceeds.
    const holder = randomUUID();
    try {
      if (!(await acquireLease(conn, `job:${job.name}`, holder, at, job.leaseMs ?? 10 * 60_000))) {
        log.info({ job: job.name }, 'job skipped: a run holds the lease');
        return false;
      }
    } catch (err) {
      log.error({ err, job: job.name }, 'job not run: the lease could not be taken');
      return false;
    }
    try {
      await job.run(at);
      log.info({ job: job.name }, 'job done');
    } catch (err) {
      log.error({ err, job: job.name }, 'job failed');
    } finally {
      await releaseLease(conn, `job:${job.name}`, holder).catch(() => undefined);
    }
    return true;
  };

  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    p.finally(() => running.delete(p)).catch(() => undefined);
    return p;
  };

  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(job.cron, () => track(runJob(job)), { timezone: 'Asia/Shanghai', name: job.name, noOverlap: true }),
  );

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
