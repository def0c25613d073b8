/** 上一项: one item back (from the summary: the last item). */
import { previousCursor } from '../../domain/inspection';
import { extraCount } from '../../domain/visit';
import type { InspectionDeps, OpResult } from './common';
import { moveCursor } from './navigate';

export function goBack(deps: InspectionDeps, input: { taskId: string; openId: string; version: number; from: number }): Promise<OpResult> {
  return moveCursor(deps, input, (task) =>
    task.inspection!.cursor === input.from ? previousCursor(task.checklist, input.from, extraCount(task.inspection!.extras)) : undefined,
  );
}
