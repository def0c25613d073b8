/**
 * One visit, several checklists (进一次门，查多项事, notice 四(一)): the form's items (附件3/附件4, 9 each) come first,
 * then the items of the campaign's extra checklists (e.g. 工业产品质量安全“零事故”创建指导, 重点工业产品质量安全隐患
 * 排查), in the same 符合 / 不符合 / 检查记录 flow. The visit numbers its steps 1 … n + m: step k ≤ n is item k of the
 * form, step n + j is the j-th extra item (lists in order, items in order). Answers are stored under the step number
 * (`Answer.item`), so the record, the history and the version checks need nothing new.
 *
 * Only the form's items decide the inspection result and the 意见汇总表 (domain/inspection.ts outcomeOf); the extra
 * lists are recorded, exported and counted on their own (附件5 sheet 进一次门查多项事).
 */
import { CHECKLISTS, type ChecklistKind } from './checklists';
import { answerFor, itemCount, type Answer, type ExtraChecklistSnapshot } from './inspection';

export function extraCount(extras: readonly ExtraChecklistSnapshot[] | undefined): number {
  return (extras ?? []).reduce((n, x) => n + x.items.length, 0);
}

export interface VisitStep {
  step: number;
  /** 'form': an item of 附件3/附件4; 'extra': an item of an extra checklist */
  part: 'form' | 'extra';
  /** the form's number (附件3) or the extra checklist's name */
  source: string;
  /** index of the extra checklist (part 'extra') */
  list?: number;
  /** the item's 序号 within its checklist */
  no: number;
  /** items of that checklist */
  of: number;
  content: string;
}

/** The step `step` of a visit, or undefined when there is no such step. */
export function visitStep(kind: ChecklistKind, extras: readonly ExtraChecklistSnapshot[] | undefined, step: number): VisitStep | undefined {
  const form = CHECKLISTS[kind];
  const n = itemCount(kind);
  if (!Number.isInteger(step) || step < 1) return undefined;
  if (step <= n) {
    const item = form.items[step - 1]!;
    return { step, part: 'form', source: form.form, no: item.no, of: n, content: item.content };
  }
  let offset = n;
  for (const [list, x] of (extras ?? []).entries()) {
    if (step <= offset + x.items.length) {
      const item = x.items[step - offset - 1]!;
      return { step, part: 'extra', source: x.name, list, no: item.no, of: x.items.length, content: item.text };
    }
    offset += x.items.length;
  }
  return undefined;
}

/** Every step of the visit, in order. */
export function visitSteps(kind: ChecklistKind, extras: readonly ExtraChecklistSnapshot[] | undefined): VisitStep[] {
  const total = itemCount(kind) + extraCount(extras);
  const steps: VisitStep[] = [];
  for (let k = 1; k <= total; k++) steps.push(visitStep(kind, extras, k)!);
  return steps;
}

/** One extra checklist with the visit's answers, for its own record (.docx) and for the counts. */
export interface ExtraRecord {
  name: string;
  items: { no: number; text: string; answer?: Answer }[];
}

export function extraRecords(kind: ChecklistKind, extras: readonly ExtraChecklistSnapshot[] | undefined, answers: readonly Answer[]): ExtraRecord[] {
  let step = itemCount(kind);
  return (extras ?? []).map((x) => ({
    name: x.name,
    items: x.items.map((item) => {
      step += 1;
      const answer = answerFor(answers, step);
      return answer ? { no: item.no, text: item.text, answer } : { no: item.no, text: item.text };
    }),
  }));
}
