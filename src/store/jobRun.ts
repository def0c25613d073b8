import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from './processedEvents';

/**
 * One scheduled slot of a job (e.g. the digest of 2024-05-06 08:30): whoever inserts it runs the job for that
 * slot. Several service instances on one database fire the same cron tick; the unique `_id` lets exactly one of
 * them run it (a lease alone would let a second instance run it again once the first released the lease).
 */
export interface JobRun {
  /** `<job>@<slot ISO>` */
  _id: string;
  job: string;
  slot: Date;
  holder: string;
  startedAt: Date;
  finishedAt?: Date;
  outcome?: 'done' | 'failed' | 'skipped';
}

/** Slots are kept a month (for the log of what ran), then forgotten. */
const RETENTION_SECONDS = 31 * 24 * 3600;

const schema = new Schema<JobRun>(
  {
    _id: { type: String, required: true },
    job: { type: String, required: true },
    slot: { type: Date, required: true },
    holder: { type: String, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: Date,
    outcome: { type: String, enum: ['done', 'failed', 'skipped'] },
  },
  { versionKey: false, collection: 'job_runs' },
);
schema.index({ slot: 1 }, { expireAfterSeconds: RETENTION_SECONDS });

export function jobRunModel(conn: Connection): Model<JobRun> {
  return conn.models.JobRun ?? conn.model<JobRun>('JobRun', schema);
}

/** Claims a job's slot; false when another instance (or an earlier tick of this one) already has it. */
export async function claimSlot(conn: Connection, job: string, slot: Date, holder: string, now: Date): Promise<boolean> {
  try {
    await jobRunModel(conn).create({ _id: `${job}@${slot.toISOString()}`, job, slot, holder, startedAt: now });
    return true;
  } catch (err) {
    if (isDuplicateKeyError(err)) return false;
    throw err;
  }
}

export async function finishSlot(conn: Connection, job: string, slot: Date, outcome: JobRun['outcome'], now: Date): Promise<void> {
  await jobRunModel(conn).updateOne({ _id: `${job}@${slot.toISOString()}` }, { $set: { outcome, finishedAt: now } });
}
