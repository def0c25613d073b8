/** 修改 on the summary: back to one item, to answer it again (the earlier answer stays in the history). */
import { itemCount } from '../../domain/inspection';
import type { InspectionDeps, OpResult } from './common';
import { moveCursor } from './navigate';

export function openItem(deps: InspectionDeps, input: { taskId: string; openId: string; version: number; item: number }): Promise<OpResult> {
  return moveCursor(deps, input, (task) => (input.item >= 1 && input.item <= itemCount(task.checklist) ? input.item : undefined));
}
