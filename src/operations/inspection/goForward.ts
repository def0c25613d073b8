/** 下一项: one item forward without answering again; offered only on an item that already has an answer. */
import { answerFor, summaryStep } from '../../domain/inspection';
import { extraCount } from '../../domain/visit';
import type { InspectionDeps, OpResult } from './common';
import { moveCursor } from './navigate';

export function goForward(deps: InspectionDeps, input: { taskId: string; openId: string; version: number; from: number }): Promise<OpResult> {
  return moveCursor(deps, input, (task) => {
    const rec = task.inspection!;
    if (rec.cursor !== input.from || !answerFor(rec.answers, input.from)) return undefined;
    return Math.min(input.from + 1, summaryStep(task.checklist, extraCount(rec.extras)));
  });
}
