/**
 * The follow-up in chat: card actions fu.view, fu.rectify, fu.publish, fu.amend (values in followupCards.ts).
 * Each validates the callback value (zod), calls one operation, and answers with the card rendered again from the
 * stored task for the person who clicked, plus a toast. Bad input leaves the card as it is (what was typed stays)
 * and says what to do instead.
 */
import { z } from 'zod';
import { shanghaiDate } from '../domain/calendar';
import type { CallbackResponse } from '../platform/events';
import { audienceOf, inFollowUp, type FollowUpRefusal, type FollowUpResult } from '../operations/followup/common';
import { confirmRectification } from '../operations/followup/confirmRectification';
import { amendPublication, markPublished } from '../operations/followup/markPublished';
import { viewFollowUp } from '../operations/followup/viewFollowUp';
import { recordDisposal } from '../operations/followup/recordDisposal';
import type { TaskDoc } from '../store/task';
import { FMSG, followUpCard, type FollowUpBanner } from './followupCards';
import { defineAction, type ActionContext, type ActionSpec } from './router';

type Toast = NonNullable<CallbackResponse['toast']>;

const taskId = z.string().regex(/^[0-9a-f]{24}$/);
const round = z.number().int().min(0);
const MAX_ITEMS = 20;

function refusalToast(r: FollowUpRefusal): Toast {
  switch (r.code) {
    case 'notFound':
      return { type: 'error', content: FMSG.notFound };
    case 'void':
      return { type: 'warning', content: FMSG.void };
    case 'notConfirmer':
      return { type: 'error', content: FMSG.notConfirmer(r.county, r.countyHasLiaison) };
    case 'notPublisher':
      return { type: 'error', content: FMSG.notPublisher(r.county, r.countyHasLiaison) };
    case 'notInvolved':
      return { type: 'error', content: FMSG.notInvolved };
    case 'notReady':
      return { type: 'warning', content: FMSG.notReady };
    case 'stale':
      return { type: 'warning', content: FMSG.stale };
    case 'rectified':
      return { type: 'warning', content: FMSG.rectified(r.result) };
    case 'noFindings':
      return { type: 'info', content: FMSG.noFindings };
    case 'disposed':
      return { type: 'info', content: FMSG.disposed(r.kind) };
    case 'notDisposer':
      return { type: 'error', content: FMSG.notDisposer(r.county, r.countyHasLiaison) };
    case 'badDisposal':
      return { type: 'error', content: FMSG.badDisposal(r.what) };
    case 'alreadyDisposed':
      return { type: 'info', content: FMSG.alreadyDisposed(r.kind) };
    case 'alreadyConfirmed':
      return { type: 'info', content: FMSG.alreadyConfirmed(r.byName, r.on) };
    case 'alreadyPublished':
      return { type: 'info', content: FMSG.alreadyPublished(r.on, r.result) };
    case 'notAmendable':
      return { type: 'info', content: FMSG.notAmendable };
    case 'amended':
      return { type: 'info', content: FMSG.alreadyAmended(r.result, r.on, r.byName) };
    case 'statusRequired':
      return { type: 'error', content: FMSG.statusRequired(r.no) };
    case 'notAllRectified':
      return { type: 'warning', content: FMSG.notAllRectified(r.nos) };
    case 'doneRequired':
      return { type: 'error', content: FMSG.doneRequired(r.no) };
    case 'doneTooLong':
      return { type: 'error', content: FMSG.doneTooLong(r.no, r.length) };
    case 'opinionRequired':
      return { type: 'error', content: FMSG.opinionRequired };
    case 'opinionTooLong':
      return { type: 'error', content: FMSG.opinionTooLong(r.length) };
    case 'referenceTooLong':
      return { type: 'error', content: FMSG.referenceTooLong(r.length) };
    case 'badDate':
      return { type: 'error', content: FMSG.badDate };
    case 'futureDate':
      return { type: 'error', content: FMSG.futureDate(r.today) };
    case 'beforeCompletion':
      return { type: 'error', content: r.what === 'completion' ? FMSG.beforeCompletion(r.earliest) : FMSG.beforePublication(r.earliest) };
  }
}

async function cardFor(ctx: ActionContext, task: TaskDoc, banner: FollowUpBanner = { kind: 'none' }): Promise<CallbackResponse['card']> {
  const audience = await audienceOf(ctx.deps, task);
  const today = shanghaiDate(ctx.deps.now());
  return { type: 'raw', data: followUpCard(task, { openId: ctx.actor.openId, audience, today, banner }) };
}

/** The callback answer: the card of the stored state (when known) and a toast. */
async function answer<T extends object>(
  ctx: ActionContext,
  result: FollowUpResult<T>,
  ok: (task: TaskDoc, r: T) => Toast,
  banner?: (task: TaskDoc) => FollowUpBanner,
): Promise<CallbackResponse> {
  if (!result.ok) {
    const toast = refusalToast(result.refusal);
    // Outsiders, bad input, a reopened or void record: the card stays as it is (the typed text too); otherwise it is
    // refreshed from the stored state (e.g. already confirmed or published by someone else).
    const task = result.task;
    const show = task && inFollowUp(task) && !['notConfirmer', 'notPublisher', 'notInvolved', 'notDisposer'].includes(result.refusal.code);
    return show ? { toast, card: await cardFor(ctx, task) } : { toast };
  }
  return { toast: ok(result.task, result as unknown as T), card: await cardFor(ctx, result.task, banner?.(result.task)) };
}

function formValue(ctx: ActionContext, name: string): unknown {
  return ctx.action.formValue?.[name];
}

function actorOf(ctx: ActionContext) {
  return { openId: ctx.actor.openId, roles: ctx.actor.roles, county: ctx.actor.county };
}

export function followUpActions(): ActionSpec[] {
  return [
    defineAction({
      name: 'fu.view',
      schema: z.object({ a: z.literal('fu.view'), task: taskId }),
      async handle(ctx, value) {
        const result = await viewFollowUp(ctx.deps, { taskId: value.task, actor: actorOf(ctx) });
        if (!result.ok) return { toast: refusalToast(result.refusal) };
        const today = shanghaiDate(ctx.deps.now());
        return { card: { type: 'raw', data: followUpCard(result.task, { openId: ctx.actor.openId, audience: result.audience, today, banner: { kind: 'none' } }) } };
      },
    }),
    defineAction({
      name: 'fu.rectify',
      schema: z.object({ a: z.literal('fu.rectify'), task: taskId, round }),
      async handle(ctx, value) {
        const done = Array.from({ length: MAX_ITEMS }, (_, i) => formValue(ctx, `done_${i + 1}`));
        const status = Array.from({ length: MAX_ITEMS }, (_, i) => formValue(ctx, `status_${i + 1}`));
        const result = await confirmRectification(ctx.deps, {
          taskId: value.task,
          actor: actorOf(ctx),
          round: value.round,
          status,
          done,
          opinion: formValue(ctx, 'opinion'),
        });
        return answer(ctx, result, (task) => ({ type: 'success', content: FMSG.confirmedOk(task.state === '待公示') }), () => ({ kind: 'confirmed' }));
      },
    }),
    defineAction({
      name: 'fu.publish',
      schema: z.object({ a: z.literal('fu.publish'), task: taskId, round, st: z.enum(['待公示', '待整改']).optional() }),
      async handle(ctx, value) {
        const result = await markPublished(ctx.deps, {
          taskId: value.task,
          actor: actorOf(ctx),
          round: value.round,
          shownState: value.st,
          publishedOn: formValue(ctx, 'published_on'),
          reference: formValue(ctx, 'reference'),
        });
        return answer(
          ctx,
          result,
          (task, r) => ({ type: 'success', content: FMSG.publishedOk(task.publication?.result ?? '', r.late) }),
          () => ({ kind: 'published' }),
        );
      },
    }),
    defineAction({
      name: 'fu.dispose',
      schema: z.object({ a: z.literal('fu.dispose'), task: taskId, round }),
      async handle(ctx, value) {
        const result = await recordDisposal(ctx.deps, {
          taskId: value.task,
          actor: actorOf(ctx),
          round: value.round,
          kind: formValue(ctx, 'kind'),
          caseNo: formValue(ctx, 'case_no'),
          caseDate: formValue(ctx, 'case_date'),
          transferTo: formValue(ctx, 'transfer_to'),
          note: formValue(ctx, 'note'),
        });
        return answer(ctx, result, (task) => ({ type: 'success', content: FMSG.disposedOk(task.disposal?.kind ?? '') }), () => ({ kind: 'disposed' }));
      },
    }),
    defineAction({
      name: 'fu.amend',
      schema: z.object({ a: z.literal('fu.amend'), task: taskId, round }),
      async handle(ctx, value) {
        const result = await amendPublication(ctx.deps, {
          taskId: value.task,
          actor: actorOf(ctx),
          round: value.round,
          publishedOn: formValue(ctx, 'published_on'),
          reference: formValue(ctx, 'reference'),
        });
        return answer(ctx, result, () => ({ type: 'success', content: FMSG.amendedOk }), () => ({ kind: 'amended' }));
      },
    }),
  ];
}
