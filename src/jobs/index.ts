import type { Connection } from 'mongoose';
import type { Logger } from '../logger';
import type { Outbox } from '../platform/outbox';
import type { JobSpec } from './scheduler';

export interface JobDeps {
  conn: Connection;
  outbox: Outbox;
  log: Logger;
}

/** Every scheduled job of the service (digest, reminders …), declared once. */
export function allJobs(deps: JobDeps): JobSpec[] {
  void deps;
  return [];
}
