/**
 * 无法正常检查 in chat: the card actions close.* (values in closureCards.ts). Each validates the value (zod), calls one
 * operation and answers with the card rendered from the stored task for the clicker, plus a toast. Bad input leaves
 * the card as it is (what was typed stays).
 */
import { z } from 'zod';
import type { CallbackResponse } from '../platform/events';
import type { ClosureRefusal, ClosureResult } from '../operations/closure/common';
import { cancelClosure } from '../operations/closure/cancelClosure';
import { decideClosure } from '../operations/closure/decideClosure';
import { openClosure } from '../operations/closure/openClosure';
import { proposeClosure } from '../operations/closure/proposeClosure';
import type { TaskDoc } from '../store/task';
import { CMSG, closureCard } from './closureCards';
import { taskCard } from './inspectionCards';
import { defineAction, type ActionContext, type ActionSpec } from './router';

type Toast = NonNullable<CallbackResponse['toast']>;

const taskId = z.string().regex(/^[0-9a-f]{24}$/);

function refusalToast(r: ClosureRefusal): Toast {
  switch (r.code) {
    case 'notFound':
      return { type: 'error', content: CMSG.notFound };
    case 'notMember':
      return { type: 'error', content: CMSG.notMember };
    case 'notAllowed':
      return { type: 'error', content: CMSG.notAllowed };
    case 'void':
      return { type: 'warning', content: CMSG.void };
    case 'notClosable':
      return { type: 'warning', content: CMSG.notClosable(r.state) };
    case 'noDraft':
      return { type: 'warning', content: CMSG.noDraft };
    case 'proposed':
      return { type: 'info', content: CMSG.proposed(r.byName) };
    case 'awaitingResubmit':
      return { type: 'info', content: CMSG.awaitingResubmit(r.byName) };
    case 'notProposed':
      return { type: 'info', content: CMSG.notProposed };
    case 'confirmed':
      return { type: 'info', content: CMSG.confirmed };
    case 'reasonRequired':
      return { type: 'error', content: CMSG.reasonRequired };
    case 'badReason':
      return { type: 'error', content: CMSG.badReason };
    case 'noteRequired':
      return { type: 'error', content: CMSG.noteRequired };
    case 'noteTooLong':
      return { type: 'error', content: CMSG.noteTooLong(r.length) };
    case 'noEvidence':
      return { type: 'error', content: CMSG.noEvidence };
    case 'returnReasonRequired':
      return { type: 'error', content: CMSG.returnReasonRequired };
    case 'returnReasonTooLong':
      return { type: 'error', content: CMSG.returnReasonTooLong };
    case 'stale':
      return { type: 'warning', content: CMSG.stale };
  }
}

/** The card for the clicker: the closure card, or the task's own card once the draft is gone. */
function cardOf(ctx: ActionContext, task: TaskDoc): CallbackResponse['card'] {
  const data = task.closure ? closureCard(task, ctx.actor.openId) : taskCard(task, ctx.actor.openId);
  return { type: 'raw', data };
}

function answer<T extends object>(ctx: ActionContext, result: ClosureResult<T>, ok: (task: TaskDoc, r: T) => string): CallbackResponse {
  if (!result.ok) {
    const toast = refusalToast(result.refusal);
    // Input errors and outsiders: the card stays (typed text kept; input refusals carry no task); otherwise the
    // stored state is shown.
    return result.task && !['notMember', 'notAllowed'].includes(result.refusal.code) ? { toast, card: cardOf(ctx, result.task) } : { toast };
  }
  return { toast: { type: 'success', content: ok(result.task, result as unknown as T) }, card: cardOf(ctx, result.task) };
}

const form = (ctx: ActionContext, name: string): unknown => ctx.action.formValue?.[name];

export function closureActions(): ActionSpec[] {
  return [
    defineAction({
      name: 'close.open',
      schema: z.object({ a: z.literal('close.open'), task: taskId }),
      async handle(ctx, value) {
        const result = await openClosure(ctx.deps, { taskId: value.task, actor: ctx.actor });
        if (!result.ok) return answer(ctx, result, () => '');
        return { card: cardOf(ctx, result.task) };
      },
    }),
    defineAction({
      name: 'close.submit',
      schema: z.object({ a: z.literal('close.submit'), task: taskId }),
      async handle(ctx, value) {
        const result = await proposeClosure(ctx.deps, { taskId: value.task, actor: ctx.actor, code: form(ctx, 'reason'), note: form(ctx, 'note') });
        return answer(ctx, result, (_t, r) => (r.confirmed ? CMSG.confirmedOk : CMSG.submittedOk));
      },
    }),
    defineAction({
      name: 'close.cancel',
      schema: z.object({ a: z.literal('close.cancel'), task: taskId }),
      async handle(ctx, value) {
        return answer(ctx, await cancelClosure(ctx.deps, { taskId: value.task, actor: ctx.actor }), () => CMSG.cancelledOk);
      },
    }),
    defineAction({
      name: 'close.confirm',
      schema: z.object({ a: z.literal('close.confirm'), task: taskId }),
      async handle(ctx, value) {
        return answer(ctx, await decideClosure(ctx.deps, { taskId: value.task, actor: ctx.actor, decision: 'confirm' }), () => CMSG.confirmedOk);
      },
    }),
    defineAction({
      name: 'close.return',
      schema: z.object({ a: z.literal('close.return'), task: taskId }),
      async handle(ctx, value) {
        const result = await decideClosure(ctx.deps, { taskId: value.task, actor: ctx.actor, decision: 'return', reason: form(ctx, 'return_reason') });
        return answer(ctx, result, () => CMSG.returnedOk);
      },
    }),
  ];
}
