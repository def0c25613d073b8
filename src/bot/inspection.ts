/**
 * The inspection checklist in chat (issue 4): the /我的任务 command, the card actions (insp.*) and the image hook
 * that attaches photos as evidence. Handlers validate the callback value (zod), call one operation, and answer the
 * callback with the card rendered from the stored task (and a toast), well within Feishu's 3 s.
 */
import { z } from 'zod';
import { itemCount, VERDICTS } from '../domain/inspection';
import { extraCount, visitStep } from '../domain/visit';
import type { CallbackResponse } from '../platform/events';
import type { Refusal, OpResult } from '../operations/inspection/common';
import { answerItem } from '../operations/inspection/answerItem';
import { confirmSignature } from '../operations/inspection/confirmSignature';
import { goBack } from '../operations/inspection/goBack';
import { goForward } from '../operations/inspection/goForward';
import { listMyTasks } from '../operations/inspection/listMyTasks';
import { openItem } from '../operations/inspection/openItem';
import { reopenInspection } from '../operations/inspection/reopenInspection';
import { startInspection } from '../operations/inspection/startInspection';
import { submitInspection } from '../operations/inspection/submitInspection';
import { unsignedMembers } from '../domain/inspection';
import type { TaskDoc } from '../store/task';
import {
  outsideWindowCard,
  photoNotSavedCard,
  photoSavedCard,
  signaturePageRequestCard,
  signaturePageSavedCard,
  taskCard,
  tasksListCard,
} from './inspectionCards';
import { attachMedia, type MediaInput, type MediaResult } from '../operations/inspection/attachMedia';
import { requestSignaturePages } from '../operations/inspection/requestSignaturePages';
import { evidenceSavedCard } from './closureCards';
import { renderCard, type CardJson } from './cards';
import { IMSG } from './inspectionMessages';
import { defineAction, defineTeamAction, type ActionSpec, type CommandSpec, type RouterHooks, type TeamActionContext } from './router';

type Toast = NonNullable<CallbackResponse['toast']>;

/** an ObjectId's hex: a task's id, or a campaign's */
const objectId = z.string().regex(/^[0-9a-f]{24}$/);
const taskId = objectId;
/** a step of the visit: the form's 9 items and up to 60 extra-checklist items (domain/extraChecklists.ts) */
const item = z.number().int().min(1).max(80);
const version = z.number().int().min(0);
const round = z.number().int().min(1);

function refusalToast(r: Exclude<Refusal, { code: 'duplicate' }>): Toast {
  switch (r.code) {
    case 'notFound':
      return { type: 'error', content: IMSG.notFound };
    case 'notMember':
      return { type: 'error', content: IMSG.notMember };
    case 'void':
      return { type: 'warning', content: IMSG.void };
    case 'notStarted':
      return { type: 'warning', content: IMSG.notStarted };
    case 'submitted':
      return { type: 'warning', content: IMSG.submitted };
    case 'published':
      return { type: 'warning', content: IMSG.published };
    case 'stale':
      return r.item !== undefined && r.current
        ? { type: 'warning', content: IMSG.staleAnswer(r.item, r.current.verdict, r.current.byName) }
        : { type: 'warning', content: IMSG.stale };
    case 'recordRequired':
      return { type: 'error', content: IMSG.recordRequired };
    case 'recordTooLong':
      return { type: 'error', content: IMSG.recordTooLong(r.length) };
    case 'badText':
      return { type: 'error', content: r.message };
    case 'representativeRequired':
      return { type: 'error', content: IMSG.representativeRequired };
    case 'representativeTooLong':
      return { type: 'error', content: IMSG.representativeTooLong };
    case 'incomplete':
      return { type: 'error', content: IMSG.incomplete(r.missing) };
    case 'badDays':
      return { type: 'error', content: IMSG.badDays };
    case 'notLeader':
      return { type: 'error', content: IMSG.notLeader };
    case 'noLeader':
      return { type: 'error', content: IMSG.noLeader };
    case 'reasonRequired':
      return { type: 'error', content: IMSG.reasonRequired };
    case 'reasonTooLong':
      return { type: 'error', content: IMSG.reasonTooLong };
    case 'notSigning':
      return { type: 'warning', content: IMSG.notSigning };
    case 'alreadySigned':
      return { type: 'info', content: IMSG.alreadySigned };
    case 'closing':
      return { type: 'warning', content: IMSG.closing };
    case 'outsideWindow':
      return { type: 'warning', content: IMSG.outsideWindowToast(r.from, r.to) };
  }
}

/** The callback answer: the card of the stored state (when the refusal carries it) and a toast. */
function answer<T extends object>(ctx: TeamActionContext, result: OpResult<T>, ok?: (task: TaskDoc & object, r: T) => Toast | undefined): CallbackResponse {
  const cardOf = (task: TaskDoc, draft?: { item: number; record: string }): CallbackResponse['card'] => ({ type: 'raw', data: taskCard(task, ctx.actor.openId, draft) });
  if (!result.ok) {
    // a redelivered callback whose click was already handled: nothing done again; answered with the stored state's
    // card when the operation read it (Feishu redelivers when it got no answer, so this answer is the one shown), else
    // with nothing, as the dispatcher answers the duplicates it recognises itself (platform/events.ts)
    if (result.refusal.code === 'duplicate') return result.task ? { card: cardOf(result.task) } : {};
    const toast = refusalToast(result.refusal);
    // Bad input and refusals of outsiders leave the card as it is (the typed text stays in the form).
    const r = result.refusal;
    // A refused stale answer keeps its typed text in the refreshed form.
    const draft = r.code === 'stale' && r.item !== undefined && r.draft ? { item: r.item, record: r.draft } : undefined;
    if (r.code === 'outsideWindow' && result.task) {
      return { toast, card: { type: 'raw', data: outsideWindowCard(result.task, ctx.actor.openId, r.from, r.to) } };
    }
    return result.task ? { toast, card: cardOf(result.task, draft) } : { toast };
  }
  const response: CallbackResponse = { card: cardOf(result.task) };
  const toast = ok?.(result.task, result as unknown as T);
  if (toast) response.toast = toast;
  return response;
}

function formText(ctx: TeamActionContext, name: string): unknown {
  return ctx.action.formValue?.[name];
}

function waitingSigners(task: TaskDoc): number {
  return task.inspection ? unsignedMembers(task.team, task.inspection.signatures).length : 0;
}

export function inspectionActions(): ActionSpec[] {
  return [
    defineTeamAction({
      name: 'insp.start',
      // c: the task's campaign, on the cards of a task not started yet (startInspection's one-write start)
      schema: z.object({ a: z.literal('insp.start'), task: taskId, c: objectId.optional() }),
      // startInspection applies a start once by itself (a compare-and-set from 待检查) and records the event id with
      // it; whatever else a click does, it claims the event first (action.claim): no claim for the start itself
      dedupesItself: true,
      async handle(ctx, value) {
        const reason = formText(ctx, 'window_reason');
        const { eventId, claim } = ctx.action;
        const result = await startInspection(ctx.deps, {
          taskId: value.task,
          openId: ctx.actor.openId,
          ...(reason !== undefined ? { reason } : {}),
          eventId,
          ...(claim ? { claim } : {}),
          ...(value.c !== undefined ? { campaign: value.c } : {}),
        });
        return answer(ctx, result, (task, r) =>
          r.started ? { type: 'success', content: IMSG.started(itemCount(task.checklist) + extraCount(task.inspection?.extras)) } : undefined,
        );
      },
    }),
    defineTeamAction({
      name: 'insp.answer',
      schema: z.object({ a: z.literal('insp.answer'), task: taskId, item, v: version, verdict: z.enum(VERDICTS) }),
      // answerItem applies an answer once by itself (a compare-and-set on the card's version) and records the event id
      // with it: a redelivery is recognised there, without a claim of its own (router.ts ActionSpec.dedupesItself)
      dedupesItself: true,
      async handle(ctx, value) {
        const result = await answerItem(ctx.deps, {
          eventId: ctx.action.eventId,
          taskId: value.task,
          openId: ctx.actor.openId,
          item: value.item,
          verdict: value.verdict,
          record: formText(ctx, 'record'),
          version: value.v,
        });
        return answer(ctx, result, (task, r) => {
          const step = visitStep(task.checklist, task.inspection?.extras, r.saved.item);
          const content = step?.part === 'extra' ? IMSG.savedExtra(step.source, step.no, r.saved.verdict) : IMSG.saved(r.saved.item, r.saved.verdict);
          return { type: 'success', content: r.carriedOver ? `${content}${IMSG.recordNotCarried}` : content };
        });
      },
    }),
    defineTeamAction({
      name: 'insp.back',
      schema: z.object({ a: z.literal('insp.back'), task: taskId, item: z.number().int().min(1).max(81), v: version }),
      async handle(ctx, value) {
        return answer(ctx, await goBack(ctx.deps, { taskId: value.task, openId: ctx.actor.openId, version: value.v, from: value.item }));
      },
    }),
    defineTeamAction({
      name: 'insp.next',
      schema: z.object({ a: z.literal('insp.next'), task: taskId, item, v: version }),
      async handle(ctx, value) {
        return answer(ctx, await goForward(ctx.deps, { taskId: value.task, openId: ctx.actor.openId, version: value.v, from: value.item }));
      },
    }),
    defineTeamAction({
      name: 'insp.edit',
      schema: z.object({ a: z.literal('insp.edit'), task: taskId, item, v: version }),
      async handle(ctx, value) {
        return answer(ctx, await openItem(ctx.deps, { taskId: value.task, openId: ctx.actor.openId, version: value.v, item: value.item }));
      },
    }),
    defineTeamAction({
      name: 'insp.submit',
      schema: z.object({ a: z.literal('insp.submit'), task: taskId, v: version }),
      async handle(ctx, value) {
        const result = await submitInspection(ctx.deps, {
          taskId: value.task,
          openId: ctx.actor.openId,
          version: value.v,
          representative: formText(ctx, 'representative'),
          days: formText(ctx, 'days'),
        });
        return answer(ctx, result, (task) => ({ type: 'success', content: IMSG.submittedOk(waitingSigners(task)) }));
      },
    }),
    defineTeamAction({
      name: 'insp.sign',
      schema: z.object({ a: z.literal('insp.sign'), task: taskId, round }),
      async handle(ctx, value) {
        const result = await confirmSignature(ctx.deps, {
          taskId: value.task,
          openId: ctx.actor.openId,
          round: value.round,
          days: formText(ctx, 'days'),
        });
        return answer(ctx, result, (task) => ({ type: 'success', content: IMSG.signedOk(waitingSigners(task)) }));
      },
    }),
    defineAction({
      name: 'insp.sigpage',
      schema: z.object({ a: z.literal('insp.sigpage'), task: taskId }),
      async handle(ctx, value) {
        const result = await requestSignaturePages(ctx.deps, { taskId: value.task, actor: ctx.actor });
        if (!result.ok) return answer(ctx, result);
        return { toast: { type: 'info', content: IMSG.signaturePageTitle }, card: { type: 'raw', data: signaturePageRequestCard(result.task, result.until) } };
      },
    }),
    defineTeamAction({
      name: 'insp.reopen',
      schema: z.object({ a: z.literal('insp.reopen'), task: taskId, round }),
      async handle(ctx, value) {
        const result = await reopenInspection(ctx.deps, {
          taskId: value.task,
          openId: ctx.actor.openId,
          round: value.round,
          reason: formText(ctx, 'reason'),
        });
        return answer(ctx, result, () => ({ type: 'success', content: IMSG.reopenedOk }));
      },
    }),
  ];
}

export function inspectionCommands(): CommandSpec[] {
  return [
    {
      id: 'tasks',
      names: ['我的任务', 'tasks'],
      confidential: true,
      audience: ['组长', '执法人员', '专家'],
      args: 'none',
      usage: '/我的任务',
      summary: IMSG.tasksCommandSummary,
      detail: IMSG.tasksCommandDetail,
      async handle(ctx) {
        const { tasks, total } = await listMyTasks(ctx.deps, ctx.actor.openId);
        await ctx.reply(tasksListCard(tasks, total, ctx.actor.openId));
      },
    },
  ];
}

/**
 * A picture or a document a member sent: closure evidence, a 签字页, or evidence of the current checklist item
 * (operations/inspection/attachMedia.ts). Returns the card to answer with, or undefined when the sender has no
 * task at all (the usual /帮助 pointer then). Documents: the file-message intake calls this with kind 'file'.
 */
export async function mediaReply(deps: Parameters<typeof attachMedia>[0], input: MediaInput): Promise<CardJson | undefined> {
  return mediaCard(await attachMedia(deps, input));
}

/** The card that answers a picture or document, from what attachMedia did with it (see mediaReply). */
export function mediaCard(result: MediaResult): CardJson | undefined {
  if (result.purpose === 'closure' && result.ok) return evidenceSavedCard(result.task, result.count);
  if (result.purpose === 'signature' && result.ok) return signaturePageSavedCard(result.task, result.count);
  if (result.purpose === 'none') {
    const text = result.reason === 'closureFull' ? IMSG.closureFull : IMSG.fileNotKept;
    return renderCard('message', { title: IMSG.fileNotKeptTitle, color: 'orange', paragraphs: [text] });
  }
  if (result.purpose === 'item') {
    if (result.ok) return photoSavedCard(result.task, result.photo.item, result.countForItem);
    if (result.hasTasks) return photoNotSavedCard();
  }
  return undefined;
}

/** Pictures from a team member: see mediaReply. */
export const inspectionHooks: RouterHooks = {
  async onImage(ctx) {
    const card = await mediaReply(ctx.deps, { openId: ctx.actor.openId, kind: 'image', key: ctx.imageKey, messageId: ctx.message.messageId });
    if (!card) return false;
    await ctx.reply(card);
    return true;
  },
};

