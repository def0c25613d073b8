/** The extra checklists a visit of this task carries: its campaign's, in the order they were first imported. */
import type { ExtraChecklistSnapshot } from '../../domain/inspection';
import { extraChecklistModel } from '../../store/extraChecklist';
import type { TaskDoc } from '../../store/task';
import type { InspectionDeps } from '../inspection/common';
import { extrasSnapshot } from '../inspection/startContext';

export async function campaignExtras(deps: Pick<InspectionDeps, 'conn'>, task: Pick<TaskDoc, 'campaignId'>): Promise<ExtraChecklistSnapshot[]> {
  // 开始检查 reads the same lists with the task, in one command (inspection/startContext.ts), in the same order
  const lists = await extraChecklistModel(deps.conn).find({ campaignId: task.campaignId }).sort({ createdAt: 1, name: 1 }).lean();
  return extrasSnapshot(lists);
}
