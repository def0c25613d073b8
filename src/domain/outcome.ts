/**
 * Where a task stands in terms of its result, whatever path it took (a checklist record or a closure): whether it is
 * complete, its completion date (the start of the 20-working-day publication clock) and the result it has or will
 * have in the dictionary (domain/results.ts). Pure; the same definitions as the aggregation in operations/progress.ts.
 */
import { resultByCode, resultByLabel, RESULT_CODES, type ResultEntry } from './results';

/** The parts of a task these rules read. */
export interface OutcomeFacts {
  state: string;
  inspection?: { completedAt?: Date; completionDate?: string; result?: string } | null;
  closure?: { status: string; code?: string; confirmedOn?: string } | null;
  rectificationCheck?: unknown;
  publication?: { publishedOn?: string; result?: string } | null;
}

export function isClosed(t: OutcomeFacts): boolean {
  return t.closure?.status === 'confirmed';
}

/** The record is complete (every member signed) or the closure confirmed, and the task not voided. */
export function isComplete(t: OutcomeFacts): boolean {
  if (t.state === '已作废') return false;
  return isClosed(t) || Boolean(t.inspection?.completedAt);
}

/** YYYY-MM-DD: the day the task was completed (the 组长's confirmation for a closure). */
export function completionDateOf(t: OutcomeFacts): string | undefined {
  if (isClosed(t)) return t.closure?.confirmedOn;
  return t.inspection?.completionDate;
}

/**
 * The result to publish now: a closure's reason; 未发现问题; 发现问题经责令已改正 once the rectification is confirmed
 * (附件2); otherwise 发现问题待后续处理 (also when the county opened a case or transferred it).
 */
export function resultToPublish(t: OutcomeFacts): ResultEntry | undefined {
  if (!isComplete(t)) return undefined;
  if (isClosed(t)) return resultByCode(t.closure?.code);
  if (t.inspection?.result !== '发现问题') return resultByCode(RESULT_CODES.noProblem);
  return resultByCode(t.rectificationCheck ? RESULT_CODES.rectified : RESULT_CODES.pending);
}

/** The task's result: as published when it is, else as it would be published now; undefined before completion. */
export function currentResult(t: OutcomeFacts): ResultEntry | undefined {
  const published = t.publication?.publishedOn ? resultByLabel(t.publication.result) : undefined;
  return published ?? resultToPublish(t);
}
