import { unsignedMembers } from '../../domain/inspection';
import { taskModel, type TaskDoc } from '../../store/task';
import type { InspectionDeps } from './common';
import { followUp } from './followUp';

/**
 * Repairs records left in 待签字 although every member has signed (the process died between the last signature and
 * completing the record): completes them and sends what they owe, exactly as the last signature would have.
 * Returns how many were completed.
 */
export async function completeSignedRecords(deps: InspectionDeps): Promise<number> {
  // Only the records every member has signed come back: the job runs every 5 minutes, and the records waiting for
  // signatures (hundreds in a busy week) are none of its business. Reading them all each time cost the embedded
  // database ~100 ms of its single thread per run at 800 waiting records, during which callbacks waited (npm run bench).
  // The domain's check below stays (what followUp itself completes on): a record it refuses is left alone, not nagged.
  const waiting = await taskModel(deps.conn)
    .find({
      state: '待签字',
      'inspection.completedAt': { $exists: false },
      $expr: { $setIsSubset: ['$team.openId', { $ifNull: ['$inspection.signatures.openId', []] }] },
    })
    .lean<TaskDoc[]>();
  let completed = 0;
  for (const task of waiting) {
    if (unsignedMembers(task.team, task.inspection?.signatures ?? []).length > 0) continue;
    const after = await followUp(deps, task);
    if (after.state !== '待签字') completed++;
  }
  return completed;
}
