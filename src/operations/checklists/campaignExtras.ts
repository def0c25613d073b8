/** The extra checklists a visit of this task carries: its campaign's, in the order they were first imported. */
import type { ExtraChecklistSnapshot } from '../../domain/inspection';
import { extraChecklistModel } from '../../store/extraChecklist';
import type { TaskDoc } from '../../store/task';
import type { InspectionDeps } from '../inspection/common';

export async function campaignExtras(deps: Pick<InspectionDeps, 'conn'>, task: Pick<TaskDoc, 'campaignId'>): Promise<ExtraChecklistSnapshot[]> {
  const lists = await extraChecklistModel(deps.conn).find({ campaignId: task.campaignId }).sort({ createdAt: 1, name: 1 }).lean();
  return lists.map((l) => ({ name: l.name, items: l.items.map((i) => ({ no: i.no, text: i.text })) }));
}
