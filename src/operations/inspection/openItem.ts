/** 修改 on the summary: back to one item, to answer it again (the earlier answer stays in the history). */
import { itemCount } from '../../domain/inspection';
import { extraCount } from '../../domain/visit';
import type { InspectionDeps, OpResult } from './common';
import { moveCursor } from './navigate';

export function openItem(deps: InspectionDeps, input: { taskId: string; openId: string; version: number; item: number }): Promise<OpResult> {
  return moveCursor(deps, input, (task) => (input.item >= 1 && input.item <= itemCount(task.checklist) + extraCount(task.inspection?.extras) ? input.item : undefined));
}
